//! The enrichment queue on SQLite: one writer at a time, so a claim is a single
//! `UPDATE … RETURNING` statement, atomic without row locks.

use crate::enrich::{CompletionRows, EnrichedMention, FailureOutcome, SYSTEM_ACTOR};
use crate::flat::select_columns;
use crate::model::now_micros;
use crate::report::MAP_VOICES;
use crate::{SqliteStore, StoreError, StoredMention};

/// The statement adding one delta to a row of a rollup table, creating the row if need be.
macro_rules! upsert_rollup {
    ($table:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " (department, dimension, value, bucket_start, mention_count, \
             sentiment_sum, positive_count, neutral_count, negative_count, like_count, \
             repost_count, reply_count, quote_count, view_count) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT (department, dimension, value, bucket_start) DO UPDATE SET \
             mention_count = mention_count + excluded.mention_count, \
             sentiment_sum = sentiment_sum + excluded.sentiment_sum, \
             positive_count = positive_count + excluded.positive_count, \
             neutral_count = neutral_count + excluded.neutral_count, \
             negative_count = negative_count + excluded.negative_count, \
             like_count = like_count + excluded.like_count, \
             repost_count = repost_count + excluded.repost_count, \
             reply_count = reply_count + excluded.reply_count, \
             quote_count = quote_count + excluded.quote_count, \
             view_count = view_count + excluded.view_count"
        )
    };
}

impl SqliteStore {
    pub(crate) async fn claim_pending(
        &self,
        limit: u32,
        lease_micros: i64,
    ) -> Result<Vec<StoredMention>, StoreError> {
        let now = now_micros();
        let mut mentions: Vec<StoredMention> = sqlx::query_as(concat!(
            "UPDATE mentions SET claimed_until = ?1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM mentions WHERE status = 1 AND next_attempt_at <= ?2 \
             AND (claimed_until IS NULL OR claimed_until <= ?2) ORDER BY id LIMIT ?3) RETURNING ",
            select_columns!()
        ))
        .bind(now + lease_micros)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::query("claim pending mentions"))?;
        mentions.sort_by_key(|m| m.id);
        self.attach_labels(&mut mentions).await?;
        Ok(mentions)
    }

    pub(crate) async fn complete_enrichment(
        &self,
        items: &[EnrichedMention],
    ) -> Result<u64, StoreError> {
        let now = now_micros();
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("begin completing enrichment"))?;
        let mut completed = Vec::with_capacity(items.len());
        for item in items {
            let e = &item.enrichment;
            let updated = sqlx::query(
                "UPDATE mentions SET status = 2, enriched_at = ?1, claimed_until = NULL, \
                 last_error = NULL, sentiment_neg = ?3, sentiment_neu = ?4, sentiment_pos = ?5, \
                 sentiment_compound = ?6, sentiment_label = ?7, intent = ?8, \
                 intent_confidence = ?9, detected_language = ?10, urgency = ?11, \
                 model_version = ?12, routing_reasons = ?13, country_code = NULLIF(?14, ''), \
                 region_code = NULLIF(?15, ''), city = NULLIF(?16, ''), resolved_latitude = ?17, \
                 resolved_longitude = ?18, location_evidence = ?19, location_confidence = ?20 \
                 WHERE id = ?2 AND status = 1",
            )
            .bind(now)
            .bind(item.mention.id)
            .bind(e.sentiment.neg)
            .bind(e.sentiment.neu)
            .bind(e.sentiment.pos)
            .bind(e.sentiment.compound)
            .bind(e.sentiment.label)
            .bind(&e.intent)
            .bind(e.intent_confidence)
            .bind(&e.language)
            .bind(e.urgency)
            .bind(&e.model_version)
            .bind(e.routing_reasons.join("\n"))
            .bind(&e.place.country_code)
            .bind(&e.place.region_code)
            .bind(&e.place.city)
            .bind(e.place.coordinates.map(|(lat, _)| lat))
            .bind(e.place.coordinates.map(|(_, lon)| lon))
            .bind(e.place.evidence)
            .bind(e.place.confidence)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("mark a mention enriched"))?;
            if updated.rows_affected() > 0 {
                completed.push(item.mention.id);
            }
        }

        let rows = CompletionRows::of(items, &completed);
        for (id, department, confidence) in &rows.departments {
            sqlx::query(
                "INSERT OR IGNORE INTO mention_departments (mention_id, department, confidence) \
                 VALUES (?1, ?2, ?3)",
            )
            .bind(id)
            .bind(department)
            .bind(confidence)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("record a mention department"))?;
        }
        for (id, topic) in &rows.key_topics {
            sqlx::query(
                "INSERT OR IGNORE INTO mention_key_topics (mention_id, topic) VALUES (?1, ?2)",
            )
            .bind(id)
            .bind(topic)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("record a key topic"))?;
        }
        for (id, owner, priority, detail) in &rows.inbox {
            sqlx::query(
                "INSERT OR IGNORE INTO inbox_items \
                 (mention_id, owner_department, priority, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )
            .bind(id)
            .bind(owner)
            .bind(priority)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("open an inbox item"))?;
            sqlx::query(
                "INSERT INTO inbox_events (mention_id, actor, action, detail, created_at) \
                 VALUES (?1, ?2, 'routed', ?3, ?4)",
            )
            .bind(id)
            .bind(SYSTEM_ACTOR)
            .bind(detail)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("record a routing event"))?;
        }
        let tables = [
            (upsert_rollup!("rollups"), &rows.rollups),
            (upsert_rollup!("rollups_daily"), &rows.daily_rollups),
            (upsert_rollup!("rollups_weekly"), &rows.weekly_rollups),
        ];
        for (upsert, rollups) in tables {
            for (key, delta) in rollups {
                sqlx::query(upsert)
                    .bind(&key.department)
                    .bind(key.dimension as i32)
                    .bind(&key.value)
                    .bind(key.bucket_start)
                    .bind(delta.mention_count)
                    .bind(delta.sentiment_sum)
                    .bind(delta.positive_count)
                    .bind(delta.neutral_count)
                    .bind(delta.negative_count)
                    .bind(delta.like_count)
                    .bind(delta.repost_count)
                    .bind(delta.reply_count)
                    .bind(delta.quote_count)
                    .bind(delta.view_count)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query("update a rollup"))?;
            }
        }
        for (key, span) in &rows.spans {
            sqlx::query(
                "INSERT INTO author_spans (department, topic, source, handle, first_at, last_at, \
                 mention_count, sentiment_sum, followers) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (department, topic, source, handle) DO UPDATE SET \
                 first_at = MIN(first_at, excluded.first_at), \
                 last_at = MAX(last_at, excluded.last_at), \
                 mention_count = mention_count + excluded.mention_count, \
                 sentiment_sum = sentiment_sum + excluded.sentiment_sum, \
                 followers = MAX(followers, excluded.followers)",
            )
            .bind(&key.department)
            .bind(&key.topic)
            .bind(&key.source)
            .bind(&key.handle)
            .bind(span.first_at)
            .bind(span.last_at)
            .bind(span.mention_count)
            .bind(span.sentiment_sum)
            .bind(span.followers)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("update an author span"))?;
            if key.department.is_empty() || key.topic.is_empty() {
                continue;
            }
            // A cell a ranked author speaks in for the first time becomes one of the map's
            // voices.
            sqlx::query(
                "INSERT INTO map_voices (department, topic, place, source, handle) \
                 SELECT ?1, ?2, place, source, handle FROM influence_scores \
                 WHERE generation = (SELECT MAX(generation) FROM influence_generations) \
                 AND source = ?3 AND handle = ?4 AND place < ?5 ON CONFLICT DO NOTHING",
            )
            .bind(&key.department)
            .bind(&key.topic)
            .bind(&key.source)
            .bind(&key.handle)
            .bind(MAP_VOICES)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("add a voice to the map"))?;
        }
        for ((department, topic), total) in &rows.topic_totals {
            sqlx::query(
                "INSERT INTO topic_totals (department, topic, mention_count, sentiment_sum) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (department, topic) DO UPDATE SET \
                 mention_count = mention_count + excluded.mention_count, \
                 sentiment_sum = sentiment_sum + excluded.sentiment_sum",
            )
            .bind(department)
            .bind(topic)
            .bind(total.mention_count)
            .bind(total.sentiment_sum)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("update a topic total"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("commit enrichment"))?;
        Ok(completed.len() as u64)
    }

    pub(crate) async fn fail_enrichment(
        &self,
        ids: &[i64],
        error: &str,
        retry_at: i64,
        max_attempts: i32,
    ) -> Result<FailureOutcome, StoreError> {
        let statuses: Vec<i32> = sqlx::query_scalar(
            "UPDATE mentions SET claimed_until = NULL, last_error = ?2, next_attempt_at = ?3, \
             status = CASE WHEN attempts >= ?4 THEN 3 ELSE 1 END \
             WHERE id IN (SELECT value FROM json_each(?1)) AND status = 1 RETURNING status",
        )
        .bind(crate::sqlite::json_ids(ids.iter().copied()))
        .bind(error)
        .bind(retry_at)
        .bind(max_attempts)
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::query("release a failed batch"))?;
        Ok(FailureOutcome::count(&statuses))
    }

    pub(crate) async fn authors_of(
        &self,
        source: &str,
        external_ids: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut query = sqlx::QueryBuilder::new(
            "SELECT external_id, author_handle FROM mentions WHERE source = ",
        );
        query.push_bind(source).push(" AND external_id IN (");
        let mut ids = query.separated(", ");
        for id in external_ids {
            ids.push_bind(*id);
        }
        query.push(")");
        query
            .build_query_as()
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::query("look up authors of mentions"))
    }
}
