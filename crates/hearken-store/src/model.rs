use chrono::{DateTime, Utc};

/// What happened to one mention of an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Stored for the first time under this id.
    Inserted(i64),
    /// Already stored; nothing was written.
    Duplicate,
}

/// A mention as stored, with what the store added to it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredMention {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub url: Option<String>,
    pub author_handle: String,
    pub author_display_name: Option<String>,
    pub author_followers: i64,
    pub author_following: i64,
    pub author_posts: i64,
    pub author_verified: bool,
    pub author_location: Option<String>,
    pub author_time_zone: Option<String>,
    pub text: String,
    pub language: Option<String>,
    /// Microseconds since the Unix epoch.
    pub created_at: i64,
    /// Microseconds since the Unix epoch.
    pub ingested_at: i64,
    pub place_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub like_count: i64,
    pub repost_count: i64,
    pub reply_count: i64,
    pub quote_count: i64,
    pub view_count: i64,
    pub reply_to_external_id: Option<String>,
    pub reply_to_handle: Option<String>,
    pub quoted_external_id: Option<String>,
    pub reposted_external_id: Option<String>,
    /// Space-separated.
    pub mentioned_handles: String,
    /// Space-separated.
    pub hashtags: String,
    /// The contract's `MentionStatus` number.
    pub status: i32,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[sqlx(flatten)]
    pub enrichment: crate::enrich::EnrichmentRow,
    /// Names of the topics it matched, space-free, sorted; filled by a second query.
    #[sqlx(skip)]
    pub topics: Vec<String>,
    /// The departments it concerns, most confident first; filled by a second query.
    #[sqlx(skip)]
    pub departments: Vec<(String, f64)>,
    /// Hashtags and key phrases the classifier found, sorted; filled by a second query.
    #[sqlx(skip)]
    pub key_topics: Vec<String>,
}

/// Which mentions a listing returns. Every field narrows; `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MentionFilter {
    pub source: Option<String>,
    /// Microseconds since the Unix epoch, inclusive.
    pub created_from: Option<i64>,
    /// Microseconds since the Unix epoch, exclusive.
    pub created_until: Option<i64>,
    pub topic: Option<String>,
    pub status: Option<i32>,
}

/// Where the previous page of a newest-first listing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub created_at: i64,
    pub id: i64,
}

impl PageCursor {
    /// The cursor that continues after `mention`.
    pub fn after(mention: &StoredMention) -> Self {
        Self {
            created_at: mention.created_at,
            id: mention.id,
        }
    }

    /// An opaque token for clients.
    pub fn encode(&self) -> String {
        format!("m{}.{}", self.created_at, self.id)
    }

    /// The cursor in a token from [`PageCursor::encode`]; `None` for anything else.
    pub fn decode(token: &str) -> Option<Self> {
        let (created_at, id) = token.strip_prefix('m')?.split_once('.')?;
        Some(Self {
            created_at: created_at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// A stored listening topic.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TopicRecord {
    pub name: String,
    pub query: String,
    pub brand: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub(crate) fn now_micros() -> i64 {
    micros(Utc::now())
}

pub(crate) fn joined<T: AsRef<str>>(items: &[T]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Indexes of the mentions that repeat an earlier `(source, external_id)` of the same batch.
pub(crate) fn repeats_within(mentions: &[hearken_core::mention::NewMention]) -> Vec<bool> {
    let mut seen = std::collections::HashSet::with_capacity(mentions.len());
    mentions
        .iter()
        .map(|m| !seen.insert((m.source.as_str(), m.external_id.as_str())))
        .collect()
}

/// The rows a second query reads to complete listed mentions: `(mention_id, kind, label,
/// confidence)`, where kind 0 is a matched topic, 1 a department, 2 a key topic. One query for
/// all three keeps a listing at two round trips.
pub(crate) type LabelRow = (i64, i32, String, f64);

/// The SQL of [`LabelRow`]s for the mention ids in `$ids` (a dialect-specific set expression).
macro_rules! labels_query {
    ($ids:literal) => {
        concat!(
            "SELECT mention_id, 0, topic, 0.0 FROM mention_topics WHERE mention_id IN ",
            $ids,
            " UNION ALL SELECT mention_id, 1, department, confidence FROM mention_departments \
             WHERE mention_id IN ",
            $ids,
            " UNION ALL SELECT mention_id, 2, topic, 0.0 FROM mention_key_topics WHERE mention_id IN ",
            $ids
        )
    };
}
pub(crate) use labels_query;

/// Sets each mention's topics, departments and key topics from [`LabelRow`]s.
pub(crate) fn attach(mentions: &mut [StoredMention], rows: Vec<LabelRow>) {
    let mut by_id: std::collections::HashMap<i64, Vec<(i32, String, f64)>> =
        std::collections::HashMap::new();
    for (id, kind, label, confidence) in rows {
        by_id.entry(id).or_default().push((kind, label, confidence));
    }
    for mention in mentions {
        for (kind, label, confidence) in by_id.remove(&mention.id).unwrap_or_default() {
            match kind {
                0 => mention.topics.push(label),
                1 => mention.departments.push((label, confidence)),
                _ => mention.key_topics.push(label),
            }
        }
        mention.topics.sort_unstable();
        mention.key_topics.sort_unstable();
        mention
            .departments
            .sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
}

#[cfg(test)]
mod tests {
    use super::PageCursor;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = PageCursor {
            created_at: -5,
            id: 42,
        };
        assert_eq!(PageCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(PageCursor::decode("m1"), None);
        assert_eq!(PageCursor::decode("x1.2"), None);
        assert_eq!(PageCursor::decode("m1.b"), None);
    }
}
