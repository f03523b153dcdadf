//! SQLite, the embedded default. A batch is one transaction of prepared single-row inserts:
//! SQLite runs in-process, so a row costs no round trip and the statement is compiled once.
//!
//! Durability: WAL with `synchronous = FULL`, so a committed (acknowledged) batch survives a
//! crash of the process and of the machine.

use std::str::FromStr;
use std::time::Duration;

use hearken_core::mention::NewMention;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;
use crate::flat::{FlatMention, insert_columns, select_columns};
use crate::model::{
    InsertOutcome, LabelRow, MentionFilter, PageCursor, StoredMention, TopicRecord, labels_query,
    now_micros, repeats_within,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A SQLite-backed store.
/// Rows ANALYZE samples per index.
const ANALYSIS_LIMIT: u32 = 1000;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let connect_error = |source| StoreError::Connect {
            backend: "sqlite",
            source,
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(connect_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Without statistics SQLite's planner guesses, and took the status index (every
            // enriched mention) over the author index for top voices: 7 s against
            // milliseconds at a million mentions. Sampled ANALYZE keeps them cheap to gather.
            .analysis_limit(ANALYSIS_LIMIT)
            .optimize_on_close(true, ANALYSIS_LIMIT);
        // A connection to a file cannot lose its server: testing it before each use only cost
        // a round trip to its worker thread. It is still tested when released.
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                backend: "sqlite",
                source,
            })?;
        // Sampled (ANALYSIS_LIMIT), so tens of milliseconds even at a million mentions;
        // closing connections refresh the statistics as tables grow.
        sqlx::query("ANALYZE")
            .execute(&pool)
            .await
            .map_err(StoreError::query("gather planner statistics"))?;
        Ok(Self { pool })
    }

    /// The pool, for tests and benchmarks that need raw access.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) async fn insert_mentions(
        &self,
        mentions: &[NewMention],
        topics: &[Vec<String>],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let repeated = repeats_within(mentions);
        let ingested_at = now_micros();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::query("begin an insert"))?;
        let mut outcomes = Vec::with_capacity(mentions.len());
        for ((mention, repeated), topics) in mentions.iter().zip(repeated).zip(topics) {
            if repeated {
                outcomes.push(InsertOutcome::Duplicate);
                continue;
            }
            let row = FlatMention::new(mention, ingested_at);
            let id: Option<i64> = sqlx::query_scalar(concat!(
                "INSERT INTO mentions (",
                insert_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29) \
                 ON CONFLICT (source, external_id) DO NOTHING RETURNING id"
            ))
            .bind(row.source)
            .bind(row.external_id)
            .bind(row.url)
            .bind(row.author_handle)
            .bind(row.author_display_name)
            .bind(row.author_followers)
            .bind(row.author_following)
            .bind(row.author_posts)
            .bind(row.author_verified)
            .bind(row.author_location)
            .bind(row.author_time_zone)
            .bind(row.text)
            .bind(row.language)
            .bind(row.created_at)
            .bind(row.ingested_at)
            .bind(row.place_name)
            .bind(row.latitude)
            .bind(row.longitude)
            .bind(row.like_count)
            .bind(row.repost_count)
            .bind(row.reply_count)
            .bind(row.quote_count)
            .bind(row.view_count)
            .bind(row.reply_to_external_id)
            .bind(row.reply_to_handle)
            .bind(row.quoted_external_id)
            .bind(row.reposted_external_id)
            .bind(&row.mentioned_handles)
            .bind(&row.hashtags)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query("insert a mention"))?;
            let Some(id) = id else {
                outcomes.push(InsertOutcome::Duplicate);
                continue;
            };
            for topic in topics {
                sqlx::query(
                    "INSERT OR IGNORE INTO mention_topics (mention_id, topic) VALUES (?1, ?2)",
                )
                .bind(id)
                .bind(topic)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("insert a topic match"))?;
            }
            outcomes.push(InsertOutcome::Inserted(id));
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
            " FROM mentions WHERE id = ?1"
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
            " FROM mentions m WHERE (?1 IS NULL OR source = ?1) \
             AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) \
             AND (?4 IS NULL OR EXISTS (SELECT 1 FROM mention_topics t WHERE t.topic = ?4 AND t.mention_id = m.id)) \
             AND (?5 IS NULL OR status = ?5) \
             AND (?6 IS NULL OR created_at < ?6 OR (created_at = ?6 AND id < ?7)) \
             ORDER BY created_at DESC, id DESC LIMIT ?8"
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
        let ids = json_ids(mentions.iter().map(|m| m.id));
        let rows: Vec<LabelRow> =
            sqlx::query_as(labels_query!("(SELECT value FROM json_each(?1))"))
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
            "INSERT INTO topics (name, query, brand, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
             ON CONFLICT (name) DO UPDATE SET query = excluded.query, brand = excluded.brand, \
             updated_at = excluded.updated_at RETURNING name, query, brand, created_at, updated_at",
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
        sqlx::query("DELETE FROM mention_topics WHERE topic = ?1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query("delete topic matches"))?;
        let deleted = sqlx::query("DELETE FROM topics WHERE name = ?1")
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

/// Ids as a JSON array, which `json_each` turns into a set: SQLite has no array parameters.
pub(crate) fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}
