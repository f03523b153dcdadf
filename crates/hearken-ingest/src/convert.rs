//! Conversions between the wire (`hearken.v1` messages) and core types. Nothing past this
//! module reads raw proto fields.

use chrono::{DateTime, Utc};
use hearken_core::FieldError;
use hearken_core::mention::{
    Author, ExternalId, Handle, Hashtag, LanguageTag, Limits, Metrics, NewMention, PlaceInput,
    Source, WebUrl, optional, parse_coordinates, parse_count, parse_create_time, parse_list,
    parse_name, parse_text,
};
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_store::{StoredMention, TopicRecord};

/// Validates and normalises one mention from the wire.
pub(crate) fn new_mention(
    m: &pb::Mention,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<NewMention, FieldError> {
    let author = m
        .author
        .as_ref()
        .ok_or_else(|| FieldError::new("author", "is required"))?;
    let create_time = m
        .create_time
        .as_ref()
        .ok_or_else(|| FieldError::new("create_time", "is required"))?;
    let metrics = m.metrics.unwrap_or_default();
    let location = m.location.clone().unwrap_or_default();
    Ok(NewMention {
        source: Source::parse("source", &m.source)?,
        external_id: ExternalId::parse("external_id", &m.external_id)?,
        url: optional("url", &m.url, WebUrl::parse)?,
        author: Author {
            handle: Handle::parse("author.handle", &author.handle)?,
            display_name: parse_name("author.display_name", &author.display_name)?,
            followers_count: parse_count("author.followers_count", author.followers_count)?,
            following_count: parse_count("author.following_count", author.following_count)?,
            post_count: parse_count("author.post_count", author.post_count)?,
            verified: author.verified,
            profile_location: parse_name("author.profile_location", &author.profile_location)?,
            time_zone: parse_name("author.time_zone", &author.time_zone)?,
        },
        text: parse_text("text", &m.text, limits)?,
        language: optional("language", &m.language, LanguageTag::parse)?,
        created_at: parse_create_time(
            "create_time",
            create_time.seconds,
            create_time.nanos,
            now,
            limits,
        )?,
        place: PlaceInput {
            place_name: parse_name("location.place_name", &location.place_name)?,
            coordinates: parse_coordinates("location", location.latitude, location.longitude)?,
        },
        metrics: Metrics {
            like_count: parse_count("metrics.like_count", metrics.like_count)?,
            repost_count: parse_count("metrics.repost_count", metrics.repost_count)?,
            reply_count: parse_count("metrics.reply_count", metrics.reply_count)?,
            quote_count: parse_count("metrics.quote_count", metrics.quote_count)?,
            view_count: parse_count("metrics.view_count", metrics.view_count)?,
        },
        reply_to_external_id: optional(
            "reply_to_external_id",
            &m.reply_to_external_id,
            ExternalId::parse,
        )?,
        reply_to_handle: optional("reply_to_handle", &m.reply_to_handle, Handle::parse)?,
        quoted_external_id: optional(
            "quoted_external_id",
            &m.quoted_external_id,
            ExternalId::parse,
        )?,
        reposted_external_id: optional(
            "reposted_external_id",
            &m.reposted_external_id,
            ExternalId::parse,
        )?,
        mentioned_handles: parse_list("mentioned_handles", &m.mentioned_handles, Handle::parse)?,
        hashtags: parse_list("hashtags", &m.hashtags, Hashtag::parse)?,
    })
}

pub(crate) fn timestamp(micros: i64) -> Timestamp {
    Timestamp {
        seconds: micros.div_euclid(1_000_000),
        // The remainder of a division by 10^6, times 10^3, always fits.
        nanos: i32::try_from(micros.rem_euclid(1_000_000) * 1_000).unwrap_or_default(),
    }
}

/// Microseconds since the epoch, saturating far outside any real range.
pub(crate) fn micros(time: &Timestamp) -> i64 {
    time.seconds
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(time.nanos / 1_000))
}

fn words(list: &str) -> Vec<String> {
    list.split_whitespace().map(str::to_owned).collect()
}

/// A stored mention as the contract shows it, with its classification once enriched; the one
/// mapping behind ListMentions, the report service's inboxes and exports.
pub fn mention(stored: StoredMention) -> pb::Mention {
    let classification = classification(&stored);
    let e = stored.enrichment;
    pb::Mention {
        id: stored.id,
        source: stored.source,
        external_id: stored.external_id,
        url: stored.url.unwrap_or_default(),
        author: Some(pb::Author {
            handle: stored.author_handle,
            display_name: stored.author_display_name.unwrap_or_default(),
            followers_count: stored.author_followers,
            following_count: stored.author_following,
            post_count: stored.author_posts,
            verified: stored.author_verified,
            profile_location: stored.author_location.unwrap_or_default(),
            time_zone: stored.author_time_zone.unwrap_or_default(),
            observe_time: Some(timestamp(stored.ingested_at)),
        }),
        text: stored.text,
        language: stored.language.unwrap_or_default(),
        create_time: Some(timestamp(stored.created_at)),
        ingest_time: Some(timestamp(stored.ingested_at)),
        location: Some(pb::Location {
            place_name: stored.place_name.unwrap_or_default(),
            country_code: e.country_code.unwrap_or_default(),
            region_code: e.region_code.unwrap_or_default(),
            city: e.city.unwrap_or_default(),
            // The resolved position when there is one (the post's own, or its city's).
            latitude: e.resolved_latitude.or(stored.latitude),
            longitude: e.resolved_longitude.or(stored.longitude),
            evidence: e.location_evidence.unwrap_or_default(),
            confidence: e.location_confidence.unwrap_or_default(),
        }),
        metrics: Some(pb::EngagementMetrics {
            like_count: stored.like_count,
            repost_count: stored.repost_count,
            reply_count: stored.reply_count,
            quote_count: stored.quote_count,
            view_count: stored.view_count,
        }),
        reply_to_external_id: stored.reply_to_external_id.unwrap_or_default(),
        reply_to_handle: stored.reply_to_handle.unwrap_or_default(),
        quoted_external_id: stored.quoted_external_id.unwrap_or_default(),
        reposted_external_id: stored.reposted_external_id.unwrap_or_default(),
        mentioned_handles: words(&stored.mentioned_handles),
        hashtags: words(&stored.hashtags),
        matched_topics: stored.topics,
        status: stored.status,
        attempt_count: stored.attempts,
        last_error: stored.last_error.unwrap_or_default(),
        classification,
    }
}

/// What enrichment found, once a mention has been enriched.
fn classification(stored: &StoredMention) -> Option<pb::Classification> {
    let e = &stored.enrichment;
    e.enriched_at?;
    Some(pb::Classification {
        sentiment: Some(pb::Sentiment {
            neg: e.sentiment_neg.unwrap_or_default(),
            neu: e.sentiment_neu.unwrap_or_default(),
            pos: e.sentiment_pos.unwrap_or_default(),
            compound: e.sentiment_compound.unwrap_or_default(),
            label: e.sentiment_label.unwrap_or_default(),
        }),
        departments: stored
            .departments
            .iter()
            .map(|(id, confidence)| pb::DepartmentScore {
                id: id.clone(),
                confidence: *confidence,
            })
            .collect(),
        intent: e.intent.as_ref().map(|id| pb::Intent {
            id: id.clone(),
            confidence: e.intent_confidence.unwrap_or_default(),
        }),
        topics: stored.key_topics.clone(),
        language: e.detected_language.clone().unwrap_or_default(),
        urgency: e.urgency.unwrap_or_default(),
        model_version: e.model_version.clone().unwrap_or_default(),
        routing_reasons: e.routing_reasons.lines().map(str::to_owned).collect(),
    })
}

pub(crate) fn topic(record: TopicRecord) -> pb::Topic {
    pb::Topic {
        name: record.name,
        query: record.query,
        brand: record.brand,
        create_time: Some(timestamp(record.created_at)),
        update_time: Some(timestamp(record.updated_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_micros() {
        for micros_value in [0, 1, -1, 1_424_806_552_123_456, -1_500_000] {
            assert_eq!(micros(&timestamp(micros_value)), micros_value);
        }
        assert_eq!(
            timestamp(-1),
            Timestamp {
                seconds: -1,
                nanos: 999_999_000
            }
        );
    }
}
