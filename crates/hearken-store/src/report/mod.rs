//! The read side: volumes, share of voice, reach, the conversation map, top voices, inboxes,
//! exports, alert rules and their deliveries.
//!
//! Volumes and breakdowns are answered from the hourly `rollups` whenever the filter fits them
//! (see [`Plan`]); anything else falls back to one `GROUP BY` over enriched mentions joined with
//! their departments and topics. Both dialects run the same SQL text: `$N` placeholders are
//! understood by SQLite too, and every construct used is common to both.

mod alerts;
mod inbox;
mod sql;

use std::collections::{BTreeMap, HashMap};

pub use alerts::{AlertDelivery, AlertRuleRecord, NewDelivery};
pub use inbox::{
    InboxCursor, InboxEventRecord, InboxItemRecord, InboxQuery, InboxUpdate, status_name,
};

use crate::enrich::Dimension;
use crate::influence::{AuthorScore, GenerationInfo};
use crate::{Store, StoreError, StoredMention};

/// Runs `$body` with `$pool` bound to the store's pool: the same SQL text serves both dialects,
/// and the body is compiled once per backend so that every bind is typed for its database.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::Store::Postgres(store) => {
                let $pool = store.pool();
                $body
            }
            $crate::Store::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
        }
    };
}
pub(crate) use on_pool;

/// How many of the highest ranked authors the conversation map looks for in its cells.
pub const MAP_VOICES: i64 = 256;

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
/// 1970-01-01 was a Thursday; weeks start on Monday, four days later.
const MONDAY_OFFSET: i64 = 4 * DAY;

/// How wide the buckets of a series are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketWidth {
    Hour,
    Day,
    /// Monday 00:00 UTC to the next.
    Week,
}

impl BucketWidth {
    /// The width in microseconds.
    pub fn micros(self) -> i64 {
        match self {
            BucketWidth::Hour => HOUR,
            BucketWidth::Day => DAY,
            BucketWidth::Week => 7 * DAY,
        }
    }

    fn offset(self) -> i64 {
        match self {
            BucketWidth::Week => MONDAY_OFFSET,
            BucketWidth::Hour | BucketWidth::Day => 0,
        }
    }

    /// The start of the bucket `when` (microseconds) falls in.
    pub fn start_of(self, when: i64) -> i64 {
        let (width, offset) = (self.micros(), self.offset());
        (when - offset).div_euclid(width) * width + offset
    }
}

/// Which enriched mentions a report covers. Every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// Microseconds since the epoch, inclusive.
    pub from: Option<i64>,
    /// Microseconds since the epoch, exclusive.
    pub until: Option<i64>,
    /// A mention passes when, for every dimension here, it has one of the values.
    pub dimensions: BTreeMap<Dimension, Vec<String>>,
}

impl ReportFilter {
    /// The mentions of `[from, until)`, about `department` when given.
    pub fn window(from: Option<i64>, until: Option<i64>, department: Option<&str>) -> Self {
        let mut filter = Self {
            from,
            until,
            ..Self::default()
        };
        if let Some(department) = department {
            filter.restrict(Dimension::Department, vec![department.to_owned()]);
        }
        filter
    }

    /// Adds a restriction; values of a dimension already restricted are intersected.
    pub fn restrict(&mut self, dimension: Dimension, values: Vec<String>) {
        match self.dimensions.get_mut(&dimension) {
            Some(existing) => existing.retain(|value| values.contains(value)),
            None => {
                self.dimensions.insert(dimension, values);
            }
        }
    }
}

/// A count of mentions and what they felt, for one key and bucket.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct AggregateRow {
    /// The value of the grouping dimension; empty when not grouped.
    pub key: String,
    /// Microseconds; 0 when not bucketed.
    pub bucket_start: i64,
    pub mention_count: i64,
    pub sentiment_sum: f64,
    pub positive_count: i64,
    pub neutral_count: i64,
    pub negative_count: i64,
}

/// What to count: which mentions, bucketed how, grouped by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateQuery {
    pub filter: ReportFilter,
    /// `None` sums the whole range into one bucket.
    pub bucket: Option<BucketWidth>,
    /// [`Dimension::Total`] gives one series with an empty key.
    pub group_by: Dimension,
}

/// Where an aggregate is answered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The rollups of one department partition (`""` for all), one dimension, optionally
    /// restricted to some of its values, summed over the values when `keyed` is false.
    Rollups {
        department: String,
        dimension: Dimension,
        values: Option<Vec<String>>,
        keyed: bool,
    },
    /// A `GROUP BY` over enriched mentions, for filters the rollups cannot answer: values of
    /// two dimensions at once (say topic and country), or several values of a dimension a
    /// mention can have several of (departments, topics) without grouping by it, which the
    /// rollups would count twice.
    Mentions,
}

impl AggregateQuery {
    /// Chooses the rollups when they hold the answer exactly.
    ///
    /// The rollups count each mention under every value it has, within the all-departments
    /// partition and within each department it concerns. So they answer: an optional single
    /// department (its partition), plus at most one other restricted dimension, which must be
    /// the grouping dimension, or be single-valued per mention, or be restricted to one value.
    pub fn plan(&self) -> Plan {
        let mut others = self.filter.dimensions.clone();
        let mut department = String::new();
        if self.group_by != Dimension::Department
            && let Some(values) = others.get(&Dimension::Department)
            && values.len() == 1
        {
            department = values[0].clone();
            others.remove(&Dimension::Department);
        }
        let mut others = others.into_iter();
        match (others.next(), others.next()) {
            (None, _) => Plan::Rollups {
                department,
                dimension: self.group_by,
                values: None,
                keyed: self.group_by != Dimension::Total,
            },
            (Some((dimension, values)), None) => {
                let fits = dimension == self.group_by
                    || (self.group_by == Dimension::Total
                        && (values.len() == 1 || !multi_valued(dimension)));
                match fits {
                    true => Plan::Rollups {
                        department,
                        dimension,
                        values: Some(values),
                        keyed: self.group_by != Dimension::Total,
                    },
                    false => Plan::Mentions,
                }
            }
            (Some(_), Some(_)) => Plan::Mentions,
        }
    }
}

/// The department partition (`""` for all) whose author spans and rollups answer Reach for
/// `filter`: at most one department and no other dimension, over whole hours (the rollups'
/// engagement is hourly).
fn reach_partition(filter: &ReportFilter) -> Option<&str> {
    let whole_hours = [filter.from, filter.until]
        .into_iter()
        .flatten()
        .all(|at| at.rem_euclid(HOUR) == 0);
    let mut dimensions = filter.dimensions.iter();
    match (dimensions.next(), dimensions.next()) {
        _ if !whole_hours => None,
        (None, _) => Some(""),
        (Some((Dimension::Department, values)), None) if values.len() == 1 => {
            Some(values[0].as_str())
        }
        _ => None,
    }
}

/// Dimensions a mention can take several values of.
fn multi_valued(dimension: Dimension) -> bool {
    matches!(dimension, Dimension::Department | Dimension::Topic)
}

/// Reach: how many distinct authors spoke, how many followers they have between them, and the
/// engagement their mentions drew.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReachTotals {
    pub unique_authors: i64,
    /// Each author counted once, with the most followers seen in the window.
    pub potential_impressions: i64,
    pub likes: i64,
    pub reposts: i64,
    pub replies: i64,
    pub quotes: i64,
    pub views: i64,
}

/// One cell of the conversation map: a department and a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct MapCell {
    pub department: String,
    pub topic: String,
    pub mention_count: i64,
    pub sentiment_sum: f64,
    /// The highest ranked author of the current influence generation who spoke in the cell,
    /// among its [`MAP_VOICES`] highest; empty if none of them did, or before the first
    /// recompute.
    pub top_voice: String,
}

/// An author in the current influence generation and what they said in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceRecord {
    pub score: crate::influence::AuthorScore,
    pub mention_count: i64,
    pub sentiment_sum: f64,
}

/// Aggregate rows ordered by key, then bucket. Ordered here rather than by the database:
/// PostgreSQL compares text by the database's collation (strcoll under C.UTF-8), which took a
/// third of an hourly chart's read; bytes are what SQLite and Rust compare too.
fn by_key(mut rows: Vec<AggregateRow>) -> Vec<AggregateRow> {
    rows.sort_unstable_by(|a, b| (&a.key, a.bucket_start).cmp(&(&b.key, b.bucket_start)));
    rows
}

/// Where an export continues: after this mention id.
pub type ExportCursor = i64;

impl Store {
    /// Counts and sentiment per key and bucket, from the rollups when [`AggregateQuery::plan`]
    /// allows, otherwise from the mentions. Ordered by key, then bucket.
    pub async fn aggregate(&self, query: &AggregateQuery) -> Result<Vec<AggregateRow>, StoreError> {
        match query.plan() {
            Plan::Rollups {
                department,
                dimension,
                values,
                keyed,
            } => {
                let sql = sql::rollup_aggregate(
                    &department,
                    dimension,
                    values.as_deref(),
                    keyed,
                    false,
                    query,
                );
                sql.fetch_all(self, "aggregate mentions").await.map(by_key)
            }
            Plan::Mentions => self.aggregate_from_mentions(query).await,
        }
    }

    /// The groups of [`Store::aggregate`] and, before them under the key `""`, the total of
    /// every mention that `query` counts: in one read when the rollups answer without
    /// restricting the grouping dimension.
    pub async fn aggregate_with_total(
        &self,
        query: &AggregateQuery,
    ) -> Result<Vec<AggregateRow>, StoreError> {
        if let Plan::Rollups {
            department,
            dimension,
            values: None,
            keyed: true,
        } = query.plan()
        {
            let sql = sql::rollup_aggregate(&department, dimension, None, true, true, query);
            return sql.fetch_all(self, "aggregate mentions").await.map(by_key);
        }
        let total = AggregateQuery {
            group_by: Dimension::Total,
            ..query.clone()
        };
        let mut rows = self.aggregate(&total).await?;
        rows.extend(self.aggregate(query).await?);
        Ok(rows)
    }

    /// The same answer as [`Store::aggregate`], always by a `GROUP BY` over the mentions: the
    /// fallback, and the baseline the rollups are measured against.
    pub async fn aggregate_from_mentions(
        &self,
        query: &AggregateQuery,
    ) -> Result<Vec<AggregateRow>, StoreError> {
        sql::mention_aggregate(query)
            .fetch_all(self, "aggregate mentions")
            .await
            .map(by_key)
    }

    /// Distinct authors, their followers, and engagement totals of the filtered mentions: from
    /// the author spans and the rollups when the filter names at most one department and the
    /// range is whole hours, otherwise from the mentions.
    pub async fn reach(&self, filter: &ReportFilter) -> Result<ReachTotals, StoreError> {
        let Some(department) = reach_partition(filter) else {
            return self.reach_from_mentions(filter).await;
        };
        let authors_sql = sql::reach_authors(department, filter);
        let (unique_authors, potential_impressions): (i64, i64) = authors_sql
            .fetch_one(self, "count the authors who spoke")
            .await?;
        let engagement_sql = sql::rollup_engagement(department, filter.from, filter.until);
        let (likes, reposts, replies, quotes, views) =
            engagement_sql.fetch_one(self, "sum engagement").await?;
        Ok(ReachTotals {
            unique_authors,
            potential_impressions,
            likes,
            reposts,
            replies,
            quotes,
            views,
        })
    }

    /// The same answer as [`Store::reach`], always by a `GROUP BY` over the mentions.
    pub async fn reach_from_mentions(
        &self,
        filter: &ReportFilter,
    ) -> Result<ReachTotals, StoreError> {
        let sql = sql::reach(filter);
        let row: (i64, i64, i64, i64, i64, i64, i64) = sql.fetch_one(self, "compute reach").await?;
        Ok(ReachTotals {
            unique_authors: row.0,
            potential_impressions: row.1,
            likes: row.2,
            reposts: row.3,
            replies: row.4,
            quotes: row.5,
            views: row.6,
        })
    }

    /// The names of the listening topics marked as brands, sorted.
    pub async fn brand_topics(&self) -> Result<Vec<String>, StoreError> {
        on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT name FROM topics WHERE brand ORDER BY name")
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list brand topics"))
        })
    }

    /// Departments × topics in `[from, until)` (one department's row when given; only the
    /// `topic_limit` largest topics when given, see [`Store::largest_topics`]): volume and
    /// sentiment from the rollups, and each cell's top voice, the highest ranked author of the
    /// current influence generation who spoke in it (see [`MAP_VOICES`]). Ordered by department, then volume
    /// (largest first), then topic.
    pub async fn conversation_map(
        &self,
        from: Option<i64>,
        until: Option<i64>,
        department: Option<&str>,
        topic_limit: Option<usize>,
    ) -> Result<Vec<MapCell>, StoreError> {
        let totals = self.holds_every_mention(from, until).await?;
        let topics = match topic_limit {
            Some(limit) => Some(
                self.ranked_topics(from, until, department, limit, totals)
                    .await?,
            ),
            None => None,
        };
        // Named departments let the cells be read by the rollups' key, not by scanning
        // every topic row of the range for a non-empty department; the totals are read by
        // topic.
        let departments: Option<Vec<String>> = match (&topics, department) {
            (Some(topics), _) if !totals => {
                let named: Vec<(String,)> = sql::topic_departments(topics, department)
                    .fetch_all(self, "find the conversation map's departments")
                    .await?;
                Some(named.into_iter().map(|(department,)| department).collect())
            }
            (_, Some(department)) => Some(vec![department.to_owned()]),
            (_, None) => None,
        };
        let cells_sql = sql::map_cells(
            from,
            until,
            departments.as_deref(),
            topics.as_deref(),
            totals,
        );
        let cells: Vec<(String, String, i64, f64, Option<String>)> = cells_sql
            .fetch_all(self, "read the conversation map")
            .await?;
        let mut map: Vec<MapCell> = cells
            .into_iter()
            .map(
                |(department, topic, mention_count, sentiment_sum, top_voice)| MapCell {
                    department,
                    topic,
                    mention_count,
                    sentiment_sum,
                    top_voice: top_voice.unwrap_or_default(),
                },
            )
            .collect();
        map.sort_by(|a, b| {
            a.department
                .cmp(&b.department)
                .then(b.mention_count.cmp(&a.mention_count))
                .then_with(|| a.topic.cmp(&b.topic))
        });
        Ok(map)
    }

    /// The `limit` topics with the most mentions in `[from, until)` (about `department` when
    /// given, each mention once), most first, ties by name. Walks the topics by their
    /// all-time totals and counts each in the range from the rollups, until no topic further
    /// down, whose range count is at most its total, can enter: for a range holding most of
    /// the data that is the first page; it never reads every topic's rows.
    pub async fn largest_topics(
        &self,
        from: Option<i64>,
        until: Option<i64>,
        department: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let totals = self.holds_every_mention(from, until).await?;
        self.ranked_topics(from, until, department, limit, totals)
            .await
    }

    /// [`Store::largest_topics`], counting from the all-time totals when `totals` (the range
    /// holds every mention).
    async fn ranked_topics(
        &self,
        from: Option<i64>,
        until: Option<i64>,
        department: Option<&str>,
        limit: usize,
        totals: bool,
    ) -> Result<Vec<String>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let partition = department.unwrap_or("");
        let mut counted: Vec<(i64, String)> = Vec::new();
        let (mut offset, mut page) = (0, (4 * limit as i64).clamp(64, 1024));
        loop {
            let totals_sql = sql::topics_by_total(partition, offset, page);
            let all_time: Vec<(String, i64)> = totals_sql.fetch_all(self, "rank topics").await?;
            let Some(bound) = all_time.last().map(|(_, total)| *total) else {
                break;
            };
            let counts = match totals {
                true => all_time,
                false => {
                    let topics: Vec<String> =
                        all_time.into_iter().map(|(topic, _)| topic).collect();
                    sql::topic_counts(partition, &topics, from, until)
                        .fetch_all(self, "count topics in the range")
                        .await?
                }
            };
            counted.extend(counts.into_iter().map(|(topic, count)| (count, topic)));
            counted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            counted.truncate(limit);
            // A topic not yet counted has at most `bound` in the range; on a tie its name
            // could still sort first.
            if counted.len() == limit && counted[limit - 1].0 > bound {
                break;
            }
            offset += page;
            page = (page * 2).min(4096);
        }
        Ok(counted.into_iter().map(|(_, topic)| topic).collect())
    }

    /// Whether every hour with enriched mentions starts within `[from, until)`, so that the
    /// all-time totals answer for the range as its rollups would.
    async fn holds_every_mention(
        &self,
        from: Option<i64>,
        until: Option<i64>,
    ) -> Result<bool, StoreError> {
        if from.is_none() && until.is_none() {
            return Ok(true);
        }
        let (first, last): (Option<i64>, Option<i64>) = sql::hours_with_mentions()
            .fetch_one(self, "find the hours with mentions")
            .await?;
        Ok(
            first.is_none_or(|first| from.is_none_or(|from| from <= first))
                && last.is_none_or(|last| until.is_none_or(|until| last < until)),
        )
    }

    /// A page of the generation's scores in top-voice order, without topical authority.
    async fn ranked_authors(
        &self,
        generation: i64,
        department: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuthorScore>, StoreError> {
        let sql = sql::ranked_authors(generation, department, offset, limit);
        sql.fetch_all(self, "rank authors").await
    }

    /// The authors of the current influence generation who spoke in `[from, until)` (about
    /// `department` when given), ranked by composite score, or within the department by
    /// topical authority and then composite score, with what they said, and the generation they come from; `None` before
    /// the first recompute.
    pub async fn top_voices(
        &self,
        department: Option<&str>,
        from: Option<i64>,
        until: Option<i64>,
        limit: u32,
    ) -> Result<Option<(GenerationInfo, Vec<VoiceRecord>)>, StoreError> {
        let Some(generation) = self.current_generation().await? else {
            return Ok(None);
        };
        // Walk the ranking a page at a time and keep the authors who spoke in the window:
        // the top voices are usually near the top, so this reads a few pages of authors and
        // their own mentions instead of every mention in the window.
        let limit = limit as usize;
        let mut voices = Vec::with_capacity(limit);
        let (mut offset, mut page) = (0, (4 * limit as i64).clamp(64, 1024));
        while voices.len() < limit {
            let ranked = self
                .ranked_authors(generation.generation, department, offset, page)
                .await?;
            if ranked.is_empty() {
                break;
            }
            let handles: Vec<String> = ranked.iter().map(|score| score.handle.clone()).collect();
            let said = self.said_by(&handles, department, from, until).await?;
            for score in ranked {
                let key = (score.source.clone(), score.handle.clone());
                if let Some(&(mention_count, sentiment_sum)) = said.get(&key) {
                    voices.push(VoiceRecord {
                        score,
                        mention_count,
                        sentiment_sum,
                    });
                }
                if voices.len() == limit {
                    break;
                }
            }
            offset += page;
            page = (page * 2).min(4096);
        }
        let mut scores: Vec<AuthorScore> = voices.iter().map(|v| v.score.clone()).collect();
        self.attach_topical(generation.generation, &mut scores)
            .await?;
        for (voice, score) in voices.iter_mut().zip(scores) {
            voice.score = score;
        }
        Ok(Some((generation, voices)))
    }

    /// What each of `handles` (lower case) said in `[from, until)` about `department` (all
    /// when `None`), by (source, handle): mentions and summed sentiment. An author whose span
    /// lies inside the range said exactly what the span counts; only those whose span
    /// crosses an end of the range are counted from their mentions.
    async fn said_by(
        &self,
        handles: &[String],
        department: Option<&str>,
        from: Option<i64>,
        until: Option<i64>,
    ) -> Result<HashMap<(String, String), (i64, f64)>, StoreError> {
        let spans: Vec<(String, String, i64, i64, i64, f64)> =
            sql::voice_spans(handles, department.unwrap_or(""))
                .fetch_all(self, "read top voices' spans")
                .await?;
        let mut said = HashMap::new();
        let mut crossing = Vec::new();
        for (source, handle, first_at, last_at, mention_count, sentiment_sum) in spans {
            let inside = from.is_none_or(|from| first_at >= from)
                && until.is_none_or(|until| last_at < until);
            let apart = from.is_some_and(|from| last_at < from)
                || until.is_some_and(|until| first_at >= until);
            if inside {
                said.insert((source, handle), (mention_count, sentiment_sum));
            } else if !apart {
                crossing.push(handle);
            }
        }
        if !crossing.is_empty() {
            crossing.sort_unstable();
            crossing.dedup();
            let counted: Vec<(String, String, i64, f64)> =
                sql::said_by(&crossing, department, from, until)
                    .fetch_all(self, "count what top voices said")
                    .await?;
            said.extend(
                counted
                    .into_iter()
                    .map(|(source, handle, n, sentiment)| ((source, handle), (n, sentiment))),
            );
        }
        Ok(said)
    }

    /// Up to `limit` enriched mentions passing `filter`, by id, after `after`: one batch of an
    /// export, complete with topics, departments and key topics.
    pub async fn export_batch(
        &self,
        filter: &ReportFilter,
        after: Option<ExportCursor>,
        limit: u32,
    ) -> Result<Vec<StoredMention>, StoreError> {
        let sql = sql::export(filter, after, limit);
        let mut mentions: Vec<StoredMention> = sql.fetch_all(self, "read an export batch").await?;
        match self {
            Store::Postgres(store) => store.attach_labels(&mut mentions).await?,
            Store::Sqlite(store) => store.attach_labels(&mut mentions).await?,
        }
        Ok(mentions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(filters: &[(Dimension, &[&str])], group_by: Dimension) -> AggregateQuery {
        let mut filter = ReportFilter::default();
        for (dimension, values) in filters {
            filter.restrict(*dimension, values.iter().map(|v| (*v).to_owned()).collect());
        }
        AggregateQuery {
            filter,
            bucket: Some(BucketWidth::Day),
            group_by,
        }
    }

    #[test]
    fn plans_rollups_only_where_they_count_exactly() {
        use Dimension::*;
        let rollups = |q: AggregateQuery| matches!(q.plan(), Plan::Rollups { .. });
        assert!(rollups(query(&[], Topic)));
        assert!(rollups(query(&[(Department, &["pr"])], Topic)));
        assert!(rollups(query(
            &[(Department, &["pr"]), (Topic, &["a", "b"])],
            Topic
        )));
        assert!(rollups(query(&[(Country, &["US", "GB"])], Total)));
        assert!(rollups(query(&[(Department, &["pr", "hr"])], Department)));
        // Two topics summed would count a mention of both twice.
        assert!(!rollups(query(&[(Topic, &["a", "b"])], Total)));
        // Rollups hold one dimension at a time.
        assert!(!rollups(query(
            &[(Topic, &["a"]), (Country, &["US"])],
            Total
        )));
        assert!(!rollups(query(&[(Country, &["US"])], Topic)));
    }

    #[test]
    fn buckets_start_on_hours_days_and_mondays() {
        // 2015-02-24 11:35:00 UTC, a Tuesday.
        let at = 1_424_777_700_000_000;
        assert_eq!(BucketWidth::Hour.start_of(at), 1_424_775_600_000_000);
        assert_eq!(BucketWidth::Day.start_of(at), 1_424_736_000_000_000);
        // Monday 2015-02-23.
        assert_eq!(BucketWidth::Week.start_of(at), 1_424_649_600_000_000);
        assert_eq!(BucketWidth::Week.start_of(-1), -3 * DAY);
    }
}
