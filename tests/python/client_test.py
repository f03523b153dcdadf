"""Hearken's contracts from another language: Python stubs generated from proto/ drive a
running server (ingest, list, classify, report, health), then a client with no stubs at all calls the
services through server reflection only, as another company's system would.

Usage: python client_test.py STUBS_DIR SERVER_ADDRESS   (tests/python/run.sh does it all)
"""
import sys
import unittest

STUBS, ADDRESS = sys.argv[1], sys.argv[2]
sys.path.insert(0, STUBS)

import time  # noqa: E402

import grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from hearken.v1 import classify_pb2  # noqa: E402
from hearken.v1 import ingest_pb2, ingest_pb2_grpc, mention_pb2  # noqa: E402
from hearken.v1 import classify_pb2_grpc  # noqa: E402
from hearken.v1 import report_pb2, report_pb2_grpc  # noqa: E402


def mention(external_id, text, handle="pyclient", source="twitter"):
    return mention_pb2.Mention(
        source=source,
        external_id=external_id,
        author=mention_pb2.Author(handle=handle, followers_count=120),
        text=text,
        create_time={"seconds": 1424806552},
    )


class GeneratedStubs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.channel = grpc.insecure_channel(ADDRESS)

    def test_health_is_serving(self):
        health = health_pb2_grpc.HealthStub(self.channel)
        answer = health.Check(health_pb2.HealthCheckRequest(service="hearken.v1.IngestService"))
        self.assertEqual(answer.status, health_pb2.HealthCheckResponse.SERVING)

    def test_ingest_then_list(self):
        ingest = ingest_pb2_grpc.IngestServiceStub(self.channel)
        batch = [
            mention("py-1", "@united my bag never arrived, third time this month"),
            mention("py-2", "Loving the new lounge at SFO @united"),
            mention("py-bad", ""),
        ]
        summary = ingest.IngestBatch(ingest_pb2.IngestBatchRequest(mentions=batch)).summary
        self.assertEqual(summary.accepted_count, 2)
        self.assertEqual(summary.rejected_count, 1)
        self.assertEqual(summary.errors[0].index, 2)
        self.assertEqual(summary.errors[0].field, "text")
        listed = ingest.ListMentions(ingest_pb2.ListMentionsRequest(source="twitter", page_size=10))
        self.assertEqual({m.external_id for m in listed.mentions}, {"py-1", "py-2"})

    def test_classify_routes_and_scores(self):
        classify = classify_pb2_grpc.ClassifyServiceStub(self.channel)
        request = classify_pb2.ClassifyRequest(documents=[
            classify_pb2.Document(id="a", text="My refund still hasn't arrived, this is awful"),
            classify_pb2.Document(id="b", text="Are you hiring software engineers in Austin?"),
        ])
        answer = classify.Classify(request).classifications
        self.assertEqual(len(answer), 2)
        self.assertLess(answer[0].sentiment.compound, 0)
        self.assertEqual(answer[0].departments[0].id, "customer_service")
        self.assertEqual(answer[1].intent.id, "job_inquiry")

    def test_report_counts_what_was_enriched(self):
        ingest = ingest_pb2_grpc.IngestServiceStub(self.channel)
        batch = [
            mention("r-1", "@united terrible service, the worst flight ever, I hate it", source="pyreport"),
            mention("r-2", "Great crew on UA 12 today, thanks!", source="pyreport"),
        ]
        ingest.IngestBatch(ingest_pb2.IngestBatchRequest(mentions=batch))
        report = report_pb2_grpc.ReportServiceStub(self.channel)
        only_ours = report_pb2.ReportFilter(dimensions=[report_pb2.DimensionFilter(
            dimension=report_pb2.DIMENSION_SOURCE, values=["pyreport"])])
        request = report_pb2.VolumeRequest(
            filter=only_ours, bucket_width=report_pb2.BUCKET_WIDTH_DAY,
            group_by=report_pb2.DIMENSION_SENTIMENT)
        deadline = time.monotonic() + 60
        while True:
            series = report.Volume(request).series
            counted = sum(p.count for s in series for p in s.points)
            if counted == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(counted, 2)
        self.assertEqual({s.key for s in series}, {"negative", "positive"})

    def test_bad_input_is_invalid_argument(self):
        classify = classify_pb2_grpc.ClassifyServiceStub(self.channel)
        with self.assertRaises(grpc.RpcError) as caught:
            classify.Classify(classify_pb2.ClassifyRequest(documents=[]))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class ReflectionOnly(unittest.TestCase):
    """No generated code: the services describe themselves."""

    def test_services_are_listed_and_callable(self):
        from grpc_requests import Client

        client = Client.get_by_endpoint(ADDRESS)
        services = set(client.service_names)
        for name in ("hearken.v1.IngestService", "hearken.v1.ClassifyService",
                     "hearken.v1.InfluenceService", "hearken.v1.ReportService"):
            self.assertIn(name, services)
        answer = client.request("hearken.v1.ClassifyService", "Classify", {
            "documents": [{"id": "r", "text": "Thank you, the crew was wonderful!"}],
        })
        self.assertGreater(answer["classifications"][0]["sentiment"]["compound"], 0.5)
        stats = client.request("hearken.v1.IngestService", "GetQueueStats", {})
        self.assertEqual(int(stats["max_queue_depth"]), 1_000_000)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
