//! Listening topics: named boolean queries, compiled together into one matcher.
//!
//! The compiled matcher is swapped whole after every change, so matching never waits for a
//! topic update. Replicas pick up each other's changes on [`Topics::reload`], which the server
//! calls periodically.

use std::sync::{Arc, RwLock};

use hearken_core::query::{Query, TopicMatcher};
use hearken_store::{Store, TopicRecord};

use crate::IngestError;

/// Most topics one deployment may hold: each adds patterns to every mention's matching.
pub const MAX_TOPICS: usize = 1_000;
const MAX_NAME_CHARS: usize = 100;

/// The listening topics and their compiled matcher.
#[derive(Debug)]
pub struct Topics {
    matcher: RwLock<Arc<TopicMatcher>>,
}

impl Topics {
    /// Loads every stored topic and compiles them.
    pub async fn load(store: &Store) -> Result<Self, IngestError> {
        let topics = Self {
            matcher: RwLock::new(Arc::new(TopicMatcher::new([]))),
        };
        topics.reload(store).await?;
        Ok(topics)
    }

    /// Recompiles the matcher from the store, to pick up changes made by other replicas.
    pub async fn reload(&self, store: &Store) -> Result<(), IngestError> {
        let records = store.list_topics().await?;
        let mut compiled = Vec::with_capacity(records.len());
        for record in &records {
            match Query::parse(&record.query) {
                Ok(query) => compiled.push((record.name.as_str(), query)),
                // Stored queries were valid when saved; a parser change must not stop ingestion.
                Err(error) => {
                    tracing::warn!(topic = %record.name, %error, "stored topic no longer parses; skipped")
                }
            }
        }
        let matcher = TopicMatcher::new(compiled.iter().map(|(name, query)| (*name, query)));
        *self
            .matcher
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(matcher);
        Ok(())
    }

    /// Names of the topics whose queries match `text`.
    pub fn matches(&self, text: &str) -> Vec<String> {
        let matcher = Arc::clone(
            &self
                .matcher
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        matcher.matches(text)
    }

    /// Validates and saves a topic, then recompiles.
    pub async fn put(
        &self,
        store: &Store,
        name: &str,
        query: &str,
        brand: bool,
    ) -> Result<TopicRecord, IngestError> {
        let name = parse_name(name)?;
        let parsed = Query::parse(query)
            .map_err(|error| IngestError::invalid("topic.query", error.to_string()))?;
        let existing = store.list_topics().await?;
        if existing.len() >= MAX_TOPICS && !existing.iter().any(|t| t.name == name) {
            return Err(IngestError::invalid(
                "topic",
                format!(
                    "there are already {MAX_TOPICS} topics, the most allowed; delete one first"
                ),
            ));
        }
        // The canonical form is stored, so that listings show how the query was understood.
        let record = store.put_topic(&name, &parsed.to_string(), brand).await?;
        self.reload(store).await?;
        Ok(record)
    }

    pub async fn delete(&self, store: &Store, name: &str) -> Result<(), IngestError> {
        if !store.delete_topic(name).await? {
            return Err(IngestError::NotFound {
                what: format!("topic {name:?}"),
            });
        }
        self.reload(store).await
    }
}

fn parse_name(raw: &str) -> Result<String, IngestError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(IngestError::invalid("topic.name", "is required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(IngestError::invalid(
            "topic.name",
            format!("is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ')))
    {
        return Err(IngestError::invalid(
            "topic.name",
            format!("may hold letters, digits, spaces, '-', '_' and '.' (found {bad:?})"),
        ));
    }
    Ok(name.to_owned())
}
