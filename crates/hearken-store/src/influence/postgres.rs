//! PostgreSQL: every batch is one `INSERT … SELECT FROM UNNEST(…)` statement.

use crate::influence::{
    AuthorDepartment, AuthorProfile, AuthorScore, FILL_MAP_VOICES, GenerationInfo,
    INTERACTION_PAGE, InteractionEdge, KEPT_PREVIOUS_GENERATIONS, NewGeneration, NewInteraction,
    RankCursor, TopicalRow, attach_topical, newest_per_author, places,
};
use crate::report::MAP_VOICES;
use crate::{PgStore, StoreError};

/// Rows per statement when a generation is written, to keep each bind array moderate.
const SCORE_CHUNK: usize = 20_000;

impl PgStore {
    pub(crate) async fn record_interactions(
        &self,
        interactions: &[NewInteraction],
    ) -> Result<u64, StoreError> {
        let mut kind = Vec::with_capacity(interactions.len());
        let mut source_handle = Vec::with_capacity(interactions.len());
        let mut target_handle = Vec::with_capacity(interactions.len());
        let mut mention_source = Vec::with_capacity(interactions.len());
        let mut mention_external_id = Vec::with_capacity(interactions.len());
        let mut created_at = Vec::with_capacity(interactions.len());
        let mut weight = Vec::with_capacity(interactions.len());
        for interaction in interactions {
            kind.push(interaction.kind);
            source_handle.push(interaction.source_handle.as_str());
            target_handle.push(interaction.target_handle.as_str());
            mention_source.push(interaction.mention_source.as_str());
            mention_external_id.push(interaction.mention_external_id.as_str());
            created_at.push(interaction.created_at);
            weight.push(interaction.weight);
        }
        let result = sqlx::query(
            "INSERT INTO interactions (kind, source_handle, target_handle, mention_source, \
             mention_external_id, created_at, weight) \
             SELECT * FROM UNNEST($1::int4[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::int8[], $7::float8[]) \
             ON CONFLICT (kind, source_handle, target_handle, mention_source, mention_external_id) \
             DO NOTHING",
        )
        .bind(kind)
        .bind(source_handle)
        .bind(target_handle)
        .bind(mention_source)
        .bind(mention_external_id)
        .bind(created_at)
        .bind(weight)
        .execute(self.pool())
        .await
        .map_err(StoreError::query("record interactions"))?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn count_interactions(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM interactions")
            .fetch_one(self.pool())
            .await
            .map_err(StoreError::query("count interactions"))
    }

    pub(crate) async fn interaction_page(
        &self,
        after: i64,
        from: Option<i64>,
        until: Option<i64>,
    ) -> Result<Vec<InteractionEdge>, StoreError> {
        sqlx::query_as(
            "SELECT id, kind, mention_source AS source, source_handle, target_handle, weight, \
             created_at FROM interactions WHERE id > $1 \
             AND ($2::int8 IS NULL OR created_at >= $2) AND ($3::int8 IS NULL OR created_at < $3) \
             ORDER BY id LIMIT $4",
        )
        .bind(after)
        .bind(from)
        .bind(until)
        .bind(INTERACTION_PAGE)
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::query("read interactions"))
    }

    pub(crate) async fn upsert_authors(
        &self,
        authors: &[AuthorProfile],
    ) -> Result<u64, StoreError> {
        let newest = newest_per_author(authors);
        let mut source = Vec::with_capacity(newest.len());
        let mut handle = Vec::with_capacity(newest.len());
        let mut display_name = Vec::with_capacity(newest.len());
        let mut followers = Vec::with_capacity(newest.len());
        let mut following = Vec::with_capacity(newest.len());
        let mut post_count = Vec::with_capacity(newest.len());
        let mut location = Vec::with_capacity(newest.len());
        let mut verified = Vec::with_capacity(newest.len());
        let mut observed_at = Vec::with_capacity(newest.len());
        for author in newest {
            source.push(author.source.as_str());
            handle.push(author.handle.as_str());
            display_name.push(author.display_name.as_deref());
            followers.push(author.followers);
            following.push(author.following);
            post_count.push(author.post_count);
            location.push(author.location.as_deref());
            verified.push(author.verified);
            observed_at.push(author.observed_at);
        }
        let result = sqlx::query(
            "INSERT INTO authors (source, handle, display_name, followers, following, post_count, \
             location, verified, observed_at) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], \
             $6::int8[], $7::text[], $8::bool[], $9::int8[]) \
             ON CONFLICT (source, handle) DO UPDATE SET display_name = EXCLUDED.display_name, \
             followers = EXCLUDED.followers, following = EXCLUDED.following, \
             post_count = EXCLUDED.post_count, location = EXCLUDED.location, \
             verified = EXCLUDED.verified, observed_at = EXCLUDED.observed_at \
             WHERE authors.observed_at < EXCLUDED.observed_at",
        )
        .bind(source)
        .bind(handle)
        .bind(display_name)
        .bind(followers)
        .bind(following)
        .bind(post_count)
        .bind(location)
        .bind(verified)
        .bind(observed_at)
        .execute(self.pool())
        .await
        .map_err(StoreError::query("upsert authors"))?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn list_authors(&self) -> Result<Vec<AuthorProfile>, StoreError> {
        sqlx::query_as(
            "SELECT source, handle, display_name, followers, following, post_count, location, \
             verified, observed_at FROM authors ORDER BY source, handle",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::query("list authors"))
    }

    pub(crate) async fn add_author_departments(
        &self,
        counts: &[AuthorDepartment],
    ) -> Result<(), StoreError> {
        // Summed per key first: one upsert statement may not touch a row twice.
        let mut summed: std::collections::BTreeMap<(&str, &str, &str), i64> =
            std::collections::BTreeMap::new();
        for count in counts {
            *summed
                .entry((&count.source, &count.handle, &count.department))
                .or_default() += count.mention_count;
        }
        let mut source = Vec::with_capacity(summed.len());
        let mut handle = Vec::with_capacity(summed.len());
        let mut department = Vec::with_capacity(summed.len());
        let mut mention_count = Vec::with_capacity(summed.len());
        for ((s, h, d), c) in summed {
            source.push(s);
            handle.push(h);
            department.push(d);
            mention_count.push(c);
        }
        sqlx::query(
            "INSERT INTO author_departments (source, handle, department, mention_count) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[]) \
             ON CONFLICT (source, handle, department) \
             DO UPDATE SET mention_count = author_departments.mention_count + EXCLUDED.mention_count",
        )
        .bind(source)
        .bind(handle)
        .bind(department)
        .bind(mention_count)
        .execute(self.pool())
        .await
        .map_err(StoreError::query("add author departments"))?;
        Ok(())
    }

    pub(crate) async fn author_departments(&self) -> Result<Vec<AuthorDepartment>, StoreError> {
        sqlx::query_as(super::AUTHOR_DEPARTMENTS)
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::query("read author departments"))
    }

    pub(crate) async fn save_generation(
        &self,
        new: &NewGeneration<'_>,
    ) -> Result<GenerationInfo, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("begin a score generation"))?;
        // Serialises concurrent recomputes on the generation number.
        sqlx::query("LOCK TABLE influence_generations IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("lock score generations"))?;
        let generation: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(generation), 0) + 1 FROM influence_generations",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query("number a score generation"))?;
        let places = places(new.scores);
        for (chunk, places) in new
            .scores
            .chunks(SCORE_CHUNK)
            .zip(places.chunks(SCORE_CHUNK))
        {
            let mut c = ScoreColumns::default();
            for s in chunk {
                c.push(s);
            }
            sqlx::query(
                "INSERT INTO influence_scores (generation, source, handle, score, reach_raw, \
                 reach_percentile, engagement_raw, engagement_percentile, authority_raw, \
                 authority_percentile, recency_raw, recency_percentile, place) \
                 SELECT $1, * FROM UNNEST($12::text[], $2::text[], $3::float8[], $4::float8[], \
                 $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], \
                 $10::float8[], $11::float8[], $13::int8[])",
            )
            .bind(generation)
            .bind(c.handle)
            .bind(c.score)
            .bind(c.reach_raw)
            .bind(c.reach_percentile)
            .bind(c.engagement_raw)
            .bind(c.engagement_percentile)
            .bind(c.authority_raw)
            .bind(c.authority_percentile)
            .bind(c.recency_raw)
            .bind(c.recency_percentile)
            .bind(c.source)
            .bind(places)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("write scores"))?;

            let mut source = Vec::new();
            let mut handle = Vec::new();
            let mut department = Vec::new();
            let mut raw = Vec::new();
            let mut percentile = Vec::new();
            for s in chunk {
                for t in &s.topical {
                    source.push(s.source.as_str());
                    handle.push(s.handle.as_str());
                    department.push(t.department.as_str());
                    raw.push(t.raw);
                    percentile.push(t.percentile);
                }
            }
            if handle.is_empty() {
                continue;
            }
            sqlx::query(
                "INSERT INTO influence_topical (generation, source, handle, department, raw, \
                 percentile) \
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::float8[], \
                 $6::float8[])",
            )
            .bind(generation)
            .bind(source)
            .bind(handle)
            .bind(department)
            .bind(raw)
            .bind(percentile)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("write topical scores"))?;
        }
        let info: GenerationInfo = sqlx::query_as(
            "INSERT INTO influence_generations (generation, formula_version, computed_at, \
             author_count, interaction_count) VALUES ($1, $2, $3, $4, $5) \
             RETURNING generation, formula_version, computed_at, author_count, interaction_count",
        )
        .bind(generation)
        .bind(new.formula_version)
        .bind(new.computed_at)
        .bind(i64::try_from(new.scores.len()).unwrap_or(i64::MAX))
        .bind(new.interaction_count)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query("record a score generation"))?;
        // Blocks enrichment's additions to the map's voices until this commits: those made
        // before are seen here, those after see the new ranking (see `widen_spans`).
        for sql in [
            "LOCK TABLE map_voices IN EXCLUSIVE MODE",
            "DELETE FROM map_voices",
        ] {
            sqlx::query(sql)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("clear the map's voices"))?;
        }
        sqlx::query(FILL_MAP_VOICES)
            .bind(generation)
            .bind(MAP_VOICES)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("keep the map's voices"))?;
        let oldest_kept = generation - KEPT_PREVIOUS_GENERATIONS;
        for sql in [
            "DELETE FROM influence_topical WHERE generation < $1",
            "DELETE FROM influence_scores WHERE generation < $1",
            "DELETE FROM influence_generations WHERE generation < $1",
        ] {
            sqlx::query(sql)
                .bind(oldest_kept)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("drop old score generations"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("commit a score generation"))?;
        // A generation is a third or more of these tables, and autovacuum analyzes them up to
        // a minute later: until then the planner takes the new generation for empty, and
        // TopVoices read every topical score of it to find a page's (5,657 buffers, not 18).
        sqlx::query("ANALYZE influence_scores, influence_topical, map_voices")
            .execute(self.pool())
            .await
            .map_err(StoreError::query("analyze a score generation"))?;
        Ok(info)
    }

    pub(crate) async fn current_generation(&self) -> Result<Option<GenerationInfo>, StoreError> {
        sqlx::query_as(
            "SELECT generation, formula_version, computed_at, author_count, interaction_count \
             FROM influence_generations ORDER BY generation DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::query("read the score generation"))
    }

    pub(crate) async fn generation(
        &self,
        generation: i64,
    ) -> Result<Option<GenerationInfo>, StoreError> {
        sqlx::query_as(
            "SELECT generation, formula_version, computed_at, author_count, interaction_count \
             FROM influence_generations WHERE generation = $1",
        )
        .bind(generation)
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::query("read a score generation"))
    }

    pub(crate) async fn author_score(
        &self,
        generation: i64,
        source: &str,
        handle: &str,
    ) -> Result<Option<AuthorScore>, StoreError> {
        let score: Option<AuthorScore> = sqlx::query_as(
            "SELECT source, handle, score, reach_raw, reach_percentile, engagement_raw, \
             engagement_percentile, authority_raw, authority_percentile, recency_raw, \
             recency_percentile FROM influence_scores \
             WHERE generation = $1 AND source = $2 AND handle = $3",
        )
        .bind(generation)
        .bind(source)
        .bind(handle)
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::query("read a score"))?;
        let mut scores: Vec<AuthorScore> = score.into_iter().collect();
        self.attach(generation, &mut scores).await?;
        Ok(scores.pop())
    }

    pub(crate) async fn top_scores(
        &self,
        generation: i64,
        department: Option<&str>,
        after: Option<&RankCursor>,
        limit: u32,
    ) -> Result<Vec<AuthorScore>, StoreError> {
        // Both rankings bind generation, cursor and limit as $1 to $5; the department is $6.
        let sql = match department {
            None => {
                "SELECT source, handle, score, reach_raw, reach_percentile, engagement_raw, \
                 engagement_percentile, authority_raw, authority_percentile, recency_raw, \
                 recency_percentile FROM influence_scores WHERE generation = $1 \
                 AND ($2::float8 IS NULL OR score < $2 \
                 OR (score = $2 AND (source, handle) > ($3::text, $4::text))) \
                 ORDER BY score DESC, source, handle LIMIT $5"
            }
            Some(_) => {
                "SELECT s.source, s.handle, s.score, s.reach_raw, s.reach_percentile, \
                 s.engagement_raw, s.engagement_percentile, s.authority_raw, \
                 s.authority_percentile, s.recency_raw, s.recency_percentile \
                 FROM influence_topical t JOIN influence_scores s \
                 ON s.generation = t.generation AND s.source = t.source AND s.handle = t.handle \
                 WHERE t.generation = $1 AND t.department = $6 \
                 AND ($2::float8 IS NULL OR t.raw < $2 \
                 OR (t.raw = $2 AND (t.source, t.handle) > ($3::text, $4::text))) \
                 ORDER BY t.raw DESC, t.source, t.handle LIMIT $5"
            }
        };
        let query = sqlx::query_as(sql)
            .bind(generation)
            .bind(after.map(|c| c.value))
            .bind(after.map(|c| c.source.as_str()))
            .bind(after.map(|c| c.handle.as_str()))
            .bind(i64::from(limit));
        let query = match department {
            None => query,
            Some(department) => query.bind(department),
        };
        let mut scores: Vec<AuthorScore> = query
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::query("rank scores"))?;
        self.attach(generation, &mut scores).await?;
        Ok(scores)
    }

    pub(crate) async fn attach(
        &self,
        generation: i64,
        scores: &mut [AuthorScore],
    ) -> Result<(), StoreError> {
        if scores.is_empty() {
            return Ok(());
        }
        let handles: Vec<&str> = scores.iter().map(|s| s.handle.as_str()).collect();
        let rows: Vec<TopicalRow> = sqlx::query_as(
            "SELECT source, handle, department, raw, percentile FROM influence_topical \
             WHERE generation = $1 AND handle = ANY($2) ORDER BY department",
        )
        .bind(generation)
        .bind(handles)
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::query("read topical scores"))?;
        attach_topical(scores, rows);
        Ok(())
    }
}

/// A chunk of scores as one array per column, the shape `UNNEST` takes.
#[derive(Debug, Default)]
struct ScoreColumns<'a> {
    source: Vec<&'a str>,
    handle: Vec<&'a str>,
    score: Vec<f64>,
    reach_raw: Vec<f64>,
    reach_percentile: Vec<f64>,
    engagement_raw: Vec<f64>,
    engagement_percentile: Vec<f64>,
    authority_raw: Vec<f64>,
    authority_percentile: Vec<f64>,
    recency_raw: Vec<f64>,
    recency_percentile: Vec<f64>,
}

impl<'a> ScoreColumns<'a> {
    fn push(&mut self, s: &'a AuthorScore) {
        self.source.push(&s.source);
        self.handle.push(&s.handle);
        self.score.push(s.score);
        self.reach_raw.push(s.reach_raw);
        self.reach_percentile.push(s.reach_percentile);
        self.engagement_raw.push(s.engagement_raw);
        self.engagement_percentile.push(s.engagement_percentile);
        self.authority_raw.push(s.authority_raw);
        self.authority_percentile.push(s.authority_percentile);
        self.recency_raw.push(s.recency_raw);
        self.recency_percentile.push(s.recency_percentile);
    }
}
