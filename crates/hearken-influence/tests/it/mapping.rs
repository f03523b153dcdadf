//! Mentions to interactions, on the real posts in shared/data.

use std::collections::HashMap;
use std::path::PathBuf;

use hearken_formats::{Format, parse};
use hearken_influence::{interactions_from_mention, interactions_from_mentions};
use hearken_proto::v1::{Interaction, InteractionKind, Mention};

pub(crate) fn shared_data() -> PathBuf {
    std::env::var_os("HEARKEN_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

pub(crate) fn mentions(relative: &str, format: Format) -> Vec<Mention> {
    let bytes = std::fs::read(shared_data().join(relative)).expect("shared data file");
    let parsed = parse(&bytes, format, None).expect("parses");
    parsed.mentions().cloned().collect()
}

fn of_kind(interactions: &[Interaction], kind: InteractionKind) -> Vec<&Interaction> {
    interactions
        .iter()
        .filter(|i| i.kind == i32::from(kind))
        .collect()
}

fn assert_well_formed(interactions: &[Interaction]) {
    for i in interactions {
        assert!(!i.source_handle.is_empty() && !i.target_handle.is_empty());
        assert_ne!(
            i.source_handle, i.target_handle,
            "self-interactions are dropped"
        );
        assert_eq!(i.source_handle, i.source_handle.to_lowercase());
        assert!(!i.mention_external_id.is_empty());
        assert!(i.create_time.is_some());
    }
}

#[test]
fn retweets_become_reposts_of_the_original_author() {
    let mentions = mentions(
        "twitter-api-v1.1-samples/retweets_of_266367358078169089.json",
        Format::Twitter,
    );
    assert_eq!(mentions.len(), 15);
    let interactions: Vec<Interaction> = mentions
        .iter()
        .flat_map(interactions_from_mention)
        .collect();
    assert_well_formed(&interactions);
    let reposts = of_kind(&interactions, InteractionKind::Repost);
    assert_eq!(reposts.len(), 15);
    assert!(reposts.iter().all(|r| r.target_handle == "twitter"));
    // The retweeted author is in the text too, but counts once, as the repost.
    let mentions_of: Vec<&str> = of_kind(&interactions, InteractionKind::Mention)
        .iter()
        .map(|m| m.target_handle.as_str())
        .collect();
    assert_eq!(mentions_of.len(), 15);
    assert!(mentions_of.iter().all(|handle| *handle == "twittereng"));
}

#[test]
fn airline_tweets_mention_the_airlines() {
    let mentions = mentions("twitter-us-airline-sentiment/Tweets.csv", Format::Csv);
    assert!(mentions.len() > 12_000, "{} tweets", mentions.len());
    let interactions: Vec<Interaction> = mentions
        .iter()
        .flat_map(interactions_from_mention)
        .collect();
    assert_well_formed(&interactions);
    assert_eq!(
        interactions.len(),
        of_kind(&interactions, InteractionKind::Mention).len(),
        "the export has no reply, quote or retweet columns"
    );
    let mut received: HashMap<&str, usize> = HashMap::new();
    for i in &interactions {
        *received.entry(i.target_handle.as_str()).or_default() += 1;
    }
    let mut ranked: Vec<(&str, usize)> = received.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut top_six: Vec<&str> = ranked.iter().take(6).map(|(handle, _)| *handle).collect();
    top_six.sort_unstable();
    assert_eq!(
        top_six,
        [
            "americanair",
            "jetblue",
            "southwestair",
            "united",
            "usairways",
            "virginamerica"
        ]
    );
    // Most tweets address exactly their airline; @mentions of other people exist too.
    assert!(ranked.len() > 100, "{} distinct targets", ranked.len());
}

#[test]
fn a_mastodon_thread_becomes_replies() {
    let relative = "mastodon-api-samples/context_mastodon.social_109294719267373593.json";
    let mentions = mentions(relative, Format::Mastodon);
    let interactions = interactions_from_mentions(&mentions);
    assert_well_formed(&interactions);

    // Expected from the raw JSON: every reply to someone else's status.
    let raw: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared_data().join(relative)).expect("shared data file"),
    )
    .expect("json");
    let statuses = raw["descendants"].as_array().expect("descendants");
    let replies_to_others = statuses
        .iter()
        .filter(|s| {
            let to = &s["in_reply_to_account_id"];
            !to.is_null() && *to != s["account"]["id"]
        })
        .count();
    assert!(replies_to_others > 10);
    assert_eq!(
        of_kind(&interactions, InteractionKind::Reply).len(),
        replies_to_others
    );
    // The structural mentions are kept for handles other than the replied-to one.
    for reply in of_kind(&interactions, InteractionKind::Reply) {
        assert!(
            !interactions
                .iter()
                .any(|i| i.kind == i32::from(InteractionKind::Mention)
                    && i.mention_external_id == reply.mention_external_id
                    && i.target_handle == reply.target_handle),
            "a replied-to handle is not also a mention"
        );
    }
}
