//! Reddit listings: `/r/x/new.json` (posts, `t3`), `/comments/id.json` (an array of the post's
//! listing and the comments' listing, with nested `replies`) and user pages (`t1` and `t3`).

use hearken_proto::v1::{Author, EngagementMetrics, Mention};
use serde_json::Value;

use crate::{
    Format, FormatError, RecordError,
    html::decode_entities,
    json::{Document, FieldError, Obj},
};

pub(crate) fn parse(document: Document) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let listings: Vec<&Value> = match &document.value {
        Value::Array(items) => items.iter().collect(),
        object @ Value::Object(_) => vec![object],
        _ => {
            return Err(FormatError::Shape {
                format: Format::Reddit,
                reason: "expected a listing".to_owned(),
            });
        }
    };
    let mut things = Vec::new();
    for listing in listings {
        if listing.get("kind").and_then(Value::as_str) != Some("Listing") {
            // A bare thing (`{"kind": "t3", "data": ..}`) stands for itself.
            things.push(listing);
            continue;
        }
        collect(listing, &mut things);
    }
    Ok(document.records(things, thing))
}

/// The children of a listing in document order, each comment followed by its replies.
fn collect<'a>(listing: &'a Value, things: &mut Vec<&'a Value>) {
    let mut pending: Vec<&'a Value> = children(listing).rev().collect();
    while let Some(child) = pending.pop() {
        // "more" stubs stand for comments the page did not load.
        if child.get("kind").and_then(Value::as_str) == Some("more") {
            continue;
        }
        things.push(child);
        if let Some(replies) = child.get("data").and_then(|data| data.get("replies")) {
            pending.extend(children(replies).rev());
        }
    }
}

fn children(listing: &Value) -> impl DoubleEndedIterator<Item = &Value> {
    listing
        .get("data")
        .and_then(|data| data.get("children"))
        .and_then(Value::as_array)
        .map(|children| children.iter())
        .unwrap_or_default()
}

fn thing(value: &Value) -> Result<Mention, FieldError> {
    let wrapper = Obj::new(value, "")?;
    let kind = wrapper.str("kind")?.unwrap_or_default();
    let data = wrapper
        .nested("data")?
        .ok_or_else(|| FieldError::new("data", "missing"))?;
    let data = data.obj();
    let text = match kind {
        "t3" => {
            let title = data.str("title")?.unwrap_or_default().trim();
            let body = data.str("selftext")?.unwrap_or_default().trim();
            if body.is_empty() {
                title.to_owned()
            } else {
                format!("{title}\n\n{body}")
            }
        }
        "t1" => data.string("body")?,
        other => {
            return Err(FieldError::new(
                "kind",
                format!("expected a post (t3) or comment (t1), found {other:?}"),
            ));
        }
    };
    let id = data.id("id")?.unwrap_or_default();
    let external_id = match data.str("name")? {
        Some(name) => name.to_owned(),
        None if !id.is_empty() => format!("{kind}_{id}"),
        None => String::new(),
    };
    let reply_to_external_id = match kind {
        "t1" => data.string("parent_id")?,
        _ => String::new(),
    };
    Ok(Mention {
        source: "reddit".to_owned(),
        external_id,
        // Reddit's JSON escapes `&`, `<` and `>` in titles and bodies.
        text: decode_entities(&text),
        url: match data.str("permalink")? {
            Some(path) if path.starts_with('/') => format!("https://www.reddit.com{path}"),
            Some(other) => other.to_owned(),
            None => String::new(),
        },
        author: Some(Author {
            handle: data.string("author")?,
            ..Author::default()
        }),
        create_time: data.time("created_utc")?,
        metrics: Some(EngagementMetrics {
            like_count: data.count0("score")?,
            reply_count: data.count0("num_comments")?,
            ..EngagementMetrics::default()
        }),
        reply_to_external_id,
        reposted_external_id: data.string("crosspost_parent")?,
        ..Mention::default()
    })
}
