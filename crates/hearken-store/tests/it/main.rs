//! One contract, run against every backend: a fresh database per test.

// A test that cannot unwrap should fail loudly; clippy only exempts `#[test]` bodies.
#![allow(clippy::unwrap_used)]

mod contract;
mod enrich;
mod influence;
mod migrations;
mod report;

use hearken_store::Store;

/// A fresh SQLite file in its own temporary directory.
async fn sqlite() -> (Store, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let url = format!("sqlite://{}", dir.path().join("hearken.db").display());
    (Store::connect(&url).await.expect("sqlite store"), dir)
}

/// A fresh database named by UUID on the server in `HEARKEN_TEST_POSTGRES_URL`. Under CI a
/// missing URL fails the test rather than skipping it.
async fn postgres() -> Option<Store> {
    let Ok(base) = std::env::var("HEARKEN_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set HEARKEN_TEST_POSTGRES_URL"
        );
        eprintln!("HEARKEN_TEST_POSTGRES_URL is not set: skipping the Postgres contract");
        return None;
    };
    let name = format!("hearken_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&base)
        .await
        .expect("connect to the test server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create a test database");
    admin.close().await;
    let (server, _) = base.rsplit_once('/').expect("URL with a database name");
    Some(
        Store::connect(&format!("{server}/{name}"))
            .await
            .expect("postgres store"),
    )
}

mod tempdir {
    use std::path::{Path, PathBuf};

    /// A directory removed when dropped.
    #[derive(Debug)]
    pub(crate) struct Dir(PathBuf);

    impl Dir {
        pub(crate) fn new() -> Self {
            let path = std::env::temp_dir()
                .join(format!("hearken-store-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Self(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn sqlite_contract() {
    let (store, _dir) = sqlite().await;
    contract::run(&store).await;
    influence::run(&store).await;
    let (store, _dir) = sqlite().await;
    enrich::run(&store).await;
    let (store, _dir) = sqlite().await;
    report::run(&store).await;
}

#[tokio::test]
async fn postgres_contract() {
    if let Some(store) = postgres().await {
        contract::run(&store).await;
        influence::run(&store).await;
        generation_statistics_hold(&store).await;
    }
    if let Some(store) = postgres().await {
        enrich::run(&store).await;
    }
    if let Some(store) = postgres().await {
        report::run(&store).await;
        planner_settings_hold(&store).await;
    }
}

/// Pooled connections plan prepared statements for their values and start no parallel
/// workers (see `PgStore::connect`).
async fn planner_settings_hold(store: &Store) {
    let Store::Postgres(store) = store else {
        unreachable!("PostgreSQL only")
    };
    for (setting, expected) in [
        ("max_parallel_workers_per_gather", "0"),
        ("plan_cache_mode", "force_custom_plan"),
    ] {
        let value: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(value, expected, "{setting}");
    }
}

/// The planner knows the newest score generation as soon as it is saved: its tables were
/// analyzed then, not a minute later by autovacuum, so their row estimates are their rows.
async fn generation_statistics_hold(store: &Store) {
    let Store::Postgres(store) = store else {
        unreachable!("PostgreSQL only")
    };
    for table in ["influence_scores", "influence_topical", "map_voices"] {
        let (estimated, counted): (f32, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT reltuples FROM pg_class WHERE relname = '{table}'), \
             (SELECT COUNT(*) FROM {table})"
        )))
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(estimated, counted as f32, "{table}");
    }
}
