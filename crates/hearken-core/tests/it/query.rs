//! The listening-topic query language through its public API: parsing, canonical rendering,
//! errors and matching on realistic mention text.

use hearken_core::query::{ParseError, Query, TopicMatcher};
use proptest::prelude::*;

fn canonical(input: &str) -> String {
    match Query::parse(input) {
        Ok(query) => query.to_string(),
        Err(error) => panic!("{input:?} should parse: {error}"),
    }
}

fn parse_error(input: &str) -> ParseError {
    match Query::parse(input) {
        Ok(query) => panic!("{input:?} should be rejected, parsed as {query}"),
        Err(error) => error,
    }
}

/// Whether `query` matches `text`, through a matcher holding only that topic.
fn hits(query: &str, text: &str) -> bool {
    let query = Query::parse(query).unwrap_or_else(|error| panic!("{query:?}: {error}"));
    !TopicMatcher::new([("topic", &query)])
        .matches(text)
        .is_empty()
}

// ---- parsing and canonical rendering ----

#[test]
fn and_binds_tighter_than_or_and_not_tighter_than_and() {
    assert_eq!(canonical("a b OR c"), "(a AND b) OR c");
    assert_eq!(canonical("a OR b c"), "a OR (b AND c)");
    assert_eq!(canonical("a OR b AND NOT c"), "a OR (b AND NOT c)");
    assert_eq!(canonical("(a OR b) c"), "(a OR b) AND c");
    assert_eq!(canonical("NOT a b"), "NOT a AND b");
    assert_eq!(canonical("a NOT (b OR c)"), "a AND NOT (b OR c)");
}

#[test]
fn adjacency_is_and_and_nested_groups_of_one_kind_merge() {
    let explicit = Query::parse("acme AND refund AND late").unwrap();
    assert_eq!(Query::parse("acme refund late").unwrap(), explicit);
    assert_eq!(Query::parse("acme (refund late)").unwrap(), explicit);
    assert_eq!(
        Query::parse("((acme)) AND (refund AND (late))").unwrap(),
        explicit
    );
    assert_eq!(canonical("a OR (b OR c)"), "a OR b OR c");
}

#[test]
fn only_upper_case_keywords_are_operators() {
    assert_eq!(canonical("acme and refund"), "acme AND and AND refund");
    assert_eq!(
        canonical("this or that not"),
        "this AND or AND that AND not"
    );
    assert_eq!(canonical("NEARBY"), "nearby");
    assert_ne!(
        Query::parse("acme or refund").unwrap(),
        Query::parse("acme OR refund").unwrap()
    );
}

#[test]
fn words_are_normalised_and_punctuated_words_become_phrases() {
    assert_eq!(canonical("ACME Refund!"), "acme AND refund");
    assert_eq!(canonical("\"Customer   Service\""), "\"customer service\"");
    assert_eq!(canonical("e-mail"), "\"e mail\"");
    assert_eq!(canonical("Acme's"), "\"acme s\"");
    assert_eq!(canonical("CAFE\u{301}"), "caf\u{e9}");
}

#[test]
fn phrases_accept_escaped_quotes_and_backslashes() {
    assert_eq!(canonical(r#""say \"hello\" now""#), "\"say hello now\"");
    assert_eq!(canonical(r#""back\\slash""#), "\"back slash\"");
    assert_eq!(canonical(r#""a"b"#), "\"a\" AND b");
}

#[test]
fn hashtags_handles_and_prefixes_keep_their_marks() {
    assert_eq!(
        canonical("#Acme @United_Air refund* #fail* @jet*"),
        "#acme AND @united_air AND refund* AND #fail* AND @jet*"
    );
}

#[test]
fn near_forms() {
    assert_eq!(canonical("refund NEAR/3 delayed"), "refund NEAR/3 delayed");
    assert_eq!(
        canonical("(refund OR \"money back\") NEAR/10 (#delay OR @united)"),
        "(refund OR \"money back\") NEAR/10 (#delay OR @united)"
    );
    assert_eq!(canonical("(refund) NEAR/003 late"), "refund NEAR/3 late");
    assert_eq!(
        canonical("(a OR (b OR c)) NEAR/1 d"),
        "(a OR b OR c) NEAR/1 d"
    );
    assert_eq!(canonical("NOT a NEAR/2 b c"), "NOT (a NEAR/2 b) AND c");
    assert_eq!(canonical("x a NEAR/2 b OR y"), "(x AND a NEAR/2 b) OR y");
    assert_eq!(canonical("a NEAR/100 b"), "a NEAR/100 b");
}

#[test]
fn from_str_and_display_round_trip() {
    let query: Query = r#"@united AND (refund OR "lost luggage") NOT jobs"#
        .parse()
        .unwrap();
    assert_eq!(
        query.to_string(),
        "@united AND (refund OR \"lost luggage\") AND NOT jobs"
    );
    assert_eq!(query.to_string().parse::<Query>().unwrap(), query);
}

// ---- errors ----

#[test]
fn errors_carry_character_positions_and_what_was_expected() {
    let cases: &[(&str, &str)] = &[
        (
            "acme AND (refund OR )",
            "at position 20: expected a term, a phrase or '(' but found ')'",
        ),
        (
            "",
            "at position 0: expected a term, a phrase or '(' but found end of query",
        ),
        (
            "acme AND",
            "at position 8: expected a term, a phrase or '(' but found end of query",
        ),
        (
            "acme AND OR refund",
            "at position 9: expected a term, a phrase or '(' but found 'OR'",
        ),
        (
            "(acme OR refund",
            "at position 15: expected ')' to close the '(' at position 0 but found end of query",
        ),
        (
            "acme) refund",
            "at position 4: expected end of query but found ')' without a matching '('",
        ),
        (
            "acme \"lost luggage",
            "at position 5: expected a closing '\"' for this phrase but found end of query",
        ),
        (
            "acme \" !! \"",
            "at position 5: expected a phrase with at least one word but found '\" !! \"'",
        ),
        (
            "acme -jobs",
            "at position 5: expected a term (write NOT before a term to exclude it) but found '-jobs'",
        ),
        (
            "acme !!!",
            "at position 5: expected a term with at least one letter or digit but found '!!!'",
        ),
        (
            "r*",
            "at position 0: expected at least 2 letters or digits before '*' but found 'r*'",
        ),
        (
            "re*und",
            "at position 0: expected '*' only at the end of a term but found 're*und'",
        ),
        (
            "#acme-corp",
            "at position 0: expected a hashtag of letters, digits and '_' only but found '#acme-corp'",
        ),
        (
            "@acme.bsky.social",
            "at position 0: expected a handle of letters, digits and '_' only but found '@acme.bsky.social'",
        ),
        (
            "caf\u{e9} AND )",
            "at position 9: expected a term, a phrase or '(' but found ')'",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(parse_error(input).to_string(), *message, "for {input:?}");
    }
}

#[test]
fn near_errors_name_the_offending_operand() {
    let operand = "a term, a phrase, a hashtag, a handle or a parenthesised OR-group of those \
                   as an operand of NEAR";
    let cases: &[(&str, usize, &str)] = &[
        ("(a AND b) NEAR/3 c", 0, "a group joined by AND"),
        ("a NEAR/3 NOT b", 9, "'NOT'"),
        (
            "a NEAR/3 (b OR NOT c)",
            9,
            "an OR-group containing a NOT expression",
        ),
        (
            "a NEAR/3 (b OR (c d))",
            9,
            "an OR-group containing a group joined by AND",
        ),
        (
            "a NEAR/3 b NEAR/2 c",
            11,
            "a NEAR expression as the left operand of 'NEAR/2'",
        ),
        ("(a NEAR/3 b) NEAR/2 c", 0, "a NEAR expression"),
    ];
    for &(input, position, found) in cases {
        let error = parse_error(input);
        assert_eq!(
            (
                error.position,
                error.expected.as_str(),
                error.found.as_str()
            ),
            (position, operand, found),
            "for {input:?}"
        );
    }
}

#[test]
fn near_distance_must_be_between_1_and_100() {
    for bad in [
        "NEAR/0", "NEAR/101", "NEAR/256", "NEAR", "NEAR/", "NEAR/x", "NEAR/+3",
    ] {
        let error = parse_error(&format!("acme {bad} refund"));
        assert_eq!(error.position, 5, "for {bad}");
        assert_eq!(error.expected, "NEAR/n with n between 1 and 100");
        assert_eq!(error.found, format!("'{bad}'"));
    }
}

#[test]
fn queries_that_need_no_term_are_rejected() {
    for negative in [
        "NOT jobs",
        "NOT (jobs OR careers)",
        "acme OR NOT jobs",
        "NOT a NOT b",
    ] {
        assert_eq!(
            parse_error(negative).to_string(),
            "at position 0: expected a query that requires at least one term but found one \
             that matches every mention containing none of its terms",
            "for {negative:?}"
        );
    }
    for fine in [
        "acme NOT jobs",
        "acme AND NOT jobs",
        "NOT jobs acme",
        "NOT (NOT acme)",
    ] {
        assert!(Query::parse(fine).is_ok(), "{fine:?} should parse");
    }
}

#[test]
fn length_and_depth_limits() {
    let longest = "a ".repeat(2048);
    assert_eq!(longest.chars().count(), 4096);
    assert!(Query::parse(&longest).is_ok());
    let too_long = format!("{longest}b");
    let error = parse_error(&too_long);
    assert_eq!(
        error.to_string(),
        "at position 4096: expected a query of at most 4096 characters but found 4097 characters"
    );

    let nested = |depth: usize| format!("{}acme{}", "(".repeat(depth), ")".repeat(depth));
    assert!(Query::parse(&nested(32)).is_ok());
    let error = parse_error(&nested(33));
    assert_eq!(
        error.to_string(),
        "at position 32: expected at most 32 nested parentheses but found '('"
    );
}

// ---- matching ----

const AIRLINE_TOPIC: &str = r#"@united AND (refund OR "lost luggage") NOT jobs"#;

#[test]
fn airline_complaints_topic() {
    let matching = [
        "@united I've been waiting 3 weeks for my REFUND!!",
        "@United you lost my bag. Lost luggage desk is closed. #fail",
        "refund? @united",
    ];
    let not_matching = [
        // The phrase needs its words in sequence.
        "@united lost my luggage",
        // Excluded word.
        "@united refund? Also your jobs page is broken",
        // Handle required, not the plain word or the hashtag.
        "United refund please",
        "#united refund please",
        // Email address is not a handle.
        "wrote to help@united.com about a refund",
        // Prefixes do not count without `*`.
        "@united refunded me quickly, thanks",
    ];
    for text in matching {
        assert!(hits(AIRLINE_TOPIC, text), "should match: {text}");
    }
    for text in not_matching {
        assert!(!hits(AIRLINE_TOPIC, text), "should not match: {text}");
    }
}

#[test]
fn near_counts_words_between_in_either_order() {
    let topic = "refund NEAR/3 delayed";
    assert!(hits(topic, "Refund for the delayed flight?"));
    assert!(hits(topic, "delayed 5 hours, refund now"));
    assert!(!hits(
        topic,
        "refund took forever and my flight was delayed"
    ));
    assert!(!hits(topic, "delayed flights make me want a good refund"));

    assert!(hits("refund NEAR/1 delayed", "delayed, refund!"));
    assert!(!hits("refund NEAR/1 delayed", "refund was delayed"));
    assert!(hits("refund NEAR/2 delayed", "refund was delayed"));
}

#[test]
fn near_with_phrases_groups_and_repeated_words() {
    let topic = r#""customer service" NEAR/2 (terrible OR awful)"#;
    assert!(hits(topic, "Terrible customer service @united"));
    assert!(hits(topic, "customer service is awful"));
    assert!(!hits(topic, "customer service was truly terrible"));
    assert!(!hits(topic, "customer care, service terrible"));

    // One word cannot be both operands; two occurrences can.
    assert!(!hits("refund NEAR/3 refund*", "refund please"));
    assert!(hits("refund NEAR/3 refund*", "refund? refunded? no"));
}

#[test]
fn not_excludes_anywhere_in_the_text() {
    let topic = "flight NOT (cancelled OR #jobs)";
    assert!(hits(topic, "great flight today"));
    assert!(!hits(topic, "flight Cancelled Flightled"));
    assert!(!hits(topic, "we are hiring for flight crews #jobs"));
    assert!(
        hits(topic, "flight crew jobs"),
        "#jobs excludes only the hashtag"
    );
}

#[test]
fn hashtags_handles_and_plain_words() {
    assert!(hits("#fail", "worst trip ever #FAIL"));
    assert!(!hits("#fail", "this is a fail"));
    assert!(!hits("#fail", "@fail is not a hashtag"));
    assert!(hits("fail", "worst trip ever #fail"));
    assert!(hits("fail", "epic fail"));
    assert!(hits("united", "@united hello"));
    assert!(!hits("@united", "flew united today"));
    assert!(!hits("@united", "#united"));
    assert!(hits("#united*", "#UnitedAirlines rocks"));
    assert!(!hits("#united*", "UnitedAirlines rocks"));
}

#[test]
fn matching_is_on_word_boundaries() {
    assert!(hits("acme", "Acme's new app"));
    assert!(hits("acme", "ACME!"));
    assert!(hits("acme", "(acme)"));
    assert!(hits("acme", "love it—acme—really"));
    assert!(!hits("acme", "acmeville"));
    assert!(!hits("acme", "megaacme"));
    assert!(!hits("acme", "acme_corp"));
    assert!(hits("acme*", "acmeville"));
    assert!(!hits("acme*", "megaacme"));
    assert!(hits("\"new app\"", "Acme's NEW-app!"));
    assert!(!hits("\"new app\"", "new, shiny app"));
}

#[test]
fn case_and_unicode_normalisation() {
    let nfc_cafe = "caf\u{e9}";
    let nfd_cafe = "cafe\u{301}";
    for query in [nfc_cafe, nfd_cafe, "CAF\u{c9}"] {
        for text in [
            "Best caf\u{e9} in town",
            "Best CAFE\u{301} in town",
            "#Cafe\u{301}",
        ] {
            assert!(hits(query, text), "{query:?} should match {text:?}");
        }
        assert!(!hits(query, "best cafe in town"), "{query:?} vs plain e");
    }
    assert!(hits("stra\u{df}e", "STRA\u{df}E gesperrt"));
    assert!(hits(
        "\u{3c0}\u{3b1}\u{3c1}\u{3af}\u{3c3}\u{3b9}",
        "\u{3a0}\u{391}\u{3a1}\u{38a}\u{3a3}\u{399}!"
    ));
}

#[test]
fn several_topics_in_one_matcher_report_in_given_order() {
    let refunds = Query::parse("refund* OR \"money back\"").unwrap();
    let delays = Query::parse("delay* OR late NEAR/2 flight").unwrap();
    let united = Query::parse("@united").unwrap();
    let jobs = Query::parse("#jobs OR hiring").unwrap();
    let matcher = TopicMatcher::new([
        ("united", &united),
        ("refunds", &refunds),
        ("jobs", &jobs),
        ("delays", &delays),
        ("refunds again", &refunds),
    ]);
    assert!(!matcher.is_empty());
    assert_eq!(
        matcher.matches("@united flight was late, I want my money back"),
        vec!["united", "refunds", "delays", "refunds again"]
    );
    assert_eq!(
        matcher.matches("@united we are #hiring #jobs"),
        vec!["united", "jobs"]
    );
    assert_eq!(matcher.matches("Delayed again"), vec!["delays"]);
    assert!(matcher.matches("lovely weather").is_empty());
    assert!(matcher.matches("").is_empty());
}

#[test]
fn an_empty_matcher_matches_nothing() {
    let matcher = TopicMatcher::new([]);
    assert!(matcher.is_empty());
    assert!(matcher.matches("@united refund").is_empty());
}

// ---- properties ----

/// Query-shaped input: keywords, sigils, quotes and parentheses in random order.
fn query_like() -> impl Strategy<Value = String> {
    // Most words come from a tiny vocabulary so that queries and texts often share words.
    let piece = prop_oneof![
        3 => "[a-c]{1,2}",
        1 => "[a-zA-Z\u{e9}]{1,6}",
        1 => "[#@]?[a-c]{1,3}\\*?",
        1 => Just("AND".to_owned()),
        1 => Just("OR".to_owned()),
        1 => Just("NOT".to_owned()),
        1 => "NEAR/[0-9]{0,3}",
        1 => Just("(".to_owned()),
        1 => Just(")".to_owned()),
        1 => "\"[a-z \\\\\"]{0,8}\"?",
        1 => "[-!*#@]{1,2}",
    ];
    prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.join(" "))
}

/// Mostly valid queries over a tiny vocabulary, written the way people type them: mixed case,
/// implicit AND, redundant parentheses.
fn well_formed_query() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => "[#@]?[a-cA-C]{1,2}",
        1 => "[a-c]{2}\\*",
        1 => "\"[a-cA-C]{1,2}( [a-c]{1,2}){0,2}\"",
    ];
    let near = (leaf.clone(), 1..=5u8, leaf.clone(), any::<bool>()).prop_map(
        |(left, distance, right, grouped)| {
            if grouped {
                format!("({left} OR {right}) NEAR/{distance} {right}")
            } else {
                format!("{left} NEAR/{distance} {right}")
            }
        },
    );
    let operand = prop_oneof![4 => leaf, 1 => near];
    operand.prop_recursive(4, 24, 3, |inner| {
        let operator = prop_oneof![
            Just(" AND "),
            Just(" "),
            Just(" OR "),
            Just(" NOT "),
            Just(" AND NOT ")
        ];
        prop_oneof![
            (inner.clone(), operator, inner.clone()).prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.prop_map(|a| format!("NOT ({a})")),
        ]
    })
}

proptest! {
    #[test]
    fn parse_never_panics_on_any_string(input in "\\PC{0,200}") {
        let _ = Query::parse(&input);
    }

    #[test]
    fn errors_point_inside_the_query(input in query_like()) {
        if let Err(error) = Query::parse(&input) {
            prop_assert!(error.position <= input.chars().count());
        }
    }

    #[test]
    fn canonical_form_parses_back_to_the_same_query(
        input in prop_oneof![query_like(), well_formed_query()]
    ) {
        if let Ok(query) = Query::parse(&input) {
            let rendered = query.to_string();
            prop_assert_eq!(Query::parse(&rendered), Ok(query.clone()), "rendered as {}", rendered);
        }
    }

    #[test]
    fn matching_never_panics(text in any::<String>(), query in well_formed_query()) {
        if let Ok(query) = Query::parse(&query) {
            let _ = TopicMatcher::new([("topic", &query)]).matches(&text);
        }
    }

    /// Topics compiled together share patterns and leaves; the result must be what each topic
    /// gives on its own.
    #[test]
    fn one_shared_matcher_agrees_with_one_matcher_per_topic(
        queries in prop::collection::vec(well_formed_query(), 1..6),
        words in prop::collection::vec(
            prop_oneof!["[a-cA-C]{1,3}", "[#@][a-c]{1,2}", "[ ,.!'-]"], 0..30),
    ) {
        let text = words.join(" ");
        let parsed: Vec<Query> = queries.iter().filter_map(|q| Query::parse(q).ok()).collect();
        let names: Vec<String> = (0..parsed.len()).map(|i| format!("t{i}")).collect();
        let shared = TopicMatcher::new(names.iter().map(String::as_str).zip(&parsed));
        let one_by_one: Vec<String> = names
            .iter()
            .zip(&parsed)
            .filter(|&(name, query)| !TopicMatcher::new([(name.as_str(), query)]).matches(&text).is_empty())
            .map(|(name, _)| name.clone())
            .collect();
        prop_assert_eq!(shared.matches(&text), one_by_one);
    }
}
