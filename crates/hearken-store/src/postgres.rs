//! PostgreSQL: batches go in as one `INSERT … SELECT FROM UNNEST(…)` per call, so ingestion
//! costs one round trip per batch rather than per mention.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use hearken_core::mention::NewMention;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::StoreError;
use crate::flat::{FlatMention, insert_columns, select_columns};
use crate::model::{
    InsertOutcome, LabelRow, MentionFilter, PageCursor, StoredMention, TopicRecord, labels_query,
    now_micros, repeats_within,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a pooled connection may sit idle before it is tested on its next use.
const TEST_WHEN_IDLE: Duration = Duration::from_secs(1);

/// A PostgreSQL-backed store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let connect_error = |source| StoreError::Connect {
            backend: "postgres",
            source,
        };
        // Reports are short reads by index, served to many clients at once: starting parallel
        // workers for one took longer than the whole read (15 of the map's 25 ms at a million
        // mentions), and under concurrent load workers only contend for the same cores. The
        // few long statements (a recompute's author departments) run in the background.
        // Prepared statements are planned for their values at every run: after five runs
        // PostgreSQL would otherwise settle on a plan for any values, and one that cannot see a
        // report's range and lists read every week and day row (the map's 5 ms topic count
        // took 500 ms).
        let options = PgConnectOptions::from_str(url)
            .map_err(connect_error)?
            .options([
                ("max_parallel_workers_per_gather", "0"),
                ("plan_cache_mode", "force_custom_plan"),
            ]);
        // A pooled connection is tested with a round trip to the server before use only when
        // it sat idle (the server may have restarted since): a busy pool otherwise paid that
        // round trip, and both processes' wake-ups, for every statement. It is still tested
        // when released, so one that failed is closed then.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= TEST_WHEN_IDLE {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        // The migrator holds an advisory lock, so replicas starting together migrate once.
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                backend: "postgres",
                source,
            })?;
        Ok(Self { pool })
    }

    /// The pool, for tests and benchmarks that need raw access.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn insert_mentions(
        &self,
        mentions: &[NewMention],
        topics: &[Vec<String>],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let repeated = repeats_within(mentions);
        let ingested_at = now_micros();
        let fresh: Vec<FlatMention<'_>> = mentions
            .iter()
            .zip(&repeated)
            .filter(|(_, repeated)| !**repeated)
            .map(|(m, _)| FlatMention::new(m, ingested_at))
            .collect();
        let columns = Columns::from(&fresh);

        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::query("begin an insert"))?;
        let inserted: Vec<(i64, String, String)> = sqlx::query_as(concat!(
            "INSERT INTO mentions (",
            insert_columns!(),
            ") SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::int8[], $7::int8[], $8::int8[], $9::bool[], $10::text[], $11::text[], $12::text[], \
             $13::text[], $14::int8[], $15::int8[], $16::text[], $17::float8[], $18::float8[], \
             $19::int8[], $20::int8[], $21::int8[], $22::int8[], $23::int8[], $24::text[], \
             $25::text[], $26::text[], $27::text[], $28::text[], $29::text[]) \
             ON CONFLICT (source, external_id) DO NOTHING RETURNING id, source, external_id"
        ))
        .bind(columns.source)
        .bind(columns.external_id)
        .bind(columns.url)
        .bind(columns.author_handle)
        .bind(columns.author_display_name)
        .bind(columns.author_followers)
        .bind(columns.author_following)
        .bind(columns.author_posts)
        .bind(columns.author_verified)
        .bind(columns.author_location)
        .bind(columns.author_time_zone)
        .bind(columns.text)
        .bind(columns.language)
        .bind(columns.created_at)
        .bind(columns.ingested_at)
        .bind(columns.place_name)
        .bind(columns.latitude)
        .bind(columns.longitude)
        .bind(columns.like_count)
        .bind(columns.repost_count)
        .bind(columns.reply_count)
        .bind(columns.quote_count)
        .bind(columns.view_count)
        .bind(columns.reply_to_external_id)
        .bind(columns.reply_to_handle)
        .bind(columns.quoted_external_id)
        .bind(columns.reposted_external_id)
        .bind(columns.mentioned_handles)
        .bind(columns.hashtags)
        .fetch_all(&mut *tx)
        .await
        .map_err(StoreError::query("insert mentions"))?;

        let ids: HashMap<(&str, &str), i64> = inserted
            .iter()
            .map(|(id, source, external_id)| ((source.as_str(), external_id.as_str()), *id))
            .collect();
        let outcomes = outcomes(mentions, &repeated, &ids);

        let (topic_ids, topic_names): (Vec<i64>, Vec<&str>) = outcomes
            .iter()
            .zip(topics)
            .filter_map(|(outcome, names)| match outcome {
                InsertOutcome::Inserted(id) => {
                    Some(names.iter().map(move |name| (*id, name.as_str())))
                }
                InsertOutcome::Duplicate => None,
            })
            .flatten()
            .unzip();
        if !topic_ids.is_empty() {
            sqlx::query(
                "INSERT INTO mention_topics (mention_id, topic) \
                 SELECT * FROM UNNEST($1::int8[], $2::text[]) ON CONFLICT DO NOTHING",
            )
            .bind(topic_ids)
            .bind(topic_names)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("insert topic matches"))?;
        }
        tx.commit()
            .await
            .map_err(StoreError::query("commit mentions"))?;
        Ok(outcomes)
    }

    pub(crate) async fn get_mention(&self, id: i64) -> Result<Option<StoredMention>, StoreError> {
        let mention: Option<StoredMention> = sqlx::query_as(concat!(
            "SELECT ",
            select_columns!(),
            " FROM mentions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query("read a mention"))?;
        let mut mentions: Vec<StoredMention> = mention.into_iter().collect();
        self.attach_labels(&mut mentions).await?;
        Ok(mentions.pop())
    }

    pub(crate) async fn list_mentions(
        &self,
        filter: &MentionFilter,
        cursor: Option<PageCursor>,
        limit: u32,
    ) -> Result<Vec<StoredMention>, StoreError> {
        let mut mentions: Vec<StoredMention> = sqlx::query_as(concat!(
            "SELECT ",
            select_columns!(),
            " FROM mentions m WHERE ($1::text IS NULL OR source = $1) \
             AND ($2::int8 IS NULL OR created_at >= $2) AND ($3::int8 IS NULL OR created_at < $3) \
             AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM mention_topics t WHERE t.topic = $4 AND t.mention_id = m.id)) \
             AND ($5::int4 IS NULL OR status = $5) \
             AND ($6::int8 IS NULL OR created_at < $6 OR (created_at = $6 AND id < $7)) \
             ORDER BY created_at DESC, id DESC LIMIT $8"
        ))
        .bind(filter.source.as_deref())
        .bind(filter.created_from)
        .bind(filter.created_until)
        .bind(filter.topic.as_deref())
        .bind(filter.status)
        .bind(cursor.map(|c| c.created_at))
        .bind(cursor.map(|c| c.id))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("list mentions"))?;
        self.attach_labels(&mut mentions).await?;
        Ok(mentions)
    }

    /// Reads the topics, departments and key topics of `mentions`.
    pub(crate) async fn attach_labels(
        &self,
        mentions: &mut [StoredMention],
    ) -> Result<(), StoreError> {
        if mentions.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = mentions.iter().map(|m| m.id).collect();
        let rows: Vec<LabelRow> = sqlx::query_as(labels_query!("(SELECT UNNEST($1::int8[]))"))
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("read topics and departments"))?;
        crate::model::attach(mentions, rows);
        Ok(())
    }

    pub(crate) async fn put_topic(
        &self,
        name: &str,
        query: &str,
        brand: bool,
    ) -> Result<TopicRecord, StoreError> {
        sqlx::query_as(
            "INSERT INTO topics (name, query, brand, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (name) DO UPDATE SET query = EXCLUDED.query, brand = EXCLUDED.brand, \
             updated_at = EXCLUDED.updated_at RETURNING name, query, brand, created_at, updated_at",
        )
        .bind(name)
        .bind(query)
        .bind(brand)
        .bind(now_micros())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::query("save a topic"))
    }

    pub(crate) async fn list_topics(&self) -> Result<Vec<TopicRecord>, StoreError> {
        sqlx::query_as(
            "SELECT name, query, brand, created_at, updated_at FROM topics ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("list topics"))
    }

    pub(crate) async fn delete_topic(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::query("begin a topic deletion"))?;
        sqlx::query("DELETE FROM mention_topics WHERE topic = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("delete topic matches"))?;
        let deleted = sqlx::query("DELETE FROM topics WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("delete a topic"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("commit a topic deletion"))?;
        Ok(deleted.rows_affected() > 0)
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// Pairs each input with its fate, from the ids the insert returned.
pub(crate) fn outcomes(
    mentions: &[NewMention],
    repeated: &[bool],
    ids: &HashMap<(&str, &str), i64>,
) -> Vec<InsertOutcome> {
    mentions
        .iter()
        .zip(repeated)
        .map(
            |(m, repeated)| match ids.get(&(m.source.as_str(), m.external_id.as_str())) {
                Some(id) if !repeated => InsertOutcome::Inserted(*id),
                _ => InsertOutcome::Duplicate,
            },
        )
        .collect()
}

/// The batch as one array per column, the shape `UNNEST` takes.
#[derive(Debug, Default)]
struct Columns<'a> {
    source: Vec<&'a str>,
    external_id: Vec<&'a str>,
    url: Vec<Option<&'a str>>,
    author_handle: Vec<&'a str>,
    author_display_name: Vec<Option<&'a str>>,
    author_followers: Vec<i64>,
    author_following: Vec<i64>,
    author_posts: Vec<i64>,
    author_verified: Vec<bool>,
    author_location: Vec<Option<&'a str>>,
    author_time_zone: Vec<Option<&'a str>>,
    text: Vec<&'a str>,
    language: Vec<Option<&'a str>>,
    created_at: Vec<i64>,
    ingested_at: Vec<i64>,
    place_name: Vec<Option<&'a str>>,
    latitude: Vec<Option<f64>>,
    longitude: Vec<Option<f64>>,
    like_count: Vec<i64>,
    repost_count: Vec<i64>,
    reply_count: Vec<i64>,
    quote_count: Vec<i64>,
    view_count: Vec<i64>,
    reply_to_external_id: Vec<Option<&'a str>>,
    reply_to_handle: Vec<Option<&'a str>>,
    quoted_external_id: Vec<Option<&'a str>>,
    reposted_external_id: Vec<Option<&'a str>>,
    mentioned_handles: Vec<&'a str>,
    hashtags: Vec<&'a str>,
}

impl<'a> From<&'a Vec<FlatMention<'a>>> for Columns<'a> {
    fn from(rows: &'a Vec<FlatMention<'a>>) -> Self {
        let mut c = Columns::default();
        for row in rows {
            c.source.push(row.source);
            c.external_id.push(row.external_id);
            c.url.push(row.url);
            c.author_handle.push(row.author_handle);
            c.author_display_name.push(row.author_display_name);
            c.author_followers.push(row.author_followers);
            c.author_following.push(row.author_following);
            c.author_posts.push(row.author_posts);
            c.author_verified.push(row.author_verified);
            c.author_location.push(row.author_location);
            c.author_time_zone.push(row.author_time_zone);
            c.text.push(row.text);
            c.language.push(row.language);
            c.created_at.push(row.created_at);
            c.ingested_at.push(row.ingested_at);
            c.place_name.push(row.place_name);
            c.latitude.push(row.latitude);
            c.longitude.push(row.longitude);
            c.like_count.push(row.like_count);
            c.repost_count.push(row.repost_count);
            c.reply_count.push(row.reply_count);
            c.quote_count.push(row.quote_count);
            c.view_count.push(row.view_count);
            c.reply_to_external_id.push(row.reply_to_external_id);
            c.reply_to_handle.push(row.reply_to_handle);
            c.quoted_external_id.push(row.quoted_external_id);
            c.reposted_external_id.push(row.reposted_external_id);
            c.mentioned_handles.push(&row.mentioned_handles);
            c.hashtags.push(&row.hashtags);
        }
        c
    }
}
