//! From a mention to the interactions it carries: who its author replied to, quoted,
//! reposted and mentioned.
//!
//! Rules, in this order for one mention:
//!
//! 1. **REPLY** to `reply_to_handle`; when only `reply_to_external_id` is known, to the author
//!    the resolver names for it.
//! 2. **QUOTE** of `quoted_external_id`, to the author the resolver names for it.
//! 3. **REPOST** of `reposted_external_id`, to the author the resolver names for it or, failing
//!    that, to the `@handle` of a Twitter-style `RT @handle:` prefix.
//! 4. **MENTION** of each handle in `mentioned_handles` or, when the platform gave none (CSV
//!    exports), each `@handle` written in the text.
//!
//! The contract carries no handle for a quoted or reposted post (only its external id), hence
//! the resolver; [`interactions_from_mentions`] resolves against the other mentions of a batch.
//!
//! One interaction per target and mention: a handle already replied to, quoted or reposted is
//! not also counted as mentioned (Twitter writes the replied-to and retweeted handles into the
//! text, and counting them twice would double every reply). Self-interactions are dropped: they
//! would count for nothing in the scores (see [`crate::score`]). Handles are lower-cased, as
//! every supported platform compares them case-insensitively. A handle the service would
//! refuse (empty, or with white space, as in some CSV exports' display-name columns) yields no
//! interaction.

use std::collections::{HashMap, HashSet};

use hearken_core::mention::Handle;
use hearken_proto::v1::{Interaction, InteractionKind, Mention};

/// The interactions in `mention`, resolving nothing beyond what the mention itself says.
pub fn interactions_from_mention(mention: &Mention) -> Vec<Interaction> {
    interactions_from_mention_with(mention, |_| None)
}

/// The interactions in every mention of `mentions`, resolving replies, quotes and reposts of
/// mentions in the same batch (same source) to their authors.
pub fn interactions_from_mentions(mentions: &[Mention]) -> Vec<Interaction> {
    interactions_from_mentions_with(mentions, |_, _| None)
}

/// As [`interactions_from_mentions`], and `author_of(source, external_id)` names the authors of
/// mentions outside the batch (for instance, looked up in the store).
pub fn interactions_from_mentions_with(
    mentions: &[Mention],
    author_of: impl Fn(&str, &str) -> Option<String>,
) -> Vec<Interaction> {
    let authors: HashMap<(&str, &str), &str> = mentions
        .iter()
        .filter_map(|m| {
            let author = m.author.as_ref()?;
            Some((
                (m.source.as_str(), m.external_id.as_str()),
                author.handle.as_str(),
            ))
        })
        .collect();
    mentions
        .iter()
        .flat_map(|mention| {
            let source = mention.source.as_str();
            interactions_from_mention_with(mention, |external_id| {
                authors
                    .get(&(source, external_id))
                    .map(|handle| (*handle).to_owned())
                    .or_else(|| author_of(source, external_id))
            })
        })
        .collect()
}

/// The interactions in `mention`; `author_of` names the author of another mention of the same
/// source by its external id, when known.
pub fn interactions_from_mention_with(
    mention: &Mention,
    author_of: impl Fn(&str) -> Option<String>,
) -> Vec<Interaction> {
    let Some(actor) = mention
        .author
        .as_ref()
        .and_then(|a| valid_handle(&a.handle))
    else {
        return Vec::new();
    };
    let resolve = |external_id: &str| {
        (!external_id.is_empty())
            .then(|| author_of(external_id))
            .flatten()
    };

    let mut targets: Vec<(InteractionKind, String)> = Vec::new();
    let reply_target = if mention.reply_to_handle.is_empty() {
        resolve(&mention.reply_to_external_id)
    } else {
        Some(mention.reply_to_handle.clone())
    };
    targets.extend(reply_target.map(|t| (InteractionKind::Reply, t)));
    targets.extend(resolve(&mention.quoted_external_id).map(|t| (InteractionKind::Quote, t)));
    if !mention.reposted_external_id.is_empty() {
        let repost_target = resolve(&mention.reposted_external_id)
            .or_else(|| retweet_prefix(&mention.text).map(str::to_owned));
        targets.extend(repost_target.map(|t| (InteractionKind::Repost, t)));
    }
    let mentioned: Vec<String> = if mention.mentioned_handles.is_empty() {
        handles_in_text(&mention.text).map(str::to_owned).collect()
    } else {
        mention.mentioned_handles.clone()
    };
    targets.extend(mentioned.into_iter().map(|t| (InteractionKind::Mention, t)));

    let mut seen = HashSet::new();
    targets
        .into_iter()
        .filter_map(|(kind, target)| {
            let target = valid_handle(&target)?;
            let keep = target != actor && seen.insert(target.clone());
            keep.then(|| Interaction {
                kind: kind.into(),
                source_handle: actor.clone(),
                target_handle: target,
                mention_source: mention.source.clone(),
                mention_external_id: mention.external_id.clone(),
                create_time: mention.create_time,
                // The kind's default weight.
                weight: 0.0,
            })
        })
        .collect()
}

/// A handle as compared: without a leading `@`, lower-cased.
pub fn normalize_handle(handle: &str) -> String {
    let handle = handle.trim();
    handle.strip_prefix('@').unwrap_or(handle).to_lowercase()
}

/// The handle normalised, or `None` when the service would refuse it (empty, white space).
fn valid_handle(raw: &str) -> Option<String> {
    Handle::parse("handle", raw)
        .ok()
        .map(|handle| normalize_handle(handle.as_str()))
}

/// The `handle` of a Twitter-style retweet text `RT @handle: …`.
fn retweet_prefix(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix("RT @")?;
    let end = rest
        .find(|c: char| !is_handle_char(c))
        .unwrap_or(rest.len());
    let handle = &rest[..end];
    (!handle.is_empty() && rest[end..].starts_with(':')).then_some(handle)
}

/// Every `@handle` in `text` that starts a word (so `a@b.com` is not one).
fn handles_in_text(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('@').filter_map(move |(at, _)| {
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(is_handle_char(c) || c == '@'));
        let rest = &text[at + 1..];
        let end = rest
            .find(|c: char| !is_handle_char(c))
            .unwrap_or(rest.len());
        (starts_word && end > 0).then(|| &rest[..end])
    })
}

fn is_handle_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::{handles_in_text, retweet_prefix};

    #[test]
    fn finds_handles_that_start_words() {
        let found: Vec<&str> =
            handles_in_text("@VirginAmerica What @dhepburn said. mail a@b.com @ @_x").collect();
        assert_eq!(found, ["VirginAmerica", "dhepburn", "_x"]);
    }

    #[test]
    fn reads_retweet_prefixes() {
        assert_eq!(retweet_prefix("RT @nasa: launch"), Some("nasa"));
        assert_eq!(retweet_prefix("RT @nasa launch"), None);
        assert_eq!(retweet_prefix("hello RT @nasa: x"), None);
    }
}
