//! Bluesky `app.bsky.feed.post` records: AppView responses (`searchPosts`, `getPosts`,
//! `getAuthorFeed`, `getTimeline`, `getPostThread`) and Jetstream commit events, one per line.

use std::collections::HashMap;

use hearken_proto::v1::{Author, EngagementMetrics, Mention};
use serde_json::Value;

use crate::{
    Format, FormatError, RecordError,
    json::{Document, FieldError, Obj, check_utf8, handles, hashtags},
};

const POST_COLLECTION: &str = "app.bsky.feed.post";

pub(crate) fn parse(
    bytes: &[u8],
    sniffed: Option<Document>,
) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let document = match sniffed {
        Some(document) => Ok(document),
        None => Document::parse(bytes),
    };
    match document {
        Ok(document) if !is_jetstream_event(&document.value) => views(document),
        // Several JSON values, or a single Jetstream event: read line by line.
        _ => Ok(jetstream(bytes)),
    }
}

pub(crate) fn is_jetstream_event(value: &Value) -> bool {
    value.get("did").is_some() && value.get("kind").is_some()
}

fn views(document: Document) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let mut posts: Vec<&Value> = Vec::new();
    let mut parents: HashMap<String, String> = HashMap::new();
    match &document.value {
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect(item, &mut posts, &mut parents)),
        Value::Object(map) => {
            if let Some(thread) = map.get("thread") {
                collect_thread(thread, &mut posts);
            } else if let Some(Value::Array(items)) = map.get("posts").or_else(|| map.get("feed")) {
                items
                    .iter()
                    .for_each(|item| collect(item, &mut posts, &mut parents));
            } else if map.contains_key("uri") {
                posts.push(&document.value);
            } else {
                return Err(FormatError::Shape {
                    format: Format::Bluesky,
                    reason: "expected \"posts\", \"feed\", \"thread\" or a post view".to_owned(),
                });
            }
        }
        _ => {
            return Err(FormatError::Shape {
                format: Format::Bluesky,
                reason: "expected an object or array".to_owned(),
            });
        }
    }
    // Authors of every post in the document, to name the author a reply answers.
    for post in &posts {
        if let (Some(uri), Some(handle)) = (post_uri(post), author_handle(post)) {
            parents
                .entry(uri.to_owned())
                .or_insert_with(|| handle.to_owned());
        }
    }
    Ok(document.records(posts, |post| post_view(post, &parents)))
}

fn post_uri(view: &Value) -> Option<&str> {
    view.get("uri")?.as_str()
}

fn author_handle(view: &Value) -> Option<&str> {
    view.get("author")?.get("handle")?.as_str()
}

/// A feed item (`{post, reply, reason}`) or a bare post view.
fn collect<'a>(item: &'a Value, posts: &mut Vec<&'a Value>, parents: &mut HashMap<String, String>) {
    let Some(post) = item.get("post") else {
        posts.push(item);
        return;
    };
    posts.push(post);
    if let Some(parent) = item.get("reply").and_then(|reply| reply.get("parent"))
        && let (Some(uri), Some(handle)) = (post_uri(parent), author_handle(parent))
    {
        parents.insert(uri.to_owned(), handle.to_owned());
    }
}

/// Every post of a `getPostThread` tree: the post, its ancestors, then its replies.
fn collect_thread<'a>(thread: &'a Value, posts: &mut Vec<&'a Value>) {
    let mut ancestors = Vec::new();
    let mut parent = thread.get("parent");
    while let Some(node) = parent {
        if let Some(post) = node.get("post") {
            ancestors.push(post);
        }
        parent = node.get("parent");
    }
    ancestors.reverse();
    posts.extend(ancestors);
    let mut pending = vec![thread];
    while let Some(node) = pending.pop() {
        // Not-found and blocked nodes carry no post.
        if let Some(post) = node.get("post") {
            posts.push(post);
        }
        if let Some(Value::Array(replies)) = node.get("replies") {
            pending.extend(replies.iter().rev());
        }
    }
}

fn post_view(value: &Value, parents: &HashMap<String, String>) -> Result<Mention, FieldError> {
    let view = Obj::new(value, "")?;
    let uri = view.string("uri")?;
    let author = match view.nested("author")? {
        Some(author) => {
            let author = author.obj();
            Author {
                handle: author
                    .str("handle")?
                    .or(author.str("did")?)
                    .unwrap_or_default()
                    .to_owned(),
                display_name: author.string("displayName")?,
                followers_count: author.count0("followersCount")?,
                following_count: author.count0("followsCount")?,
                post_count: author.count0("postsCount")?,
                ..Author::default()
            }
        }
        None => Author::default(),
    };
    let record = view
        .nested("record")?
        .ok_or_else(|| FieldError::new("record", "missing"))?;
    let mut mention = from_record(&record.obj(), uri, author)?;
    mention.reply_to_handle = parents
        .get(&mention.reply_to_external_id)
        .cloned()
        .unwrap_or_default();
    mention.metrics = Some(EngagementMetrics {
        like_count: view.count0("likeCount")?,
        repost_count: view.count0("repostCount")?,
        reply_count: view.count0("replyCount")?,
        quote_count: view.count0("quoteCount")?,
        view_count: 0,
    });
    Ok(mention)
}

/// The parts every `app.bsky.feed.post` record has, wherever it was found.
fn from_record(record: &Obj<'_>, uri: String, author: Author) -> Result<Mention, FieldError> {
    let text = record.string("text")?;
    let rkey = uri.rsplit('/').next().unwrap_or_default();
    let url = if author.handle.is_empty() || rkey.is_empty() {
        String::new()
    } else {
        format!("https://bsky.app/profile/{}/post/{rkey}", author.handle)
    };
    let reply_to_external_id = match record.nested("reply")? {
        Some(reply) => match reply.obj().nested("parent")? {
            Some(parent) => parent.obj().string("uri")?,
            None => String::new(),
        },
        None => String::new(),
    };
    let (mentioned, tags) = facets(record, &text)?;
    Ok(Mention {
        source: "bluesky".to_owned(),
        external_id: uri,
        url,
        author: Some(author),
        language: match record.array("langs")?.first() {
            Some(Value::String(lang)) => lang.clone(),
            Some(_) => return Err(FieldError::new(&record.field("langs"), "expected strings")),
            None => String::new(),
        },
        create_time: record.time("createdAt")?,
        reply_to_external_id,
        quoted_external_id: quoted_uri(record)?,
        mentioned_handles: handles(mentioned),
        hashtags: hashtags(tags),
        text,
        ..Mention::default()
    })
}

/// `app.bsky.embed.record` quotes a post; `recordWithMedia` nests the quote one level deeper.
fn quoted_uri(record: &Obj<'_>) -> Result<String, FieldError> {
    let Some(embed) = record.nested("embed")? else {
        return Ok(String::new());
    };
    let embed = embed.obj();
    let Some(quoted) = embed.nested("record")? else {
        return Ok(String::new());
    };
    let quoted = quoted.obj();
    match embed.str("$type")? {
        Some("app.bsky.embed.recordWithMedia") => match quoted.nested("record")? {
            Some(inner) => inner.obj().string("uri"),
            None => Ok(String::new()),
        },
        Some("app.bsky.embed.record") => quoted.string("uri"),
        _ => Ok(String::new()),
    }
}

/// Mentioned handles and hashtags from rich-text facets. A mention facet holds only a DID, so
/// the handle is read from the text it spans (byte offsets into the UTF-8 text).
fn facets(record: &Obj<'_>, text: &str) -> Result<(Vec<String>, Vec<String>), FieldError> {
    let mut mentioned = Vec::new();
    let mut tags = Vec::new();
    for (index, facet) in record.array("facets")?.iter().enumerate() {
        let path = format!("facets[{index}]");
        let facet = Obj::new(facet, &path)?;
        let span = match facet.nested("index")? {
            Some(range) => {
                let range = range.obj();
                let (start, end) = (range.count0("byteStart")?, range.count0("byteEnd")?);
                usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(end).ok())
                    .and_then(|(start, end)| text.get(start..end))
            }
            None => None,
        };
        let features_path = facet.field("features");
        for feature in facet.array("features")? {
            let feature = Obj::new(feature, &features_path)?;
            match feature.str("$type")? {
                Some("app.bsky.richtext.facet#mention") => match span {
                    Some(span) if span.starts_with('@') => mentioned.push(span.to_owned()),
                    _ => mentioned.push(feature.string("did")?),
                },
                Some("app.bsky.richtext.facet#tag") => tags.push(feature.string("tag")?),
                _ => {}
            }
        }
    }
    Ok((mentioned, tags))
}

/// Jetstream events, one JSON object per line. Only post creations become records; other
/// events (likes, deletes, identity changes) are skipped.
fn jetstream(bytes: &[u8]) -> Vec<Result<Mention, RecordError>> {
    let mut records = Vec::new();
    let mut index = 0;
    for (line_index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line_number = Some(line_index + 1);
        match event(line) {
            Ok(None) => {}
            Ok(Some(mention)) => records.push(Ok(mention)),
            Err(error) => records.push(Err(error.at(index, line_number))),
        }
        index += 1;
    }
    records
}

fn event(line: &[u8]) -> Result<Option<Mention>, FieldError> {
    let text = std::str::from_utf8(line).map_err(|_| FieldError::new("", "invalid UTF-8"))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|error| FieldError::new("", format!("invalid JSON: {error}")))?;
    check_utf8(&value, "")?;
    let event = Obj::new(&value, "")?;
    if event.str("kind")? != Some("commit") {
        return Ok(None);
    }
    let Some(commit) = event.nested("commit")? else {
        return Ok(None);
    };
    let commit = commit.obj();
    if commit.str("collection")? != Some(POST_COLLECTION)
        || commit.str("operation")? != Some("create")
    {
        return Ok(None);
    }
    let did = event.string("did")?;
    let rkey = commit.string("rkey")?;
    let record = commit
        .nested("record")?
        .ok_or_else(|| FieldError::new("commit.record", "missing"))?;
    let uri = format!("at://{did}/{POST_COLLECTION}/{rkey}");
    // Jetstream names authors by DID only; resolving handles needs the network.
    let author = Author {
        handle: did,
        ..Author::default()
    };
    from_record(&record.obj(), uri, author).map(Some)
}
