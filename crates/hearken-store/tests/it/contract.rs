//! What every store must do, whatever its database.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use hearken_core::mention::{
    Author, ExternalId, Handle, Hashtag, LanguageTag, Metrics, NewMention, PlaceInput, Source,
    WebUrl,
};
use hearken_store::{InsertOutcome, MentionFilter, PageCursor, Store};

pub(crate) fn mention(source: &str, external_id: &str, created_at: DateTime<Utc>) -> NewMention {
    NewMention {
        source: Source::parse("source", source).unwrap(),
        external_id: ExternalId::parse("external_id", external_id).unwrap(),
        url: Some(WebUrl::parse("url", &format!("https://example.com/{external_id}")).unwrap()),
        author: Author {
            handle: Handle::parse("handle", "jnardino").unwrap(),
            display_name: Some("J. Nardino".into()),
            followers_count: 1200,
            following_count: 10,
            post_count: 5000,
            verified: true,
            profile_location: Some("Brooklyn, NY".into()),
            time_zone: Some("Eastern Time (US & Canada)".into()),
        },
        text: format!("@VirginAmerica plus you've added commercials {external_id}"),
        language: Some(LanguageTag::parse("language", "en").unwrap()),
        created_at,
        place: PlaceInput {
            place_name: Some("New York".into()),
            coordinates: Some((40.64, -73.78)),
        },
        metrics: Metrics {
            like_count: 3,
            repost_count: 2,
            reply_count: 1,
            quote_count: 0,
            view_count: 99,
        },
        reply_to_external_id: Some(ExternalId::parse("r", "570300").unwrap()),
        reply_to_handle: Some(Handle::parse("h", "VirginAmerica").unwrap()),
        quoted_external_id: None,
        reposted_external_id: None,
        mentioned_handles: vec![
            Handle::parse("h", "VirginAmerica").unwrap(),
            Handle::parse("h", "dhepburn").unwrap(),
        ],
        hashtags: vec![Hashtag::parse("t", "#fail").unwrap()],
    }
}

pub(crate) async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .expect("store call timed out")
}

pub(crate) async fn run(store: &Store) {
    inserts_and_reads_back_every_field(store).await;
    duplicates_are_reported_not_written(store).await;
    lists_newest_first_with_filters_and_pages(store).await;
    topics_crud(store).await;
}

async fn inserts_and_reads_back_every_field(store: &Store) {
    let created = DateTime::from_timestamp(1_424_806_552, 123_456_000).unwrap();
    let m = mention("twitter", "fields-1", created);
    let outcomes = within(store.insert_mentions(
        std::slice::from_ref(&m),
        &[vec!["acme".into(), "brand".into()]],
    ))
    .await
    .unwrap();
    let InsertOutcome::Inserted(id) = outcomes[0] else {
        panic!("not inserted: {outcomes:?}")
    };
    let stored = within(store.get_mention(id))
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.source, "twitter");
    assert_eq!(stored.external_id, "fields-1");
    assert_eq!(stored.url.as_deref(), Some("https://example.com/fields-1"));
    assert_eq!(stored.author_handle, "jnardino");
    assert_eq!(stored.author_display_name.as_deref(), Some("J. Nardino"));
    assert_eq!(
        (
            stored.author_followers,
            stored.author_following,
            stored.author_posts
        ),
        (1200, 10, 5000)
    );
    assert!(stored.author_verified);
    assert_eq!(stored.author_location.as_deref(), Some("Brooklyn, NY"));
    assert_eq!(
        stored.author_time_zone.as_deref(),
        Some("Eastern Time (US & Canada)")
    );
    assert_eq!(stored.text, m.text);
    assert_eq!(stored.language.as_deref(), Some("en"));
    assert_eq!(stored.created_at, created.timestamp_micros());
    assert!(stored.ingested_at > created.timestamp_micros());
    assert_eq!(
        (stored.latitude, stored.longitude),
        (Some(40.64), Some(-73.78))
    );
    assert_eq!(stored.place_name.as_deref(), Some("New York"));
    assert_eq!(
        (
            stored.like_count,
            stored.repost_count,
            stored.reply_count,
            stored.quote_count,
            stored.view_count
        ),
        (3, 2, 1, 0, 99)
    );
    assert_eq!(stored.reply_to_external_id.as_deref(), Some("570300"));
    assert_eq!(stored.reply_to_handle.as_deref(), Some("VirginAmerica"));
    assert_eq!(stored.mentioned_handles, "VirginAmerica dhepburn");
    assert_eq!(stored.hashtags, "fail");
    assert_eq!(stored.status, 1, "new mentions wait for enrichment");
    assert_eq!(stored.topics, vec!["acme".to_owned(), "brand".to_owned()]);
    assert_eq!(within(store.get_mention(id + 1000)).await.unwrap(), None);
}

async fn duplicates_are_reported_not_written(store: &Store) {
    let now = Utc::now();
    let batch = vec![
        mention("twitter", "dup-1", now),
        mention("twitter", "dup-2", now),
        mention("twitter", "dup-1", now),
        mention("mastodon", "dup-1", now),
    ];
    let topics = vec![Vec::new(); batch.len()];
    let first = within(store.insert_mentions(&batch, &topics))
        .await
        .unwrap();
    assert!(matches!(first[0], InsertOutcome::Inserted(_)));
    assert!(matches!(first[1], InsertOutcome::Inserted(_)));
    assert_eq!(
        first[2],
        InsertOutcome::Duplicate,
        "repeat within the batch"
    );
    assert!(
        matches!(first[3], InsertOutcome::Inserted(_)),
        "same id, other source"
    );
    let again = within(store.insert_mentions(&batch, &topics))
        .await
        .unwrap();
    assert!(
        again.iter().all(|o| *o == InsertOutcome::Duplicate),
        "{again:?}"
    );
    let listed = within(store.list_mentions(&MentionFilter::default(), None, 1000))
        .await
        .unwrap();
    let dup1 = listed.iter().filter(|m| m.external_id == "dup-1").count();
    assert_eq!(dup1, 2, "one per source");
}

async fn lists_newest_first_with_filters_and_pages(store: &Store) {
    let base = DateTime::from_timestamp(1_600_000_000, 0).unwrap();
    let batch: Vec<NewMention> = (0..25)
        .map(|i| {
            let source = if i % 5 == 0 { "reddit" } else { "bluesky" };
            mention(source, &format!("page-{i}"), base + TimeDelta::minutes(i))
        })
        .collect();
    let topics: Vec<Vec<String>> = (0..25)
        .map(|i| {
            if i % 2 == 0 {
                vec!["even".into()]
            } else {
                vec![]
            }
        })
        .collect();
    within(store.insert_mentions(&batch, &topics))
        .await
        .unwrap();

    let filter = MentionFilter {
        source: Some("bluesky".into()),
        ..Default::default()
    };
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = within(store.list_mentions(&filter, cursor, 7))
            .await
            .unwrap();
        let done = page.len() < 7;
        cursor = page.last().map(PageCursor::after);
        pages.extend(page);
        if done {
            break;
        }
    }
    assert_eq!(pages.len(), 20);
    assert!(
        pages.windows(2).all(|w| w[0].created_at > w[1].created_at),
        "newest first, no repeats"
    );
    assert_eq!(pages[0].external_id, "page-24");

    let window = MentionFilter {
        created_from: Some((base + TimeDelta::minutes(10)).timestamp_micros()),
        created_until: Some((base + TimeDelta::minutes(15)).timestamp_micros()),
        topic: Some("even".into()),
        status: Some(1),
        ..Default::default()
    };
    let ids: Vec<String> = within(store.list_mentions(&window, None, 100))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.external_id)
        .collect();
    assert_eq!(ids, ["page-14", "page-12", "page-10"]);
    let enriched = MentionFilter {
        status: Some(2),
        ..Default::default()
    };
    assert!(
        within(store.list_mentions(&enriched, None, 100))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn topics_crud(store: &Store) {
    let created = within(store.put_topic("acme", "acme OR #acme", true))
        .await
        .unwrap();
    assert_eq!(
        (created.name.as_str(), created.query.as_str(), created.brand),
        ("acme", "acme OR #acme", true)
    );
    tokio::time::sleep(Duration::from_millis(2)).await;
    let updated = within(store.put_topic("acme", "acme NOT jobs", false))
        .await
        .unwrap();
    assert_eq!(
        updated.created_at, created.created_at,
        "creation time is kept"
    );
    assert!(updated.updated_at > created.updated_at);
    assert!(!updated.brand);
    within(store.put_topic("beta", "beta", false))
        .await
        .unwrap();
    let names: Vec<String> = within(store.list_topics())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["acme", "beta"]);
    // Matches of a deleted topic go with it.
    within(store.insert_mentions(&[mention("rss", "t-1", Utc::now())], &[vec!["beta".into()]]))
        .await
        .unwrap();
    let beta = MentionFilter {
        topic: Some("beta".into()),
        ..Default::default()
    };
    assert_eq!(
        within(store.list_mentions(&beta, None, 10))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(within(store.delete_topic("beta")).await.unwrap());
    assert!(!within(store.delete_topic("beta")).await.unwrap());
    assert!(
        within(store.list_mentions(&beta, None, 10))
            .await
            .unwrap()
            .is_empty()
    );
}
