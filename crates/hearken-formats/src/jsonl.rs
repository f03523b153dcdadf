//! Hearken's canonical JSON lines: one mention per line, with the proto's field names.

use hearken_proto::v1::{Author, EngagementMetrics, Location, Mention};
use serde::Serialize;
use serde_json::Value;

use crate::{
    RecordError,
    json::{FieldError, Obj, check_utf8},
    time,
};

/// Reads every non-blank line as one mention; a bad line is that line's error.
pub(crate) fn parse(bytes: &[u8]) -> Vec<Result<Mention, RecordError>> {
    let mut records = Vec::new();
    for (line_index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if line_index == 0 {
            line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line)
        } else {
            line
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let index = records.len();
        let line_number = Some(line_index + 1);
        records.push(read_line(line).map_err(|error| error.at(index, line_number)));
    }
    records
}

fn read_line(line: &[u8]) -> Result<Mention, FieldError> {
    let text = std::str::from_utf8(line).map_err(|_| FieldError::new("", "invalid UTF-8"))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|error| FieldError::new("", format!("invalid JSON: {error}")))?;
    check_utf8(&value, "")?;
    from_value(&value)
}

/// Reads one canonical mention object. Output-only fields are ignored if present.
pub(crate) fn from_value(value: &Value) -> Result<Mention, FieldError> {
    let record = Obj::new(value, "")?;
    let author = match record.nested("author")? {
        None => None,
        Some(nested) => {
            let author = nested.obj();
            Some(Author {
                handle: author.string("handle")?,
                display_name: author.string("display_name")?,
                followers_count: author.count0("followers_count")?,
                following_count: author.count0("following_count")?,
                post_count: author.count0("post_count")?,
                verified: author.bool("verified")?,
                profile_location: author.string("profile_location")?,
                time_zone: author.string("time_zone")?,
                observe_time: author.time("observe_time")?,
            })
        }
    };
    let location = match record.nested("location")? {
        None => None,
        Some(nested) => {
            let location = nested.obj();
            Some(Location {
                place_name: location.string("place_name")?,
                country_code: location.string("country_code")?,
                region_code: location.string("region_code")?,
                city: location.string("city")?,
                latitude: location.float("latitude")?,
                longitude: location.float("longitude")?,
                ..Location::default()
            })
        }
    };
    let metrics = match record.nested("metrics")? {
        None => None,
        Some(nested) => {
            let metrics = nested.obj();
            Some(EngagementMetrics {
                like_count: metrics.count0("like_count")?,
                repost_count: metrics.count0("repost_count")?,
                reply_count: metrics.count0("reply_count")?,
                quote_count: metrics.count0("quote_count")?,
                view_count: metrics.count0("view_count")?,
            })
        }
    };
    Ok(Mention {
        source: record.string("source")?,
        external_id: record.id("external_id")?.unwrap_or_default(),
        url: record.string("url")?,
        author,
        text: record.string("text")?,
        language: record.string("language")?,
        create_time: record.time("create_time")?,
        location,
        metrics,
        reply_to_external_id: record.id("reply_to_external_id")?.unwrap_or_default(),
        reply_to_handle: record.string("reply_to_handle")?,
        quoted_external_id: record.id("quoted_external_id")?.unwrap_or_default(),
        reposted_external_id: record.id("reposted_external_id")?.unwrap_or_default(),
        mentioned_handles: string_list(&record, "mentioned_handles")?,
        hashtags: string_list(&record, "hashtags")?,
        ..Mention::default()
    })
}

fn string_list(record: &Obj<'_>, key: &str) -> Result<Vec<String>, FieldError> {
    record
        .array(key)?
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::String(text) => Ok(text.clone()),
            _ => Err(FieldError::new(
                &format!("{}[{index}]", record.field(key)),
                "expected a string",
            )),
        })
        .collect()
}

fn is_zero(count: &i64) -> bool {
    *count == 0
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

#[derive(Serialize)]
struct CanonicalMention<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    source: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    external_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<CanonicalAuthor<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    text: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<CanonicalLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<CanonicalMetrics>,
    #[serde(skip_serializing_if = "str::is_empty")]
    reply_to_external_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reply_to_handle: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    quoted_external_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reposted_external_id: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    mentioned_handles: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    hashtags: &'a [String],
}

#[derive(Serialize)]
struct CanonicalAuthor<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    handle: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    display_name: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    followers_count: i64,
    #[serde(skip_serializing_if = "is_zero")]
    following_count: i64,
    #[serde(skip_serializing_if = "is_zero")]
    post_count: i64,
    #[serde(skip_serializing_if = "is_false")]
    verified: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    profile_location: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    time_zone: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    observe_time: Option<String>,
}

#[derive(Serialize)]
struct CanonicalLocation<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    place_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    country_code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    region_code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    city: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    longitude: Option<f64>,
}

#[derive(Serialize)]
struct CanonicalMetrics {
    #[serde(skip_serializing_if = "is_zero")]
    like_count: i64,
    #[serde(skip_serializing_if = "is_zero")]
    repost_count: i64,
    #[serde(skip_serializing_if = "is_zero")]
    reply_count: i64,
    #[serde(skip_serializing_if = "is_zero")]
    quote_count: i64,
    #[serde(skip_serializing_if = "is_zero")]
    view_count: i64,
}

/// Writes `mention` as one canonical JSON line, without the trailing newline.
///
/// Empty fields are left out, output-only fields (`id`, `ingest_time`, `matched_topics`,
/// `status`, `classification`) are never written, and timestamps are RFC 3339 in UTC. Reading
/// the line back with [`Format::Jsonl`](crate::Format::Jsonl) gives the same mention, except
/// that a timestamp RFC 3339 cannot write (invalid nanos, or outside years 0 to 9999) and a
/// non-finite coordinate are dropped.
pub fn to_jsonl_line(mention: &Mention) -> String {
    let canonical = CanonicalMention {
        source: &mention.source,
        external_id: &mention.external_id,
        url: &mention.url,
        author: mention.author.as_ref().map(|author| CanonicalAuthor {
            handle: &author.handle,
            display_name: &author.display_name,
            followers_count: author.followers_count,
            following_count: author.following_count,
            post_count: author.post_count,
            verified: author.verified,
            profile_location: &author.profile_location,
            time_zone: &author.time_zone,
            observe_time: author.observe_time.as_ref().and_then(time::to_rfc3339),
        }),
        text: &mention.text,
        language: &mention.language,
        create_time: mention.create_time.as_ref().and_then(time::to_rfc3339),
        location: mention.location.as_ref().map(|location| CanonicalLocation {
            place_name: &location.place_name,
            country_code: &location.country_code,
            region_code: &location.region_code,
            city: &location.city,
            latitude: location.latitude.filter(|l| l.is_finite()),
            longitude: location.longitude.filter(|l| l.is_finite()),
        }),
        metrics: mention.metrics.as_ref().map(|metrics| CanonicalMetrics {
            like_count: metrics.like_count,
            repost_count: metrics.repost_count,
            reply_count: metrics.reply_count,
            quote_count: metrics.quote_count,
            view_count: metrics.view_count,
        }),
        reply_to_external_id: &mention.reply_to_external_id,
        reply_to_handle: &mention.reply_to_handle,
        quoted_external_id: &mention.quoted_external_id,
        reposted_external_id: &mention.reposted_external_id,
        mentioned_handles: &mention.mentioned_handles,
        hashtags: &mention.hashtags,
    };
    // Serialising borrowed strings, integers and finite floats into a String cannot fail.
    serde_json::to_string(&canonical).unwrap_or_default()
}
