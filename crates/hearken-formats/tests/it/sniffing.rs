//! `Format::Auto` picks the right reader for every sample, and format names round-trip.

use std::str::FromStr;

use hearken_formats::{Format, parse};

use crate::{fixture, read, shared_data};

fn sniff(path: &std::path::Path, with_name: bool) -> Format {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .filter(|_| with_name);
    match parse(&read(path), Format::Auto, name) {
        Ok(parsed) => parsed.format,
        Err(error) => panic!("{}: {error}", path.display()),
    }
}

#[test]
fn samples_sniff_with_and_without_names() {
    let data = shared_data();
    let mut cases = vec![
        (
            data.join("twitter-us-airline-sentiment/Tweets.csv"),
            Format::Csv,
        ),
        (data.join("feed-fixtures/rss2/rss_2.0_bbc.xml"), Format::Rss),
        (
            data.join("feed-fixtures/atom/atom_example_1.xml"),
            Format::Rss,
        ),
        (
            data.join("feed-fixtures/rss1/rss_1.0_debian.xml"),
            Format::Rss,
        ),
        (
            data.join("feed-fixtures/rss0/rss_0.92_spec_1.xml"),
            Format::Rss,
        ),
        (
            data.join("feed-fixtures/jsonfeed/jsonfeed_example_1.json"),
            Format::Rss,
        ),
    ];
    for folder in ["twitter-api-v1.1-samples", "mastodon-api-samples"] {
        let expected = if folder.starts_with("twitter") {
            Format::Twitter
        } else {
            Format::Mastodon
        };
        for entry in std::fs::read_dir(data.join(folder)).expect("sample folder") {
            let path = entry.expect("entry").path();
            if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                cases.push((path, expected));
            }
        }
    }
    for (name, expected) in [
        ("twitter_v1_geo.json", Format::Twitter),
        ("twitter_v2_search.json", Format::Twitter),
        ("bluesky_search.json", Format::Bluesky),
        ("bluesky_author_feed.json", Format::Bluesky),
        ("bluesky_thread.json", Format::Bluesky),
        ("bluesky_jetstream.jsonl", Format::Bluesky),
        ("reddit_new.json", Format::Reddit),
        ("reddit_comments.json", Format::Reddit),
        ("canonical.jsonl", Format::Jsonl),
        ("canonical.csv", Format::Csv),
    ] {
        cases.push((fixture(name), expected));
    }
    assert!(cases.len() > 30);
    for (path, expected) in cases {
        assert_eq!(sniff(&path, true), expected, "{} by name", path.display());
        assert_eq!(
            sniff(&path, false),
            expected,
            "{} by content",
            path.display()
        );
    }
}

#[test]
fn format_names_round_trip() {
    for format in Format::ALL {
        assert_eq!(Format::from_str(&format.to_string()), Ok(format));
    }
    assert_eq!("Mastodon".parse::<Format>(), Ok(Format::Mastodon));
    assert!("myspace".parse::<Format>().is_err());
}
