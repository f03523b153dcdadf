//! Conversions between the wire (`hearken.v1` messages) and the store's types. Nothing past
//! this module reads raw proto fields.

use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
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
