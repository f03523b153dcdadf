//! Conversions between the wire (`hearken.v1` messages) and the store's types. Nothing past
//! this module reads raw proto fields.

use hearken_influence::convert::timestamp;
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_store::StoredMention;
use hearken_store::enrich::Dimension;
use hearken_store::report::{BucketWidth, ReportFilter};

use crate::ReportError;

/// Microseconds since the epoch.
pub(crate) fn micros(time: &Timestamp) -> i64 {
    time.seconds
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(time.nanos / 1_000))
}

/// `[from, until)` in microseconds; either end may be open. `field` names the range.
pub(crate) fn time_range(
    range: Option<&pb::TimeRange>,
    field: &str,
) -> Result<(Option<i64>, Option<i64>), ReportError> {
    let Some(range) = range else {
        return Ok((None, None));
    };
    let from = range.start_time.as_ref().map(micros);
    let until = range.end_time.as_ref().map(micros);
    if let (Some(from), Some(until)) = (from, until)
        && until <= from
    {
        return Err(ReportError::invalid(
            format!("{field}.end_time"),
            "must be after start_time",
        ));
    }
    Ok((from, until))
}

/// A contract Dimension number; `allow_total` admits DIMENSION_UNSPECIFIED as "no grouping".
pub(crate) fn dimension(
    value: i32,
    field: &str,
    allow_total: bool,
) -> Result<Dimension, ReportError> {
    let dimension = match pb::Dimension::try_from(value) {
        Ok(pb::Dimension::Unspecified) if allow_total => Dimension::Total,
        Ok(pb::Dimension::Unspecified) => {
            return Err(ReportError::invalid(field, "dimension is required"));
        }
        Ok(pb::Dimension::Department) => Dimension::Department,
        Ok(pb::Dimension::Topic) => Dimension::Topic,
        Ok(pb::Dimension::Source) => Dimension::Source,
        Ok(pb::Dimension::Country) => Dimension::Country,
        Ok(pb::Dimension::Region) => Dimension::Region,
        Ok(pb::Dimension::City) => Dimension::City,
        Ok(pb::Dimension::Sentiment) => Dimension::Sentiment,
        Ok(pb::Dimension::Intent) => Dimension::Intent,
        Ok(pb::Dimension::Language) => Dimension::Language,
        Err(_) => {
            return Err(ReportError::invalid(
                field,
                format!("unknown dimension {value}"),
            ));
        }
    };
    Ok(dimension)
}

pub(crate) fn bucket_width(value: i32, field: &str) -> Result<BucketWidth, ReportError> {
    match pb::BucketWidth::try_from(value) {
        // Days suit a dashboard's default range of weeks.
        Ok(pb::BucketWidth::Unspecified | pb::BucketWidth::Day) => Ok(BucketWidth::Day),
        Ok(pb::BucketWidth::Hour) => Ok(BucketWidth::Hour),
        Ok(pb::BucketWidth::Week) => Ok(BucketWidth::Week),
        Err(_) => Err(ReportError::invalid(
            field,
            format!("unknown bucket width {value}"),
        )),
    }
}

pub(crate) fn bucket_width_number(width: BucketWidth) -> i32 {
    match width {
        BucketWidth::Hour => pb::BucketWidth::Hour as i32,
        BucketWidth::Day => pb::BucketWidth::Day as i32,
        BucketWidth::Week => pb::BucketWidth::Week as i32,
    }
}

/// The filter of a request; `field` is its path (`filter`).
pub(crate) fn filter(
    filter: Option<&pb::ReportFilter>,
    field: &str,
) -> Result<ReportFilter, ReportError> {
    let Some(filter) = filter else {
        return Ok(ReportFilter::default());
    };
    let (from, until) = time_range(filter.time_range.as_ref(), &format!("{field}.time_range"))?;
    let mut converted = ReportFilter {
        from,
        until,
        ..ReportFilter::default()
    };
    for (index, restriction) in filter.dimensions.iter().enumerate() {
        let at = format!("{field}.dimensions[{index}]");
        let dimension = dimension(restriction.dimension, &format!("{at}.dimension"), false)?;
        if restriction.values.is_empty() {
            return Err(ReportError::invalid(
                format!("{at}.values"),
                "at least one value is required",
            ));
        }
        converted.restrict(dimension, restriction.values.clone());
    }
    Ok(converted)
}

fn words(list: &str) -> Vec<String> {
    list.split_whitespace().map(str::to_owned).collect()
}

/// A stored mention as the contract shows it, with its classification once enriched. The same
/// mapping as the ingest service's ListMentions, so an export and a listing agree.
pub(crate) fn mention(stored: StoredMention) -> pb::Mention {
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
