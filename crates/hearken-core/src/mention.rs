//! A validated mention, ready to store, and the newtypes its fields are made of.
//!
//! Each newtype's `parse` is the only way in, so a value of the type is known to be valid.

use chrono::{DateTime, TimeDelta, Utc};

use crate::field::FieldError;
use crate::text::{normalize_line, normalize_text};

/// Bounds on what one mention may carry. The defaults suit social posts and articles' summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted text, in characters, after normalisation.
    pub max_text_chars: usize,
    /// How far in the future a creation time may lie, to allow for clock skew.
    pub max_clock_skew: TimeDelta,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_text_chars: 10_000,
            max_clock_skew: TimeDelta::hours(24),
        }
    }
}

/// Largest engagement or follower count taken as real; anything above is a corrupt record.
pub const MAX_COUNT: i64 = 1_000_000_000_000;
/// Most @handles or #hashtags one mention may list.
pub const MAX_LIST_LEN: usize = 200;
const MAX_ID_CHARS: usize = 256;
const MAX_URL_CHARS: usize = 2048;
const MAX_NAME_CHARS: usize = 512;

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(
    /// The platform a mention comes from: lowercase ASCII letters, digits, `.`, `-` and `_`.
    Source
);
string_newtype!(
    /// A platform's own identifier for a post; unique within its source.
    ExternalId
);
string_newtype!(
    /// An account's handle without the leading `@`.
    Handle
);
string_newtype!(
    /// A BCP 47 language tag with a lowercase primary subtag.
    LanguageTag
);
string_newtype!(
    /// A hashtag without its `#`, lowercased.
    Hashtag
);
string_newtype!(
    /// An absolute `http` or `https` URL.
    WebUrl
);

fn required<'a>(field: &str, raw: &'a str) -> Result<&'a str, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    Ok(trimmed)
}

fn at_most(field: &str, value: &str, max_chars: usize) -> Result<(), FieldError> {
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(FieldError::new(
            field,
            format!("is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    Ok(())
}

fn token(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = required(field, raw)?;
    at_most(field, value, MAX_ID_CHARS)?;
    if let Some(bad) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(
            field,
            format!("must not contain white space or control characters (found {bad:?})"),
        ));
    }
    Ok(value.to_owned())
}

impl Source {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = required(field, raw)?.to_ascii_lowercase();
        at_most(field, &value, 32)?;
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            return Err(FieldError::new(
                field,
                format!("may hold only letters, digits, '.', '-' and '_' (found {bad:?})"),
            ));
        }
        Ok(Self(value))
    }
}

impl ExternalId {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        token(field, raw).map(Self)
    }
}

impl Handle {
    /// Accepts `name`, `@name` or a fediverse `name@instance`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        token(field, trimmed.strip_prefix('@').unwrap_or(trimmed)).map(Self)
    }
}

impl LanguageTag {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = required(field, raw)?.replace('_', "-");
        let mut subtags = value.split('-');
        let primary = subtags.next().unwrap_or_default();
        let primary_ok =
            (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
        let rest_ok = subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !primary_ok || !rest_ok {
            return Err(FieldError::new(
                field,
                format!("{value:?} is not a BCP 47 language tag such as \"en\" or \"pt-BR\""),
            ));
        }
        let (primary, rest) = value.split_at(primary.len());
        Ok(Self(format!("{}{rest}", primary.to_ascii_lowercase())))
    }
}

impl Hashtag {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        token(field, trimmed.strip_prefix('#').unwrap_or(trimmed))
            .map(|tag| Self(tag.to_lowercase()))
    }
}

impl WebUrl {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = required(field, raw)?;
        at_most(field, value, MAX_URL_CHARS)?;
        let url = url::Url::parse(value)
            .map_err(|e| FieldError::new(field, format!("is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FieldError::new(
                field,
                format!("must be an http or https URL, not {}:", url.scheme()),
            ));
        }
        Ok(Self(url.into()))
    }
}

/// Normalised text that is neither empty nor over the limit.
pub fn parse_text(field: &str, raw: &str, limits: &Limits) -> Result<String, FieldError> {
    let text = normalize_text(raw);
    if text.is_empty() {
        return Err(FieldError::new(
            field,
            "is required and must not be only white space",
        ));
    }
    at_most(field, &text, limits.max_text_chars)?;
    Ok(text)
}

/// A short optional single-line field (names, places); empty means absent.
pub fn parse_name(field: &str, raw: &str) -> Result<Option<String>, FieldError> {
    let name = normalize_line(raw);
    if name.is_empty() {
        return Ok(None);
    }
    at_most(field, &name, MAX_NAME_CHARS)?;
    Ok(Some(name))
}

/// A count that cannot be negative and is too large only in a corrupt record.
pub fn parse_count(field: &str, value: i64) -> Result<u64, FieldError> {
    if value < 0 {
        return Err(FieldError::new(
            field,
            format!("must not be negative (got {value})"),
        ));
    }
    if value > MAX_COUNT {
        return Err(FieldError::new(
            field,
            format!("{value} is larger than any real count ({MAX_COUNT})"),
        ));
    }
    Ok(value.unsigned_abs())
}

/// A creation time from seconds and nanoseconds since the Unix epoch: not before 1970 and not
/// further in the future than the allowed clock skew.
pub fn parse_create_time(
    field: &str,
    seconds: i64,
    nanos: i32,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<DateTime<Utc>, FieldError> {
    let nanos = u32::try_from(nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .ok_or_else(|| FieldError::new(field, format!("nanos must be in 0..1e9 (got {nanos})")))?;
    let time = DateTime::from_timestamp(seconds, nanos)
        .ok_or_else(|| FieldError::new(field, format!("{seconds} seconds is out of range")))?;
    if seconds < 0 {
        return Err(FieldError::new(
            field,
            format!("{} is before 1970", time.to_rfc3339()),
        ));
    }
    if time > now + limits.max_clock_skew {
        return Err(FieldError::new(
            field,
            format!(
                "{} is in the future (now is {})",
                time.to_rfc3339(),
                now.to_rfc3339()
            ),
        ));
    }
    Ok(time)
}

/// WGS 84 coordinates; both present or both absent.
pub fn parse_coordinates(
    field: &str,
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> Result<Option<(f64, f64)>, FieldError> {
    match (latitude, longitude) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(FieldError::new(
                    format!("{field}.latitude"),
                    format!("{lat} is outside -90..90"),
                ));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(FieldError::new(
                    format!("{field}.longitude"),
                    format!("{lon} is outside -180..180"),
                ));
            }
            Ok(Some((lat, lon)))
        }
        _ => Err(FieldError::new(
            field,
            "latitude and longitude must be given together",
        )),
    }
}

/// A list of at most [`MAX_LIST_LEN`] items, each parsed, duplicates dropped.
pub fn parse_list<T: PartialEq>(
    field: &str,
    raw: &[String],
    parse: impl Fn(&str, &str) -> Result<T, FieldError>,
) -> Result<Vec<T>, FieldError> {
    if raw.len() > MAX_LIST_LEN {
        return Err(FieldError::new(
            field,
            format!(
                "has {} items; at most {MAX_LIST_LEN} are allowed",
                raw.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(raw.len());
    for (i, value) in raw.iter().enumerate() {
        let item = parse(&format!("{field}[{i}]"), value)?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    Ok(items)
}

/// Who said it, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Author {
    pub handle: Handle,
    pub display_name: Option<String>,
    pub followers_count: u64,
    pub following_count: u64,
    pub post_count: u64,
    pub verified: bool,
    pub profile_location: Option<String>,
    pub time_zone: Option<String>,
}

/// Engagement counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    pub like_count: u64,
    pub repost_count: u64,
    pub reply_count: u64,
    pub quote_count: u64,
    pub view_count: u64,
}

/// A place as the platform gave it; resolution into country and city happens later.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceInput {
    pub place_name: Option<String>,
    pub coordinates: Option<(f64, f64)>,
}

/// A mention that passed validation, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMention {
    pub source: Source,
    pub external_id: ExternalId,
    pub url: Option<WebUrl>,
    pub author: Author,
    pub text: String,
    pub language: Option<LanguageTag>,
    pub created_at: DateTime<Utc>,
    pub place: PlaceInput,
    pub metrics: Metrics,
    pub reply_to_external_id: Option<ExternalId>,
    pub reply_to_handle: Option<Handle>,
    pub quoted_external_id: Option<ExternalId>,
    pub reposted_external_id: Option<ExternalId>,
    pub mentioned_handles: Vec<Handle>,
    pub hashtags: Vec<Hashtag>,
}

/// Parses an optional field: empty input means absent.
pub fn optional<T>(
    field: &str,
    raw: &str,
    parse: impl Fn(&str, &str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse(field, raw).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newtypes_accept_good_and_explain_bad() {
        assert_eq!(
            Source::parse("source", " Twitter ").unwrap().as_str(),
            "twitter"
        );
        assert_eq!(
            Source::parse("source", "my source").unwrap_err().reason,
            "may hold only letters, digits, '.', '-' and '_' (found ' ')"
        );
        assert_eq!(Handle::parse("h", "@united").unwrap().as_str(), "united");
        assert_eq!(
            Handle::parse("h", "alice@mastodon.social")
                .unwrap()
                .as_str(),
            "alice@mastodon.social"
        );
        assert_eq!(
            Handle::parse("author.handle", "  ")
                .unwrap_err()
                .to_string(),
            "author.handle: is required"
        );
        assert_eq!(LanguageTag::parse("l", "PT_br").unwrap().as_str(), "pt-br");
        assert_eq!(LanguageTag::parse("l", "EN-GB").unwrap().as_str(), "en-GB");
        assert!(LanguageTag::parse("l", "english").is_err());
        assert!(LanguageTag::parse("l", "e").is_err());
        assert_eq!(Hashtag::parse("t", "#Acme").unwrap().as_str(), "acme");
        assert!(WebUrl::parse("url", "https://example.com/a?b=1").is_ok());
        assert_eq!(
            WebUrl::parse("url", "javascript:alert(1)")
                .unwrap_err()
                .reason,
            "must be an http or https URL, not javascript:"
        );
        assert!(WebUrl::parse("url", "not a url").is_err());
    }

    #[test]
    fn text_is_normalised_and_bounded() {
        let limits = Limits {
            max_text_chars: 5,
            ..Limits::default()
        };
        assert_eq!(parse_text("text", " ab  c ", &limits).unwrap(), "ab c");
        assert_eq!(
            parse_text("text", "abcdef", &limits).unwrap_err().reason,
            "is 6 characters long; at most 5 are allowed"
        );
        assert!(parse_text("text", " \n\t ", &limits).is_err());
    }

    #[test]
    fn times_are_bounded() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let limits = Limits::default();
        assert!(parse_create_time("t", 1_600_000_000, 0, now, &limits).is_ok());
        assert!(parse_create_time("t", 1_700_000_000 + 3600, 0, now, &limits).is_ok());
        let far = parse_create_time("t", 1_700_000_000 + 3 * 86_400, 0, now, &limits).unwrap_err();
        assert!(far.reason.contains("in the future"), "{far}");
        assert!(parse_create_time("t", -5, 0, now, &limits).is_err());
        assert!(parse_create_time("t", 5, -1, now, &limits).is_err());
        assert!(parse_create_time("t", i64::MAX, 0, now, &limits).is_err());
    }

    #[test]
    fn counts_coordinates_and_lists() {
        assert_eq!(parse_count("c", 5).unwrap(), 5);
        assert_eq!(
            parse_count("metrics.like_count", -1)
                .unwrap_err()
                .to_string(),
            "metrics.like_count: must not be negative (got -1)"
        );
        assert!(parse_count("c", MAX_COUNT + 1).is_err());
        assert_eq!(
            parse_coordinates("location", Some(40.6), Some(-73.7)).unwrap(),
            Some((40.6, -73.7))
        );
        assert_eq!(
            parse_coordinates("location", Some(91.0), Some(0.0))
                .unwrap_err()
                .field,
            "location.latitude"
        );
        assert!(parse_coordinates("location", Some(1.0), None).is_err());
        let tags = parse_list(
            "hashtags",
            &["#A".into(), "a".into(), "b".into()],
            Hashtag::parse,
        )
        .unwrap();
        assert_eq!(tags.len(), 2);
        let err = parse_list(
            "mentioned_handles",
            &["ok".into(), "bad handle".into()],
            Handle::parse,
        )
        .unwrap_err();
        assert_eq!(err.field, "mentioned_handles[1]");
    }
}
