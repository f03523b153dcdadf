//! The gRPC service over a real tonic server on an ephemeral port, on SQLite and Postgres.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hearken_core::mention::Handle;
use hearken_formats::Format;
use hearken_influence::{InfluenceConfig, InfluenceState, grpc_service, interactions_from_mention};
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_store::Store;
use hearken_store::influence::AuthorDepartment;
use pb::influence_service_client::InfluenceServiceClient;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// Every await is bounded, so a hang fails the test instead of stalling CI.
async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), future)
        .await
        .expect("timed out")
}

struct TestApp {
    client: InfluenceServiceClient<Channel>,
    state: Arc<InfluenceState>,
    token: CancellationToken,
    _dir: Option<TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

impl TestApp {
    async fn spawn(store: Store, dir: Option<TempDir>) -> TestApp {
        let state = InfluenceState::new(store, InfluenceConfig::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let token = CancellationToken::new();
        let server = tonic::transport::Server::builder()
            .add_service(grpc_service(Arc::clone(&state)))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                token.clone().cancelled_owned(),
            );
        tokio::spawn(async move { server.await.expect("server runs") });
        let client = within(InfluenceServiceClient::connect(format!("http://{addr}")))
            .await
            .expect("connect");
        TestApp {
            client,
            state,
            token,
            _dir: dir,
        }
    }

    async fn record(
        &mut self,
        batches: Vec<Vec<pb::Interaction>>,
    ) -> pb::RecordInteractionsResponse {
        let messages = batches
            .into_iter()
            .map(|interactions| pb::RecordInteractionsRequest { interactions });
        within(
            self.client
                .record_interactions(tokio_stream::iter(messages)),
        )
        .await
        .expect("record")
        .into_inner()
    }

    async fn score(&mut self, handle: &str) -> Result<pb::InfluenceScore, tonic::Status> {
        within(self.client.get_score(pb::GetScoreRequest {
            handle: handle.into(),
            source: "twitter".into(),
        }))
        .await
        .map(|r| r.into_inner().score.expect("score set"))
    }

    async fn top_all(&mut self, department: &str, page_size: i32) -> Vec<pb::InfluenceScore> {
        let mut all = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = within(self.client.top_influencers(pb::TopInfluencersRequest {
                department: department.into(),
                time_range: None,
                page_size,
                page_token,
            }))
            .await
            .expect("top influencers")
            .into_inner();
            assert!(page.scores.len() <= page_size as usize);
            all.extend(page.scores);
            if page.next_page_token.is_empty() {
                return all;
            }
            page_token = page.next_page_token;
        }
    }
}

fn at(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp { seconds, nanos: 0 })
}

fn interaction(kind: pb::InteractionKind, from: &str, to: &str, id: &str) -> pb::Interaction {
    pb::Interaction {
        kind: kind.into(),
        source_handle: from.into(),
        target_handle: to.into(),
        mention_source: "twitter".into(),
        mention_external_id: id.into(),
        create_time: at(1_700_000_000),
        weight: 0.0,
    }
}

fn author(handle: &str, followers: i64, observed: i64) -> pb::SourcedAuthor {
    pb::SourcedAuthor {
        source: "twitter".into(),
        author: Some(pb::Author {
            handle: handle.into(),
            display_name: format!("{handle} display"),
            followers_count: followers,
            following_count: 1,
            post_count: 10,
            observe_time: at(observed),
            ..pb::Author::default()
        }),
    }
}

fn component(c: &Option<pb::ScoreComponent>) -> &pb::ScoreComponent {
    c.as_ref().expect("component present")
}

fn violations(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .expect("bad request details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

/// A hub that five fans repost and reply to, and a billing clique: two authors whose mentions
/// were classified as billing talk to an expert the fans never reach.
async fn scenario(app: &mut TestApp) {
    use pb::InteractionKind::{Mention, Reply, Repost};
    let mut first = Vec::new();
    let mut second = Vec::new();
    for fan in 1..=5 {
        first.push(interaction(
            Repost,
            &format!("fan{fan}"),
            "Hub",
            &format!("r{fan}"),
        ));
        second.push(interaction(
            Reply,
            &format!("@fan{fan}"),
            "hub",
            &format!("p{fan}"),
        ));
    }
    second.push(interaction(Mention, "hub", "fan1", "h1"));
    // A self-reply is accepted and stored, and counts for nothing.
    second.push(interaction(Reply, "hub", "hub", "h2"));
    for (from, id) in [("payer1", "b1"), ("payer2", "b2")] {
        second.push(interaction(Mention, from, "expert", id));
    }
    second.push(interaction(Reply, "expert", "payer1", "e1"));
    let recorded = app.record(vec![first.clone(), second.clone()]).await;
    assert_eq!((recorded.recorded_count, recorded.duplicate_count), (15, 0));
    let again = app.record(vec![second, first]).await;
    assert_eq!((again.recorded_count, again.duplicate_count), (0, 15));

    // Authors: a newer observation replaces an older one, an older never overwrites.
    let upserted = within(app.client.upsert_authors(pb::UpsertAuthorsRequest {
        authors: vec![author("hub", 9_999, 2_000), author("fan1", 5, 1_000)],
    }))
    .await
    .expect("upsert")
    .into_inner();
    assert_eq!(upserted.upserted_count, 2);
    let stale = within(app.client.upsert_authors(pb::UpsertAuthorsRequest {
        authors: vec![author("hub", 1, 1_000)],
    }))
    .await
    .expect("upsert")
    .into_inner();
    assert_eq!(stale.upserted_count, 0);

    app.state
        .store()
        .add_author_departments(&[department_count("payer1", 3), department_count("payer2", 2)])
        .await
        .expect("department counts");

    // Nothing computed yet: NotFound, not a stale or empty score.
    assert_eq!(app.score("hub").await.unwrap_err().code(), Code::NotFound);

    let recompute = within(app.client.recompute(pb::RecomputeRequest {}))
        .await
        .expect("recompute")
        .into_inner();
    assert_eq!(recompute.interaction_count, 15);
    assert_eq!(recompute.author_count, 9);
    assert!(recompute.compute_time.is_some());

    let hub = app.score("HUB").await.expect("hub is scored");
    assert_eq!(
        (hub.source.as_str(), hub.handle.as_str()),
        ("twitter", "hub")
    );
    assert!(!hub.formula_version.is_empty());
    assert!((0.0..=100.0).contains(&hub.score));
    let reach = component(&hub.reach);
    assert!(
        (reach.raw_value - 10_000f64.log10()).abs() < 1e-12,
        "newest profile wins"
    );
    for c in [
        &hub.reach,
        &hub.engagement,
        &hub.network_authority,
        &hub.recency,
    ] {
        let c = component(c);
        assert!((0.0..100.0).contains(&c.percentile), "{c:?}");
        assert!(c.weight > 0.0);
    }
    // Ten interactions received from others over ten posts; the self-reply does not count.
    assert!((component(&hub.engagement).raw_value - 1.0).abs() < 1e-12);
    assert!(component(&hub.network_authority).percentile >= 80.0);
    let weights: f64 = [
        &hub.reach,
        &hub.engagement,
        &hub.network_authority,
        &hub.recency,
    ]
    .iter()
    .map(|c| component(c).weight)
    .sum();
    assert!((weights - 1.0).abs() < 1e-12);
    let expected: f64 = [
        &hub.reach,
        &hub.engagement,
        &hub.network_authority,
        &hub.recency,
    ]
    .iter()
    .map(|c| component(c).weight * component(c).percentile)
    .sum();
    assert!((hub.score - expected).abs() < 1e-9);
    let expert = app.score("expert").await.expect("expert is scored");
    assert!(expert.topical_authority.contains_key("billing"));

    let unknown = app.score("nobody").await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    let empty = app.score(" ").await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert_eq!(violations(&empty), ["handle"]);

    let overall = app.top_all("", 3).await;
    assert_eq!(overall.len(), 9);
    let handles: HashSet<&str> = overall.iter().map(|s| s.handle.as_str()).collect();
    assert_eq!(handles.len(), 9, "no author twice across pages");
    assert!(overall.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(overall[0].handle, "hub");

    let billing = app.top_all("billing", 2).await;
    assert!(!billing.is_empty());
    let topical = |s: &pb::InfluenceScore| s.topical_authority["billing"].raw_value;
    assert!(billing.windows(2).all(|w| topical(&w[0]) >= topical(&w[1])));
    assert_ne!(billing[0].handle, overall[0].handle);
    assert!(
        billing.iter().all(|s| !s.handle.starts_with("fan")),
        "the fans never reach the billing clique"
    );
    let none = app.top_all("no-such-department", 5).await;
    assert!(none.is_empty());

    // The same ranking over a time window that holds every interaction.
    let windowed = within(app.client.top_influencers(pb::TopInfluencersRequest {
        department: String::new(),
        time_range: Some(pb::TimeRange {
            start_time: at(1_600_000_000),
            end_time: at(1_800_000_000),
        }),
        page_size: 100,
        page_token: String::new(),
    }))
    .await
    .expect("windowed")
    .into_inner();
    let windowed: Vec<&str> = windowed.scores.iter().map(|s| s.handle.as_str()).collect();
    let stored: Vec<&str> = overall.iter().map(|s| s.handle.as_str()).collect();
    assert_eq!(windowed, stored);
}

fn department_count(handle: &str, mentions: i64) -> AuthorDepartment {
    AuthorDepartment {
        source: "twitter".into(),
        handle: handle.into(),
        department: "billing".into(),
        mention_count: mentions,
    }
}

async fn rejects_bad_input(app: &mut TestApp) {
    use pb::InteractionKind::{Mention, Reply};
    let good = interaction(Reply, "a", "b", "x0");
    let mut bad = interaction(Reply, "a", "b", "x1");
    bad.kind = 0;
    bad.create_time = None;
    let mut negative = interaction(Reply, "a", "b", "x2");
    negative.weight = -1.0;
    let mut heavy = interaction(Mention, "b", "a", "x3");
    heavy.weight = 2.5;
    let mut infinite = interaction(Mention, "b", "a", "x4");
    infinite.weight = f64::INFINITY;
    let response = app
        .record(vec![vec![good, bad], vec![negative, heavy, infinite]])
        .await;
    assert_eq!(
        (
            response.recorded_count,
            response.duplicate_count,
            response.rejected_count
        ),
        (2, 0, 3),
        "the good records are kept: {response:?}"
    );
    let errors: Vec<(i64, &str, &str)> = response
        .errors
        .iter()
        .map(|e| (e.index, e.field.as_str(), e.external_id.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, "kind", "x1"),
            (1, "create_time", "x1"),
            (2, "weight", "x2"),
            (4, "weight", "x4")
        ]
    );
    assert!(response.errors[2].reason.contains("-1"), "{response:?}");

    let status = within(app.client.upsert_authors(pb::UpsertAuthorsRequest {
        authors: vec![author("ok", 1, 1), author("neg", -5, 1)],
    }))
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violations(&status), ["authors[1].author.followers_count"]);

    let status = within(app.client.top_influencers(pb::TopInfluencersRequest {
        page_size: -1,
        page_token: "not-a-token".into(),
        ..pb::TopInfluencersRequest::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violations(&status), ["page_size", "page_token"]);
}

/// The airline tweets as interactions and profiles: a recompute over them, with reads
/// answered from the previous generation while it runs.
async fn airline_reads_during_recompute(app: &mut TestApp) {
    let mentions = crate::mapping::mentions("twitter-us-airline-sentiment/Tweets.csv", Format::Csv);
    let interactions: Vec<pb::Interaction> = mentions
        .iter()
        .flat_map(interactions_from_mention)
        .collect();
    let batches: Vec<Vec<pb::Interaction>> =
        interactions.chunks(2_000).map(<[_]>::to_vec).collect();
    app.record(batches).await;
    let authors: Vec<pb::SourcedAuthor> = mentions
        .iter()
        .filter_map(|m| {
            let mut author = m.author.clone()?;
            // Some rows of the export carry display names with spaces where handles belong.
            Handle::parse("handle", &author.handle).ok()?;
            author.observe_time = m.create_time;
            Some(pb::SourcedAuthor {
                source: m.source.clone(),
                author: Some(author),
            })
        })
        .collect();
    within(
        app.client
            .upsert_authors(pb::UpsertAuthorsRequest { authors }),
    )
    .await
    .expect("upsert airline authors");

    let before = app.score("hub").await.expect("previous generation");
    let done = Arc::new(AtomicBool::new(false));
    let mut recompute_client = app.client.clone();
    let recompute_done = Arc::clone(&done);
    let recompute = tokio::spawn(async move {
        let started = Instant::now();
        let response = within(recompute_client.recompute(pb::RecomputeRequest {}))
            .await
            .expect("recompute");
        recompute_done.store(true, Ordering::SeqCst);
        (response.into_inner(), started.elapsed())
    });
    let mut seen = Vec::new();
    while !done.load(Ordering::SeqCst) {
        let read = app.score("hub").await.expect("reads keep answering");
        seen.push(read.compute_time);
    }
    let (response, elapsed) = within(recompute).await.expect("recompute task");
    let after = app.score("hub").await.expect("new generation");
    assert_ne!(after.compute_time, before.compute_time);
    // The swap may land before the Recompute response does, so a read may already see the new
    // generation; but each read sees one whole generation, old until the swap and new after.
    let swapped = seen
        .iter()
        .position(|time| *time == after.compute_time)
        .unwrap_or(seen.len());
    assert!(
        seen[..swapped]
            .iter()
            .all(|time| *time == before.compute_time),
        "whole old generation before the swap: {seen:?}"
    );
    assert!(
        seen[swapped..]
            .iter()
            .all(|time| *time == after.compute_time),
        "whole new generation after the swap: {seen:?}"
    );
    eprintln!(
        "airline recompute: {} authors, {} interactions in {elapsed:?} ({swapped} reads answered from the old generation meanwhile)",
        response.author_count, response.interaction_count
    );
    assert!(swapped > 0, "reads answered while recomputing");
    assert!(response.interaction_count > 12_000);
    let top = app.top_all("", 1_000).await;
    let top_six: HashSet<&str> = top.iter().take(6).map(|s| s.handle.as_str()).collect();
    assert!(top_six.contains("united"), "{top_six:?}");
}

async fn run(mut app: TestApp) {
    scenario(&mut app).await;
    rejects_bad_input(&mut app).await;
    airline_reads_during_recompute(&mut app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn influence_over_grpc_on_sqlite() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("hearken.db").display());
    let store = within(Store::connect(&url)).await.expect("sqlite store");
    run(TestApp::spawn(store, Some(dir)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn influence_over_grpc_on_postgres() {
    let Ok(base) = std::env::var("HEARKEN_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set HEARKEN_TEST_POSTGRES_URL"
        );
        eprintln!("HEARKEN_TEST_POSTGRES_URL is not set: skipping the Postgres run");
        return;
    };
    let name = format!("hearken_test_{}", uuid::Uuid::new_v4().simple());
    let admin = within(sqlx::PgPool::connect(&base)).await.expect("connect");
    within(sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin))
        .await
        .expect("create a test database");
    admin.close().await;
    let (server, _) = base.rsplit_once('/').expect("URL with a database name");
    let store = within(Store::connect(&format!("{server}/{name}")))
        .await
        .expect("postgres store");
    run(TestApp::spawn(store, None).await).await;
}

/// A directory removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.0
    }

    pub(crate) fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "hearken-influence-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
