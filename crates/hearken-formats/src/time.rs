//! Timestamps in the many textual forms platforms use, converted to UTC.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use hearken_proto::prost_types::Timestamp;

/// Forms with an explicit offset, tried after RFC 3339 and RFC 2822.
const OFFSET_FORMATS: &[&str] = &[
    // Twitter API v1.1: "Wed Oct 10 20:19:24 +0000 2018".
    "%a %b %d %H:%M:%S %z %Y",
    // Airline-tweets CSV: "2015-02-24 11:35:52 -0800".
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
];

/// Forms without an offset, read as UTC.
const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    // Seen in real RSS: "Sat, Dec 16 2023 02:02:33 PM".
    "%a, %b %d %Y %I:%M:%S %p",
];

/// Reads a timestamp; `None` when no known form matches.
pub(crate) fn parse(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let with_offset = DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc2822(raw))
        .ok()
        .or_else(|| {
            OFFSET_FORMATS
                .iter()
                .find_map(|format| DateTime::parse_from_str(raw, format).ok())
        });
    if let Some(time) = with_offset {
        return Some(from_fixed(time));
    }
    // Feeds often localise the weekday ("mer, 16 nov 2022 ..."); it adds nothing to the date.
    if let Some((weekday, rest)) = raw.split_once(", ")
        && weekday.chars().all(char::is_alphabetic)
        && let Ok(time) = DateTime::parse_from_rfc2822(rest)
    {
        return Some(from_fixed(time));
    }
    if let Some(naive) = NAIVE_FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
    {
        return Some(from_utc(naive.and_utc()));
    }
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Some(from_utc(date.and_hms_opt(0, 0, 0)?.and_utc()));
    }
    raw.parse::<f64>().ok().and_then(from_unix_seconds)
}

fn from_fixed(time: DateTime<FixedOffset>) -> Timestamp {
    from_utc(time.with_timezone(&Utc))
}

pub(crate) fn from_utc(time: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos().min(999_999_999) as i32,
    }
}

/// Unix seconds, possibly fractional (Reddit's `created_utc`); `None` outside chrono's range.
pub(crate) fn from_unix_seconds(seconds: f64) -> Option<Timestamp> {
    if !seconds.is_finite() || seconds.abs() > 8.0e12 {
        return None;
    }
    let whole = seconds.floor();
    let nanos = (((seconds - whole) * 1e9).round() as i64).clamp(0, 999_999_999);
    DateTime::from_timestamp(whole as i64, nanos as u32).map(from_utc)
}

/// RFC 3339 in UTC with as many fraction digits as needed; `None` outside the four-digit years
/// RFC 3339 can write.
pub(crate) fn to_rfc3339(timestamp: &Timestamp) -> Option<String> {
    let nanos = u32::try_from(timestamp.nanos)
        .ok()
        .filter(|&nanos| nanos < 1_000_000_000)?;
    let time = DateTime::from_timestamp(timestamp.seconds, nanos)
        .filter(|time| (0..=9999).contains(&time.year()))?;
    Some(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str) -> i64 {
        parse(raw).map(|t| t.seconds).unwrap_or(i64::MIN)
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let expected = utc("2015-02-24T19:35:52Z");
        assert_eq!(utc("2015-02-24 11:35:52 -0800"), expected);
        assert_eq!(utc("Tue Feb 24 19:35:52 +0000 2015"), expected);
        assert_eq!(utc("Tue, 24 Feb 2015 20:35:52 +0100"), expected);
        assert_eq!(utc("2015-02-24T14:35:52-05:00"), expected);
        assert_eq!(utc("1424806552"), expected);
    }

    #[test]
    fn fractions_survive() {
        let time = parse("2024-05-29T20:13:10.797Z");
        assert_eq!(time.map(|t| t.nanos), Some(797_000_000));
    }

    #[test]
    fn nonsense_is_none() {
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("NaN"), None);
        assert_eq!(from_unix_seconds(f64::INFINITY), None);
    }
}
