//! The enrichment queue and its results: claiming pending mentions under a lease, writing what
//! classification and location resolution found, and keeping inboxes and rollups up to date.
//!
//! Delivery to the worker is at least once (a lease can expire while a slow worker still holds
//! a batch); the effect is exactly once because completion only touches mentions that are still
//! pending, in the same transaction that adds their rollups and inbox items.

pub(crate) mod postgres;
pub(crate) mod rollup;
pub(crate) mod spans;
pub(crate) mod sqlite;

pub use rollup::city_key;

use crate::StoredMention;

/// The report dimensions, numbered as the contract's `Dimension`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum Dimension {
    /// The total: one value, `""`.
    Total = 0,
    Department = 1,
    Topic = 2,
    Source = 3,
    Country = 4,
    Region = 5,
    City = 6,
    Sentiment = 7,
    Intent = 8,
    Language = 9,
}

/// VADER's scores and label (the contract's `SentimentLabel` number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SentimentScores {
    pub neg: f64,
    pub neu: f64,
    pub pos: f64,
    pub compound: f64,
    pub label: i32,
}

/// The contract's `SentimentLabel` numbers.
pub const SENTIMENT_NEGATIVE: i32 = 1;
pub const SENTIMENT_NEUTRAL: i32 = 2;
pub const SENTIMENT_POSITIVE: i32 = 3;

/// Where a mention was said from; every field empty when unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedPlace {
    /// ISO 3166-1 alpha-2.
    pub country_code: String,
    /// ISO 3166-2.
    pub region_code: String,
    pub city: String,
    pub coordinates: Option<(f64, f64)>,
    /// The contract's `LocationEvidence` number.
    pub evidence: i32,
    pub confidence: f64,
}

/// Everything the worker learned about one mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrichment {
    pub sentiment: SentimentScores,
    /// Most confident first; empty when the mention concerns no department.
    pub departments: Vec<(String, f64)>,
    pub intent: String,
    pub intent_confidence: f64,
    /// Hashtags and key phrases.
    pub key_topics: Vec<String>,
    pub language: String,
    pub urgency: f64,
    pub model_version: String,
    /// Why the top department was chosen, strongest first.
    pub routing_reasons: Vec<String>,
    pub place: ResolvedPlace,
    /// Urgency weighed by the author's influence, 0–1; orders the inbox.
    pub priority: f64,
}

/// A claimed mention and what was learned about it.
#[derive(Debug, Clone)]
pub struct EnrichedMention {
    pub mention: StoredMention,
    pub enrichment: Enrichment,
}

/// The enrichment columns of a stored mention: all `None` until it is enriched.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct EnrichmentRow {
    /// Microseconds since the Unix epoch.
    pub enriched_at: Option<i64>,
    pub sentiment_neg: Option<f64>,
    pub sentiment_neu: Option<f64>,
    pub sentiment_pos: Option<f64>,
    pub sentiment_compound: Option<f64>,
    pub sentiment_label: Option<i32>,
    pub intent: Option<String>,
    pub intent_confidence: Option<f64>,
    pub detected_language: Option<String>,
    pub urgency: Option<f64>,
    pub model_version: Option<String>,
    /// One reason per line.
    pub routing_reasons: String,
    pub country_code: Option<String>,
    pub region_code: Option<String>,
    pub city: Option<String>,
    pub resolved_latitude: Option<f64>,
    pub resolved_longitude: Option<f64>,
    pub location_evidence: Option<i32>,
    pub location_confidence: Option<f64>,
}

/// The enrichment columns, in [`EnrichmentRow`] field order.
macro_rules! enrichment_columns {
    () => {
        "enriched_at, sentiment_neg, sentiment_neu, sentiment_pos, sentiment_compound, \
         sentiment_label, intent, intent_confidence, detected_language, urgency, model_version, \
         routing_reasons, country_code, region_code, city, resolved_latitude, resolved_longitude, \
         location_evidence, location_confidence"
    };
}
pub(crate) use enrichment_columns;

/// What became of a failed batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureOutcome {
    /// Pending again, not before the backoff passes.
    pub retrying: u64,
    /// Out of attempts: moved to the dead letter status with the error.
    pub dead_lettered: u64,
}

/// The state of the enrichment queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub pending: i64,
    pub enriched: i64,
    pub dead_lettered: i64,
    /// When the oldest pending mention was ingested (microseconds), if any is pending.
    pub oldest_pending_ingested_at: Option<i64>,
}

/// The enrichment queue without the count of what left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    pub pending: i64,
    pub dead_lettered: i64,
    /// When the oldest pending mention was ingested (microseconds), if any is pending.
    pub oldest_pending_ingested_at: Option<i64>,
}

/// `when` (microseconds) rounded down to its hour.
pub fn hour_of(when: i64) -> i64 {
    const HOUR: i64 = 3_600_000_000;
    when.div_euclid(HOUR) * HOUR
}

/// The word a sentiment label number stands for in reports.
pub fn sentiment_name(label: i32) -> &'static str {
    match label {
        SENTIMENT_NEGATIVE => "negative",
        SENTIMENT_POSITIVE => "positive",
        _ => "neutral",
    }
}

/// The rows that completing a batch adds beside the mentions' own columns, derived once for
/// both dialects from the mentions that were still pending.
#[derive(Debug, Default)]
pub(crate) struct CompletionRows<'a> {
    /// (mention id, department, confidence).
    pub(crate) departments: Vec<(i64, &'a str, f64)>,
    /// (mention id, topic).
    pub(crate) key_topics: Vec<(i64, &'a str)>,
    /// (mention id, owner department, priority, routing event detail).
    pub(crate) inbox: Vec<(i64, &'a str, f64, String)>,
    /// Hourly rollup rows, then the same summed per day and per week.
    pub(crate) rollups: std::collections::BTreeMap<rollup::RollupKey, rollup::RollupDelta>,
    pub(crate) daily_rollups: std::collections::BTreeMap<rollup::RollupKey, rollup::RollupDelta>,
    pub(crate) weekly_rollups: std::collections::BTreeMap<rollup::RollupKey, rollup::RollupDelta>,
    pub(crate) spans: std::collections::BTreeMap<spans::SpanKey, spans::Span>,
    /// Mentions and summed sentiment per (partition, topic).
    pub(crate) topic_totals: std::collections::BTreeMap<(String, String), rollup::RollupDelta>,
}

impl<'a> CompletionRows<'a> {
    /// The rows of `items` whose ids are in `completed` (the mentions that were still pending).
    pub(crate) fn of(items: &'a [EnrichedMention], completed: &[i64]) -> Self {
        let completed: std::collections::HashSet<i64> = completed.iter().copied().collect();
        let done: Vec<&EnrichedMention> = items
            .iter()
            .filter(|item| completed.contains(&item.mention.id))
            .collect();
        let rollups = rollup::deltas(done.iter().copied());
        let mut rows = CompletionRows {
            daily_rollups: rollup::coarser(&rollups, crate::report::BucketWidth::Day),
            weekly_rollups: rollup::coarser(&rollups, crate::report::BucketWidth::Week),
            topic_totals: rollup::topic_totals(&rollups),
            rollups,
            spans: spans::spans(done.iter().copied()),
            ..Self::default()
        };
        for item in done {
            let (id, e) = (item.mention.id, &item.enrichment);
            rows.departments.extend(
                e.departments
                    .iter()
                    .map(|(department, confidence)| (id, department.as_str(), *confidence)),
            );
            let mut topics: Vec<&str> = e.key_topics.iter().map(String::as_str).collect();
            topics.sort_unstable();
            topics.dedup();
            rows.key_topics.extend(topics.into_iter().map(|t| (id, t)));
            if let Some((owner, _)) = e.departments.first() {
                rows.inbox.push((
                    id,
                    owner.as_str(),
                    e.priority,
                    routing_detail(&e.departments),
                ));
            }
        }
        rows
    }
}

/// The audit trail's first entry: where a mention was routed and who else sees it.
fn routing_detail(departments: &[(String, f64)]) -> String {
    let named: Vec<String> = departments
        .iter()
        .map(|(id, confidence)| format!("{id} ({confidence:.2})"))
        .collect();
    match named.split_first() {
        Some((owner, [])) => format!("routed to {owner}"),
        Some((owner, others)) => format!("routed to {owner}; visible to {}", others.join(", ")),
        None => String::new(),
    }
}

/// The pending and dead-lettered counts and the ingestion time of the oldest pending mention,
/// each an index range of the `(status, id)` index as short as the queue; the same text in
/// both dialects.
macro_rules! queue_depth {
    () => {
        "(SELECT COUNT(*) FROM mentions WHERE status = 1), \
         (SELECT COUNT(*) FROM mentions WHERE status = 3), \
         (SELECT ingested_at FROM mentions WHERE status = 1 ORDER BY id LIMIT 1)"
    };
}
const QUEUE_DEPTH: &str = concat!("SELECT ", queue_depth!());
/// [`QUEUE_DEPTH`] and the enriched count in one statement, so that all are counted at one
/// moment: counted apart, a batch enriched in between was counted twice, as pending and as
/// enriched.
const QUEUE_STATS: &str = concat!(
    "SELECT ",
    queue_depth!(),
    ", (SELECT COUNT(*) FROM mentions WHERE status = 2)"
);

impl crate::Store {
    /// How many mentions wait, were enriched or dead-lettered, and the oldest wait. Counting
    /// the enriched ones reads their whole stretch of the status index (about 100 ms at a
    /// million mentions): for `hearken status`, not for a gauge.
    pub async fn queue_stats(&self) -> Result<QueueStats, crate::StoreError> {
        let (pending, dead_lettered, oldest, enriched): (i64, i64, Option<i64>, i64) =
            crate::report::on_pool!(self, |pool| sqlx::query_as(QUEUE_STATS)
                .fetch_one(pool)
                .await
                .map_err(crate::StoreError::query("read queue statistics")))?;
        Ok(QueueStats {
            pending,
            enriched,
            dead_lettered,
            oldest_pending_ingested_at: oldest,
        })
    }

    /// How many mentions wait and were dead-lettered, and the oldest wait: what the ingest
    /// gauge reads every second.
    pub async fn queue_depth(&self) -> Result<QueueDepth, crate::StoreError> {
        let (pending, dead_lettered, oldest): (i64, i64, Option<i64>) =
            crate::report::on_pool!(self, |pool| sqlx::query_as(QUEUE_DEPTH)
                .fetch_one(pool)
                .await
                .map_err(crate::StoreError::query("read the queue's depth")))?;
        Ok(QueueDepth {
            pending,
            dead_lettered,
            oldest_pending_ingested_at: oldest,
        })
    }
}

/// The actor of the audit trail's automatic entries.
pub(crate) const SYSTEM_ACTOR: &str = "hearken";

impl FailureOutcome {
    /// Counts the statuses a failed batch's mentions were left in.
    pub(crate) fn count(statuses: &[i32]) -> Self {
        let dead_lettered = statuses.iter().filter(|s| **s == 3).count() as u64;
        Self {
            retrying: statuses.len() as u64 - dead_lettered,
            dead_lettered,
        }
    }
}
