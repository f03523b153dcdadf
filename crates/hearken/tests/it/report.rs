//! The report service over gRPC, on a store seeded from real airline tweets through the real
//! enrich pipeline: every RPC, filters and grouping, pages, the audit trail, a planted spike
//! delivered to a webhook that fails once, and an export of every row.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_proto::v1::influence_service_client::InfluenceServiceClient;
use hearken_proto::v1::report_service_client::ReportServiceClient;
use hearken_store::Store;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::helpers::{
    TempDir, TestApp, airline_tweets, drained, enriching, ingest, mention, postgres_url, within,
};

#[tokio::test]
async fn reports_on_sqlite() {
    let dir = TempDir::new();
    reports(&dir.sqlite_url()).await;
}

#[tokio::test]
async fn reports_on_postgres() {
    if let Some(url) = postgres_url().await {
        reports(&url).await;
    }
}

const TWEETS: usize = 600;
const PLANTED: usize = 30;

async fn reports(database_url: &str) {
    let webhook = Webhook::start().await;
    let mut config = enriching(database_url);
    config.report.alert_interval_secs = 1;
    config.report.webhook_backoff_ms = 50;
    let mut app = TestApp::spawn(config).await;
    for (name, query, brand) in [
        ("united", "united", true),
        ("american", "americanair", true),
        ("delta", "delta", true),
        ("zeppelin", "zeppelin", false),
    ] {
        within(app.ingest.put_topic(pb::PutTopicRequest {
            topic: Some(pb::Topic {
                name: name.into(),
                query: query.into(),
                brand,
                ..Default::default()
            }),
        }))
        .await
        .unwrap();
    }
    assert_eq!(
        ingest(&mut app, airline_tweets(TWEETS)).await,
        TWEETS as i64
    );
    let store = Store::connect(database_url).await.unwrap();
    drained(&store).await;
    within(
        InfluenceServiceClient::connect(app.url())
            .await
            .unwrap()
            .recompute(pb::RecomputeRequest {}),
    )
    .await
    .unwrap();
    let mut client = ReportServiceClient::connect(app.url()).await.unwrap();
    let mentions = app
        .all_mentions(pb::ListMentionsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await;
    assert_eq!(mentions.len(), TWEETS);

    volume_matches_the_classified_mentions(&mut client, &mentions).await;
    share_of_voice_and_reach(&mut client, &mentions).await;
    voices_and_map(&mut client, &mentions).await;
    inbox_pages_and_audit_trail(&mut client, &mentions).await;
    rejects_bad_requests(&mut client).await;

    // A planted burst on a topic nobody mentioned before: a spike, posted to the webhook
    // (which fails once), and every attempt logged.
    within(client.put_alert_rule(pb::PutAlertRuleRequest {
        rule: Some(pb::AlertRule {
            name: "zeppelin-burst".into(),
            topic: "zeppelin".into(),
            threshold_standard_deviations: 3.0,
            baseline_buckets: 24,
            bucket_width: pb::BucketWidth::Hour as i32,
            cooldown_minutes: 60,
            webhook_url: webhook.url(),
            ..Default::default()
        }),
    }))
    .await
    .unwrap();
    let rules = within(client.list_alert_rules(pb::ListAlertRulesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .rules;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].webhook_url, webhook.url());
    let now = chrono::Utc::now();
    let planted: Vec<pb::Mention> = (0..PLANTED)
        .map(|i| {
            let mut m = mention(&format!("zeppelin-{i}"), "@united the zeppelin lost my bag");
            m.create_time = Some(Timestamp {
                seconds: now.timestamp() - 60,
                nanos: 0,
            });
            m
        })
        .collect();
    assert_eq!(ingest(&mut app, planted).await, PLANTED as i64);
    let stats = drained(&store).await;
    let enriched = stats.enriched;
    assert_eq!(enriched, (TWEETS + PLANTED) as i64);

    let spikes = within(client.spikes(pb::SpikesRequest {
        topic: "zeppelin".into(),
        time_range: Some(range(now.timestamp() - 2 * 86_400, now.timestamp() + 3_600)),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .spikes;
    let overall: Vec<&pb::Spike> = spikes.iter().filter(|s| s.department.is_empty()).collect();
    assert_eq!(overall.len(), 1, "{spikes:?}");
    assert_eq!(overall[0].count, PLANTED as i64);
    assert_eq!(overall[0].topic, "zeppelin");
    // The same burst by day: the day it happened on stands out of the quiet days before.
    let daily = within(client.spikes(pb::SpikesRequest {
        topic: "zeppelin".into(),
        time_range: Some(range(now.timestamp() - 2 * 86_400, now.timestamp() + 3_600)),
        bucket_width: pb::BucketWidth::Day.into(),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .spikes;
    let overall: Vec<(i64, i64)> = daily
        .iter()
        .filter(|s| s.department.is_empty())
        .map(|s| (s.bucket_start_time.unwrap().seconds, s.count))
        .collect();
    let planted_day = (now.timestamp() - 60).div_euclid(86_400) * 86_400;
    assert_eq!(overall, [(planted_day, PLANTED as i64)], "{daily:?}");
    let quiet = within(client.spikes(pb::SpikesRequest {
        topic: "zeppelin".into(),
        time_range: Some(range(1_424_000_000, 1_425_000_000)),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .spikes;
    assert!(quiet.is_empty(), "nothing on a flat series: {quiet:?}");

    let deliveries = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let log = store.alert_deliveries("zeppelin-burst").await.unwrap();
            if log.iter().any(|d| d.delivered) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the alert was not delivered within a minute");
    let attempts: Vec<(i32, Option<i32>, bool)> = deliveries
        .iter()
        .map(|d| (d.attempt, d.status_code, d.delivered))
        .collect();
    assert_eq!(attempts, [(1, Some(500), false), (2, Some(200), true)]);
    let received = webhook.bodies();
    assert_eq!(received.len(), 2, "one failed post and its retry");
    let alert: serde_json::Value = serde_json::from_str(&received[1]).unwrap();
    assert_eq!(alert["rule"], "zeppelin-burst");
    assert_eq!(alert["count"], PLANTED as i64);

    exports_every_row(&mut client, enriched).await;

    within(client.delete_alert_rule(pb::DeleteAlertRuleRequest {
        name: "zeppelin-burst".into(),
    }))
    .await
    .unwrap();
    let gone = within(client.delete_alert_rule(pb::DeleteAlertRuleRequest {
        name: "zeppelin-burst".into(),
    }))
    .await
    .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);

    store.close().await;
    app.stop().await;
}

fn range(start: i64, end: i64) -> pb::TimeRange {
    pb::TimeRange {
        start_time: Some(Timestamp {
            seconds: start,
            nanos: 0,
        }),
        end_time: Some(Timestamp {
            seconds: end,
            nanos: 0,
        }),
    }
}

fn departments(m: &pb::Mention) -> Vec<&str> {
    m.classification
        .as_ref()
        .map(|c| c.departments.iter().map(|d| d.id.as_str()).collect())
        .unwrap_or_default()
}

fn label(m: &pb::Mention) -> i32 {
    m.classification
        .as_ref()
        .and_then(|c| c.sentiment)
        .map_or(0, |s| s.label)
}

fn filter(dimension: pb::Dimension, values: &[&str]) -> pb::DimensionFilter {
    pb::DimensionFilter {
        dimension: dimension as i32,
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn totals(response: &pb::VolumeResponse) -> HashMap<String, i64> {
    response
        .series
        .iter()
        .map(|s| (s.key.clone(), s.points.iter().map(|p| p.count).sum()))
        .collect()
}

async fn volume(
    client: &mut ReportServiceClient<Channel>,
    dimensions: Vec<pb::DimensionFilter>,
    group_by: pb::Dimension,
    width: pb::BucketWidth,
) -> pb::VolumeResponse {
    within(client.volume(pb::VolumeRequest {
        filter: Some(pb::ReportFilter {
            time_range: None,
            dimensions,
        }),
        bucket_width: width as i32,
        group_by: group_by as i32,
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn volume_matches_the_classified_mentions(
    client: &mut ReportServiceClient<Channel>,
    mentions: &[pb::Mention],
) {
    let total = volume(
        client,
        vec![],
        pb::Dimension::Unspecified,
        pb::BucketWidth::Hour,
    )
    .await;
    assert_eq!(total.series.len(), 1);
    assert_eq!(totals(&total)[""], TWEETS as i64);
    let points = &total.series[0].points;
    assert!(
        points
            .windows(2)
            .all(|w| w[0].bucket_start_time.unwrap().seconds
                < w[1].bucket_start_time.unwrap().seconds),
        "buckets in time order"
    );
    assert!(
        points
            .iter()
            .all(|p| p.bucket_start_time.unwrap().seconds % 3_600 == 0)
    );
    let daily = volume(
        client,
        vec![],
        pb::Dimension::Unspecified,
        pb::BucketWidth::Day,
    )
    .await;
    assert_eq!(totals(&daily)[""], TWEETS as i64);
    assert!(daily.series[0].points.len() < points.len());

    let by_department = totals(
        &volume(
            client,
            vec![],
            pb::Dimension::Department,
            pb::BucketWidth::Week,
        )
        .await,
    );
    let mut expected: HashMap<String, i64> = HashMap::new();
    for m in mentions {
        for department in departments(m) {
            *expected.entry(department.to_owned()).or_default() += 1;
        }
    }
    assert_eq!(by_department, expected);

    let by_sentiment = totals(
        &volume(
            client,
            vec![],
            pb::Dimension::Sentiment,
            pb::BucketWidth::Day,
        )
        .await,
    );
    let negative = mentions
        .iter()
        .filter(|m| label(m) == pb::SentimentLabel::Negative as i32)
        .count() as i64;
    assert_eq!(by_sentiment["negative"], negative);

    // The customer service department's volume by listening topic, from its rollups.
    let cs_topics = totals(
        &volume(
            client,
            vec![filter(pb::Dimension::Department, &["customer_service"])],
            pb::Dimension::Topic,
            pb::BucketWidth::Day,
        )
        .await,
    );
    let cs_united = mentions
        .iter()
        .filter(|m| departments(m).contains(&"customer_service"))
        .filter(|m| m.matched_topics.iter().any(|t| t == "united"))
        .count() as i64;
    assert!(cs_united > 0);
    assert_eq!(cs_topics["united"], cs_united);

    // Two dimensions at once come from the mentions.
    let negative_united = totals(
        &volume(
            client,
            vec![
                filter(pb::Dimension::Topic, &["united"]),
                filter(pb::Dimension::Sentiment, &["negative"]),
            ],
            pb::Dimension::Unspecified,
            pb::BucketWidth::Day,
        )
        .await,
    );
    let expected = mentions
        .iter()
        .filter(|m| m.matched_topics.iter().any(|t| t == "united"))
        .filter(|m| label(m) == pb::SentimentLabel::Negative as i32)
        .count() as i64;
    assert_eq!(negative_united[""], expected);
}

async fn share_of_voice_and_reach(
    client: &mut ReportServiceClient<Channel>,
    mentions: &[pb::Mention],
) {
    let brands = within(client.share_of_voice(pb::ShareOfVoiceRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .brands;
    let names: HashSet<&str> = brands.iter().map(|b| b.topic.as_str()).collect();
    assert_eq!(names, HashSet::from(["united", "american", "delta"]));
    for brand in &brands {
        let expected = mentions
            .iter()
            .filter(|m| m.matched_topics.contains(&brand.topic))
            .count() as i64;
        assert_eq!(brand.count, expected, "{}", brand.topic);
        assert_eq!(
            brand.positive_count + brand.neutral_count + brand.negative_count,
            brand.count
        );
    }
    let shares: f64 = brands.iter().map(|b| b.share).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    assert!(brands.windows(2).all(|w| w[0].count >= w[1].count));

    let reach = within(client.reach(pb::ReachRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let authors: HashSet<String> = mentions
        .iter()
        .map(|m| m.author.as_ref().unwrap().handle.to_lowercase())
        .collect();
    assert_eq!(reach.unique_author_count, authors.len() as i64);
    let likes: i64 = mentions
        .iter()
        .map(|m| m.metrics.unwrap_or_default().like_count)
        .sum();
    assert_eq!(reach.engagement.unwrap().like_count, likes);
}

async fn voices_and_map(client: &mut ReportServiceClient<Channel>, mentions: &[pb::Mention]) {
    let voices = within(client.top_voices(pb::TopVoicesRequest {
        limit: 5,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .voices;
    assert_eq!(voices.len(), 5);
    let scores: Vec<f64> = voices
        .iter()
        .map(|v| v.influence.as_ref().unwrap().score)
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for voice in &voices {
        let influence = voice.influence.as_ref().unwrap();
        assert!(influence.reach.is_some() && influence.network_authority.is_some());
        let said = mentions
            .iter()
            .filter(|m| m.author.as_ref().unwrap().handle.to_lowercase() == influence.handle)
            .count() as i64;
        assert_eq!(voice.mention_count, said, "{}", influence.handle);
    }
    let cs_voices = within(client.top_voices(pb::TopVoicesRequest {
        department: "customer_service".into(),
        limit: 3,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .voices;
    assert!(!cs_voices.is_empty());

    let cells = within(client.conversation_map(pb::ConversationMapRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .cells;
    let cell = cells
        .iter()
        .find(|c| c.department == "customer_service" && c.topic == "united")
        .expect("customer service talks about united");
    let expected = mentions
        .iter()
        .filter(|m| departments(m).contains(&"customer_service"))
        .filter(|m| m.matched_topics.iter().any(|t| t == "united"))
        .count() as i64;
    assert_eq!(cell.count, expected);
    assert!(!cell.top_voice_handle.is_empty());
    assert!((-1.0..=1.0).contains(&cell.mean_sentiment));

    // The dashboard's question: one department's row, its five largest topics.
    let map = within(client.conversation_map(pb::ConversationMapRequest {
        department: "customer_service".into(),
        topic_limit: 5,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner();
    // Within one department, its topics' mentions are exactly its cells.
    let mut largest: Vec<(i64, &str)> = cells
        .iter()
        .filter(|c| c.department == "customer_service")
        .map(|c| (-c.count, c.topic.as_str()))
        .collect();
    largest.sort();
    let topics: Vec<&str> = map.cells.iter().map(|c| c.topic.as_str()).collect();
    let expected: Vec<&str> = largest.iter().take(5).map(|(_, topic)| *topic).collect();
    assert_eq!(topics, expected);
    assert!(map.cells.iter().all(|c| !c.top_voice_handle.is_empty()));
}

async fn inbox_pages_and_audit_trail(
    client: &mut ReportServiceClient<Channel>,
    mentions: &[pb::Mention],
) {
    let concerned = mentions
        .iter()
        .filter(|m| departments(m).contains(&"customer_service"))
        .count();
    let mut seen = Vec::new();
    let mut priorities = Vec::new();
    let mut request = pb::InboxRequest {
        department: "customer_service".into(),
        page_size: 50,
        ..Default::default()
    };
    loop {
        let page = within(client.inbox(request.clone()))
            .await
            .unwrap()
            .into_inner();
        for item in &page.items {
            let m = item.mention.as_ref().unwrap();
            seen.push(m.id);
            priorities.push(item.priority);
            assert!(
                item.owner_department == "customer_service"
                    || item
                        .other_departments
                        .iter()
                        .any(|d| d == "customer_service")
            );
            let classified = m.classification.as_ref().unwrap();
            assert_eq!(item.routing_reasons, classified.routing_reasons);
            assert_eq!(item.history[0].action, "routed");
            assert_eq!(item.history[0].actor, "hearken");
        }
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    assert_eq!(seen.len(), concerned, "every concerned mention once");

    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    assert!(priorities.windows(2).all(|w| w[0] >= w[1]));

    let first = seen[0];
    let updated = within(client.update_inbox_item(pb::UpdateInboxItemRequest {
        mention_id: first,
        actor: "dana@support".into(),
        status: pb::InboxStatus::Assigned as i32,
        assignee: "dana@support".into(),
        note: "calling the customer back".into(),
    }))
    .await
    .unwrap()
    .into_inner()
    .item
    .unwrap();
    assert_eq!(updated.status, pb::InboxStatus::Assigned as i32);
    assert_eq!(updated.assignee, "dana@support");
    let trail: Vec<(&str, &str)> = updated
        .history
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("hearken", "routed"),
            ("dana@support", "status"),
            ("dana@support", "assign"),
            ("dana@support", "note"),
        ]
    );
    assert!(updated.history.iter().all(|e| e.create_time.is_some()));
    let assigned = within(client.inbox(pb::InboxRequest {
        department: "customer_service".into(),
        status: pb::InboxStatus::Assigned as i32,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .items;
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].mention.as_ref().unwrap().id, first);

    let missing = within(client.update_inbox_item(pb::UpdateInboxItemRequest {
        mention_id: 999_999_999,
        actor: "dana@support".into(),
        note: "?".into(),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

/// The field a rejection names in its details.
fn violation(status: &tonic::Status) -> String {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let details = status.get_error_details();
    let bad = details.bad_request().expect("field details");
    bad.field_violations[0].field.clone()
}

async fn rejects_bad_requests(client: &mut ReportServiceClient<Channel>) {
    let error = within(client.volume(pb::VolumeRequest {
        group_by: 42,
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "group_by");
    let error = within(client.volume(pb::VolumeRequest {
        filter: Some(pb::ReportFilter {
            time_range: Some(range(2_000, 1_000)),
            dimensions: vec![],
        }),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "filter.time_range.end_time");
    let error = within(client.reach(pb::ReachRequest {
        filter: Some(pb::ReportFilter {
            time_range: None,
            dimensions: vec![filter(pb::Dimension::Unspecified, &["x"])],
        }),
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "filter.dimensions[0].dimension");
    let error = within(client.conversation_map(pb::ConversationMapRequest {
        topic_limit: -1,
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "topic_limit");
    let error = within(client.spikes(pb::SpikesRequest {
        bucket_width: 9,
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "bucket_width");
    let error = within(client.inbox(pb::InboxRequest {
        department: "customer_service".into(),
        page_token: "garbage".into(),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "page_token");
    let error = within(client.inbox(pb::InboxRequest {
        page_size: 100_000,
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "page_size");
    let error = within(client.top_voices(pb::TopVoicesRequest {
        limit: 1_000,
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "limit");
    let error = within(client.put_alert_rule(pb::PutAlertRuleRequest {
        rule: Some(pb::AlertRule {
            name: "leaky".into(),
            threshold_standard_deviations: 3.0,
            baseline_buckets: 24,
            webhook_url: "https://user:secret@example.com/hook".into(),
            ..Default::default()
        }),
    }))
    .await
    .unwrap_err();
    assert_eq!(violation(&error), "rule.webhook_url");
}

async fn export(client: &mut ReportServiceClient<Channel>, request: pb::ExportRequest) -> Vec<u8> {
    let mut stream = within(client.export(request)).await.unwrap().into_inner();
    let mut data = Vec::new();
    while let Some(piece) = within(stream.message()).await.unwrap() {
        data.extend(piece.data);
    }
    data
}

async fn exports_every_row(client: &mut ReportServiceClient<Channel>, enriched: i64) {
    let csv_bytes = export(
        client,
        pb::ExportRequest {
            filter: None,
            format: pb::ExportFormat::Csv as i32,
        },
    )
    .await;
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "id");
    assert!(header.iter().any(|h| h == "sentiment_label"));
    assert!(header.iter().any(|h| h == "departments"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, enriched);
    let ids: HashSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len() as i64, enriched, "each row once");

    let lines = export(
        client,
        pb::ExportRequest {
            filter: Some(pb::ReportFilter {
                time_range: None,
                dimensions: vec![filter(pb::Dimension::Topic, &["zeppelin"])],
            }),
            format: pb::ExportFormat::JsonLines as i32,
        },
    )
    .await;
    let records: Vec<serde_json::Value> = String::from_utf8(lines)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), PLANTED);
    assert!(records.iter().all(|r| {
        r["matched_topics"]
            .as_array()
            .is_some_and(|topics| topics.iter().any(|t| t == "zeppelin"))
    }));
    assert!(records.iter().all(|r| r["sentiment_label"].is_string()));
}

/// A local webhook that answers 500 to the first post and 200 afterwards, keeping bodies.
struct Webhook {
    addr: std::net::SocketAddr,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Webhook {
    async fn start() -> Self {
        let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
        let kept = Arc::clone(&bodies);
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: String| {
                let kept = Arc::clone(&kept);
                async move {
                    let mut bodies = kept.lock().unwrap();
                    bodies.push(body);
                    match bodies.len() {
                        1 => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        _ => axum::http::StatusCode::OK,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, bodies }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}
