//! Conversions between the contract's messages and the store's types; nothing past this
//! module reads raw proto fields.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hearken_core::FieldError;
use hearken_core::mention::{
    ExternalId, Handle, Limits, Source, parse_count, parse_create_time, parse_name,
};
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_store::influence::{AuthorProfile, AuthorScore, NewInteraction};

use crate::mapping::normalize_handle;
use crate::score::Weights;

/// A handle as stored and compared: validated, then lower-cased without a leading `@`.
pub fn handle(field: &str, raw: &str) -> Result<String, FieldError> {
    Handle::parse(field, raw).map(|handle| normalize_handle(handle.as_str()))
}

/// One interaction of a request; errors name its fields (`kind`, `weight`, ...), as
/// `RecordError.field` does.
pub fn interaction(
    interaction: &pb::Interaction,
    now: DateTime<Utc>,
) -> Result<NewInteraction, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = match pb::InteractionKind::try_from(interaction.kind) {
        Ok(pb::InteractionKind::Unspecified) | Err(_) => {
            errors.push(FieldError::new(
                "kind",
                format!(
                    "must be REPLY, MENTION, REPOST, QUOTE or LIKE (got {})",
                    interaction.kind
                ),
            ));
            0
        }
        Ok(kind) => kind.into(),
    };
    let source_handle = collect(
        &mut errors,
        handle("source_handle", &interaction.source_handle),
    );
    let target_handle = collect(
        &mut errors,
        handle("target_handle", &interaction.target_handle),
    );
    let mention_source = collect(
        &mut errors,
        Source::parse("mention_source", &interaction.mention_source),
    );
    let mention_external_id = collect(
        &mut errors,
        ExternalId::parse("mention_external_id", &interaction.mention_external_id),
    );
    let created_at = collect(
        &mut errors,
        time("create_time", interaction.create_time.as_ref(), now),
    );
    let weight = collect(&mut errors, weight("weight", interaction.weight));
    match (
        source_handle,
        target_handle,
        mention_source,
        mention_external_id,
        created_at,
        weight,
    ) {
        (
            Some(source_handle),
            Some(target_handle),
            Some(mention_source),
            Some(mention_external_id),
            Some(created_at),
            Some(weight),
        ) if errors.is_empty() => Ok(NewInteraction {
            kind,
            source_handle,
            target_handle,
            mention_source: mention_source.as_str().to_owned(),
            mention_external_id: mention_external_id.as_str().to_owned(),
            created_at,
            weight,
        }),
        _ => Err(errors),
    }
}

/// An interaction's weight: `None` for 0, the contract's "default weight of the kind".
pub fn weight(field: &str, weight: f64) -> Result<Option<f64>, FieldError> {
    if weight == 0.0 {
        return Ok(None);
    }
    if weight.is_finite() && weight > 0.0 {
        return Ok(Some(weight));
    }
    Err(FieldError::new(
        field,
        format!("must be finite and not negative (got {weight})"),
    ))
}

/// One author of an `UpsertAuthors` request; `field` is its path, e.g. `authors[0]`.
pub fn author(
    field: &str,
    sourced: &pb::SourcedAuthor,
    now: DateTime<Utc>,
) -> Result<AuthorProfile, Vec<FieldError>> {
    let mut errors = Vec::new();
    let source = collect(
        &mut errors,
        Source::parse(&format!("{field}.source"), &sourced.source),
    );
    let Some(author) = &sourced.author else {
        errors.push(FieldError::new(format!("{field}.author"), "is required"));
        return Err(errors);
    };
    let field = format!("{field}.author");
    let handle = collect(
        &mut errors,
        handle(&format!("{field}.handle"), &author.handle),
    );
    let display_name = collect(
        &mut errors,
        parse_name(&format!("{field}.display_name"), &author.display_name),
    );
    let location = collect(
        &mut errors,
        parse_name(
            &format!("{field}.profile_location"),
            &author.profile_location,
        ),
    );
    let mut count = |name: &str, value: i64| {
        collect(&mut errors, parse_count(&format!("{field}.{name}"), value))
            .map_or(0, |count| count as i64)
    };
    let followers = count("followers_count", author.followers_count);
    let following = count("following_count", author.following_count);
    let post_count = count("post_count", author.post_count);
    let observed_at = collect(
        &mut errors,
        time(
            &format!("{field}.observe_time"),
            author.observe_time.as_ref(),
            now,
        ),
    );
    match (source, handle, display_name, location, observed_at) {
        (Some(source), Some(handle), Some(display_name), Some(location), Some(observed_at))
            if errors.is_empty() =>
        {
            Ok(AuthorProfile {
                source: source.as_str().to_owned(),
                handle,
                display_name,
                followers,
                following,
                post_count,
                location,
                verified: author.verified,
                observed_at,
            })
        }
        _ => Err(errors),
    }
}

/// A required timestamp as microseconds since the epoch: not before 1970, not in the future.
pub fn time(
    field: &str,
    timestamp: Option<&Timestamp>,
    now: DateTime<Utc>,
) -> Result<i64, FieldError> {
    let timestamp = timestamp.ok_or_else(|| FieldError::new(field, "is required"))?;
    parse_create_time(
        field,
        timestamp.seconds,
        timestamp.nanos,
        now,
        &Limits::default(),
    )
    .map(|time| time.timestamp_micros())
}

/// A time-range bound as microseconds since the epoch; any valid timestamp is accepted.
pub fn bound(field: &str, timestamp: Option<&Timestamp>) -> Result<Option<i64>, FieldError> {
    let Some(timestamp) = timestamp else {
        return Ok(None);
    };
    let nanos = u32::try_from(timestamp.nanos)
        .ok()
        .filter(|nanos| *nanos < 1_000_000_000);
    nanos
        .and_then(|nanos| DateTime::from_timestamp(timestamp.seconds, nanos))
        .map(|time| Some(time.timestamp_micros()))
        .ok_or_else(|| FieldError::new(field, "is not a valid timestamp"))
}

/// A timestamp for microseconds since the epoch.
pub fn timestamp(micros: i64) -> Timestamp {
    Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1_000) as i32,
    }
}

/// A stored score as the contract shows it, with every component's weight.
pub fn score(score: AuthorScore, formula_version: &str, computed_at: i64) -> pb::InfluenceScore {
    let weights = Weights::V1;
    let component = |raw_value, percentile, weight| {
        Some(pb::ScoreComponent {
            raw_value,
            percentile,
            weight,
        })
    };
    let topical_authority: HashMap<String, pb::ScoreComponent> = score
        .topical
        .into_iter()
        .map(|t| {
            let component = pb::ScoreComponent {
                raw_value: t.raw,
                percentile: t.percentile,
                // Topical authority ranks within a department; it is not in the composite.
                weight: 0.0,
            };
            (t.department, component)
        })
        .collect();
    pb::InfluenceScore {
        handle: score.handle,
        source: score.source,
        score: score.score,
        reach: component(score.reach_raw, score.reach_percentile, weights.reach),
        engagement: component(
            score.engagement_raw,
            score.engagement_percentile,
            weights.engagement,
        ),
        network_authority: component(
            score.authority_raw,
            score.authority_percentile,
            weights.network_authority,
        ),
        topical_authority,
        recency: component(score.recency_raw, score.recency_percentile, weights.recency),
        formula_version: formula_version.to_owned(),
        compute_time: Some(timestamp(computed_at)),
    }
}

fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}
