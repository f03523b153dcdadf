//! Crash safety: the all-in-one server is killed with SIGKILL in the middle of a streaming
//! ingest, then restarted on the same database. Every acknowledged mention is there exactly
//! once, each message of the stream that was cut is there whole or not at all, and enrichment
//! resumes, batches claimed before the crash included.

use std::process::Stdio;
use std::time::Duration;

use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_store::Store;
use tokio::process::{Child, Command};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::helpers::{TempDir, drained, mention, postgres_url, within};

/// Mentions in one message of a stream, each message being committed on its own.
const MESSAGE: usize = 100;
/// Messages in each stream answered before the crash.
const MESSAGES: usize = 4;
const ACKNOWLEDGED_STREAMS: usize = 3;
/// Messages offered to the stream that the crash cuts.
const CUT_MESSAGES: usize = 40;

/// `hearken serve` as a real process, every role, on `database_url`. A short lease brings the
/// batches the killed worker had claimed back soon after the restart.
async fn start(database_url: &str) -> (Child, IngestServiceClient<Channel>) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let child = Command::new(env!("CARGO_BIN_EXE_hearken"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--http", "127.0.0.1:0", "--database-url", database_url])
        .args(["--enrich-batch", "50", "--enrich-lease-secs", "2"])
        .env("HEARKEN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if let Ok(client) = IngestServiceClient::connect(url.clone()).await {
            return (child, client);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("hearken serve did not come up on {url}");
}

fn message(stream: usize, number: usize) -> pb::IngestRequest {
    let mentions = (0..MESSAGE)
        .map(|i| {
            mention(
                &format!("crash-{stream}-{number}-{i}"),
                &format!("@united flight {stream}{number} seat {i}: the wifi is down again"),
            )
        })
        .collect();
    pb::IngestRequest { mentions }
}

fn stream(number: usize) -> impl tokio_stream::Stream<Item = pb::IngestRequest> {
    tokio_stream::iter((0..MESSAGES).map(move |n| message(number, n)))
}

/// Mentions stored, whatever their status.
async fn stored(store: &Store) -> usize {
    let stats = store.queue_stats().await.unwrap();
    (stats.pending + stats.enriched + stats.dead_lettered) as usize
}

async fn survives_sigkill(database_url: &str) {
    let (mut server, mut client) = start(database_url).await;
    for number in 0..ACKNOWLEDGED_STREAMS {
        let summary = within(client.ingest(stream(number)))
            .await
            .unwrap()
            .into_inner()
            .summary
            .unwrap();
        assert_eq!(summary.accepted_count, (MESSAGES * MESSAGE) as i64);
    }
    let acknowledged = ACKNOWLEDGED_STREAMS * MESSAGES * MESSAGE;

    // One more stream, fed as fast as the server takes it.
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let mut cut_client = client.clone();
    let cut = tokio::spawn(async move { cut_client.ingest(ReceiverStream::new(receiver)).await });
    let feeder = tokio::spawn(async move {
        for number in 0..CUT_MESSAGES {
            if sender
                .send(message(ACKNOWLEDGED_STREAMS, number))
                .await
                .is_err()
            {
                return;
            }
        }
        // Held open until the end of the test, so that the kill always lands mid-stream.
        std::future::pending::<()>().await;
    });
    // Killed while both ingestion and enrichment are under way.
    let store = Store::connect(database_url).await.unwrap();
    let seen_before_kill = within(async {
        loop {
            let count = stored(&store).await;
            let enriching = store.queue_stats().await.unwrap().enriched > 0;
            if count > acknowledged && enriching {
                return count;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    server.start_kill().unwrap();
    within(server.wait()).await.unwrap();
    assert!(
        within(cut).await.unwrap().is_err(),
        "the cut stream was never answered"
    );
    feeder.abort();

    let (mut server, mut client) = start(database_url).await;
    let after = drained(&store).await;
    let total = stored(&store).await;
    assert_eq!(after.dead_lettered, 0);
    assert_eq!(after.enriched as usize, total, "enrichment resumed");
    assert!(total >= seen_before_kill, "{total} < {seen_before_kill}");
    // Each acknowledged mention exactly once: sending them all again stores nothing new.
    for number in 0..ACKNOWLEDGED_STREAMS {
        let summary = within(client.ingest(stream(number)))
            .await
            .unwrap()
            .into_inner()
            .summary
            .unwrap();
        assert_eq!(
            (summary.accepted_count, summary.duplicate_count),
            (0, (MESSAGES * MESSAGE) as i64),
            "stream {number} was stored before the crash, once"
        );
    }
    // Each message of the cut stream is whole or absent: sending it again stores all or none.
    for number in 0..CUT_MESSAGES {
        let summary = within(client.ingest_batch(pb::IngestBatchRequest {
            mentions: message(ACKNOWLEDGED_STREAMS, number).mentions,
        }))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
        assert!(
            summary.accepted_count == 0 || summary.duplicate_count == 0,
            "message {number} of the cut stream was half-written: {summary:?}"
        );
    }
    store.close().await;
    server.start_kill().unwrap();
    within(server.wait()).await.unwrap();
}

#[tokio::test]
async fn survives_sigkill_on_sqlite() {
    let dir = TempDir::new();
    survives_sigkill(&dir.sqlite_url()).await;
}

#[tokio::test]
async fn survives_sigkill_on_postgres() {
    if let Some(url) = postgres_url().await {
        survives_sigkill(&url).await;
    }
}
