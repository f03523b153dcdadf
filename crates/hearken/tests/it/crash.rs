//! Crash safety: the all-in-one server is killed with SIGKILL while clients are ingesting,
//! then restarted on the same database. Every acknowledged mention is there exactly once, the
//! batch that was in flight is there whole or not at all, and enrichment resumes.

use std::process::Stdio;
use std::time::Duration;

use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_store::Store;
use tokio::process::{Child, Command};
use tonic::transport::Channel;

use crate::helpers::{TempDir, mention, postgres_url};

const BATCH: usize = 200;

/// `hearken serve` as a real process, every role, on `database_url`.
async fn start(database_url: &str) -> (Child, IngestServiceClient<Channel>) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let child = Command::new(env!("CARGO_BIN_EXE_hearken"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--http", "127.0.0.1:0", "--database-url", database_url])
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

fn batch(number: usize) -> Vec<pb::Mention> {
    (0..BATCH)
        .map(|i| {
            mention(
                &format!("crash-{number}-{i}"),
                &format!("@united flight {number} seat {i}: the wifi is down again"),
            )
        })
        .collect()
}

async fn survives_sigkill(database_url: &str) {
    let (mut server, mut client) = start(database_url).await;
    // Acknowledged batches, then one more sent while the server is killed.
    let mut acknowledged = 0;
    for number in 0..10 {
        let response = client
            .ingest_batch(pb::IngestBatchRequest {
                mentions: batch(number),
            })
            .await
            .unwrap();
        assert_eq!(
            response.into_inner().summary.unwrap().accepted_count,
            BATCH as i64
        );
        acknowledged += 1;
    }
    let mut racing = client.clone();
    let in_flight = tokio::spawn(async move {
        racing
            .ingest_batch(pb::IngestBatchRequest {
                mentions: batch(99),
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    let in_flight_acknowledged = in_flight.await.unwrap().is_ok();

    let (mut server, mut client) = start(database_url).await;
    let store = Store::connect(database_url).await.unwrap();
    let drained = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let stats = store.queue_stats().await.unwrap();
            if stats.pending == 0 {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("enrichment resumed and drained after the restart");

    let stored = drained.enriched + drained.dead_lettered;
    let in_flight_stored = stored - (acknowledged * BATCH) as i64;
    assert!(
        in_flight_stored == 0 || in_flight_stored == BATCH as i64,
        "the batch in flight is whole or absent, not {in_flight_stored} of {BATCH}"
    );
    if in_flight_acknowledged {
        assert_eq!(
            in_flight_stored, BATCH as i64,
            "an acknowledged batch is kept"
        );
    }
    assert_eq!(drained.dead_lettered, 0);
    // Each acknowledged mention exactly once: sending them all again stores nothing new.
    for number in 0..acknowledged {
        let summary = client
            .ingest_batch(pb::IngestBatchRequest {
                mentions: batch(number),
            })
            .await
            .unwrap()
            .into_inner()
            .summary
            .unwrap();
        assert_eq!(
            (summary.accepted_count, summary.duplicate_count),
            (0, BATCH as i64),
            "batch {number} was stored before the crash, once"
        );
    }
    store.close().await;
    server.start_kill().unwrap();
    server.wait().await.unwrap();
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
