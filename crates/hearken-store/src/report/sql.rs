//! The report queries, assembled from fixed fragments. Only `$N` placeholders are ever
//! interpolated into the text; every value is bound, so the assembled text is as safe as a
//! static string.

use super::{AggregateQuery, BucketWidth, ExportCursor, ReportFilter, on_pool};
use crate::enrich::Dimension;
use crate::{Store, StoreError};

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

/// SQL text with `$N` placeholders and the values they stand for.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, fragment: &str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends the placeholder of a new bound value.
    fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let placeholder = format!("${}", self.args.len());
        self.text.push_str(&placeholder);
        self
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Arg::Int(value))
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.bind(Arg::Text(value.to_owned()))
    }

    /// `(​$a, $b, …)`; an empty list matches nothing.
    fn list(&mut self, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (position, value) in values.iter().enumerate() {
            if position > 0 {
                self.push(", ");
            }
            self.text(value);
        }
        self.push(")")
    }

    /// `($a, $b, …)` of ids; an empty list matches nothing.
    fn ids(&mut self, ids: &[i64]) -> &mut Self {
        if ids.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (position, id) in ids.iter().enumerate() {
            if position > 0 {
                self.push(", ");
            }
            self.int(*id);
        }
        self.push(")")
    }

    /// `$expr - floor-mod($expr - offset, width)`: the start of the bucket, also before 1970,
    /// as `%` truncates toward zero in both dialects.
    fn bucket(&mut self, expr: &str, width: BucketWidth) -> &mut Self {
        self.push("(")
            .push(expr)
            .push(" - ((")
            .push(expr)
            .push(" - ");
        self.int(width.offset()).push(") % ");
        self.int(width.micros()).push(" + ");
        self.int(width.micros()).push(") % ");
        self.int(width.micros()).push(")")
    }

    /// Every row the query yields on `store`; `operation` names it in errors.
    pub(crate) async fn fetch_all<O>(
        &self,
        store: &Store,
        operation: &'static str,
    ) -> Result<Vec<O>, StoreError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + Send
            + Unpin,
    {
        on_pool!(store, |pool| self
            .query_as(pool)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(operation)))
    }

    /// The one row the query yields on `store`.
    pub(crate) async fn fetch_one<O>(
        &self,
        store: &Store,
        operation: &'static str,
    ) -> Result<O, StoreError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + Send
            + Unpin,
    {
        on_pool!(store, |pool| self
            .query_as(pool)
            .fetch_one(pool)
            .await
            .map_err(StoreError::query(operation)))
    }

    /// Binds every value to a query built for either backend.
    pub(crate) fn query_as<'q, DB, O>(
        &'q self,
        _pool: &sqlx::Pool<DB>,
    ) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>
    where
        DB: sqlx::Database + sqlx::database::HasStatementCache,
        O: for<'r> sqlx::FromRow<'r, DB::Row>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        // Kept as a prepared statement, which saves parsing and describing it again; on
        // PostgreSQL each run is still planned for its values (see `PgStore::connect`).
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(self.text.clone()));
        for arg in &self.args {
            query = match arg {
                Arg::Int(value) => query.bind(*value),
                Arg::Text(value) => query.bind(value.as_str()),
            };
        }
        query
    }
}

/// The value a mention has in a single-valued dimension, as the rollups spell it.
fn value_expr(dimension: Dimension) -> Option<&'static str> {
    Some(match dimension {
        Dimension::Source => "m.source",
        Dimension::Country => "COALESCE(m.country_code, '')",
        Dimension::Region => "COALESCE(m.region_code, '')",
        // hearken_store::enrich::city_key: the city with its region, else its country.
        Dimension::City => {
            "CASE WHEN COALESCE(m.city, '') = '' THEN '' \
             WHEN COALESCE(m.region_code, '') <> '' THEN m.city || ', ' || m.region_code \
             WHEN COALESCE(m.country_code, '') <> '' THEN m.city || ', ' || m.country_code \
             ELSE m.city END"
        }
        Dimension::Sentiment => {
            "CASE m.sentiment_label WHEN 1 THEN 'negative' WHEN 3 THEN 'positive' \
             ELSE 'neutral' END"
        }
        Dimension::Intent => "COALESCE(m.intent, '')",
        Dimension::Language => "COALESCE(m.language, m.detected_language, '')",
        Dimension::Total | Dimension::Department | Dimension::Topic => return None,
    })
}

/// `WHERE …` over enriched mentions `m` for `filter`.
fn mention_conditions(sql: &mut Sql, filter: &ReportFilter) {
    sql.push(" WHERE m.status = 2");
    if let Some(from) = filter.from {
        sql.push(" AND m.created_at >= ").int(from);
    }
    if let Some(until) = filter.until {
        sql.push(" AND m.created_at < ").int(until);
    }
    for (dimension, values) in &filter.dimensions {
        match dimension {
            Dimension::Total => {}
            Dimension::Department => {
                sql.push(
                    " AND EXISTS (SELECT 1 FROM mention_departments fd \
                     WHERE fd.mention_id = m.id AND fd.department IN ",
                )
                .list(values)
                .push(")");
            }
            Dimension::Topic => {
                sql.push(
                    " AND (EXISTS (SELECT 1 FROM mention_topics ft \
                     WHERE ft.mention_id = m.id AND ft.topic IN ",
                )
                .list(values)
                .push(
                    ") OR EXISTS (SELECT 1 FROM mention_key_topics fk \
                     WHERE fk.mention_id = m.id AND fk.topic IN ",
                )
                .list(values)
                .push("))");
            }
            single => {
                let expr = value_expr(*single).unwrap_or("''");
                sql.push(" AND ").push(expr).push(" IN ").list(values);
            }
        }
    }
}

/// Every topic of a mention: listening-topic matches and the classifier's key topics, once.
const ALL_TOPICS: &str = "(SELECT mention_id, topic FROM mention_topics \
     UNION SELECT mention_id, topic FROM mention_key_topics)";

const COUNTS: &str = "CAST(COUNT(*) AS BIGINT) AS mention_count, \
     COALESCE(SUM(m.sentiment_compound), 0.0) AS sentiment_sum, \
     CAST(COALESCE(SUM(CASE WHEN m.sentiment_label = 3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS positive_count, \
     CAST(COALESCE(SUM(CASE WHEN m.sentiment_label = 3 OR m.sentiment_label = 1 THEN 0 ELSE 1 END), 0) AS BIGINT) AS neutral_count, \
     CAST(COALESCE(SUM(CASE WHEN m.sentiment_label = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS negative_count";

pub(crate) fn mention_aggregate(query: &AggregateQuery) -> Sql {
    let key = match query.group_by {
        Dimension::Total => "''".to_owned(),
        Dimension::Department | Dimension::Topic => "g.value".to_owned(),
        single => value_expr(single).unwrap_or("''").to_owned(),
    };
    let mut sql = Sql::new("SELECT ");
    sql.push(&key).push(" AS key, ");
    match query.bucket {
        Some(width) => sql.bucket("m.created_at", width),
        None => sql.push("CAST(0 AS BIGINT)"),
    };
    sql.push(" AS bucket_start, ")
        .push(COUNTS)
        .push(" FROM mentions m");
    match query.group_by {
        Dimension::Department => sql.push(
            " JOIN (SELECT mention_id, department AS value FROM mention_departments) g \
             ON g.mention_id = m.id",
        ),
        Dimension::Topic => sql
            .push(" JOIN (SELECT mention_id, topic AS value FROM ")
            .push(ALL_TOPICS)
            .push(" t) g ON g.mention_id = m.id"),
        _ => &mut sql,
    };
    mention_conditions(&mut sql, &query.filter);
    if query.group_by != Dimension::Total {
        // As in the rollups, a mention without a value is not counted under ''.
        sql.push(" AND ").push(&key).push(" <> ''");
    }
    // Grouping by a restricted dimension shows only the values asked for, also for a mention
    // that has other values besides.
    if let Some(values) = query.filter.dimensions.get(&query.group_by) {
        sql.push(" AND ").push(&key).push(" IN ").list(values);
    }
    group_by(
        &mut sql,
        query.group_by != Dimension::Total,
        query.bucket.is_some(),
    );
    sql
}

/// `GROUP BY` the key (column 1) and the bucket (column 2) by position, since the bucket's
/// bound parameters differ from the select list's, leaving out constants (Postgres refuses to
/// group by one); then drops the empty group an ungrouped aggregate yields when nothing matched.
fn group_by(sql: &mut Sql, keyed: bool, bucketed: bool) {
    let columns = match (keyed, bucketed) {
        (true, true) => " GROUP BY 1, 2",
        (true, false) => " GROUP BY 1",
        (false, true) => " GROUP BY 2",
        (false, false) => "",
    };
    sql.push(columns).push(" HAVING COUNT(*) > 0");
}

/// The sum of a count column as a BIGINT of the column's name. PostgreSQL sums BIGINTs as
/// NUMERIC, which took a third of a rollup read; a double holds every count below 2^53 exactly.
macro_rules! count_sum {
    ($column:literal) => {
        concat!(
            "CAST(SUM(CAST(",
            $column,
            " AS DOUBLE PRECISION)) AS BIGINT) AS ",
            $column
        )
    };
}

/// The rollups' answer to `query` as [`AggregateQuery::plan`] found it; `with_total` adds
/// the partition's total under the key `''` (its rows' value) to a keyed query.
pub(crate) fn rollup_aggregate(
    department: &str,
    dimension: Dimension,
    values: Option<&[String]>,
    keyed: bool,
    with_total: bool,
    query: &AggregateQuery,
) -> Sql {
    let key = if keyed { "value" } else { "''" };
    let mut sql = Sql::new("SELECT ");
    sql.push(key).push(" AS key, ");
    match query.bucket {
        Some(width) => sql.bucket("bucket_start", width),
        None => sql.push("CAST(0 AS BIGINT)"),
    };
    sql.push(concat!(
        " AS bucket_start, ",
        count_sum!("mention_count"),
        ", SUM(sentiment_sum) AS sentiment_sum, ",
        count_sum!("positive_count"),
        ", ",
        count_sum!("neutral_count"),
        ", ",
        count_sum!("negative_count"),
        " FROM ",
    ));
    // Without buckets, the coarsest rows will do.
    rollup_rows(
        &mut sql,
        query.filter.from,
        query.filter.until,
        query.bucket.unwrap_or(BucketWidth::Week),
    );
    sql.push(" WHERE department = ").text(department);
    match with_total {
        true => sql
            .push(" AND dimension IN (")
            .int(Dimension::Total as i64)
            .push(", ")
            .int(dimension as i64)
            .push(")"),
        false => sql.push(" AND dimension = ").int(dimension as i64),
    };
    if let Some(values) = values {
        sql.push(" AND value IN ").list(values);
    }
    group_by(&mut sql, keyed, query.bucket.is_some());
    sql
}

/// The columns the rollup tables share.
const ROLLUP_COLUMNS: &str = "department, dimension, value, bucket_start, mention_count, \
     sentiment_sum, positive_count, neutral_count, negative_count, like_count, repost_count, \
     reply_count, quote_count, view_count";

/// The rollup tables, finest first, with the width of their buckets.
const LEVELS: [(BucketWidth, &str); 3] = [
    (BucketWidth::Hour, "rollups"),
    (BucketWidth::Day, "rollups_daily"),
    (BucketWidth::Week, "rollups_weekly"),
];

/// The rollup rows of `[from, until)` as the derived table `r`: an hour counts when it starts
/// within the range. The whole buckets of `coarsest` inside the range are read from their
/// table, and what is left at either end from the next finer one, down to hours.
fn rollup_rows(sql: &mut Sql, from: Option<i64>, until: Option<i64>, coarsest: BucketWidth) {
    let level = match coarsest {
        BucketWidth::Hour => 0,
        BucketWidth::Day => 1,
        BucketWidth::Week => 2,
    };
    let mut ranges: [Vec<Range>; 3] = Default::default();
    split_range(from, until, level, &mut ranges);
    sql.push("(");
    // A branch per range rather than ranges joined by OR: PostgreSQL then bounds each index
    // scan by the range instead of reading the key's every row and filtering.
    let read = LEVELS.iter().zip(ranges).rev();
    let branches =
        read.flat_map(|((_, table), ranges)| ranges.into_iter().map(move |r| (table, r)));
    for (position, (table, (start, end))) in branches.enumerate() {
        if position > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT ")
            .push(ROLLUP_COLUMNS)
            .push(" FROM ")
            .push(table)
            .push(" WHERE 1 = 1");
        rollup_range(sql, start, end);
    }
    sql.push(") r");
}

/// A range of bucket starts, `[start, end)`, either end open when `None`.
type Range = (Option<i64>, Option<i64>);

/// Splits `[from, until)` into ranges per level of [`LEVELS`]: the whole buckets of `level`
/// inside it, and the ends left over at the finer levels.
fn split_range(from: Option<i64>, until: Option<i64>, level: usize, ranges: &mut [Vec<Range>; 3]) {
    let width = LEVELS[level].0;
    if level == 0 {
        ranges[level].push((from, until));
        return;
    }
    let first = from.map(|from| width.start_of(from + width.micros() - 1));
    let end = until.map(|until| width.start_of(until));
    if let (Some(first), Some(end)) = (first, end)
        && first >= end
    {
        split_range(from, until, level - 1, ranges);
        return;
    }
    ranges[level].push((first, end));
    for (start, stop) in [(from, first), (end, until)] {
        if let (Some(start), Some(stop)) = (start, stop)
            && start < stop
        {
            split_range(Some(start), Some(stop), level - 1, ranges);
        }
    }
}

/// Reach from the mentions: each author once, with the most followers ever seen (from the
/// author spans, as [`reach_authors`] counts them, else from the mentions in the filter).
pub(crate) fn reach(filter: &ReportFilter) -> Sql {
    let mut sql = Sql::new(
        "SELECT CAST(COUNT(*) AS BIGINT), \
         CAST(COALESCE(SUM(COALESCE(f.followers, a.followers)), 0) AS BIGINT), \
         CAST(COALESCE(SUM(likes), 0) AS BIGINT), CAST(COALESCE(SUM(reposts), 0) AS BIGINT), \
         CAST(COALESCE(SUM(replies), 0) AS BIGINT), CAST(COALESCE(SUM(quotes), 0) AS BIGINT), \
         CAST(COALESCE(SUM(views), 0) AS BIGINT) FROM (SELECT m.source AS source, \
         LOWER(m.author_handle) AS handle, \
         MAX(m.author_followers) AS followers, SUM(m.like_count) AS likes, \
         SUM(m.repost_count) AS reposts, SUM(m.reply_count) AS replies, \
         SUM(m.quote_count) AS quotes, SUM(m.view_count) AS views FROM mentions m",
    );
    mention_conditions(&mut sql, filter);
    sql.push(
        " GROUP BY m.source, LOWER(m.author_handle)) a LEFT JOIN author_spans f \
         ON f.department = '' AND f.topic = '' AND f.source = a.source AND f.handle = a.handle",
    );
    sql
}

/// Distinct authors and their followers from the author spans of `department`'s partition: an
/// author counts when their span meets the filter's range, and, only when the span encloses
/// the range, if one of their mentions falls inside it.
pub(crate) fn reach_authors(department: &str, filter: &ReportFilter) -> Sql {
    // Followers come from the all-departments row, which is the row itself for "".
    let mut sql = match department {
        "" => Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(a.followers), 0) AS BIGINT) \
             FROM author_spans a",
        ),
        _ => Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(f.followers), 0) AS BIGINT) \
             FROM author_spans a JOIN author_spans f ON f.department = '' \
             AND f.topic = '' AND f.source = a.source AND f.handle = a.handle",
        ),
    };
    sql.push(" WHERE a.department = ")
        .text(department)
        .push(" AND a.topic = ''");
    span_in_range(&mut sql, filter, "");
    sql
}

/// Keeps the spans `a` that meet `filter`'s range and, of those that enclose it, the ones
/// whose author has a mention in the range passing `filter` and the conditions `mention`
/// (on `m` and `a`).
fn span_in_range(sql: &mut Sql, filter: &ReportFilter, mention: &str) {
    if let Some(from) = filter.from {
        sql.push(" AND a.last_at >= ").int(from);
    }
    if let Some(until) = filter.until {
        sql.push(" AND a.first_at < ").int(until);
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until) {
        sql.push(" AND (a.first_at >= ")
            .int(from)
            .push(" OR a.last_at < ")
            .int(until)
            .push(" OR (SELECT 1 FROM mentions m");
        mention_conditions(sql, filter);
        // A scalar probe rather than EXISTS: PostgreSQL may hash an EXISTS, reading every
        // mention of the range, where one index probe per enclosing span is all it takes.
        sql.push(" AND LOWER(m.author_handle) = a.handle AND m.source = a.source")
            .push(mention)
            .push(" LIMIT 1) IS NOT NULL)");
    }
}

/// Engagement totals of `department`'s partition over the range, from the rollups' totals.
pub(crate) fn rollup_engagement(department: &str, from: Option<i64>, until: Option<i64>) -> Sql {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(like_count), 0) AS BIGINT), \
         CAST(COALESCE(SUM(repost_count), 0) AS BIGINT), \
         CAST(COALESCE(SUM(reply_count), 0) AS BIGINT), \
         CAST(COALESCE(SUM(quote_count), 0) AS BIGINT), \
         CAST(COALESCE(SUM(view_count), 0) AS BIGINT) FROM ",
    );
    rollup_rows(&mut sql, from, until, BucketWidth::Week);
    sql.push(" WHERE department = ")
        .text(department)
        .push(" AND dimension = ")
        .int(Dimension::Total as i64);
    sql
}

fn rollup_range(sql: &mut Sql, from: Option<i64>, until: Option<i64>) {
    if let Some(from) = from {
        sql.push(" AND bucket_start >= ").int(from);
    }
    if let Some(until) = until {
        sql.push(" AND bucket_start < ").int(until);
    }
}

/// The volume, summed sentiment and top voice of each cell (department, topic) over
/// `[from, until)`: only `departments` and `topics` when given, every department's otherwise;
/// from the all-time totals when `totals` (the range holds every mention), else from the
/// rollups. The top voice is the best placed of the cell's map voices whose span meets the
/// range.
pub(crate) fn map_cells(
    from: Option<i64>,
    until: Option<i64>,
    departments: Option<&[String]>,
    topics: Option<&[String]>,
    totals: bool,
) -> Sql {
    let mut sql = Sql::new(
        "SELECT c.department, c.topic, c.mention_count, c.sentiment_sum, (SELECT v.handle \
         FROM map_voices v WHERE v.department = c.department AND v.topic = c.topic",
    );
    // Every voice spoke in a range that holds every mention. Otherwise the voice's span is
    // looked up by a scalar probe: as a join, PostgreSQL read every span of the cell for
    // each of its voices.
    if !totals {
        sql.push(
            " AND (SELECT 1 FROM author_spans a WHERE a.department = v.department \
             AND a.topic = v.topic AND a.source = v.source AND a.handle = v.handle",
        );
        span_in_range(
            &mut sql,
            &ReportFilter::window(from, until, None),
            MENTION_IN_CELL,
        );
        sql.push(") IS NOT NULL");
    }
    sql.push(" ORDER BY v.place LIMIT 1) FROM ");
    let topic = match totals {
        true => {
            sql.push(
                "(SELECT department, topic, mention_count, sentiment_sum FROM topic_totals \
                 WHERE mention_count > 0",
            );
            "topic"
        }
        false => {
            sql.push(
                "(SELECT department, value AS topic, \
                 CAST(SUM(mention_count) AS BIGINT) AS mention_count, \
                 SUM(sentiment_sum) AS sentiment_sum FROM ",
            );
            rollup_rows(&mut sql, from, until, BucketWidth::Week);
            sql.push(" WHERE dimension = ").int(Dimension::Topic as i64);
            "value"
        }
    };
    match departments {
        Some(departments) => sql.push(" AND department IN ").list(departments),
        None => sql.push(" AND department <> ''"),
    };
    if let Some(topics) = topics {
        sql.push(" AND ").push(topic).push(" IN ").list(topics);
    }
    if !totals {
        sql.push(" GROUP BY department, value");
    }
    sql.push(") c");
    sql
}

/// The first and the last hour with enriched mentions, both `NULL` when there are none: two
/// probes of the rollups' key.
pub(crate) fn hours_with_mentions() -> Sql {
    let mut sql = Sql::new("SELECT (SELECT MIN(bucket_start) FROM rollups WHERE ");
    total_partition(&mut sql);
    sql.push("), (SELECT MAX(bucket_start) FROM rollups WHERE ");
    total_partition(&mut sql);
    sql.push(")");
    sql
}

/// The rollups' total of every mention.
fn total_partition(sql: &mut Sql) {
    sql.push("department = '' AND dimension = ")
        .int(Dimension::Total as i64)
        .push(" AND value = ''");
}

/// The departments (only `department`, when given) that any of `topics` was ever counted in.
pub(crate) fn topic_departments(topics: &[String], department: Option<&str>) -> Sql {
    let mut sql = Sql::new("SELECT DISTINCT department FROM topic_totals WHERE topic IN ");
    sql.list(topics).push(" AND department <> ''");
    if let Some(department) = department {
        sql.push(" AND department = ").text(department);
    }
    sql
}

/// A page of `department`'s topics (`""` for all) by all-time mentions, most first.
pub(crate) fn topics_by_total(department: &str, offset: i64, limit: i64) -> Sql {
    let mut sql = Sql::new("SELECT topic, mention_count FROM topic_totals WHERE department = ");
    sql.text(department)
        .push(" ORDER BY mention_count DESC, topic LIMIT ")
        .int(limit)
        .push(" OFFSET ")
        .int(offset);
    sql
}

/// The mentions of each of `topics` in `department`'s partition over `[from, until)`; topics
/// without any are left out.
pub(crate) fn topic_counts(
    department: &str,
    topics: &[String],
    from: Option<i64>,
    until: Option<i64>,
) -> Sql {
    let mut sql = Sql::new("SELECT value, CAST(SUM(mention_count) AS BIGINT) FROM ");
    rollup_rows(&mut sql, from, until, BucketWidth::Week);
    sql.push(" WHERE department = ")
        .text(department)
        .push(" AND dimension = ")
        .int(Dimension::Topic as i64)
        .push(" AND value IN ")
        .list(topics)
        .push(" GROUP BY value HAVING SUM(mention_count) > 0");
    sql
}

/// A mention of `m` in the cell of span `a`.
const MENTION_IN_CELL: &str = " AND EXISTS (SELECT 1 FROM mention_departments d \
    WHERE d.mention_id = m.id AND d.department = a.department) AND (EXISTS (SELECT 1 \
    FROM mention_topics t WHERE t.topic = a.topic AND t.mention_id = m.id) OR EXISTS \
    (SELECT 1 FROM mention_key_topics k WHERE k.mention_id = m.id AND k.topic = a.topic))";

/// A page of the generation's authors in top-voice order: by composite score, or within a
/// department by topical authority first (authors without any follow by composite score).
pub(crate) fn ranked_authors(
    generation: i64,
    department: Option<&str>,
    offset: i64,
    limit: i64,
) -> Sql {
    let mut sql = Sql::new(
        "SELECT s.source, s.handle, s.score, s.reach_raw, s.reach_percentile, \
         s.engagement_raw, s.engagement_percentile, s.authority_raw, s.authority_percentile, \
         s.recency_raw, s.recency_percentile FROM influence_scores s",
    );
    match department {
        Some(department) => {
            sql.push(
                " LEFT JOIN influence_topical t ON t.generation = s.generation \
                 AND t.source = s.source AND t.handle = s.handle AND t.department = ",
            )
            .text(department)
            .push(" WHERE s.generation = ")
            .int(generation)
            .push(" ORDER BY COALESCE(t.raw, -1.0) DESC, s.place");
        }
        None => {
            sql.push(" WHERE s.generation = ")
                .int(generation)
                .push(" ORDER BY s.place");
        }
    }
    sql.push(" LIMIT ").int(limit).push(" OFFSET ").int(offset);
    sql
}

/// The spans of `handles` (lower case) in `department`'s partition over all topics: (source,
/// handle, first and last mention, mentions, summed sentiment).
pub(crate) fn voice_spans(handles: &[String], department: &str) -> Sql {
    let mut sql = Sql::new(
        "SELECT source, handle, first_at, last_at, mention_count, sentiment_sum \
         FROM author_spans WHERE topic = '' AND department = ",
    );
    sql.text(department).push(" AND handle IN ").list(handles);
    sql
}

/// What each of `handles` (lower case) said in `[from, until)`, about `department` when
/// given: (source, handle, mentions, summed compound sentiment), found through the authors'
/// index rather than a scan of the window.
pub(crate) fn said_by(
    handles: &[String],
    department: Option<&str>,
    from: Option<i64>,
    until: Option<i64>,
) -> Sql {
    let mut sql = Sql::new(
        "SELECT m.source, LOWER(m.author_handle), CAST(COUNT(*) AS BIGINT), \
         COALESCE(SUM(m.sentiment_compound), 0.0) FROM mentions m",
    );
    mention_conditions(&mut sql, &ReportFilter::window(from, until, department));
    sql.push(" AND LOWER(m.author_handle) IN ")
        .list(handles)
        .push(" GROUP BY m.source, LOWER(m.author_handle)");
    sql
}

pub(crate) fn export(filter: &ReportFilter, after: Option<ExportCursor>, limit: u32) -> Sql {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        crate::flat::select_columns!(),
        " FROM mentions m"
    ));
    mention_conditions(&mut sql, filter);
    if let Some(after) = after {
        sql.push(" AND m.id > ").int(after);
    }
    sql.push(" ORDER BY m.id LIMIT ").int(i64::from(limit));
    sql
}

/// The audit trail of inbox items, oldest event first.
pub(crate) fn inbox_events(ids: &[i64]) -> Sql {
    let mut sql = Sql::new(
        "SELECT mention_id, actor, action, detail, created_at FROM inbox_events \
         WHERE mention_id IN ",
    );
    sql.ids(ids).push(" ORDER BY mention_id, id");
    sql
}
