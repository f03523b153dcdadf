//! Hearken's storage: mentions, their matched topics, and listening topics, in PostgreSQL
//! (deployments) or SQLite (the embedded default).
//!
//! [`Store`] is an enum over the two backends rather than a trait object: the set of backends
//! is closed, and an enum keeps async methods free of boxing. Each backend writes its own SQL,
//! and one contract test suite runs against both.

pub mod enrich;
mod error;
mod flat;
pub mod influence;
mod model;
mod postgres;
pub mod report;
mod sqlite;

pub use error::StoreError;
pub use model::{InsertOutcome, MentionFilter, PageCursor, StoredMention, TopicRecord};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use enrich::{EnrichedMention, FailureOutcome};
use hearken_core::mention::NewMention;
use influence::{
    AuthorDepartment, AuthorProfile, AuthorScore, GenerationInfo, InteractionEdge, NewGeneration,
    NewInteraction, RankCursor,
};

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hearken.db";

/// A mention store on one of the supported databases.
#[derive(Debug, Clone)]
pub enum Store {
    Postgres(PgStore),
    Sqlite(SqliteStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Postgres($store) => $call,
            Store::Sqlite($store) => $call,
        }
    };
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://…` (the SQLite file is created if missing) and
    /// applies the migrations embedded in this binary.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::Postgres(PgStore::connect(url).await?)
        } else if url.starts_with("sqlite:") {
            Store::Sqlite(SqliteStore::connect(url).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        tracing::info!(backend = store.backend(), "store ready");
        Ok(store)
    }

    /// `postgres` or `sqlite`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "postgres",
            Store::Sqlite(_) => "sqlite",
        }
    }

    /// Stores new mentions and the topics each matched, in one transaction that is committed
    /// before this returns. `topics[i]` belongs to `mentions[i]`. A mention whose
    /// `(source, external_id)` is already stored, or repeats an earlier one in the same call,
    /// is not written and comes back as [`InsertOutcome::Duplicate`].
    pub async fn insert_mentions(
        &self,
        mentions: &[NewMention],
        topics: &[Vec<String>],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        assert_eq!(mentions.len(), topics.len(), "one topic list per mention");
        if mentions.is_empty() {
            return Ok(Vec::new());
        }
        dispatch!(self, store => store.insert_mentions(mentions, topics).await)
    }

    pub async fn get_mention(&self, id: i64) -> Result<Option<StoredMention>, StoreError> {
        dispatch!(self, store => store.get_mention(id).await)
    }

    /// Mentions matching `filter`, newest first, at most `limit`, after `cursor` when given.
    pub async fn list_mentions(
        &self,
        filter: &MentionFilter,
        cursor: Option<PageCursor>,
        limit: u32,
    ) -> Result<Vec<StoredMention>, StoreError> {
        dispatch!(self, store => store.list_mentions(filter, cursor, limit).await)
    }

    /// Creates or replaces a topic; the creation time of a replaced topic is kept.
    pub async fn put_topic(
        &self,
        name: &str,
        query: &str,
        brand: bool,
    ) -> Result<TopicRecord, StoreError> {
        dispatch!(self, store => store.put_topic(name, query, brand).await)
    }

    pub async fn list_topics(&self) -> Result<Vec<TopicRecord>, StoreError> {
        dispatch!(self, store => store.list_topics().await)
    }

    /// Deletes a topic and its matches; false when there was no such topic.
    pub async fn delete_topic(&self, name: &str) -> Result<bool, StoreError> {
        dispatch!(self, store => store.delete_topic(name).await)
    }

    /// Records interactions in one transaction; returns how many were new. An interaction
    /// already stored, or repeated within the call, is not counted.
    pub async fn record_interactions(
        &self,
        interactions: &[NewInteraction],
    ) -> Result<u64, StoreError> {
        if interactions.is_empty() {
            return Ok(0);
        }
        dispatch!(self, store => store.record_interactions(interactions).await)
    }

    /// The number of stored interactions.
    pub async fn count_interactions(&self) -> Result<i64, StoreError> {
        dispatch!(self, store => store.count_interactions().await)
    }

    /// Calls `visit` with every interaction created in `[from, until)` (microseconds since
    /// the epoch; `None` is open), a page at a time in the order they were recorded, and
    /// returns how many there were. Memory stays bounded however many are stored.
    pub async fn scan_interactions(
        &self,
        from: Option<i64>,
        until: Option<i64>,
        visit: &mut (dyn FnMut(&[InteractionEdge]) + Send),
    ) -> Result<i64, StoreError> {
        let mut after = 0;
        let mut count = 0;
        loop {
            let page = dispatch!(self, store => store.interaction_page(after, from, until).await)?;
            let Some(last) = page.last() else {
                return Ok(count);
            };
            after = last.id;
            count += page.len() as i64;
            visit(&page);
        }
    }

    /// Stores author profiles in one transaction. A profile replaces the stored one only when
    /// it was observed strictly later; within the call, the newest observation of each author
    /// wins. Returns how many rows were inserted or replaced.
    pub async fn upsert_authors(&self, authors: &[AuthorProfile]) -> Result<u64, StoreError> {
        if authors.is_empty() {
            return Ok(0);
        }
        dispatch!(self, store => store.upsert_authors(authors).await)
    }

    /// Every stored author profile, by source and handle.
    pub async fn list_authors(&self) -> Result<Vec<AuthorProfile>, StoreError> {
        dispatch!(self, store => store.list_authors().await)
    }

    /// Adds each count to the author's running count of mentions in that department.
    pub async fn add_author_departments(
        &self,
        counts: &[AuthorDepartment],
    ) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        dispatch!(self, store => store.add_author_departments(counts).await)
    }

    /// Every author's mention count per department.
    pub async fn author_departments(&self) -> Result<Vec<AuthorDepartment>, StoreError> {
        dispatch!(self, store => store.author_departments().await)
    }

    /// Writes a complete generation of scores and makes it current in one transaction; older
    /// generations but the previous one are dropped.
    pub async fn save_generation(
        &self,
        generation: &NewGeneration<'_>,
    ) -> Result<GenerationInfo, StoreError> {
        dispatch!(self, store => store.save_generation(generation).await)
    }

    /// The newest complete generation, if any recompute finished.
    pub async fn current_generation(&self) -> Result<Option<GenerationInfo>, StoreError> {
        dispatch!(self, store => store.current_generation().await)
    }

    /// A generation by number, if it is still kept.
    pub async fn generation(&self, generation: i64) -> Result<Option<GenerationInfo>, StoreError> {
        dispatch!(self, store => store.generation(generation).await)
    }

    /// The scores of the author `(source, handle)` in a generation, with topical authority
    /// attached.
    pub async fn author_score(
        &self,
        generation: i64,
        source: &str,
        handle: &str,
    ) -> Result<Option<AuthorScore>, StoreError> {
        dispatch!(self, store => store.author_score(generation, source, handle).await)
    }

    /// Fills in the topical authority of `scores`, all of one generation.
    pub(crate) async fn attach_topical(
        &self,
        generation: i64,
        scores: &mut [AuthorScore],
    ) -> Result<(), StoreError> {
        dispatch!(self, store => store.attach(generation, scores).await)
    }

    /// A page of a generation's ranking: by composite score overall, or by topical authority
    /// within `department`, highest first with ties broken by source and handle, after `after`.
    pub async fn top_scores(
        &self,
        generation: i64,
        department: Option<&str>,
        after: Option<&RankCursor>,
        limit: u32,
    ) -> Result<Vec<AuthorScore>, StoreError> {
        dispatch!(self, store => store.top_scores(generation, department, after, limit).await)
    }

    /// Claims up to `limit` pending mentions for enrichment, oldest first, for `lease_micros`:
    /// until then no other claimer gets them. Each claim counts as an attempt.
    pub async fn claim_pending(
        &self,
        limit: u32,
        lease_micros: i64,
    ) -> Result<Vec<StoredMention>, StoreError> {
        dispatch!(self, store => store.claim_pending(limit, lease_micros).await)
    }

    /// Writes the enrichment of claimed mentions, their departments, key topics, inbox items
    /// and rollups, and marks them enriched, in one transaction. Mentions no longer pending
    /// (enriched by another claimer whose lease overlapped) are left as they are. Returns how
    /// many were enriched by this call.
    pub async fn complete_enrichment(&self, items: &[EnrichedMention]) -> Result<u64, StoreError> {
        if items.is_empty() {
            return Ok(0);
        }
        dispatch!(self, store => store.complete_enrichment(items).await)
    }

    /// Releases a batch whose enrichment failed: claimable again from `retry_at`
    /// (microseconds), or dead-lettered with `error` once a mention has had `max_attempts`.
    pub async fn fail_enrichment(
        &self,
        ids: &[i64],
        error: &str,
        retry_at: i64,
        max_attempts: i32,
    ) -> Result<FailureOutcome, StoreError> {
        if ids.is_empty() {
            return Ok(FailureOutcome::default());
        }
        dispatch!(self, store => store.fail_enrichment(ids, error, retry_at, max_attempts).await)
    }

    /// The author handle of each stored mention of `source` among `external_ids`, as
    /// `(external_id, handle)`: who was quoted or reposted, when the platform gave only an id.
    pub async fn authors_of(
        &self,
        source: &str,
        external_ids: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        dispatch!(self, store => store.authors_of(source, external_ids).await)
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        dispatch!(self, store => store.close().await)
    }
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(super::redact("mysql://u@h"), "mysql://u@h");
    }
}
