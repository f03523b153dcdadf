//! Telling the format from the file name and the first bytes.

use serde_json::Value;

use crate::{Format, FormatError, bluesky, json::Document};

/// The format of `bytes`, and the JSON document when sniffing had to parse it anyway.
pub(crate) fn sniff(
    bytes: &[u8],
    file_name: Option<&str>,
) -> Result<(Format, Option<Document>), FormatError> {
    let extension = file_name
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "csv" => return Ok((Format::Csv, None)),
        "xml" | "rss" | "atom" | "rdf" => return Ok((Format::Rss, None)),
        "jsonl" | "ndjson" => return Ok((line_format(bytes), None)),
        _ => {}
    }
    let body = trim_start(bytes);
    match body.first() {
        None => Err(FormatError::Unrecognised("the input is empty".to_owned())),
        Some(b'<') => Ok((Format::Rss, None)),
        Some(b'{' | b'[') => match Document::parse(body) {
            Ok(document) => match json_shape(&document.value) {
                Some(format) => Ok((format, Some(document))),
                None => Err(FormatError::Unrecognised(
                    "JSON of no known shape".to_owned(),
                )),
            },
            // Several JSON values one after another: JSON lines.
            Err(error) if first_line_is_json(body) => {
                let _ = error;
                Ok((line_format(body), None))
            }
            Err(error) => Err(error),
        },
        Some(_) if first_line(body).contains(&b',') => Ok((Format::Csv, None)),
        Some(_) => Err(FormatError::Unrecognised(
            "neither JSON, XML nor CSV with a header".to_owned(),
        )),
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn first_line(bytes: &[u8]) -> &[u8] {
    bytes.split(|&b| b == b'\n').next().unwrap_or_default()
}

fn first_line_is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(first_line(bytes)).is_ok()
}

/// Jetstream events or canonical mentions, from the first non-blank line.
fn line_format(bytes: &[u8]) -> Format {
    let first = first_line(trim_start(bytes));
    match serde_json::from_slice::<Value>(first) {
        Ok(value) if bluesky::is_jetstream_event(&value) => Format::Bluesky,
        _ => Format::Jsonl,
    }
}

/// The format a parsed JSON document's shape belongs to.
fn json_shape(value: &Value) -> Option<Format> {
    match value {
        Value::Array(items) => items.iter().find_map(object_shape),
        object => object_shape(object),
    }
}

fn object_shape(value: &Value) -> Option<Format> {
    let Value::Object(map) = value else {
        return None;
    };
    let has = |key: &str| map.contains_key(key);
    let text = |key: &str| map.get(key).and_then(Value::as_str).unwrap_or_default();
    if matches!(text("kind"), "Listing" | "t1" | "t3") {
        return Some(Format::Reddit);
    }
    if text("version").contains("jsonfeed.org") {
        return Some(Format::Rss);
    }
    if bluesky::is_jetstream_event(value) || has("thread") || text("uri").starts_with("at://") {
        return Some(Format::Bluesky);
    }
    if let Some(Value::Array(items)) = map.get("posts").or_else(|| map.get("feed")) {
        return items
            .iter()
            .find_map(object_shape)
            .or(Some(Format::Bluesky));
    }
    if let Some(Value::Object(post)) = map.get("post")
        && post
            .get("uri")
            .and_then(Value::as_str)
            .is_some_and(|uri| uri.starts_with("at://"))
    {
        return Some(Format::Bluesky);
    }
    if has("ancestors") || has("descendants") || has("account") || has("acct") {
        return Some(Format::Mastodon);
    }
    if let Some(Value::Array(statuses)) = map.get("statuses") {
        return statuses.iter().find_map(object_shape);
    }
    if has("id_str") || has("user") || has("includes") || (has("data") && !has("kind")) {
        return Some(Format::Twitter);
    }
    if has("external_id") {
        return Some(Format::Jsonl);
    }
    None
}
