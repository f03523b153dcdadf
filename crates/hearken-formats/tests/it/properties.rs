//! Properties: no input makes `parse` panic, and canonical JSON lines round-trip.

use hearken_formats::{Format, parse, to_jsonl_line};
use hearken_proto::{
    prost_types::Timestamp,
    v1::{Author, EngagementMetrics, Location, Mention},
};
use proptest::{collection::vec, option, prelude::*};

const FORMATS: [Format; 8] = Format::ALL;

/// Fragments that steer random inputs into each reader's deeper paths.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\n",
    "<",
    ">",
    "/",
    "&amp;",
    "&#x1F600;",
    "<![CDATA[",
    "]]>",
    "\"statuses\":",
    "\"data\":",
    "\"includes\":",
    "\"user\":",
    "\"account\":",
    "\"reblog\":",
    "\"content\":\"<p>x</p>\"",
    "\"kind\":\"Listing\"",
    "\"kind\":\"t1\"",
    "\"children\":",
    "\"replies\":",
    "\"posts\":",
    "\"feed\":",
    "\"thread\":",
    "\"record\":",
    "\"facets\":",
    "\"byteStart\":3",
    "\"byteEnd\":99",
    "\"did\":\"x\"",
    "\"kind\":\"commit\"",
    "\"commit\":",
    "\"collection\":\"app.bsky.feed.post\"",
    "\"operation\":\"create\"",
    "\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\"",
    "\"created_utc\":1e300",
    "\"coordinates\":[1,2]",
    "<rss>",
    "<channel>",
    "<item>",
    "</item>",
    "<feed>",
    "<entry>",
    "<title>",
    "<link href=\"x\"/>",
    "<pubDate>",
    "external_id,text,create_time\n",
    "\"a,\"\"b\"\n",
    "\u{fdd0}",
];

fn fragments() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![
            proptest::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
            vec(any::<u8>(), 0..4),
            "[a-z0-9 ]{0,6}".prop_map(String::into_bytes),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_bytes(bytes in vec(any::<u8>(), 0..512)) {
        for format in FORMATS {
            let _ = parse(&bytes, format, None);
        }
    }

    #[test]
    fn parse_never_panics_on_format_fragments(bytes in fragments(), name in option::of("[a-z]{1,5}\\.(json|jsonl|csv|xml)")) {
        for format in FORMATS {
            let _ = parse(&bytes, format, name.as_deref());
        }
    }

    #[test]
    fn canonical_jsonl_round_trips(mention in mentions()) {
        let line = to_jsonl_line(&mention);
        prop_assert!(!line.contains('\n'));
        let parsed = parse(line.as_bytes(), Format::Jsonl, None).expect("a line always parses as a file");
        prop_assert_eq!(parsed.records.len(), 1);
        let back = parsed.records.into_iter().next().expect("one record").expect("the line reads back");
        prop_assert_eq!(back, mention);
    }
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,24}"
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    // Years 1 to 9999, the range RFC 3339 can write.
    (-62_135_596_800_i64..253_402_300_799, 0..1_000_000_000_i32)
        .prop_map(|(seconds, nanos)| Timestamp { seconds, nanos })
}

fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        -180.0..180.0_f64,
        any::<f64>().prop_filter("finite", |f| f.is_finite())
    ]
}

fn authors() -> impl Strategy<Value = Author> {
    (
        text(),
        text(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<bool>(),
        text(),
        text(),
        option::of(timestamp()),
    )
        .prop_map(
            |(
                handle,
                display_name,
                followers,
                following,
                posts,
                verified,
                profile_location,
                time_zone,
                observe_time,
            )| Author {
                handle,
                display_name,
                followers_count: followers,
                following_count: following,
                post_count: posts,
                verified,
                profile_location,
                time_zone,
                observe_time,
            },
        )
}

fn locations() -> impl Strategy<Value = Location> {
    (
        text(),
        "[A-Z]{0,2}",
        text(),
        text(),
        option::of(coordinate()),
        option::of(coordinate()),
    )
        .prop_map(
            |(place_name, country_code, region_code, city, latitude, longitude)| Location {
                place_name,
                country_code,
                region_code,
                city,
                latitude,
                longitude,
                ..Location::default()
            },
        )
}

fn metrics() -> impl Strategy<Value = EngagementMetrics> {
    (
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
    )
        .prop_map(
            |(like_count, repost_count, reply_count, quote_count, view_count)| EngagementMetrics {
                like_count,
                repost_count,
                reply_count,
                quote_count,
                view_count,
            },
        )
}

fn mentions() -> impl Strategy<Value = Mention> {
    let identity = (
        text(),
        text(),
        text(),
        text(),
        text(),
        option::of(timestamp()),
    );
    let links = (
        text(),
        text(),
        text(),
        text(),
        vec(text(), 0..4),
        vec(text(), 0..4),
    );
    let parts = (
        option::of(authors()),
        option::of(locations()),
        option::of(metrics()),
    );
    (identity, links, parts).prop_map(
        |(
            (source, external_id, url, text, language, create_time),
            (
                reply_to_external_id,
                reply_to_handle,
                quoted_external_id,
                reposted_external_id,
                mentioned_handles,
                hashtags,
            ),
            (author, location, metrics),
        )| Mention {
            source,
            external_id,
            url,
            author,
            text,
            language,
            create_time,
            location,
            metrics,
            reply_to_external_id,
            reply_to_handle,
            quoted_external_id,
            reposted_external_id,
            mentioned_handles,
            hashtags,
            ..Mention::default()
        },
    )
}
