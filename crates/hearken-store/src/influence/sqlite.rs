//! SQLite: every batch is one transaction of prepared single-row statements.

use crate::influence::{
    AuthorDepartment, AuthorProfile, AuthorScore, FILL_MAP_VOICES, GenerationInfo,
    INTERACTION_PAGE, InteractionEdge, KEPT_PREVIOUS_GENERATIONS, NewGeneration, NewInteraction,
    RankCursor, TopicalRow, attach_topical, newest_per_author, places,
};
use crate::report::MAP_VOICES;
use crate::{SqliteStore, StoreError};

impl SqliteStore {
    pub(crate) async fn record_interactions(
        &self,
        interactions: &[NewInteraction],
    ) -> Result<u64, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("begin recording interactions"))?;
        let mut recorded = 0;
        for interaction in interactions {
            let result = sqlx::query(
                "INSERT INTO interactions (kind, source_handle, target_handle, mention_source, \
                 mention_external_id, created_at, weight) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (kind, source_handle, target_handle, mention_source, mention_external_id) \
                 DO NOTHING",
            )
            .bind(interaction.kind)
            .bind(&interaction.source_handle)
            .bind(&interaction.target_handle)
            .bind(&interaction.mention_source)
            .bind(&interaction.mention_external_id)
            .bind(interaction.created_at)
            .bind(interaction.weight)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("record an interaction"))?;
            recorded += result.rows_affected();
        }
        tx.commit()
            .await
            .map_err(StoreError::query("commit interactions"))?;
        Ok(recorded)
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
             created_at FROM interactions WHERE id > ?1 \
             AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) \
             ORDER BY id LIMIT ?4",
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
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("begin an author upsert"))?;
        let mut applied = 0;
        for author in newest_per_author(authors) {
            let result = sqlx::query(
                "INSERT INTO authors (source, handle, display_name, followers, following, \
                 post_count, location, verified, observed_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (source, handle) DO UPDATE SET display_name = excluded.display_name, \
                 followers = excluded.followers, following = excluded.following, \
                 post_count = excluded.post_count, location = excluded.location, \
                 verified = excluded.verified, observed_at = excluded.observed_at \
                 WHERE authors.observed_at < excluded.observed_at",
            )
            .bind(&author.source)
            .bind(&author.handle)
            .bind(&author.display_name)
            .bind(author.followers)
            .bind(author.following)
            .bind(author.post_count)
            .bind(&author.location)
            .bind(author.verified)
            .bind(author.observed_at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("upsert an author"))?;
            applied += result.rows_affected();
        }
        tx.commit()
            .await
            .map_err(StoreError::query("commit authors"))?;
        Ok(applied)
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
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("begin adding author departments"))?;
        for count in counts {
            sqlx::query(
                "INSERT INTO author_departments (source, handle, department, mention_count) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source, handle, department) \
                 DO UPDATE SET mention_count = mention_count + excluded.mention_count",
            )
            .bind(&count.source)
            .bind(&count.handle)
            .bind(&count.department)
            .bind(count.mention_count)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("add an author department"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("commit author departments"))
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
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::query("begin a score generation"))?;
        let generation: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(generation), 0) + 1 FROM influence_generations",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query("number a score generation"))?;
        for (s, place) in new.scores.iter().zip(places(new.scores)) {
            sqlx::query(
                "INSERT INTO influence_scores (generation, source, handle, score, reach_raw, \
                 reach_percentile, engagement_raw, engagement_percentile, authority_raw, \
                 authority_percentile, recency_raw, recency_percentile, place) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .bind(generation)
            .bind(&s.source)
            .bind(&s.handle)
            .bind(s.score)
            .bind(s.reach_raw)
            .bind(s.reach_percentile)
            .bind(s.engagement_raw)
            .bind(s.engagement_percentile)
            .bind(s.authority_raw)
            .bind(s.authority_percentile)
            .bind(s.recency_raw)
            .bind(s.recency_percentile)
            .bind(place)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("write a score"))?;
            for t in &s.topical {
                sqlx::query(
                    "INSERT INTO influence_topical (generation, source, handle, department, raw, \
                     percentile) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .bind(generation)
                .bind(&s.source)
                .bind(&s.handle)
                .bind(&t.department)
                .bind(t.raw)
                .bind(t.percentile)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("write a topical score"))?;
            }
        }
        let info: GenerationInfo = sqlx::query_as(
            "INSERT INTO influence_generations (generation, formula_version, computed_at, \
             author_count, interaction_count) VALUES (?1, ?2, ?3, ?4, ?5) \
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
        sqlx::query("DELETE FROM map_voices")
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("clear the map's voices"))?;
        sqlx::query(FILL_MAP_VOICES)
            .bind(generation)
            .bind(MAP_VOICES)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("keep the map's voices"))?;
        let oldest_kept = generation - KEPT_PREVIOUS_GENERATIONS;
        for sql in [
            "DELETE FROM influence_topical WHERE generation < ?1",
            "DELETE FROM influence_scores WHERE generation < ?1",
            "DELETE FROM influence_generations WHERE generation < ?1",
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
             FROM influence_generations WHERE generation = ?1",
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
             WHERE generation = ?1 AND source = ?2 AND handle = ?3",
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
        // Both rankings bind generation, cursor and limit as ?1 to ?5; the department is ?6.
        let sql = match department {
            None => {
                "SELECT source, handle, score, reach_raw, reach_percentile, engagement_raw, \
                 engagement_percentile, authority_raw, authority_percentile, recency_raw, \
                 recency_percentile FROM influence_scores WHERE generation = ?1 \
                 AND (?2 IS NULL OR score < ?2 OR (score = ?2 AND (source, handle) > (?3, ?4))) \
                 ORDER BY score DESC, source, handle LIMIT ?5"
            }
            Some(_) => {
                "SELECT s.source, s.handle, s.score, s.reach_raw, s.reach_percentile, \
                 s.engagement_raw, s.engagement_percentile, s.authority_raw, \
                 s.authority_percentile, s.recency_raw, s.recency_percentile \
                 FROM influence_topical t JOIN influence_scores s \
                 ON s.generation = t.generation AND s.source = t.source AND s.handle = t.handle \
                 WHERE t.generation = ?1 AND t.department = ?6 \
                 AND (?2 IS NULL OR t.raw < ?2 \
                 OR (t.raw = ?2 AND (t.source, t.handle) > (?3, ?4))) \
                 ORDER BY t.raw DESC, t.source, t.handle LIMIT ?5"
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
        let handles = json_string_array(&handles);
        let rows: Vec<TopicalRow> = sqlx::query_as(
            "SELECT source, handle, department, raw, percentile FROM influence_topical \
             WHERE generation = ?1 AND handle IN (SELECT value FROM json_each(?2)) \
             ORDER BY department",
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

/// A JSON array of strings, for `json_each`: the handles travel as one bound parameter.
fn json_string_array(items: &[&str]) -> String {
    let mut json = String::from("[");
    for (position, item) in items.iter().enumerate() {
        if position > 0 {
            json.push(',');
        }
        json.push('"');
        for c in item.chars() {
            match c {
                '"' => json.push_str("\\\""),
                '\\' => json.push_str("\\\\"),
                c if u32::from(c) < 0x20 => json.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => json.push(c),
            }
        }
        json.push('"');
    }
    json.push(']');
    json
}
