//! The real public samples under shared/data, with facts checked by hand against the files.

use hearken_formats::Format;

use crate::{find, handle, mentions, parse_file, shared_data, ts};

fn twitter(file: &str) -> hearken_formats::Parsed {
    parse_file(
        &shared_data().join("twitter-api-v1.1-samples").join(file),
        Format::Twitter,
    )
}

fn mastodon(file: &str) -> hearken_formats::Parsed {
    parse_file(
        &shared_data().join("mastodon-api-samples").join(file),
        Format::Mastodon,
    )
}

#[test]
fn twitter_v1_samples_hold_93_tweets_and_all_parse() {
    let files = [
        ("retweets_of_266367358078169089.json", 15),
        ("search_q_tweepy.json", 15),
        ("list_timeline_Twitter_Official-Twitter-Accounts.json", 20),
        ("home_timeline_TweepyDev.json", 19),
        ("user_timeline_TweepyDev.json", 4),
        ("user_timeline_Twitter.json", 20),
    ];
    for (file, count) in files {
        let parsed = twitter(file);
        assert_eq!(parsed.records.len(), count, "{file}");
        assert_eq!(
            parsed.errors().count(),
            0,
            "{file}: {:?}",
            parsed.errors().next()
        );
        assert!(
            parsed
                .mentions()
                .all(|mention| mention.source == "twitter" && !mention.external_id.is_empty())
        );
    }
}

#[test]
fn twitter_retweets_point_at_the_original() {
    let parsed = twitter("retweets_of_266367358078169089.json");
    assert!(
        parsed
            .mentions()
            .all(|mention| mention.reposted_external_id == "266367358078169089")
    );
    let first = find(&parsed, "486663181901627392");
    let author = first.author.as_ref().expect("author");
    assert_eq!(author.handle, "aosuzhsbwusnshs");
    assert_eq!(author.followers_count, 35);
    assert_eq!(first.create_time, Some(ts("2014-07-09T00:08:39Z")));
    assert!(
        first
            .text
            .starts_with("RT @twitter: RT @TwitterEng: Bolstering our infrastructure.")
    );
    assert_eq!(
        first.url,
        "https://twitter.com/aosuzhsbwusnshs/status/486663181901627392"
    );
}

#[test]
fn twitter_search_reply_place_and_hashtags() {
    let parsed = twitter("search_q_tweepy.json");
    let reply = find(&parsed, "1149678185375600641");
    assert_eq!(handle(reply), "jluisperezg");
    assert_eq!(reply.reply_to_external_id, "1149676837204717568");
    assert_eq!(reply.reply_to_handle, "Kirzahk");
    let location = reply.location.as_ref().expect("place");
    assert_eq!(location.place_name, "Badalona, Spain");
    assert_eq!(
        location.latitude, None,
        "the sample has a place but no point"
    );

    let tagged = find(&parsed, "1149698684646563840");
    assert_eq!(tagged.hashtags, ["data", "tweets", "python", "twitter"]);
    assert_eq!(tagged.create_time, Some(ts("2019-07-12T15:15:01Z")));
    // Six of the fifteen search results are retweets (README).
    assert_eq!(
        parsed
            .mentions()
            .filter(|m| !m.reposted_external_id.is_empty())
            .count(),
        6
    );
}

#[test]
fn twitter_user_timeline_mentions_have_no_at_sign() {
    let parsed = twitter("user_timeline_Twitter.json");
    let reply = find(&parsed, "1341793727208181762");
    assert_eq!(reply.reply_to_handle, "TreyNKennedy");
    assert_eq!(
        reply.mentioned_handles.first().map(String::as_str),
        Some("TreyNKennedy")
    );
    assert!(
        parsed
            .mentions()
            .flat_map(|m| &m.mentioned_handles)
            .all(|h| !h.starts_with('@') && !h.is_empty())
    );
}

#[test]
fn mastodon_account_pages_have_52_replies_and_one_reblog() {
    let parsed: Vec<_> = (1..=5)
        .map(|page| {
            mastodon(&format!(
                "account_statuses_fosstodon.org_109302436954721982_page{page}.json"
            ))
        })
        .collect();
    let all: Vec<_> = parsed.iter().flat_map(mentions).collect();
    assert_eq!(all.len(), 100);
    assert_eq!(
        all.iter()
            .filter(|m| !m.reply_to_external_id.is_empty())
            .count(),
        52
    );
    let reblogs: Vec<_> = all
        .iter()
        .filter(|m| !m.reposted_external_id.is_empty())
        .collect();
    assert_eq!(reblogs.len(), 1);
    let reblog = reblogs[0];
    assert_eq!(reblog.external_id, "112526202686547299");
    assert_eq!(reblog.reposted_external_id, "112525606646148711");
    assert_eq!(handle(reblog), "schochastics@fosstodon.org");
    assert!(!reblog.text.is_empty(), "a boost reads as the boosted text");
    assert_eq!(reblog.create_time, Some(ts("2024-05-29T20:13:10.797Z")));
}

#[test]
fn mastodon_single_status_is_stripped_html() {
    let parsed = mastodon("status_fosstodon.org_114620457512351116.json");
    assert_eq!(parsed.records.len(), 1);
    let status = find(&parsed, "114620457512351116");
    let author = status.author.as_ref().expect("author");
    assert_eq!(author.handle, "schochastics@fosstodon.org");
    assert_eq!(author.followers_count, 1037);
    assert_eq!(status.hashtags, ["rstats"]);
    assert_eq!(status.mentioned_handles, ["maelle@mastodon.social"]);
    assert_eq!(status.language, "en");
    assert_eq!(status.create_time, Some(ts("2025-06-03T16:49:43.431Z")));
    assert!(
        status
            .text
            .starts_with("Super grateful to have received an R Consortium grant")
    );
    assert!(
        status.text.contains("#rstats cc @maelle"),
        "{}",
        status.text
    );
    assert!(!status.text.contains('<') && !status.text.contains("&amp;"));
    // The link text's invisible spans are kept, so the URL reads whole.
    assert!(status.text.contains("https://r-consortium.org/posts/"));
}

#[test]
fn mastodon_context_has_59_descendants_43_direct() {
    let parsed = mastodon("context_mastodon.social_109294719267373593.json");
    assert_eq!(parsed.records.len(), 59);
    assert_eq!(parsed.errors().count(), 0);
    let direct = parsed
        .mentions()
        .filter(|m| m.reply_to_external_id == "109294719267373593")
        .count();
    assert_eq!(direct, 43);
    let first = find(&parsed, "109294767623508949");
    assert_eq!(handle(first), "austinkocher@mastodon.social");
    assert_eq!(
        first.mentioned_handles,
        ["Gargron@mastodon.social", "Mastodon@mastodon.social"]
    );
    assert_eq!(first.hashtags, ["supportmastodon", "patreon"]);
}

#[test]
fn mastodon_public_timeline_languages() {
    let parsed = mastodon("timeline_public_fosstodon.org.json");
    let languages: Vec<&str> = parsed.mentions().map(|m| m.language.as_str()).collect();
    assert_eq!(languages.len(), 20);
    assert_eq!(languages.iter().filter(|l| **l == "en").count(), 18);
    assert_eq!(languages.iter().filter(|l| **l == "pt").count(), 1);
    assert_eq!(languages.iter().filter(|l| **l == "ja").count(), 1);
}

#[test]
fn mastodon_account_lists_are_not_statuses() {
    let parsed = mastodon("reblogged_by_mastodon.social_109294719267373593.json");
    assert_eq!(parsed.records.len(), 40);
    assert!(
        parsed
            .errors()
            .all(|error| error.field == "account" && error.reason == "missing")
    );
    assert_eq!(parsed.mentions().count(), 0);
}

#[test]
fn airline_csv_parses_every_row() {
    let parsed = parse_file(
        &shared_data().join("twitter-us-airline-sentiment/Tweets.csv"),
        Format::Auto,
    );
    assert_eq!(parsed.format, Format::Csv);
    assert_eq!(parsed.records.len(), 12_584);
    assert_eq!(parsed.errors().count(), 0, "{:?}", parsed.errors().next());
    assert!(parsed.mentions().all(|m| m.source == "twitter"));

    let first = find(&parsed, "570306133677760513");
    let author = first.author.as_ref().expect("author");
    assert_eq!(author.handle, "cairdin");
    assert_eq!(author.time_zone, "Eastern Time (US & Canada)");
    assert_eq!(first.text, "@VirginAmerica What @dhepburn said.");
    assert_eq!(
        first.create_time,
        Some(ts("2015-02-24T19:35:52Z")),
        "-0800 converted to UTC"
    );

    let located = find(&parsed, "570264145116819457");
    let location = located.location.as_ref().expect("coordinates");
    assert_eq!(
        (location.latitude, location.longitude),
        (Some(40.74804263), Some(-73.99295302))
    );
    assert_eq!(located.create_time, Some(ts("2015-02-24T16:49:01Z")));

    let multi_line = find(&parsed, "570300767074181121");
    assert!(
        multi_line
            .text
            .contains("this playing.\nit's really the only bad thing"),
        "{:?}",
        multi_line.text
    );

    assert_eq!(
        find(&parsed, "567897883875217408")
            .metrics
            .as_ref()
            .map(|m| m.repost_count),
        Some(44)
    );
    // 859 rows have tweet_coord; 136 of them are the "[0.0, 0.0]" placeholder.
    let with_point = parsed
        .mentions()
        .filter(|m| m.location.as_ref().is_some_and(|l| l.latitude.is_some()))
        .count();
    assert_eq!(with_point, 723);
}

fn feed(path: &str) -> hearken_formats::Parsed {
    parse_file(&shared_data().join("feed-fixtures").join(path), Format::Rss)
}

#[test]
fn every_feed_fixture_reads_except_the_invalid_one() {
    let root = shared_data().join("feed-fixtures");
    let mut read = 0;
    for folder in ["atom", "rss0", "rss1", "rss2", "jsonfeed"] {
        for entry in std::fs::read_dir(root.join(folder)).expect("feed folder") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let result = hearken_formats::parse(&crate::read(&path), Format::Auto, Some(&name));
            if name == "rss_2.0_invalid_1.xml" {
                assert!(
                    matches!(result, Err(hearken_formats::FormatError::Xml(_))),
                    "{result:?}"
                );
                continue;
            }
            let parsed = result.unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(parsed.format, Format::Rss, "{name}");
            assert!(parsed.mentions().all(|m| m.source == "rss"), "{name}");
            read += 1;
        }
    }
    assert_eq!(read, 18 + 5 + 7 + 31 + 3);
}

#[test]
fn atom_reddit_has_25_entries() {
    let parsed = feed("atom/atom_mediarss_reddit_1.xml");
    assert_eq!(parsed.mentions().count(), 25);
    assert!(
        parsed
            .mentions()
            .all(|m| !m.external_id.is_empty() && m.create_time.is_some())
    );
}

#[test]
fn atom_published_offset_is_converted() {
    let parsed = feed("atom/atom_example_1.xml");
    let entry = mentions(&parsed)[0];
    assert_eq!(entry.create_time, Some(ts("2003-12-13T12:29:29Z")));
}

#[test]
fn rss2_spec_items_and_gmt_dates() {
    let parsed = feed("rss2/rss_2.0_spec_1.xml");
    assert_eq!(parsed.records.len(), 2);
    let times: Vec<_> = parsed.mentions().map(|m| m.create_time).collect();
    assert_eq!(
        times,
        [
            Some(ts("2002-09-29T19:59:01Z")),
            Some(ts("2002-09-30T01:52:02Z"))
        ]
    );
}

#[test]
fn rss2_localised_weekday_and_offset() {
    let parsed = feed("rss2/rss_2.0_ilmessaggero.xml");
    // "mer, 16 nov 2022 00:38:15 +0100" (Italian weekday).
    assert_eq!(
        mentions(&parsed)[0].create_time,
        Some(ts("2022-11-15T23:38:15Z"))
    );
}

#[test]
fn rss1_latin1_is_decoded_and_dc_fields_read() {
    let parsed = feed("rss1/rss_1.0_iso8859.xml");
    let item = mentions(&parsed)[0];
    assert!(
        item.text
            .starts_with("Digitalministerium: Neue Glasfaserförderung mit Schnellkasse"),
        "{}",
        item.text
    );
    assert_eq!(handle(item), "Achim Sawall");
    assert_eq!(item.create_time, Some(ts("2023-01-25T18:03:02Z")));
}

#[test]
fn rss1_bad_date_fails_only_its_item() {
    let parsed = feed("rss1/rss_1.0_example_1.xml");
    assert_eq!(parsed.records.len(), 2);
    let error = parsed.errors().next().expect("one bad item");
    assert_eq!((error.index, error.field.as_str()), (1, "date"));
    assert!(error.reason.contains("2017-06-13T03:18:00+00:0"));
    assert_eq!(
        mentions(&parsed)[0].create_time,
        Some(ts("2017-06-13T09:00:00Z"))
    );
}

#[test]
fn json_feed_items() {
    let parsed = feed("jsonfeed/jsonfeed_spec_1.json");
    assert_eq!(parsed.records.len(), 1);
    assert!(parsed.mentions().all(|m| !m.external_id.is_empty()));
}
