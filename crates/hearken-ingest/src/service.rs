//! Taking mentions in: validate each record, match topics, store the good ones in one
//! transaction, and account for every record.

use std::sync::Arc;

use chrono::Utc;
use hearken_core::Caller;
use hearken_core::mention::Limits;
use hearken_proto::v1 as pb;
use hearken_store::{InsertOutcome, Store};
use hearken_telemetry::metrics;

use crate::convert::new_mention;
use crate::queue::QueueGauge;
use crate::rate::{Rate, RateLimiter};
use crate::{IngestError, Topics};

/// Most record errors listed in one response; the counts always cover every record.
pub const MAX_LISTED_ERRORS: usize = 10_000;

/// Bounds on what one call may carry.
#[derive(Debug, Clone, Copy)]
pub struct IngestConfig {
    pub limits: Limits,
    /// Most mentions in one `IngestBatch` call or one message of an `Ingest` stream.
    pub max_batch_size: usize,
    /// Pending mentions past which calls are refused with `RESOURCE_EXHAUSTED`; 0 for none.
    pub max_queue_depth: u64,
    /// Mentions per second per caller; `None` for no limit.
    pub rate: Option<Rate>,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            max_batch_size: 10_000,
            max_queue_depth: 1_000_000,
            rate: None,
        }
    }
}

/// The ingestion service's logic, shared by every connection.
#[derive(Debug, Clone)]
pub struct Ingest {
    pub(crate) store: Store,
    pub(crate) topics: Arc<Topics>,
    pub(crate) queue: Arc<QueueGauge>,
    pub(crate) rate: Option<Arc<RateLimiter>>,
    pub(crate) config: IngestConfig,
}

/// What happened to the records of one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub errors: Vec<pb::RecordError>,
}

impl Summary {
    fn reject(&mut self, error: pb::RecordError) {
        self.rejected += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(error);
        }
    }

    /// Adds another call's counts and errors to these.
    pub fn absorb(&mut self, other: Summary) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        let room = MAX_LISTED_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(other.errors.into_iter().take(room));
    }
}

impl Ingest {
    pub async fn new(store: Store, config: IngestConfig) -> Result<Self, IngestError> {
        let topics = Arc::new(Topics::load(&store).await?);
        let queue = Arc::new(QueueGauge::new(config.max_queue_depth));
        queue.refresh(&store).await?;
        Ok(Self {
            store,
            topics,
            queue,
            rate: config.rate.map(|rate| Arc::new(RateLimiter::new(rate))),
            config,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn topics(&self) -> &Arc<Topics> {
        &self.topics
    }

    pub fn queue(&self) -> &Arc<QueueGauge> {
        &self.queue
    }

    /// Refuses `count` mentions from `caller` beyond its rate; callers without a name (when
    /// authentication is off) share one allowance.
    pub fn admit_rate(&self, caller: Option<&Caller>, count: usize) -> Result<(), IngestError> {
        match &self.rate {
            Some(limiter) => limiter.admit(caller.map_or("anonymous", |c| c.name.as_str()), count),
            None => Ok(()),
        }
    }

    /// Validates `mentions` and stores the good ones durably before returning. `first_index`
    /// is the position of `mentions[0]` in the caller's stream, for error indexes.
    pub async fn ingest(
        &self,
        mentions: &[pb::Mention],
        first_index: u64,
    ) -> Result<Summary, IngestError> {
        if mentions.len() > self.config.max_batch_size {
            return Err(IngestError::invalid(
                "mentions",
                format!(
                    "{} records in one message; at most {} are allowed, so split the batch",
                    mentions.len(),
                    self.config.max_batch_size
                ),
            ));
        }
        self.queue.admit()?;
        let now = Utc::now();
        let mut summary = Summary::default();
        let mut good = Vec::with_capacity(mentions.len());
        let mut matched = Vec::with_capacity(mentions.len());
        for (offset, raw) in (0u64..).zip(mentions) {
            match new_mention(raw, now, &self.config.limits) {
                Ok(mention) => {
                    matched.push(self.topics.matches(&mention.text));
                    good.push(mention);
                }
                Err(error) => summary.reject(pb::RecordError {
                    index: i64::try_from(first_index + offset).unwrap_or(i64::MAX),
                    field: error.field,
                    reason: error.reason,
                    external_id: raw.external_id.trim().to_owned(),
                }),
            }
        }
        for outcome in self.store.insert_mentions(&good, &matched).await? {
            match outcome {
                InsertOutcome::Inserted(_) => summary.accepted += 1,
                InsertOutcome::Duplicate => summary.duplicates += 1,
            }
        }
        self.queue.added(summary.accepted);
        for (outcome, count) in [
            ("accepted", summary.accepted),
            ("duplicate", summary.duplicates),
            ("rejected", summary.rejected),
        ] {
            metrics::count(
                "hearken_mentions_ingested_total",
                "Records received by ingestion, by what became of them.",
                &[("outcome", outcome)],
                count,
            );
        }
        Ok(summary)
    }
}
