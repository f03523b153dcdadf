//! One batch's conversions: stored mentions to classifier documents and contract mentions,
//! the classifier's answer and the resolved place to what the store keeps.

use std::collections::{BTreeMap, HashMap};

use hearken_geo::{Evidence, Gazetteer, LocationInput};
use hearken_influence::mapping::{interactions_from_mentions_with, normalize_handle};
use hearken_proto::v1 as pb;
use hearken_store::enrich::{EnrichedMention, Enrichment, ResolvedPlace, SentimentScores};
use hearken_store::{Store, StoreError, StoredMention};

/// Authors of mentions outside the batch that its mentions reply to, quote or repost, by
/// `(source, external_id)`.
pub(crate) type KnownAuthors = HashMap<(String, String), String>;

/// Influence scores (0–100) of the batch's authors, by source and normalised handle.
pub(crate) type Scores = HashMap<(String, String), f64>;

pub(crate) fn document(mention: &StoredMention) -> pb::Document {
    pb::Document {
        id: mention.id.to_string(),
        text: mention.text.clone(),
        language: mention.language.clone().unwrap_or_default(),
        author_followers_count: mention.author_followers,
    }
}

pub(crate) fn contract_mention(mention: &StoredMention) -> pb::Mention {
    crate::convert::mention(mention.clone())
}

/// Looks up, per source, the authors of referenced mentions the platform named only by id.
pub(crate) async fn referenced_authors(
    store: &Store,
    mentions: &[pb::Mention],
) -> Result<KnownAuthors, StoreError> {
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for m in mentions {
        let reply = match m.reply_to_handle.is_empty() {
            true => m.reply_to_external_id.as_str(),
            false => "",
        };
        let ids = by_source.entry(m.source.as_str()).or_default();
        ids.extend(
            [reply, &m.quoted_external_id, &m.reposted_external_id]
                .into_iter()
                .filter(|id| !id.is_empty()),
        );
    }
    let mut known = KnownAuthors::new();
    for (source, mut ids) in by_source {
        ids.sort_unstable();
        ids.dedup();
        for (external_id, handle) in store.authors_of(source, &ids).await? {
            known.insert((source.to_owned(), external_id), handle);
        }
    }
    Ok(known)
}

/// Every interaction the batch's mentions state, with referenced authors resolved from the
/// batch itself and from `known`.
pub(crate) fn interactions(mentions: &[pb::Mention], known: &KnownAuthors) -> Vec<pb::Interaction> {
    interactions_from_mentions_with(mentions, |source, external_id| {
        known
            .get(&(source.to_owned(), external_id.to_owned()))
            .cloned()
    })
}

/// The batch's authors as observed in their mentions.
pub(crate) fn authors(mentions: &[pb::Mention]) -> Vec<pb::SourcedAuthor> {
    mentions
        .iter()
        .filter_map(|m| {
            let mut author = m.author.clone()?;
            // Observed when posted: an old post must not overwrite a newer profile.
            author.observe_time = m.create_time;
            Some(pb::SourcedAuthor {
                source: m.source.clone(),
                author: Some(author),
            })
        })
        .collect()
}

/// The current composite influence score of each of the batch's authors that has one.
pub(crate) async fn influence_scores(
    store: &Store,
    mentions: &[StoredMention],
) -> Result<Scores, StoreError> {
    let mut scores = Scores::new();
    let Some(generation) = store.current_generation().await? else {
        return Ok(scores);
    };
    let mut authors: Vec<(String, String)> = mentions
        .iter()
        .map(|m| (m.source.clone(), normalize_handle(&m.author_handle)))
        .collect();
    authors.sort_unstable();
    authors.dedup();
    for (source, handle) in authors {
        if let Some(score) = store
            .author_score(generation.generation, &source, &handle)
            .await?
        {
            scores.insert((source, handle), score.score);
        }
    }
    Ok(scores)
}

/// Inbox priority: urgency, weighed by how far the author's voice carries.
///
/// `priority = urgency × (0.6 + 0.4 · s / 100)`, where `s` is the author's composite influence
/// score (0 until the author is first scored), so influence reorders what is urgent but never
/// makes a calm post from a famous account outrank an angry one from an ordinary customer by
/// more than it deserves.
pub(crate) fn priority(urgency: f64, influence: f64) -> f64 {
    (urgency * (0.6 + 0.4 * (influence / 100.0).clamp(0.0, 1.0))).clamp(0.0, 1.0)
}

/// What the store keeps of a classified mention, with its place resolved.
pub(crate) fn enriched(
    mention: StoredMention,
    classification: pb::Classification,
    gazetteer: &Gazetteer,
    scores: &Scores,
) -> EnrichedMention {
    let sentiment = classification.sentiment.unwrap_or_default();
    let intent = classification.intent.unwrap_or_default();
    let influence = scores
        .get(&(
            mention.source.clone(),
            normalize_handle(&mention.author_handle),
        ))
        .copied()
        .unwrap_or(0.0);
    let enrichment = Enrichment {
        sentiment: SentimentScores {
            neg: sentiment.neg,
            neu: sentiment.neu,
            pos: sentiment.pos,
            compound: sentiment.compound,
            label: sentiment.label,
        },
        departments: classification
            .departments
            .into_iter()
            .map(|d| (d.id, d.confidence))
            .collect(),
        intent: intent.id,
        intent_confidence: intent.confidence,
        key_topics: classification.topics,
        language: classification.language,
        urgency: classification.urgency,
        model_version: classification.model_version,
        routing_reasons: classification.routing_reasons,
        place: place(&mention, gazetteer),
        priority: priority(classification.urgency, influence),
    };
    EnrichedMention {
        mention,
        enrichment,
    }
}

/// Where the mention comes from, strongest evidence first.
fn place(mention: &StoredMention, gazetteer: &Gazetteer) -> ResolvedPlace {
    let coordinates = mention.latitude.zip(mention.longitude);
    let resolved = gazetteer.resolve(&LocationInput {
        coordinates,
        place_name: mention.place_name.as_deref(),
        profile_location: mention.author_location.as_deref(),
        time_zone: mention.author_time_zone.as_deref(),
        text: Some(&mention.text),
    });
    ResolvedPlace {
        country_code: resolved.country_code,
        region_code: resolved.region_code,
        city: resolved.city,
        coordinates: resolved.latitude.zip(resolved.longitude),
        evidence: evidence_number(resolved.evidence),
        confidence: resolved.confidence,
    }
}

/// The contract's `LocationEvidence` number.
fn evidence_number(evidence: Evidence) -> i32 {
    let evidence = match evidence {
        Evidence::Coordinates => pb::LocationEvidence::Coordinates,
        Evidence::PlatformPlace => pb::LocationEvidence::PlatformPlace,
        Evidence::ProfileLocation => pb::LocationEvidence::ProfileLocation,
        Evidence::TimeZone => pb::LocationEvidence::TimeZone,
        Evidence::Text => pb::LocationEvidence::Text,
        Evidence::None => pb::LocationEvidence::None,
    };
    evidence as i32
}

#[cfg(test)]
mod tests {
    use super::priority;

    #[test]
    fn influence_reorders_but_urgency_leads() {
        assert!(priority(0.5, 90.0) > priority(0.5, 10.0));
        assert!(priority(0.9, 0.0) > priority(0.5, 100.0));
        assert_eq!(priority(0.0, 100.0), 0.0);
        assert!((0.0..=1.0).contains(&priority(1.0, 250.0)));
    }
}
