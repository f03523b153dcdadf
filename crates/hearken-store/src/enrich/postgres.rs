//! The enrichment queue on PostgreSQL: claims skip rows other workers hold
//! (`FOR UPDATE SKIP LOCKED`), so several ingest replicas share the queue.

use crate::enrich::rollup::{RollupDelta, RollupKey};
use crate::enrich::spans::{Span, SpanKey};
use crate::enrich::{CompletionRows, EnrichedMention, FailureOutcome, SYSTEM_ACTOR};
use crate::flat::select_columns;
use crate::model::now_micros;
use crate::report::MAP_VOICES;
use crate::{PgStore, StoreError, StoredMention};
use std::collections::BTreeMap;

/// The statement adding a batch's deltas to the rows of one rollup table, creating the rows
/// it lacks.
macro_rules! upsert_rollups {
    ($table:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " AS r (department, dimension, value, bucket_start, mention_count, \
             sentiment_sum, positive_count, neutral_count, negative_count, like_count, \
             repost_count, reply_count, quote_count, view_count) \
             SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::int8[], $5::int8[], \
             $6::float8[], $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::int8[], \
             $12::int8[], $13::int8[], $14::int8[]) \
             ON CONFLICT (department, dimension, value, bucket_start) DO UPDATE SET \
             mention_count = r.mention_count + EXCLUDED.mention_count, \
             sentiment_sum = r.sentiment_sum + EXCLUDED.sentiment_sum, \
             positive_count = r.positive_count + EXCLUDED.positive_count, \
             neutral_count = r.neutral_count + EXCLUDED.neutral_count, \
             negative_count = r.negative_count + EXCLUDED.negative_count, \
             like_count = r.like_count + EXCLUDED.like_count, \
             repost_count = r.repost_count + EXCLUDED.repost_count, \
             reply_count = r.reply_count + EXCLUDED.reply_count, \
             quote_count = r.quote_count + EXCLUDED.quote_count, \
             view_count = r.view_count + EXCLUDED.view_count"
        )
    };
}

impl PgStore {
    pub(crate) async fn claim_pending(
        &self,
        limit: u32,
        lease_micros: i64,
    ) -> Result<Vec<StoredMention>, StoreError> {
        let now = now_micros();
        let mut mentions: Vec<StoredMention> = sqlx::query_as(concat!(
            "UPDATE mentions SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM mentions WHERE status = 1 AND next_attempt_at <= $2 \
             AND (claimed_until IS NULL OR claimed_until <= $2) \
             ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ",
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
        let c = Columns::from(items);
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("begin completing enrichment"))?;
        let completed: Vec<i64> = sqlx::query_scalar(
            "UPDATE mentions AS m SET status = 2, enriched_at = $1, claimed_until = NULL, \
             last_error = NULL, sentiment_neg = u.neg, sentiment_neu = u.neu, \
             sentiment_pos = u.pos, sentiment_compound = u.compound, sentiment_label = u.label, \
             intent = u.intent, intent_confidence = u.intent_confidence, \
             detected_language = u.language, urgency = u.urgency, model_version = u.model_version, \
             routing_reasons = u.reasons, country_code = NULLIF(u.country, ''), \
             region_code = NULLIF(u.region, ''), city = NULLIF(u.city, ''), \
             resolved_latitude = u.lat, resolved_longitude = u.lon, \
             location_evidence = u.evidence, location_confidence = u.confidence \
             FROM UNNEST($2::int8[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], \
             $7::int4[], $8::text[], $9::float8[], $10::text[], $11::float8[], $12::text[], \
             $13::text[], $14::text[], $15::text[], $16::text[], $17::float8[], $18::float8[], \
             $19::int4[], $20::float8[]) AS u(id, neg, neu, pos, compound, label, intent, \
             intent_confidence, language, urgency, model_version, reasons, country, region, city, \
             lat, lon, evidence, confidence) \
             WHERE m.id = u.id AND m.status = 1 RETURNING m.id",
        )
        .bind(now_micros())
        .bind(c.id)
        .bind(c.neg)
        .bind(c.neu)
        .bind(c.pos)
        .bind(c.compound)
        .bind(c.label)
        .bind(c.intent)
        .bind(c.intent_confidence)
        .bind(c.language)
        .bind(c.urgency)
        .bind(c.model_version)
        .bind(c.reasons)
        .bind(c.country)
        .bind(c.region)
        .bind(c.city)
        .bind(c.lat)
        .bind(c.lon)
        .bind(c.evidence)
        .bind(c.confidence)
        .fetch_all(&mut *tx)
        .await
        .map_err(StoreError::query("mark mentions enriched"))?;

        let rows = CompletionRows::of(items, &completed);
        let (ids, departments, confidences): (Vec<i64>, Vec<&str>, Vec<f64>) =
            unzip3(rows.departments.iter().copied());
        sqlx::query(
            "INSERT INTO mention_departments (mention_id, department, confidence) \
             SELECT * FROM UNNEST($1::int8[], $2::text[], $3::float8[]) ON CONFLICT DO NOTHING",
        )
        .bind(ids)
        .bind(departments)
        .bind(confidences)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("record mention departments"))?;

        let (ids, topics): (Vec<i64>, Vec<&str>) = rows.key_topics.iter().copied().unzip();
        sqlx::query(
            "INSERT INTO mention_key_topics (mention_id, topic) \
             SELECT * FROM UNNEST($1::int8[], $2::text[]) ON CONFLICT DO NOTHING",
        )
        .bind(ids)
        .bind(topics)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("record key topics"))?;

        let now = now_micros();
        let ids: Vec<i64> = rows.inbox.iter().map(|row| row.0).collect();
        let owners: Vec<&str> = rows.inbox.iter().map(|row| row.1).collect();
        let priorities: Vec<f64> = rows.inbox.iter().map(|row| row.2).collect();
        let details: Vec<&str> = rows.inbox.iter().map(|row| row.3.as_str()).collect();
        sqlx::query(
            "INSERT INTO inbox_items (mention_id, owner_department, priority, created_at, updated_at) \
             SELECT u.id, u.owner, u.priority, $4, $4 FROM UNNEST($1::int8[], $2::text[], $3::float8[]) \
             AS u(id, owner, priority) ON CONFLICT DO NOTHING",
        )
        .bind(&ids)
        .bind(owners)
        .bind(priorities)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("open inbox items"))?;
        sqlx::query(
            "INSERT INTO inbox_events (mention_id, actor, action, detail, created_at) \
             SELECT u.id, $3, 'routed', u.detail, $4 FROM UNNEST($1::int8[], $2::text[]) AS u(id, detail)",
        )
        .bind(&ids)
        .bind(details)
        .bind(SYSTEM_ACTOR)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("record routing events"))?;

        add_rollups(&mut tx, upsert_rollups!("rollups"), &rows.rollups).await?;
        add_rollups(
            &mut tx,
            upsert_rollups!("rollups_daily"),
            &rows.daily_rollups,
        )
        .await?;
        add_rollups(
            &mut tx,
            upsert_rollups!("rollups_weekly"),
            &rows.weekly_rollups,
        )
        .await?;
        widen_spans(&mut tx, &rows.spans).await?;
        add_topic_totals(&mut tx, &rows.topic_totals).await?;

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
            "UPDATE mentions SET claimed_until = NULL, last_error = $2, next_attempt_at = $3, \
             status = CASE WHEN attempts >= $4 THEN 3 ELSE 1 END \
             WHERE id = ANY($1) AND status = 1 RETURNING status",
        )
        .bind(ids)
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
        sqlx::query_as(
            "SELECT external_id, author_handle FROM mentions \
             WHERE source = $1 AND external_id = ANY($2)",
        )
        .bind(source)
        .bind(external_ids)
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::query("look up authors of mentions"))
    }
}

/// Adds a batch's deltas to one rollup table with `upsert`.
async fn add_rollups(
    tx: &mut sqlx::PgConnection,
    upsert: &'static str,
    rollups: &BTreeMap<RollupKey, RollupDelta>,
) -> Result<(), StoreError> {
    let mut r = RollupColumns::default();
    for (key, delta) in rollups {
        r.department.push(key.department.as_str());
        r.dimension.push(key.dimension as i32);
        r.value.push(key.value.as_str());
        r.bucket_start.push(key.bucket_start);
        r.mention_count.push(delta.mention_count);
        r.sentiment_sum.push(delta.sentiment_sum);
        r.positive.push(delta.positive_count);
        r.neutral.push(delta.neutral_count);
        r.negative.push(delta.negative_count);
        r.likes.push(delta.like_count);
        r.reposts.push(delta.repost_count);
        r.replies.push(delta.reply_count);
        r.quotes.push(delta.quote_count);
        r.views.push(delta.view_count);
    }
    sqlx::query(upsert)
        .bind(r.department)
        .bind(r.dimension)
        .bind(r.value)
        .bind(r.bucket_start)
        .bind(r.mention_count)
        .bind(r.sentiment_sum)
        .bind(r.positive)
        .bind(r.neutral)
        .bind(r.negative)
        .bind(r.likes)
        .bind(r.reposts)
        .bind(r.replies)
        .bind(r.quotes)
        .bind(r.views)
        .execute(tx)
        .await
        .map_err(StoreError::query("update rollups"))?;
    Ok(())
}

/// Widens the author spans a batch touched, creating those of new authors.
async fn widen_spans(
    tx: &mut sqlx::PgConnection,
    spans: &BTreeMap<SpanKey, Span>,
) -> Result<(), StoreError> {
    let mut c = SpanColumns::default();
    for (key, span) in spans {
        c.department.push(key.department.as_str());
        c.topic.push(key.topic.as_str());
        c.source.push(key.source.as_str());
        c.handle.push(key.handle.as_str());
        c.first_at.push(span.first_at);
        c.last_at.push(span.last_at);
        c.mention_count.push(span.mention_count);
        c.sentiment_sum.push(span.sentiment_sum);
        c.followers.push(span.followers);
    }
    // A cell a ranked author speaks in for the first time becomes one of the map's voices.
    // Writing map_voices waits while a new generation replaces them, and reads that
    // generation's ranking afterwards.
    sqlx::query(
        "WITH spans AS (INSERT INTO author_spans AS a (department, topic, source, handle, \
         first_at, last_at, mention_count, sentiment_sum, followers) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], \
         $6::int8[], $7::int8[], $8::float8[], $9::int8[]) \
         ON CONFLICT (department, topic, source, handle) DO UPDATE SET \
         first_at = LEAST(a.first_at, EXCLUDED.first_at), \
         last_at = GREATEST(a.last_at, EXCLUDED.last_at), \
         mention_count = a.mention_count + EXCLUDED.mention_count, \
         sentiment_sum = a.sentiment_sum + EXCLUDED.sentiment_sum, \
         followers = GREATEST(a.followers, EXCLUDED.followers) \
         RETURNING department, topic, source, handle) \
         INSERT INTO map_voices (department, topic, place, source, handle) \
         SELECT p.department, p.topic, s.place, p.source, p.handle FROM spans p \
         JOIN influence_scores s ON s.source = p.source AND s.handle = p.handle \
         WHERE s.generation = (SELECT MAX(generation) FROM influence_generations) \
         AND s.place < $10 AND p.department <> '' AND p.topic <> '' \
         ON CONFLICT DO NOTHING",
    )
    .bind(c.department)
    .bind(c.topic)
    .bind(c.source)
    .bind(c.handle)
    .bind(c.first_at)
    .bind(c.last_at)
    .bind(c.mention_count)
    .bind(c.sentiment_sum)
    .bind(c.followers)
    .bind(MAP_VOICES)
    .execute(tx)
    .await
    .map_err(StoreError::query("update author spans"))?;
    Ok(())
}

/// Adds a batch's mentions to the topic totals.
async fn add_topic_totals(
    tx: &mut sqlx::PgConnection,
    totals: &BTreeMap<(String, String), RollupDelta>,
) -> Result<(), StoreError> {
    let (mut departments, mut topics, mut counts, mut sums) = (vec![], vec![], vec![], vec![]);
    for ((department, topic), total) in totals {
        departments.push(department.as_str());
        topics.push(topic.as_str());
        counts.push(total.mention_count);
        sums.push(total.sentiment_sum);
    }
    sqlx::query(
        "INSERT INTO topic_totals AS t (department, topic, mention_count, sentiment_sum) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::float8[]) \
         ON CONFLICT (department, topic) DO UPDATE SET \
         mention_count = t.mention_count + EXCLUDED.mention_count, \
         sentiment_sum = t.sentiment_sum + EXCLUDED.sentiment_sum",
    )
    .bind(departments)
    .bind(topics)
    .bind(counts)
    .bind(sums)
    .execute(tx)
    .await
    .map_err(StoreError::query("update topic totals"))?;
    Ok(())
}

#[derive(Debug, Default)]
struct SpanColumns<'a> {
    department: Vec<&'a str>,
    topic: Vec<&'a str>,
    source: Vec<&'a str>,
    handle: Vec<&'a str>,
    first_at: Vec<i64>,
    last_at: Vec<i64>,
    mention_count: Vec<i64>,
    sentiment_sum: Vec<f64>,
    followers: Vec<i64>,
}

fn unzip3<A, B, C>(rows: impl Iterator<Item = (A, B, C)>) -> (Vec<A>, Vec<B>, Vec<C>) {
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for (x, y, z) in rows {
        a.push(x);
        b.push(y);
        c.push(z);
    }
    (a, b, c)
}

#[derive(Debug, Default)]
struct RollupColumns<'a> {
    department: Vec<&'a str>,
    dimension: Vec<i32>,
    value: Vec<&'a str>,
    bucket_start: Vec<i64>,
    mention_count: Vec<i64>,
    sentiment_sum: Vec<f64>,
    positive: Vec<i64>,
    neutral: Vec<i64>,
    negative: Vec<i64>,
    likes: Vec<i64>,
    reposts: Vec<i64>,
    replies: Vec<i64>,
    quotes: Vec<i64>,
    views: Vec<i64>,
}

/// The batch's enrichments as one array per column, the shape `UNNEST` takes.
#[derive(Debug, Default)]
struct Columns<'a> {
    id: Vec<i64>,
    neg: Vec<f64>,
    neu: Vec<f64>,
    pos: Vec<f64>,
    compound: Vec<f64>,
    label: Vec<i32>,
    intent: Vec<&'a str>,
    intent_confidence: Vec<f64>,
    language: Vec<&'a str>,
    urgency: Vec<f64>,
    model_version: Vec<&'a str>,
    reasons: Vec<String>,
    country: Vec<&'a str>,
    region: Vec<&'a str>,
    city: Vec<&'a str>,
    lat: Vec<Option<f64>>,
    lon: Vec<Option<f64>>,
    evidence: Vec<i32>,
    confidence: Vec<f64>,
}

impl<'a> From<&'a [EnrichedMention]> for Columns<'a> {
    fn from(items: &'a [EnrichedMention]) -> Self {
        let mut c = Columns::default();
        for item in items {
            let e = &item.enrichment;
            c.id.push(item.mention.id);
            c.neg.push(e.sentiment.neg);
            c.neu.push(e.sentiment.neu);
            c.pos.push(e.sentiment.pos);
            c.compound.push(e.sentiment.compound);
            c.label.push(e.sentiment.label);
            c.intent.push(&e.intent);
            c.intent_confidence.push(e.intent_confidence);
            c.language.push(&e.language);
            c.urgency.push(e.urgency);
            c.model_version.push(&e.model_version);
            c.reasons.push(e.routing_reasons.join("\n"));
            c.country.push(&e.place.country_code);
            c.region.push(&e.place.region_code);
            c.city.push(&e.place.city);
            c.lat.push(e.place.coordinates.map(|(lat, _)| lat));
            c.lon.push(e.place.coordinates.map(|(_, lon)| lon));
            c.evidence.push(e.place.evidence);
            c.confidence.push(e.place.confidence);
        }
        c
    }
}
