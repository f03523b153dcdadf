use std::time::Duration;

use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use hearken_proto::v1::influence_service_client::InfluenceServiceClient;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;

use crate::helpers::{TempDir, TestApp, config, http_get, mention, within};

#[tokio::test]
async fn health_answers_serving_then_nothing_after_shutdown() {
    let dir = TempDir::new();
    let app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let url = app.url();
    let status = within(hearken::healthcheck::check(
        &url,
        None,
        Duration::from_secs(5),
    ))
    .await
    .unwrap();
    assert_eq!(status, ServingStatus::Serving);
    app.stop().await;
    assert!(
        within(hearken::healthcheck::check(
            &url,
            None,
            Duration::from_secs(2)
        ))
        .await
        .is_err()
    );
}

#[tokio::test]
async fn reflection_lists_every_service() {
    let dir = TempDir::new();
    let app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let channel = within(
        tonic::transport::Endpoint::from_shared(app.url())
            .unwrap()
            .connect(),
    )
    .await
    .unwrap();
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = within(client.server_reflection_info(tokio_stream::iter([request])))
        .await
        .unwrap()
        .into_inner();
    let response = within(responses.next()).await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "hearken.v1.IngestService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    app.stop().await;
}

/// A stream in flight at shutdown is served to its end, while `/healthz` answers 503.
#[tokio::test]
async fn shutdown_lets_a_stream_in_flight_finish() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender
        .send(pb::IngestRequest {
            mentions: vec![mention("f-1", "before the signal")],
        })
        .await
        .unwrap();
    let mut client = app.ingest.clone();
    let call = tokio::spawn(async move {
        client
            .ingest(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await
    });
    // Wait until the first message is stored, so the stream is surely in flight.
    loop {
        let stored = app.all_mentions(pb::ListMentionsRequest::default()).await;
        if !stored.is_empty() {
            break;
        }
        tokio::task::yield_now().await;
    }
    // While the stream drains, probes are told to send no more work.
    let stopping = app.drain().await;
    sender
        .send(pb::IngestRequest {
            mentions: vec![mention("f-2", "after the signal")],
        })
        .await
        .unwrap();
    drop(sender);
    let summary = within(call)
        .await
        .unwrap()
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!(
        summary.accepted_count, 2,
        "the stream in flight was served to its end"
    );
    within(stopping).await.unwrap().unwrap();
}

#[tokio::test]
async fn http_healthz_answers_probes() {
    let dir = TempDir::new();
    let app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let response = within(http_get(app.http_addr, "/healthz")).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("SERVING\n"), "{response}");
    let missing = within(http_get(app.http_addr, "/nope")).await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    app.stop().await;
}

/// `hearken status` lists each role a server runs with its version and what matters about it,
/// and says so when a server cannot be reached.
#[tokio::test]
async fn status_reports_roles_queue_and_model() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    within(app.ingest.ingest_batch(pb::IngestBatchRequest {
        mentions: vec![mention("s1", "hello"), mention("s2", "world")],
    }))
    .await
    .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    let lines = within(hearken::status::collect(
        &[app.url(), gone.clone()],
        None,
        None,
        Duration::from_secs(2),
    ))
    .await;
    let role = |name: &str| lines.iter().find(|l| l.role == name).unwrap();
    assert_eq!(role("ingest").health, "SERVING");
    assert_eq!(role("ingest").version, env!("CARGO_PKG_VERSION"));
    assert!(
        role("ingest").detail.starts_with("queue 2 pending"),
        "{:?}",
        role("ingest")
    );
    assert!(role("classify").detail.starts_with("model "));
    assert_eq!(role("influence").health, "SERVING");
    let unreachable = lines.iter().find(|l| l.server == gone).unwrap();
    assert_eq!(unreachable.health, "UNREACHABLE");
    let table = hearken::status::render(&lines);
    assert!(table.starts_with("SERVER"), "{table}");
    let ingest_row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        ingest_row[1..4],
        ["ingest", "SERVING", env!("CARGO_PKG_VERSION")],
        "{table}"
    );
    app.stop().await;
}

/// `/metrics` speaks the Prometheus text format and counts what happened: calls by method,
/// records ingested by outcome, documents classified, recompute durations.
#[tokio::test]
async fn metrics_count_calls_and_records() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    within(app.ingest.ingest_batch(pb::IngestBatchRequest {
        mentions: vec![
            mention("m1", "hello"),
            mention("m1", "again"),
            mention("m2", ""),
        ],
    }))
    .await
    .unwrap();
    let mut classify = within(ClassifyServiceClient::connect(app.url()))
        .await
        .unwrap();
    within(classify.classify(pb::ClassifyRequest {
        documents: vec![pb::Document {
            text: "where is my refund".into(),
            ..Default::default()
        }],
        ..Default::default()
    }))
    .await
    .unwrap();
    let mut influence = within(InfluenceServiceClient::connect(app.url()))
        .await
        .unwrap();
    within(influence.recompute(pb::RecomputeRequest {}))
        .await
        .unwrap();
    let response = within(http_get(app.http_addr, "/metrics")).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("hearken_documents_classified_total{rpc=\"Classify\"}"),
        "{response}"
    );
    assert!(
        response.contains("hearken_influence_recompute_seconds_count"),
        "{response}"
    );
    assert!(response.contains("text/plain; version=0.0.4"), "{response}");
    assert!(
        response.contains("# TYPE hearken_grpc_requests_total counter"),
        "{response}"
    );
    assert!(
        response.contains("method=\"/hearken.v1.IngestService/IngestBatch\""),
        "{response}"
    );
    assert!(
        response.contains("hearken_grpc_request_duration_seconds_bucket{method=\"/hearken.v1.IngestService/IngestBatch\",le=\"+Inf\"}"),
        "{response}"
    );
    // The registry is process-wide and tests run in parallel: assert presence, not totals.
    for outcome in ["accepted", "duplicate", "rejected"] {
        assert!(
            response.contains(&format!(
                "hearken_mentions_ingested_total{{outcome=\"{outcome}\"}}"
            )),
            "{response}"
        );
    }
    app.stop().await;
}

/// A call still running after `--request-timeout-secs` is ended by the server. tonic answers
/// its own timeout with CANCELLED ("Timeout expired"); a client's shorter deadline
/// (`grpc-timeout`) gives DEADLINE_EXCEEDED on the client's side instead.
#[tokio::test]
async fn a_call_past_the_request_timeout_is_cancelled() {
    let dir = TempDir::new();
    let mut config = config(&dir.sqlite_url());
    config.grpc.request_timeout_secs = 1;
    let mut app = TestApp::spawn(config).await;
    // A stream that never ends runs until the server's timeout.
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let cancelled = within(app.ingest.ingest(ReceiverStream::new(receiver)))
        .await
        .unwrap_err();
    assert_eq!(cancelled.code(), tonic::Code::Cancelled, "{cancelled:?}");
    assert_eq!(cancelled.message(), "Timeout expired");
    drop(sender);
    app.stop().await;
}

/// Past `--max-concurrent-requests` on one connection, a call waits for a slot rather than
/// failing.
#[tokio::test]
async fn calls_beyond_the_concurrency_limit_wait_their_turn() {
    let dir = TempDir::new();
    let mut config = config(&dir.sqlite_url());
    config.grpc.max_concurrent_requests = 1;
    let app = TestApp::spawn(config).await;
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    sender
        .send(pb::IngestRequest {
            mentions: vec![mention("c-1", "holding the only slot")],
        })
        .await
        .unwrap();
    let mut streaming = app.ingest.clone();
    let holding =
        tokio::spawn(async move { streaming.ingest(ReceiverStream::new(receiver)).await });
    // Once its first message is stored, the stream surely holds the slot. (Checked on another
    // connection: the limit is per connection.)
    let mut observer = within(IngestServiceClient::connect(app.url()))
        .await
        .unwrap();
    loop {
        let stats = within(observer.get_queue_stats(pb::GetQueueStatsRequest {}))
            .await
            .unwrap()
            .into_inner();
        if stats.pending_count == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }

    let mut same_connection = app.ingest.clone();
    let mut waiting = tokio::spawn(async move {
        same_connection
            .get_queue_stats(pb::GetQueueStatsRequest {})
            .await
    });
    // The limit never lets it through while the stream runs; the pause only gives a broken
    // limit the chance to show.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut waiting)
            .await
            .is_err(),
        "the second call ran beside the first"
    );
    drop(sender);
    within(holding).await.unwrap().unwrap();
    let stats = within(waiting).await.unwrap().unwrap().into_inner();
    assert_eq!(stats.pending_count, 1, "it ran once the slot was free");
    app.stop().await;
}
