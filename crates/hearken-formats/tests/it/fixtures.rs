//! Hand-written fixtures in the platforms' documented shapes (tests/fixtures/).

use hearken_formats::Format;

use crate::{find, fixture, handle, parse_file, ts};

#[test]
fn twitter_v1_coordinates_are_lon_lat_in_geojson() {
    let parsed = parse_file(&fixture("twitter_v1_geo.json"), Format::Twitter);
    let tweet = find(&parsed, "1050118621198921728");
    let location = tweet.location.as_ref().expect("location");
    assert_eq!(location.latitude, Some(37.6213));
    assert_eq!(location.longitude, Some(-122.3790));
    assert_eq!(location.place_name, "San Francisco, CA");
    assert_eq!(location.country_code, "US");
    assert_eq!(
        tweet.text, "Landed at SFO with @AcmeAir & @PartnerAir, smooth ride #travel #SFO",
        "full_text, entities decoded"
    );
    assert_eq!(tweet.quoted_external_id, "1049999999999999999");
    assert_eq!(tweet.mentioned_handles, ["AcmeAir", "PartnerAir"]);
    assert_eq!(tweet.hashtags, ["travel", "sfo"]);
    assert_eq!(
        tweet.author.as_ref().map(|a| a.time_zone.as_str()),
        Some("Pacific Time (US & Canada)")
    );
    let metrics = tweet.metrics.as_ref().expect("metrics");
    assert_eq!(
        (
            metrics.like_count,
            metrics.repost_count,
            metrics.reply_count
        ),
        (5, 1, 2)
    );
}

#[test]
fn twitter_v2_joins_includes() {
    let parsed = parse_file(&fixture("twitter_v2_search.json"), Format::Twitter);
    assert_eq!(parsed.records.len(), 3);
    let reply = find(&parsed, "1800000000000000001");
    let author = reply.author.as_ref().expect("author from includes.users");
    assert_eq!(
        (
            author.handle.as_str(),
            author.followers_count,
            author.verified
        ),
        ("dana_travels", 5120, true)
    );
    assert_eq!((author.following_count, author.post_count), (310, 8800));
    assert_eq!(reply.reply_to_external_id, "1799999999999999999");
    assert_eq!(reply.reply_to_handle, "AcmeAir");
    assert_eq!(reply.mentioned_handles, ["AcmeAir"]);
    assert_eq!(reply.hashtags, ["jfk", "lostluggage"]);
    assert!(reply.text.contains("#JFK & nobody"));
    let location = reply.location.as_ref().expect("geo");
    assert_eq!(
        (location.latitude, location.longitude),
        (Some(40.6413), Some(-73.7781))
    );
    assert_eq!(location.place_name, "Queens, NY");
    assert_eq!(reply.metrics.as_ref().map(|m| m.view_count), Some(5400));

    let long = find(&parsed, "1800000000000000002");
    assert!(
        long.text
            .starts_with("Great crew today, and the long version"),
        "note_tweet wins"
    );
    assert_eq!(long.quoted_external_id, "1700000000000000000");
    assert_eq!(long.language, "", "\"und\" means unknown");

    let bad = parsed.errors().next().expect("the retweet has a bad count");
    assert_eq!(
        (bad.index, bad.field.as_str()),
        (2, "public_metrics.retweet_count")
    );
}

#[test]
fn bluesky_search_posts() {
    let parsed = parse_file(&fixture("bluesky_search.json"), Format::Auto);
    assert_eq!(parsed.format, Format::Bluesky);
    let post = find(
        &parsed,
        "at://did:plc:abc123/app.bsky.feed.post/3kq2x7yzd5s2a",
    );
    assert_eq!(
        post.url,
        "https://bsky.app/profile/dana.bsky.social/post/3kq2x7yzd5s2a"
    );
    assert_eq!(post.author.as_ref().map(|a| a.followers_count), Some(1200));
    assert_eq!(
        post.mentioned_handles,
        ["acmeair.com"],
        "read from the facet's byte span"
    );
    assert_eq!(post.hashtags, ["lostluggage"]);
    assert_eq!(
        post.quoted_external_id,
        "at://did:plc:acme/app.bsky.feed.post/3kq1aaaaaaa2b"
    );
    assert_eq!(post.create_time, Some(ts("2024-06-10T14:03:22.512Z")));
    let metrics = post.metrics.as_ref().expect("metrics");
    assert_eq!(
        (
            metrics.like_count,
            metrics.repost_count,
            metrics.reply_count,
            metrics.quote_count
        ),
        (7, 2, 1, 1)
    );
    let reply = find(
        &parsed,
        "at://did:plc:acme/app.bsky.feed.post/3kq2zzzzzzz2c",
    );
    assert_eq!(reply.reply_to_external_id, post.external_id);
    assert_eq!(reply.reply_to_handle, "dana.bsky.social");
}

#[test]
fn bluesky_author_feed_names_reply_parent_and_isolates_bad_post() {
    let parsed = parse_file(&fixture("bluesky_author_feed.json"), Format::Bluesky);
    assert_eq!(parsed.records.len(), 2);
    let reply = find(
        &parsed,
        "at://did:plc:acme/app.bsky.feed.post/3kq3reply0001",
    );
    assert_eq!(reply.reply_to_handle, "zed.example.com");
    assert_eq!(reply.text, "We found it! 🎉 Delivery tomorrow.");
    assert_eq!(reply.create_time, Some(ts("2024-06-11T06:00:00Z")));
    let error = parsed.errors().next().expect("bad text");
    assert_eq!((error.index, error.field.as_str()), (1, "record.text"));
}

#[test]
fn bluesky_thread_walks_parents_and_replies() {
    let parsed = parse_file(&fixture("bluesky_thread.json"), Format::Bluesky);
    let ids: Vec<_> = parsed
        .mentions()
        .map(|m| m.external_id.rsplit('/').next().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["3kq2x7yzd5s2a", "3kq2zzzzzzz2c", "3kq2zzzzzzz3d"]);
    assert_eq!(
        find(
            &parsed,
            "at://did:plc:abc123/app.bsky.feed.post/3kq2zzzzzzz3d"
        )
        .reply_to_handle,
        "acmeair.com"
    );
}

#[test]
fn bluesky_jetstream_keeps_post_creations_only() {
    let parsed = parse_file(&fixture("bluesky_jetstream.jsonl"), Format::Auto);
    assert_eq!(parsed.format, Format::Bluesky);
    assert_eq!(
        parsed.mentions().count(),
        2,
        "likes and identity events are skipped"
    );
    let post = find(
        &parsed,
        "at://did:plc:abc123/app.bsky.feed.post/3kq2x7yzd5s2a",
    );
    assert_eq!(handle(post), "did:plc:abc123");
    assert_eq!(post.mentioned_handles, ["acmeair.com"]);
    let reply = find(&parsed, "at://did:plc:zed/app.bsky.feed.post/3kq2x82cccc2c");
    assert_eq!(reply.create_time, Some(ts("2024-06-10T14:03:22Z")));
    assert_eq!(
        reply.reply_to_external_id,
        "at://did:plc:abc123/app.bsky.feed.post/3kq2x7yzd5s2a"
    );
    let error = parsed.errors().next().expect("bad date");
    assert_eq!(
        (error.index, error.line, error.field.as_str()),
        (3, Some(4), "commit.record.createdAt")
    );
}

#[test]
fn reddit_posts_and_crosspost() {
    let parsed = parse_file(&fixture("reddit_new.json"), Format::Auto);
    assert_eq!(parsed.format, Format::Reddit);
    let post = find(&parsed, "t3_1d8xyz1");
    assert_eq!(
        post.text,
        "AcmeAir lost my luggage\n\nFlew AcmeAir from JFK yesterday.\n\nBag is still missing & support is silent."
    );
    assert_eq!(
        post.url,
        "https://www.reddit.com/r/travel/comments/1d8xyz1/acmeair_lost_my_luggage/"
    );
    assert_eq!(handle(post), "dana_travels");
    assert_eq!(post.create_time, Some(ts("2024-06-10T14:03:22Z")));
    assert_eq!(
        post.metrics.as_ref().map(|m| (m.like_count, m.reply_count)),
        Some((57, 14))
    );
    assert_eq!(
        find(&parsed, "t3_1d8xyz2").reposted_external_id,
        "t3_1d8xyz1"
    );
    let error = parsed.errors().next().expect("bad created_utc");
    assert_eq!((error.index, error.field.as_str()), (2, "data.created_utc"));
}

#[test]
fn reddit_comment_page_flattens_reply_tree() {
    let parsed = parse_file(&fixture("reddit_comments.json"), Format::Auto);
    assert_eq!(parsed.format, Format::Reddit);
    let ids: Vec<_> = parsed.mentions().map(|m| m.external_id.as_str()).collect();
    assert_eq!(
        ids,
        ["t3_1d8xyz1", "t1_l7abc01", "t1_l7abc02"],
        "\"more\" stubs are skipped"
    );
    let nested = find(&parsed, "t1_l7abc02");
    assert_eq!(nested.reply_to_external_id, "t1_l7abc01");
    assert_eq!(nested.text, "Did they compensate you?");
    assert_eq!(
        find(&parsed, "t1_l7abc01").create_time,
        Some(ts("2024-06-10T14:16:40.5Z"))
    );
    let error = parsed.errors().next().expect("score \"high\"");
    assert_eq!((error.index, error.field.as_str()), (3, "data.score"));
}
