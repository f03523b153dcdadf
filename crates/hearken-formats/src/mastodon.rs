//! Mastodon statuses (`/api/v1/...`): arrays, single statuses, `/context` and search results.

use std::collections::HashMap;

use hearken_proto::v1::{Author, EngagementMetrics, Mention};
use serde_json::Value;

use crate::{
    Format, FormatError, RecordError, html,
    json::{Document, FieldError, Obj, hashtags},
};

pub(crate) fn parse(document: Document) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let statuses: Vec<&Value> = match &document.value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) if map.contains_key("ancestors") || map.contains_key("descendants") => {
            ["ancestors", "descendants"]
                .iter()
                .filter_map(|key| map.get(*key).and_then(Value::as_array))
                .flatten()
                .collect()
        }
        Value::Object(map) => match map.get("statuses") {
            Some(Value::Array(items)) => items.iter().collect(),
            _ => vec![&document.value],
        },
        _ => {
            return Err(FormatError::Shape {
                format: Format::Mastodon,
                reason: "expected a status, an array of statuses or a context".to_owned(),
            });
        }
    };
    let accounts = known_accounts(&statuses);
    Ok(document.records(statuses, |value| status(value, &accounts)))
}

/// Handles of every account the document names (authors, boosted authors, mentions), by id, so
/// that a reply names the author it answers even when the reply does not mention them.
fn known_accounts(statuses: &[&Value]) -> HashMap<String, String> {
    let mut accounts = HashMap::new();
    let mut remember = |account: &Value| {
        let (Some(id), Ok(object)) = (
            account.get("id").and_then(Value::as_str),
            Obj::new(account, ""),
        ) else {
            return;
        };
        if let Ok(handle) = fediverse_handle(&object) {
            accounts.entry(id.to_owned()).or_insert(handle);
        }
    };
    for status in statuses {
        for holder in [Some(*status), status.get("reblog")].into_iter().flatten() {
            if let Some(account) = holder.get("account") {
                remember(account);
            }
            for mention in holder
                .get("mentions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                remember(mention);
            }
        }
    }
    accounts
}

fn status(value: &Value, accounts: &HashMap<String, String>) -> Result<Mention, FieldError> {
    let status = Obj::new(value, "")?;
    let account = status
        .nested("account")?
        .ok_or_else(|| FieldError::new("account", "missing"))?;
    let account = account.obj();
    let author = Author {
        handle: fediverse_handle(&account)?,
        display_name: account.string("display_name")?,
        followers_count: account.count0("followers_count")?,
        following_count: account.count0("following_count")?,
        post_count: account.count0("statuses_count")?,
        ..Author::default()
    };
    let reblog = status.nested("reblog")?;
    let reblog = reblog.as_ref().map(|nested| nested.obj());
    let mut text = content_text(&status)?;
    // A boost carries no content of its own; what its author shared is the boosted text.
    if text.is_empty()
        && let Some(reblog) = &reblog
    {
        text = content_text(reblog)?;
    }
    let mut mentioned = Vec::new();
    for (index, item) in status.array("mentions")?.iter().enumerate() {
        let path = format!("mentions[{index}]");
        mentioned.push(fediverse_handle(&Obj::new(item, &path)?)?);
    }
    let reply_to_handle = match status.id("in_reply_to_account_id")? {
        Some(id) => accounts.get(&id).cloned().unwrap_or_default(),
        None => String::new(),
    };
    let quoted_external_id = match status.nested("quote")? {
        Some(quote) => quoted_id(&quote.obj())?,
        None => String::new(),
    };
    Ok(Mention {
        source: "mastodon".to_owned(),
        external_id: status.id("id")?.unwrap_or_default(),
        url: status
            .str("url")?
            .or(status.str("uri")?)
            .unwrap_or_default()
            .to_owned(),
        author: Some(author),
        text,
        language: status.string("language")?,
        create_time: status.time("created_at")?,
        metrics: Some(EngagementMetrics {
            like_count: status.count0("favourites_count")?,
            repost_count: status.count0("reblogs_count")?,
            reply_count: status.count0("replies_count")?,
            quote_count: status.count0("quotes_count")?,
            view_count: 0,
        }),
        reply_to_external_id: status.id("in_reply_to_id")?.unwrap_or_default(),
        reply_to_handle,
        quoted_external_id,
        reposted_external_id: match &reblog {
            Some(reblog) => reblog.id("id")?.unwrap_or_default(),
            None => String::new(),
        },
        mentioned_handles: mentioned,
        hashtags: hashtags(status.strings_in("tags", "name")?),
        ..Mention::default()
    })
}

/// Mastodon 4.4 quotes: `{"state": .., "quoted_status": {"id": ..}}`, or an id alone while the
/// quoted post is not shown.
fn quoted_id(quote: &Obj<'_>) -> Result<String, FieldError> {
    if let Some(quoted) = quote.nested("quoted_status")? {
        return Ok(quoted.obj().id("id")?.unwrap_or_default());
    }
    Ok(quote.id("quoted_status_id")?.unwrap_or_default())
}

/// Spoiler (content warning) and content as plain text.
fn content_text(status: &Obj<'_>) -> Result<String, FieldError> {
    let content = html::to_text(status.str("content")?.unwrap_or_default());
    let spoiler = status.str("spoiler_text")?.unwrap_or_default().trim();
    Ok(match (spoiler.is_empty(), content.is_empty()) {
        (true, _) => content,
        (false, true) => spoiler.to_owned(),
        (false, false) => format!("{spoiler}\n\n{content}"),
    })
}

/// `acct`, completed with the instance from the profile URL when the account is local to the
/// server that answered (`acct` is then a bare username).
fn fediverse_handle(account: &Obj<'_>) -> Result<String, FieldError> {
    let acct = account
        .str("acct")?
        .or(account.str("username")?)
        .unwrap_or_default()
        .trim_start_matches('@');
    if acct.contains('@') || acct.is_empty() {
        return Ok(acct.to_owned());
    }
    Ok(match account.str("url")?.and_then(host) {
        Some(host) => format!("{acct}@{host}"),
        None => acct.to_owned(),
    })
}

fn host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    (!host.is_empty()).then_some(host)
}
