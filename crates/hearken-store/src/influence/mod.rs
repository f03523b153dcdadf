//! Influence storage: author profiles, the interaction graph, per-department mention counts
//! and scored generations.
//!
//! Scores are written as a whole generation in one transaction, together with the row that
//! names it, so a reader sees the previous generation until the new one is committed and never
//! waits for it (both databases read from a snapshot). The newest two generations are kept, so
//! a client paging through rankings survives one swap.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::collections::HashMap;

/// One interaction to record: `source_handle` acted on `target_handle` in a mention; both
/// handles belong to the mention's platform, `mention_source`.
///
/// `(kind, source_handle, target_handle, mention_source, mention_external_id)` identifies it,
/// so recording it again changes nothing, whatever its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInteraction {
    /// The contract's `InteractionKind` number.
    pub kind: i32,
    pub source_handle: String,
    pub target_handle: String,
    pub mention_source: String,
    pub mention_external_id: String,
    /// Microseconds since the Unix epoch.
    pub created_at: i64,
    /// The edge weight, finite and not negative; `None` is the default weight of `kind`.
    pub weight: Option<f64>,
}

/// A stored interaction, as the graph needs it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InteractionEdge {
    /// The row id: increasing in the order interactions were recorded.
    pub id: i64,
    /// The contract's `InteractionKind` number.
    pub kind: i32,
    /// The platform both handles belong to: the mention's source.
    pub source: String,
    pub source_handle: String,
    pub target_handle: String,
    /// The weight recorded; `None` is the default weight of `kind`.
    pub weight: Option<f64>,
    /// Microseconds since the Unix epoch.
    pub created_at: i64,
}

/// Interactions read per query by [`crate::Store::scan_interactions`]: enough to amortise a
/// round trip, few enough that a page's rows are a few megabytes.
pub(crate) const INTERACTION_PAGE: i64 = 50_000;

/// An author's profile as observed at `observed_at`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthorProfile {
    /// The platform the handle belongs to.
    pub source: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub followers: i64,
    pub following: i64,
    pub post_count: i64,
    pub location: Option<String>,
    pub verified: bool,
    /// Microseconds since the Unix epoch.
    pub observed_at: i64,
}

/// How many of an author's mentions were classified into a department.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthorDepartment {
    pub source: String,
    pub handle: String,
    pub department: String,
    pub mention_count: i64,
}

/// One author's scores in a generation: the composite and each component's raw value and
/// percentile. An author is a handle on one platform.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuthorScore {
    pub source: String,
    pub handle: String,
    /// The composite, from 0 to 100.
    pub score: f64,
    pub reach_raw: f64,
    pub reach_percentile: f64,
    pub engagement_raw: f64,
    pub engagement_percentile: f64,
    pub authority_raw: f64,
    pub authority_percentile: f64,
    pub recency_raw: f64,
    pub recency_percentile: f64,
    /// Topical authority per department, sorted by department; filled by a second query.
    #[sqlx(skip)]
    pub topical: Vec<TopicalScore>,
}

/// An author's topical authority in one department.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopicalScore {
    pub department: String,
    pub raw: f64,
    pub percentile: f64,
}

/// A complete set of scores to swap in.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGeneration<'a> {
    pub formula_version: &'a str,
    /// Microseconds since the Unix epoch.
    pub computed_at: i64,
    /// Interactions the scores were computed from.
    pub interaction_count: i64,
    pub scores: &'a [AuthorScore],
}

/// A stored generation of scores.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GenerationInfo {
    pub generation: i64,
    pub formula_version: String,
    /// Microseconds since the Unix epoch.
    pub computed_at: i64,
    pub author_count: i64,
    pub interaction_count: i64,
}

/// Where the previous page of a ranking ended: the ranking value (the composite overall, the
/// topical raw value within a department) and the author, `(source, handle)`, which breaks
/// ties.
#[derive(Debug, Clone, PartialEq)]
pub struct RankCursor {
    pub value: f64,
    pub source: String,
    pub handle: String,
}

/// Keeps, per `(source, handle)`, only the newest observation of the batch (the first one on a
/// tie), because one upsert statement may not touch a row twice.
pub(crate) fn newest_per_author(authors: &[AuthorProfile]) -> Vec<&AuthorProfile> {
    let mut newest: HashMap<(&str, &str), usize> = HashMap::with_capacity(authors.len());
    for (position, author) in authors.iter().enumerate() {
        newest
            .entry((author.source.as_str(), author.handle.as_str()))
            .and_modify(|kept| {
                if authors[*kept].observed_at < author.observed_at {
                    *kept = position;
                }
            })
            .or_insert(position);
    }
    let mut kept: Vec<usize> = newest.into_values().collect();
    kept.sort_unstable();
    kept.into_iter()
        .map(|position| &authors[position])
        .collect()
}

/// `(source, handle, department, raw, percentile)`: a topical score as read back.
pub(crate) type TopicalRow = (String, String, String, f64, f64);

/// Sets each score's topical authority from rows sorted by department; rows of other authors
/// (the same handle on another platform) are ignored.
pub(crate) fn attach_topical(scores: &mut [AuthorScore], rows: Vec<TopicalRow>) {
    let mut by_author: HashMap<(String, String), Vec<TopicalScore>> = HashMap::new();
    for (source, handle, department, raw, percentile) in rows {
        by_author
            .entry((source, handle))
            .or_default()
            .push(TopicalScore {
                department,
                raw,
                percentile,
            });
    }
    for score in scores {
        let author = (
            std::mem::take(&mut score.source),
            std::mem::take(&mut score.handle),
        );
        score.topical = by_author.remove(&author).unwrap_or_default();
        (score.source, score.handle) = author;
    }
}

/// Each score's place in the ranking, 0 the best: by score, then source and handle.
pub(crate) fn places(scores: &[AuthorScore]) -> Vec<i64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&scores[a], &scores[b]);
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.handle.cmp(&b.handle))
    });
    let mut places = vec![0; scores.len()];
    for (place, index) in order.into_iter().enumerate() {
        places[index] = place as i64;
    }
    places
}

/// The conversation map's voices are replaced with each generation: they are the cells that
/// its [`MAP_VOICES`](crate::report::MAP_VOICES) highest ranked authors spoke in (`$1` the generation,
/// `$2` the count). The same text in both dialects, run after clearing the table.
pub(crate) const FILL_MAP_VOICES: &str = "INSERT INTO map_voices \
    (department, topic, place, source, handle) \
    SELECT a.department, a.topic, s.place, a.source, a.handle FROM influence_scores s \
    JOIN author_spans a ON a.handle = s.handle AND a.source = s.source \
    WHERE s.generation = $1 AND s.place < $2 AND a.department <> '' AND a.topic <> ''";

/// How many older generations survive a swap besides the new one.
pub(crate) const KEPT_PREVIOUS_GENERATIONS: i64 = 1;

/// Each author's mention count per department: the counts added directly, plus those of the
/// enriched mentions, which the enrich worker routes to departments. The same text in both
/// dialects.
pub(crate) const AUTHOR_DEPARTMENTS: &str = "SELECT source, handle, department, \
    CAST(SUM(n) AS BIGINT) AS mention_count FROM ( \
    SELECT source, handle, department, mention_count AS n FROM author_departments \
    UNION ALL SELECT m.source, LOWER(m.author_handle), d.department, COUNT(*) \
    FROM mention_departments d JOIN mentions m ON m.id = d.mention_id \
    GROUP BY m.source, LOWER(m.author_handle), d.department) counts \
    GROUP BY source, handle, department ORDER BY department, source, handle";
