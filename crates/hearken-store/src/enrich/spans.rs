//! Who spoke, and when first and last: the author spans a batch of newly enriched mentions
//! widens, per department partition as in the rollups, and per cell of the conversation map.

use std::collections::BTreeMap;

use super::EnrichedMention;
use super::rollup::topics;

/// One author in one partition (`""` for all departments) and topic (`""` for all topics);
/// ordered so that concurrent writers lock rows in the same order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SpanKey {
    pub(crate) department: String,
    pub(crate) topic: String,
    pub(crate) source: String,
    /// Lower case, as influence scores spell it.
    pub(crate) handle: String,
}

/// What a batch knows of one author in one partition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub(crate) first_at: i64,
    pub(crate) last_at: i64,
    pub(crate) mention_count: i64,
    /// Summed compound sentiment.
    pub(crate) sentiment_sum: f64,
    pub(crate) followers: i64,
}

impl Span {
    fn widen(&mut self, other: Span) {
        self.first_at = self.first_at.min(other.first_at);
        self.last_at = self.last_at.max(other.last_at);
        self.mention_count += other.mention_count;
        self.sentiment_sum += other.sentiment_sum;
        self.followers = self.followers.max(other.followers);
    }
}

/// The spans of `mentions`' authors: in the all-departments partition, and in each department
/// a mention concerns, over all topics and for each of the mention's topics.
pub(crate) fn spans<'a>(
    mentions: impl IntoIterator<Item = &'a EnrichedMention>,
) -> BTreeMap<SpanKey, Span> {
    let mut spans: BTreeMap<SpanKey, Span> = BTreeMap::new();
    for enriched in mentions {
        let mention = &enriched.mention;
        let span = Span {
            first_at: mention.created_at,
            last_at: mention.created_at,
            mention_count: 1,
            sentiment_sum: enriched.enrichment.sentiment.compound,
            followers: mention.author_followers,
        };
        let handle = mention.author_handle.to_lowercase();
        let departments = enriched.enrichment.departments.iter();
        let cells = std::iter::once(("", "")).chain(departments.flat_map(|(department, _)| {
            std::iter::once("")
                .chain(topics(enriched))
                .map(move |topic| (department.as_str(), topic))
        }));
        for (department, topic) in cells {
            let key = SpanKey {
                department: department.to_owned(),
                topic: topic.to_owned(),
                source: mention.source.clone(),
                handle: handle.clone(),
            };
            spans
                .entry(key)
                .and_modify(|known| known.widen(span))
                .or_insert(span);
        }
    }
    spans
}
