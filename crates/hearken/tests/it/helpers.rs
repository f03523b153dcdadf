use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hearken::App;
use hearken::config::{LimitsConfig, ServeConfig};
use hearken_formats::Format;
use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_store::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// Fails the test instead of hanging it.
pub(crate) async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), future)
        .await
        .expect("timed out")
}

/// The shared test data, beside the repository (or where `HEARKEN_SHARED_DATA` says).
pub(crate) fn shared_data(relative: &str) -> PathBuf {
    let root = std::env::var_os("HEARKEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    root.join(relative)
}

/// A directory removed when dropped.
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("hearken-it-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.0.join("hearken.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh Postgres database on the test server, or `None` (outside CI) when there is none.
pub(crate) async fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("HEARKEN_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set HEARKEN_TEST_POSTGRES_URL"
        );
        return None;
    };
    let name = format!("hearken_it_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (server, _) = base.rsplit_once('/').unwrap();
    Some(format!("{server}/{name}"))
}

/// The embedded set-up with a 4 MiB message limit and 2,000 mentions a batch, which tests
/// exceed, and no enrich worker, so that stored mentions stay pending for tests to inspect.
pub(crate) fn config(database_url: &str) -> ServeConfig {
    let limits = LimitsConfig {
        max_text_chars: 10_000,
        max_batch: 2_000,
        max_queue_depth: 1_000_000,
        ingest_rate: 0.0,
        ingest_burst: 10_000,
    };
    let mut config = ServeConfig::local(database_url, limits);
    config.grpc.max_message_bytes = 4 * 1024 * 1024;
    config.enrich.enrich = false;
    config
}

/// A running server and a client for it.
#[derive(Debug)]
pub(crate) struct TestApp {
    pub(crate) addr: SocketAddr,
    pub(crate) http_addr: SocketAddr,
    pub(crate) ingest: IngestServiceClient<Channel>,
    shutdown: CancellationToken,
    server: JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    pub(crate) async fn spawn(config: ServeConfig) -> Self {
        let app = within(App::bind(config)).await.unwrap();
        let addr = app.local_addr().unwrap();
        let http_addr = app.http_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run(shutdown.clone()));
        // The listener is bound already, so the first connection succeeds without waiting.
        let ingest = within(IngestServiceClient::connect(format!("http://{addr}")))
            .await
            .unwrap();
        Self {
            addr,
            http_addr,
            ingest,
            shutdown,
            server,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts the server down the way SIGTERM does, and waits for it to finish.
    pub(crate) async fn stop(self) {
        within(self.begin_shutdown()).await.unwrap().unwrap();
    }

    /// Starts shutting down as SIGTERM does, and returns the server task to await.
    pub(crate) fn begin_shutdown(self) -> JoinHandle<anyhow::Result<()>> {
        self.shutdown.cancel();
        self.server
    }

    /// Starts shutting down, waits until `/healthz` answers 503 (the test fails if it never
    /// does), and returns the server task to await.
    pub(crate) async fn drain(self) -> JoinHandle<anyhow::Result<()>> {
        let http_addr = self.http_addr;
        let stopping = self.begin_shutdown();
        within(async {
            while !http_get(http_addr, "/healthz")
                .await
                .starts_with("HTTP/1.1 503")
            {
                tokio::task::yield_now().await;
            }
        })
        .await;
        stopping
    }

    /// Every stored mention, following page tokens.
    pub(crate) async fn all_mentions(
        &mut self,
        filter: pb::ListMentionsRequest,
    ) -> Vec<pb::Mention> {
        let mut mentions = Vec::new();
        let mut request = filter;
        loop {
            let page = within(self.ingest.list_mentions(request.clone()))
                .await
                .unwrap()
                .into_inner();
            mentions.extend(page.mentions);
            if page.next_page_token.is_empty() {
                return mentions;
            }
            request.page_token = page.next_page_token;
        }
    }
}

/// A valid mention with the given ids, created an hour ago.
pub(crate) fn mention(external_id: &str, text: &str) -> pb::Mention {
    let created = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    pb::Mention {
        source: "twitter".into(),
        external_id: external_id.into(),
        author: Some(pb::Author {
            handle: "@jnardino".into(),
            followers_count: 10,
            ..Default::default()
        }),
        text: text.into(),
        create_time: Some(hearken_proto::prost_types::Timestamp {
            seconds: created.timestamp(),
            nanos: 0,
        }),
        ..Default::default()
    }
}

/// The first `count` airline tweets that the ingest service accepts.
pub(crate) fn airline_tweets(count: usize) -> Vec<pb::Mention> {
    let path = shared_data("twitter-us-airline-sentiment/Tweets.csv");
    let bytes = std::fs::read(&path).unwrap();
    let parsed = hearken_formats::parse(&bytes, Format::Csv, None).unwrap();
    let mut seen = std::collections::HashSet::new();
    parsed
        .records
        .into_iter()
        .filter_map(Result::ok)
        .filter(|m| {
            let handle = &m.author.as_ref().unwrap().handle;
            !handle.contains(' ') && seen.insert(m.external_id.clone())
        })
        .take(count)
        .collect()
}

pub(crate) async fn ingest(app: &mut TestApp, mentions: Vec<pb::Mention>) -> i64 {
    let mut accepted = 0;
    for chunk in mentions.chunks(500) {
        let response = within(app.ingest.ingest_batch(pb::IngestBatchRequest {
            mentions: chunk.to_vec(),
        }))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        accepted += response.accepted_count;
    }
    accepted
}

/// Waits until nothing is pending; the worker must get there on its own.
pub(crate) async fn drained(store: &Store) -> hearken_store::enrich::QueueStats {
    tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let stats = store.queue_stats().await.unwrap();
            if stats.pending == 0 {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("enrichment did not drain the queue in 2 minutes")
}

pub(crate) fn enriching(database_url: &str) -> ServeConfig {
    let mut config = config(database_url);
    config.enrich.enrich = true;
    config.enrich.enrich_batch = 100;
    config
}

/// A plain HTTP/1.1 GET, as a load balancer's probe sends it.
pub(crate) async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: hearken\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// The value of the unlabelled metric `name` on the server's `/metrics`.
pub(crate) async fn metric(http_addr: SocketAddr, name: &str) -> f64 {
    let response = http_get(http_addr, "/metrics").await;
    let value = response
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in {response}"));
    value.parse().unwrap()
}
