//! Recomputing scores in the background: on an interval, and sooner when enough new
//! interactions arrived.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::service::InfluenceState;

/// When the scheduler recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Recompute at least this often while interactions keep arriving.
    pub interval: Duration,
    /// Recompute as soon as this many interactions arrived since the last recompute.
    pub min_new_interactions: i64,
    /// How often to count interactions.
    pub poll: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            min_new_interactions: 10_000,
            poll: Duration::from_secs(10),
        }
    }
}

/// Runs until `token` is cancelled. The first poll recomputes when any interaction is stored;
/// later ones when `min_new_interactions` arrived, or `interval` passed and anything arrived.
/// A failed recompute is logged and retried at the next poll; reads keep serving the previous
/// generation throughout.
pub async fn run_scheduler(
    state: Arc<InfluenceState>,
    config: SchedulerConfig,
    token: CancellationToken,
) {
    let mut ticker = tokio::time::interval(config.poll);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut counted_at_last: Option<i64> = None;
    let mut last_run = Instant::now();
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let count = match state.store().count_interactions().await {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    "cannot count interactions"
                );
                continue;
            }
        };
        let arrived = count - counted_at_last.unwrap_or(0);
        let due = match counted_at_last {
            None => count > 0,
            Some(_) => {
                arrived >= config.min_new_interactions
                    || (arrived > 0 && last_run.elapsed() >= config.interval)
            }
        };
        if !due {
            continue;
        }
        let result = tokio::select! {
            () = token.cancelled() => return,
            result = state.recompute() => result,
        };
        match result {
            Ok(_) => {
                counted_at_last = Some(count);
                last_run = Instant::now();
            }
            Err(error) => {
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    "scheduled recompute failed"
                );
            }
        }
    }
}
