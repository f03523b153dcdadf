//! Backpressure: how many mentions wait for enrichment, and whether more may come in.
//!
//! Counting pending rows on every call would cost a query per batch, so the count is read
//! from the store periodically ([`QueueGauge::refresh`]) and raised locally by each accepted
//! batch in between: it can only overestimate, never let a burst slip past the limit.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hearken_store::{Store, StoreError};
use hearken_telemetry::metrics;

use crate::IngestError;

/// How long a refused client is told to wait.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// The enrichment queue's depth as this server knows it.
#[derive(Debug)]
pub struct QueueGauge {
    pending: AtomicI64,
    /// 0 means no limit.
    limit: i64,
}

impl QueueGauge {
    pub fn new(limit: u64) -> Self {
        Self {
            pending: AtomicI64::new(0),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        }
    }

    /// Reads the true depth from the store, and publishes it with the lag as metrics.
    pub async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        let stats = store.queue_depth().await?;
        self.pending.store(stats.pending, Ordering::Relaxed);
        let lag = stats.oldest_pending_ingested_at.map_or(0.0, |ingested| {
            (chrono::Utc::now().timestamp_micros() - ingested).max(0) as f64 / 1e6
        });
        for (name, help, value) in [
            (
                "hearken_queue_pending",
                "Mentions waiting for enrichment.",
                stats.pending as f64,
            ),
            (
                "hearken_queue_dead_lettered",
                "Mentions in the dead letter status.",
                stats.dead_lettered as f64,
            ),
            (
                "hearken_enrichment_lag_seconds",
                "How long the oldest pending mention has waited.",
                lag,
            ),
        ] {
            metrics::gauge(name, help, &[], value);
        }
        Ok(())
    }

    /// Refuses a call while the queue is at its limit.
    pub(crate) fn admit(&self) -> Result<(), IngestError> {
        let pending = self.pending.load(Ordering::Relaxed);
        match self.limit > 0 && pending >= self.limit {
            true => Err(IngestError::QueueFull {
                pending,
                limit: self.limit,
            }),
            false => Ok(()),
        }
    }

    /// Counts mentions just stored as pending.
    pub(crate) fn added(&self, count: u64) {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        self.pending.fetch_add(count, Ordering::Relaxed);
    }

    pub fn limit(&self) -> i64 {
        self.limit
    }
}
