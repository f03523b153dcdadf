//! The enrich worker end to end in one process: real tweets in, classified, located, recorded
//! with the influence service, and rolled up; failures retried and dead-lettered.

use std::sync::Arc;
use std::time::Duration;

use hearken::app::App;
use hearken_classify::grpc::{ClassifyState, Limits};
use hearken_proto::v1 as pb;
use hearken_proto::v1::influence_service_client::InfluenceServiceClient;
use hearken_store::Store;
use tokio::sync::{Notify, Semaphore};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_types::StatusExt;
use tower::util::AndThenLayer;

use crate::helpers::{
    TempDir, TestApp, airline_tweets, config, drained, enriching, ingest, metric, postgres_url,
    within,
};

async fn enriches_real_tweets(database_url: &str) {
    let mut app = TestApp::spawn(enriching(database_url)).await;
    let tweets = airline_tweets(1_000);
    let accepted = ingest(&mut app, tweets).await;
    assert_eq!(accepted, 1_000);
    let store = Store::connect(database_url).await.unwrap();
    let stats = drained(&store).await;
    assert_eq!((stats.enriched, stats.dead_lettered), (1_000, 0));

    let mentions = app
        .all_mentions(pb::ListMentionsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await;
    assert_eq!(mentions.len(), 1_000);
    assert!(
        mentions
            .iter()
            .all(|m| m.status == pb::MentionStatus::Enriched as i32)
    );
    let classified: Vec<&pb::Classification> = mentions
        .iter()
        .map(|m| {
            m.classification
                .as_ref()
                .expect("enriched mentions are classified")
        })
        .collect();
    let customer_service = classified
        .iter()
        .filter(|c| {
            c.departments
                .first()
                .is_some_and(|d| d.id == "customer_service")
        })
        .count();
    assert!(
        customer_service > 500,
        "airline tweets are mostly for customer service: {customer_service} of 1000"
    );
    let located = mentions
        .iter()
        .filter(|m| {
            m.location
                .as_ref()
                .is_some_and(|l| !l.country_code.is_empty())
        })
        .count();
    assert!(
        located > 300,
        "profile locations resolve: {located} of 1000"
    );

    // The rollups count each mention once in the total.
    let total = total_rollup(&store).await;
    assert_eq!(total, 1_000);

    // The registry is process-wide and tests run in parallel: at least this test's work.
    let enriched = within(metric(app.http_addr, "hearken_mentions_enriched_total")).await;
    assert!(enriched >= 1_000.0, "{enriched}");
    for gauge in ["hearken_queue_pending", "hearken_enrichment_lag_seconds"] {
        assert!(within(metric(app.http_addr, gauge)).await >= 0.0);
    }

    // Replies and @mentions became interactions.
    let mut influence = InfluenceServiceClient::connect(app.url()).await.unwrap();
    let recomputed = within(influence.recompute(pb::RecomputeRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert!(recomputed.interaction_count >= 1_000, "{recomputed:?}");
    // The enriched mentions' departments personalise PageRank: customer service has its own
    // ranking, by topical authority.
    let top = within(influence.top_influencers(pb::TopInfluencersRequest {
        department: "customer_service".into(),
        page_size: 5,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner();
    assert!(!top.scores.is_empty(), "no customer service voices");
    assert!(
        top.scores
            .iter()
            .all(|s| s.topical_authority.contains_key("customer_service")),
        "{top:?}"
    );
    store.close().await;
    app.stop().await;
}

async fn total_rollup(store: &Store) -> i64 {
    let sql = "SELECT CAST(COALESCE(SUM(mention_count), 0) AS BIGINT) FROM rollups \
               WHERE department = '' AND dimension = 0";
    match store {
        Store::Postgres(pg) => sqlx::query_scalar(sql).fetch_one(pg.pool()).await.unwrap(),
        Store::Sqlite(lite) => sqlx::query_scalar(sql)
            .fetch_one(lite.pool())
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn enriches_real_tweets_on_sqlite() {
    let dir = TempDir::new();
    enriches_real_tweets(&dir.sqlite_url()).await;
}

#[tokio::test]
async fn enriches_real_tweets_on_postgres() {
    if let Some(url) = postgres_url().await {
        enriches_real_tweets(&url).await;
    }
}

/// Two ingest servers on one Postgres share the queue: every mention is enriched exactly once.
#[tokio::test]
async fn two_workers_share_the_queue_on_postgres() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let mut first = TestApp::spawn(enriching(&url)).await;
    let second = TestApp::spawn(enriching(&url)).await;
    let accepted = ingest(&mut first, airline_tweets(2_000)).await;
    let store = Store::connect(&url).await.unwrap();
    let stats = drained(&store).await;
    assert_eq!((stats.enriched, stats.dead_lettered), (accepted, 0));
    assert_eq!(total_rollup(&store).await, accepted, "each counted once");
    store.close().await;
    first.stop().await;
    second.stop().await;
}

/// With no classifier to reach, mentions are retried, then dead-lettered with the error, and
/// listed as such.
#[tokio::test]
async fn unreachable_classifier_dead_letters_after_retries() {
    let dir = TempDir::new();
    let mut config = enriching(&dir.sqlite_url());
    // A port nothing listens on: every call fails UNAVAILABLE.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    config.enrich.classify_url = Some(format!("http://{}", closed.local_addr().unwrap()));
    drop(closed);
    config.enrich.enrich_max_attempts = 2;
    let mut app = TestApp::spawn(config).await;
    ingest(&mut app, airline_tweets(10)).await;

    let dead = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let dead = app
                .all_mentions(pb::ListMentionsRequest {
                    status: pb::MentionStatus::DeadLetter as i32,
                    ..Default::default()
                })
                .await;
            if dead.len() == 10 {
                return dead;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("mentions were not dead-lettered");
    for mention in dead {
        assert_eq!(mention.attempt_count, 2);
        assert!(
            mention.last_error.contains("classify service"),
            "{}",
            mention.last_error
        );
        assert!(mention.classification.is_none());
    }
    let dead_lettered = within(metric(
        app.http_addr,
        "hearken_mentions_dead_lettered_total",
    ))
    .await;
    assert!(dead_lettered >= 10.0, "{dead_lettered}");
    app.stop().await;
}

/// A classify server whose answers wait at a gate until the test opens it, to hold the enrich
/// worker's batch in flight.
#[derive(Debug)]
struct GatedClassifier {
    url: String,
    answered: Arc<Notify>,
    gate: Arc<Semaphore>,
}

impl GatedClassifier {
    async fn spawn() -> Self {
        let answered = Arc::new(Notify::new());
        let gate = Arc::new(Semaphore::new(0));
        let hold = {
            let (answered, gate) = (Arc::clone(&answered), Arc::clone(&gate));
            AndThenLayer::new(move |response| {
                let (answered, gate) = (Arc::clone(&answered), Arc::clone(&gate));
                async move {
                    answered.notify_one();
                    let _open = gate.acquire().await;
                    Ok::<_, std::convert::Infallible>(response)
                }
            })
        };
        let model = hearken::classify::load_model(None).unwrap();
        let state = Arc::new(ClassifyState::new(model, Limits::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(
            Server::builder()
                .layer(hold)
                .add_service(hearken_classify::grpc::grpc_service(state))
                .serve_with_incoming(TcpIncoming::from(listener)),
        );
        Self {
            url,
            answered,
            gate,
        }
    }
}

/// A batch in flight when shutdown begins is finished within the grace period, while the
/// services it calls still serve: its mentions are enriched once, without a restart.
#[tokio::test]
async fn shutdown_finishes_the_batch_in_flight() {
    let dir = TempDir::new();
    let classifier = GatedClassifier::spawn().await;
    let mut config = enriching(&dir.sqlite_url());
    config.enrich.classify_url = Some(classifier.url.clone());
    let mut app = TestApp::spawn(config).await;
    ingest(&mut app, airline_tweets(10)).await;
    within(classifier.answered.notified()).await;

    // The server is draining once its probe says so; only then may the batch go on.
    let stopping = app.drain().await;
    classifier.gate.add_permits(1);
    within(stopping).await.unwrap().unwrap();

    let store = Store::connect(&dir.sqlite_url()).await.unwrap();
    let stats = store.queue_stats().await.unwrap();
    assert_eq!(
        (stats.pending, stats.enriched, stats.dead_lettered),
        (0, 10, 0)
    );
    assert_eq!(total_rollup(&store).await, 10, "each counted once");
    store.close().await;
}

/// An ingest-only server without a classifier URL refuses to start, saying what is missing.
#[tokio::test]
async fn ingest_role_needs_peer_urls() {
    let dir = TempDir::new();
    let mut config = enriching(&dir.sqlite_url());
    config.role = hearken::config::Role::Ingest;
    let error = within(App::bind(config)).await.unwrap_err();
    assert!(format!("{error:#}").contains("--classify-url"), "{error:#}");
}

/// Past the queue limit, ingestion is refused with RESOURCE_EXHAUSTED and a retry hint, and
/// nothing of the refused call is stored; the queue statistics say why.
#[tokio::test]
async fn full_queue_pushes_back_with_a_retry_hint() {
    let dir = TempDir::new();
    let mut config = config(&dir.sqlite_url());
    config.limits.max_queue_depth = 50;
    let mut app = TestApp::spawn(config).await;
    let tweets = airline_tweets(80);
    assert_eq!(ingest(&mut app, tweets[..50].to_vec()).await, 50);

    let refused = within(app.ingest.ingest_batch(pb::IngestBatchRequest {
        mentions: tweets[50..].to_vec(),
    }))
    .await
    .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::ResourceExhausted,
        "{refused:?}"
    );
    let retry = refused.get_details_retry_info().expect("a retry hint");
    assert!(retry.retry_delay.is_some_and(|d| d.as_secs() > 0));

    let stats = within(app.ingest.get_queue_stats(pb::GetQueueStatsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((stats.pending_count, stats.max_queue_depth), (50, 50));
    assert!(stats.oldest_pending_age.is_some());
    app.stop().await;
}
