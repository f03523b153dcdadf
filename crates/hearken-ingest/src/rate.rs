//! A per-caller limit on mentions per second: a token bucket for each caller name.
//!
//! A bucket holds up to `burst` mentions and refills at `per_second`. A call is admitted when
//! the bucket holds as many mentions as it carries (or a full burst, for a call larger than
//! the burst, which then leaves the bucket in debt), so a steady sender gets its rate and a
//! bigger call is never refused forever.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::IngestError;

/// The allowance of each caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Debug)]
struct Bucket {
    level: f64,
    at: Instant,
}

/// Every caller's bucket. Callers are the configured tokens, so the map stays small.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `count` mentions from `caller`'s bucket, or says how long to wait.
    pub(crate) fn admit(&self, caller: &str, count: usize) -> Result<(), IngestError> {
        let now = Instant::now();
        let burst = f64::from(self.rate.burst);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            level: burst,
            at: now,
        });
        let refilled = now.duration_since(bucket.at).as_secs_f64() * self.rate.per_second;
        bucket.level = (bucket.level + refilled).min(burst);
        bucket.at = now;
        let needed = (count as f64).min(burst);
        if bucket.level >= needed {
            bucket.level -= count as f64;
            return Ok(());
        }
        let wait = (needed - bucket.level) / self.rate.per_second;
        Err(IngestError::RateLimited {
            caller: caller.to_owned(),
            per_second: self.rate.per_second,
            retry_after: Duration::from_secs_f64(wait.max(0.001)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_the_rate() {
        let limiter = RateLimiter::new(Rate {
            per_second: 10.0,
            burst: 20,
        });
        limiter.admit("a", 20).unwrap();
        let Err(IngestError::RateLimited { retry_after, .. }) = limiter.admit("a", 5) else {
            panic!("a drained bucket admitted more");
        };
        assert_eq!(retry_after, Duration::from_millis(500));
        // Other callers have their own allowance.
        limiter.admit("b", 20).unwrap();
        tokio::time::advance(Duration::from_millis(500)).await;
        limiter.admit("a", 5).unwrap();
        // A call above the burst passes on a full bucket and leaves it in debt.
        tokio::time::advance(Duration::from_secs(10)).await;
        limiter.admit("a", 30).unwrap();
        assert!(limiter.admit("a", 1).is_err());
    }
}
