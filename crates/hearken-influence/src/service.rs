//! The influence service as plain async code over the store: what the gRPC adapter calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use hearken_core::FieldError;
use hearken_store::influence::{
    AuthorProfile, AuthorScore, GenerationInfo, NewGeneration, NewInteraction, RankCursor,
};
use hearken_store::{Store, StoreError};
use tokio::sync::Mutex;

use crate::score::{FORMULA_VERSION, ScoreError, ScoreInputs, compute_scores};

/// Page sizes of `TopInfluencers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfluenceConfig {
    /// Used when a request asks for 0.
    pub default_page_size: u32,
    /// Larger requests are served this many.
    pub max_page_size: u32,
}

impl Default for InfluenceConfig {
    fn default() -> Self {
        Self {
            default_page_size: 50,
            max_page_size: 1_000,
        }
    }
}

/// Why an influence operation failed.
#[derive(Debug, thiserror::Error)]
pub enum InfluenceError {
    /// The request is wrong; retrying it unchanged fails again.
    #[error("invalid request: {} field violations", .0.len())]
    InvalidArgument(Vec<FieldError>),
    /// The author, or any score at all, does not exist.
    #[error("{0} not found")]
    NotFound(String),
    #[error("storage failed")]
    Store(#[from] StoreError),
    #[error("scoring failed")]
    Score(#[from] ScoreError),
    #[error("the scoring task failed")]
    Task(#[from] tokio::task::JoinError),
}

impl From<FieldError> for InfluenceError {
    fn from(error: FieldError) -> Self {
        InfluenceError::InvalidArgument(vec![error])
    }
}

/// What one batch of interactions did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordOutcome {
    /// Stored for the first time.
    pub recorded: u64,
    /// Already stored, or repeated within the batch.
    pub duplicates: u64,
}

/// One author's scores with the generation they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreView {
    pub score: AuthorScore,
    pub formula_version: String,
    /// Microseconds since the Unix epoch.
    pub computed_at: i64,
}

/// What `TopInfluencers` asks for, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct TopQuery {
    /// Rank by topical authority in this department; overall when `None`.
    pub department: Option<String>,
    /// Score only interactions created in `[from, until)`, microseconds since the epoch.
    /// `None` reads the current stored generation, which covers every interaction.
    pub window: Option<(Option<i64>, Option<i64>)>,
    pub page_size: u32,
    pub page: Option<PageToken>,
}

/// A page of rankings.
#[derive(Debug, Clone, PartialEq)]
pub struct TopPage {
    pub scores: Vec<AuthorScore>,
    pub formula_version: String,
    /// Microseconds since the Unix epoch.
    pub computed_at: i64,
    pub next: Option<PageToken>,
}

/// Where a ranking continues.
#[derive(Debug, Clone, PartialEq)]
pub enum PageToken {
    /// After `cursor` in a stored generation; valid while the generation is kept (the current
    /// and the previous one).
    Stored { generation: i64, cursor: RankCursor },
    /// After the first `offset` authors of a ranking computed for a time window.
    Window { offset: usize },
}

impl PageToken {
    /// An opaque token for clients.
    pub fn encode(&self) -> String {
        match self {
            // A source has no ':', so the first one after the value ends it.
            PageToken::Stored { generation, cursor } => format!(
                "g{generation}.{:016x}.{}:{}",
                cursor.value.to_bits(),
                cursor.source,
                cursor.handle
            ),
            PageToken::Window { offset } => format!("w{offset}"),
        }
    }

    /// The token behind [`PageToken::encode`]; `None` for anything else.
    pub fn decode(token: &str) -> Option<Self> {
        if let Some(offset) = token.strip_prefix('w') {
            return Some(PageToken::Window {
                offset: offset.parse().ok()?,
            });
        }
        let mut parts = token.strip_prefix('g')?.splitn(3, '.');
        let generation = parts.next()?.parse().ok()?;
        let value = f64::from_bits(u64::from_str_radix(parts.next()?, 16).ok()?);
        let (source, handle) = parts.next()?.split_once(':')?;
        Some(PageToken::Stored {
            generation,
            cursor: RankCursor {
                value,
                source: source.to_owned(),
                handle: handle.to_owned(),
            },
        })
    }
}

/// What a recompute did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecomputeSummary {
    pub generation: GenerationInfo,
    /// How long reading, scoring and writing took.
    pub elapsed: Duration,
}

/// The influence service's state: the store, and a lock so that recomputes run one at a time.
/// Reads never take the lock.
#[derive(Debug)]
pub struct InfluenceState {
    store: Store,
    config: InfluenceConfig,
    recompute: Mutex<()>,
}

impl InfluenceState {
    pub fn new(store: Store, config: InfluenceConfig) -> Arc<Self> {
        Arc::new(Self {
            store,
            config,
            recompute: Mutex::new(()),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &InfluenceConfig {
        &self.config
    }

    /// Records a batch in one transaction.
    pub async fn record_interactions(
        &self,
        batch: &[NewInteraction],
    ) -> Result<RecordOutcome, InfluenceError> {
        let recorded = self.store.record_interactions(batch).await?;
        Ok(RecordOutcome {
            recorded,
            duplicates: batch.len() as u64 - recorded,
        })
    }

    /// Stores profiles; an observation older than the stored one is ignored. Returns how many
    /// profiles were inserted or replaced.
    pub async fn upsert_authors(&self, authors: &[AuthorProfile]) -> Result<u64, InfluenceError> {
        Ok(self.store.upsert_authors(authors).await?)
    }

    /// The current scores of the author `handle` on `source` (both already normalised).
    pub async fn get_score(&self, source: &str, handle: &str) -> Result<ScoreView, InfluenceError> {
        let generation = self.current_generation().await?;
        let score = self
            .store
            .author_score(generation.generation, source, handle)
            .await?
            .ok_or_else(|| InfluenceError::NotFound(format!("author {handle:?} on {source:?}")))?;
        Ok(ScoreView {
            score,
            formula_version: generation.formula_version,
            computed_at: generation.computed_at,
        })
    }

    /// A page of the ranking overall or in one department.
    pub async fn top_influencers(&self, query: &TopQuery) -> Result<TopPage, InfluenceError> {
        let page_size = match query.page_size {
            0 => self.config.default_page_size,
            size => size.min(self.config.max_page_size),
        };
        match query.window {
            None => self.top_stored(query, page_size).await,
            Some((from, until)) => self.top_in_window(query, from, until, page_size).await,
        }
    }

    async fn top_stored(
        &self,
        query: &TopQuery,
        page_size: u32,
    ) -> Result<TopPage, InfluenceError> {
        let (generation, cursor) = match &query.page {
            None => (self.current_generation().await?, None),
            Some(PageToken::Stored { generation, cursor }) => {
                let generation = self.store.generation(*generation).await?.ok_or_else(|| {
                    FieldError::new(
                        "page_token",
                        "has expired: the scores it pages through were replaced twice",
                    )
                })?;
                (generation, Some(cursor))
            }
            Some(PageToken::Window { .. }) => {
                return Err(FieldError::new(
                    "page_token",
                    "belongs to a time-window ranking; this request has no time range",
                )
                .into());
            }
        };
        let scores = self
            .store
            .top_scores(
                generation.generation,
                query.department.as_deref(),
                cursor,
                page_size,
            )
            .await?;
        let next = (scores.len() == page_size as usize)
            .then(|| scores.last())
            .flatten()
            .map(|last| PageToken::Stored {
                generation: generation.generation,
                cursor: RankCursor {
                    value: rank_value(last, query.department.as_deref()),
                    source: last.source.clone(),
                    handle: last.handle.clone(),
                },
            });
        Ok(TopPage {
            scores,
            formula_version: generation.formula_version,
            computed_at: generation.computed_at,
            next,
        })
    }

    /// Scores the window from scratch (nothing is stored) and pages through the result.
    async fn top_in_window(
        &self,
        query: &TopQuery,
        from: Option<i64>,
        until: Option<i64>,
        page_size: u32,
    ) -> Result<TopPage, InfluenceError> {
        let offset = match &query.page {
            None => 0,
            Some(PageToken::Window { offset }) => *offset,
            Some(PageToken::Stored { .. }) => {
                return Err(FieldError::new(
                    "page_token",
                    "belongs to a ranking without a time range",
                )
                .into());
            }
        };
        let computed_at = Utc::now().timestamp_micros();
        let (mut scores, _) = self.score_now(from, until).await?;
        let department = query.department.as_deref();
        if let Some(department) = department {
            scores.retain(|s| s.topical.iter().any(|t| t.department == department));
        }
        scores.sort_by(|a, b| {
            rank_value(b, department)
                .total_cmp(&rank_value(a, department))
                .then_with(|| (&a.source, &a.handle).cmp(&(&b.source, &b.handle)))
        });
        let total = scores.len();
        let page: Vec<AuthorScore> = scores
            .into_iter()
            .skip(offset)
            .take(page_size as usize)
            .collect();
        let end = offset + page.len();
        Ok(TopPage {
            scores: page,
            formula_version: FORMULA_VERSION.to_owned(),
            computed_at,
            next: (end < total).then_some(PageToken::Window { offset: end }),
        })
    }

    /// Rebuilds every score from every stored interaction and swaps the new generation in.
    /// Recomputes run one at a time; reads keep serving the previous generation meanwhile.
    #[tracing::instrument(skip_all)]
    pub async fn recompute(&self) -> Result<RecomputeSummary, InfluenceError> {
        let _running = self.recompute.lock().await;
        let started = Instant::now();
        let computed_at = Utc::now().timestamp_micros();
        let (scores, interaction_count) = self.score_now(None, None).await?;
        let generation = self
            .store
            .save_generation(&NewGeneration {
                formula_version: FORMULA_VERSION,
                computed_at,
                interaction_count,
                scores: &scores,
            })
            .await?;
        let elapsed = started.elapsed();
        hearken_telemetry::metrics::observe(
            "hearken_influence_recompute_seconds",
            "How long each influence recompute took, reading the graph to swapping the scores in.",
            &[],
            elapsed.as_secs_f64(),
        );
        tracing::info!(
            generation = generation.generation,
            authors = generation.author_count,
            interactions = generation.interaction_count,
            elapsed_ms = elapsed.as_millis() as u64,
            "influence scores recomputed"
        );
        Ok(RecomputeSummary {
            generation,
            elapsed,
        })
    }

    /// Reads the inputs and scores them on a blocking thread; returns the scores and how many
    /// interactions they come from. Interactions are folded into the graph page by page as the
    /// store reads them, so no more than one page of rows is held at a time.
    async fn score_now(
        &self,
        from: Option<i64>,
        until: Option<i64>,
    ) -> Result<(Vec<AuthorScore>, i64), InfluenceError> {
        let mut inputs = ScoreInputs::new();
        let mut failure = None;
        self.store
            .scan_interactions(from, until, &mut |page| {
                for interaction in page {
                    if failure.is_none()
                        && let Err(error) = inputs.add_interaction(interaction)
                    {
                        failure = Some(error);
                    }
                }
            })
            .await?;
        if let Some(error) = failure {
            return Err(error.into());
        }
        for author in self.store.list_authors().await? {
            inputs.add_author(&author)?;
        }
        for count in self.store.author_departments().await? {
            inputs.add_department(&count)?;
        }
        let interaction_count = inputs.interaction_count();
        let scores = tokio::task::spawn_blocking(move || compute_scores(inputs)).await??;
        Ok((scores, interaction_count))
    }

    async fn current_generation(&self) -> Result<GenerationInfo, InfluenceError> {
        self.store
            .current_generation()
            .await?
            .ok_or_else(|| InfluenceError::NotFound("scores (no recompute has finished)".into()))
    }
}

/// The value a ranking orders by: the composite overall, topical authority in a department.
fn rank_value(score: &AuthorScore, department: Option<&str>) -> f64 {
    match department {
        None => score.score,
        Some(department) => score
            .topical
            .iter()
            .find(|t| t.department == department)
            .map_or(0.0, |t| t.raw),
    }
}

#[cfg(test)]
mod tests {
    use super::{PageToken, RankCursor};

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        for token in [
            PageToken::Stored {
                generation: 7,
                cursor: RankCursor {
                    value: 0.1 + 0.2,
                    source: "mastodon.social".into(),
                    handle: "user@mastodon.social:8080".into(),
                },
            },
            PageToken::Window { offset: 40 },
        ] {
            assert_eq!(PageToken::decode(&token.encode()), Some(token));
        }
        for garbage in ["", "g", "g1", "g1.zz.x", "g1.0.nocolon", "wx", "x1"] {
            assert_eq!(PageToken::decode(garbage), None, "{garbage}");
        }
    }
}
