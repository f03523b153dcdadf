//! Bad records are reported precisely, and the good records beside them survive.

use hearken_formats::{Format, FormatError, RecordError, parse};

use crate::{find, fixture, parse_file, ts};

fn error_at(errors: &[&RecordError], index: usize) -> (Option<usize>, String) {
    let error = errors
        .iter()
        .find(|e| e.index == index)
        .unwrap_or_else(|| panic!("no error at {index}"));
    (error.line, error.field.clone())
}

#[test]
fn jsonl_bad_lines_are_their_own_errors() {
    let parsed = parse_file(&fixture("canonical.jsonl"), Format::Jsonl);
    // Seven records on eight lines: line 2 is blank.
    assert_eq!(parsed.records.len(), 7);
    let errors: Vec<_> = parsed.errors().collect();
    assert_eq!(errors.len(), 4);
    assert_eq!(
        error_at(&errors, 2),
        (Some(4), "author.followers_count".to_owned())
    );
    assert_eq!(error_at(&errors, 3), (Some(5), String::new()));
    assert_eq!(error_at(&errors, 4), (Some(6), "hashtags[1]".to_owned()));
    assert_eq!(error_at(&errors, 5), (Some(7), "create_time".to_owned()));
    let ids: Vec<_> = parsed.mentions().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "6"]);

    let first = find(&parsed, "1");
    assert_eq!(first.create_time, Some(ts("2024-06-10T14:03:22Z")));
    let author = first.author.as_ref().expect("author");
    assert_eq!(
        author.following_count, 310,
        "proto3 JSON writes int64 as a string"
    );
    assert!(author.verified);
    assert_eq!(first.id, 0, "output-only fields are ignored");
}

#[test]
fn csv_bad_rows_keep_their_neighbours() {
    let parsed = parse_file(&fixture("canonical.csv"), Format::Auto);
    assert_eq!(parsed.format, Format::Csv);
    assert_eq!(parsed.records.len(), 6);
    let errors: Vec<_> = parsed.errors().collect();
    assert_eq!(
        error_at(&errors, 1),
        (Some(4), "author_followers_count".to_owned())
    );
    assert_eq!(error_at(&errors, 2), (Some(5), "create_time".to_owned()));
    assert_eq!(error_at(&errors, 4), (Some(7), "text".to_owned()));
    assert_eq!(
        errors
            .iter()
            .find(|e| e.index == 4)
            .map(|e| e.reason.as_str()),
        Some("invalid UTF-8")
    );
    let first = find(&parsed, "10");
    assert_eq!(first.text, "Multi-line\ntext, with a comma");
    assert_eq!(first.hashtags, ["lostluggage", "jfk"]);
    assert_eq!(first.mentioned_handles, ["AcmeAir"]);
    assert_eq!(
        first.author.as_ref().map(|a| a.handle.as_str()),
        Some("dana")
    );
    assert_eq!(find(&parsed, "13").text, "fourth \"quoted\"");
    assert_eq!(find(&parsed, "15").text, "last");
}

#[test]
fn twitter_array_bad_elements() {
    let parsed = parse_file(&fixture("twitter_v1_geo.json"), Format::Twitter);
    let errors: Vec<_> = parsed.errors().collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(
        error_at(&errors, 1),
        (None, "user.followers_count".to_owned())
    );
    assert_eq!(errors[1].index, 2);
    assert!(errors[1].reason.contains("expected an object"));
}

#[test]
fn invalid_utf8_fails_only_its_element() {
    let mut bytes =
        br#"[{"id_str":"1","text":"good","user":{"screen_name":"a"}},{"id_str":"2","text":"bad "#
            .to_vec();
    bytes.extend_from_slice(b"\xff\xfe");
    bytes.extend_from_slice(br#"","user":{"screen_name":"b"}},{"id_str":"3","text":"also good"}]"#);
    let parsed = parse(&bytes, Format::Twitter, None).expect("the array still parses");
    assert_eq!(parsed.records.len(), 3);
    let error = parsed.errors().next().expect("one error");
    assert_eq!(
        (error.index, error.field.as_str(), error.reason.as_str()),
        (1, "text", "invalid UTF-8")
    );
    let ids: Vec<_> = parsed.mentions().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["1", "3"]);

    let jsonl =
        b"{\"external_id\":\"a\"}\n{\"external_id\":\"\xc3\x28\"}\n{\"external_id\":\"c\"}\n";
    let parsed = parse(jsonl, Format::Jsonl, None).expect("jsonl");
    assert_eq!(parsed.mentions().count(), 2);
    assert_eq!(
        parsed.errors().next().map(|e| (e.index, e.line)),
        Some((1, Some(2)))
    );
}

#[test]
fn invalid_utf8_in_a_feed_item_fails_that_item() {
    let feed = b"<rss version=\"2.0\"><channel><title>T</title>\
        <item><guid>1</guid><title>ok</title></item>\
        <item><guid>2</guid><title>bad \xff</title></item>\
        <item><guid>3</guid><title>ok too</title></item></channel></rss>";
    let parsed = parse(feed, Format::Rss, None).expect("feed");
    assert_eq!(parsed.records.len(), 3);
    let error = parsed.errors().next().expect("bad item");
    assert_eq!((error.index, error.field.as_str()), (1, "title"));
    assert_eq!(parsed.mentions().count(), 2);
}

#[test]
fn whole_file_failures() {
    assert!(matches!(
        parse(b"{not json", Format::Twitter, None),
        Err(FormatError::Json(_))
    ));
    assert!(matches!(
        parse(b"\"a string\"", Format::Mastodon, None),
        Err(FormatError::Shape { .. })
    ));
    assert!(matches!(
        parse(b"<html><body/></html>", Format::Rss, None),
        Err(FormatError::Xml(_))
    ));
    assert!(matches!(
        parse(b"<rss><channel>", Format::Rss, None),
        Err(FormatError::Xml(_))
    ));
    assert!(matches!(
        parse(b"alpha,beta\n1,2\n", Format::Csv, None),
        Err(FormatError::CsvHeader(_))
    ));
    assert!(matches!(
        parse(b"", Format::Auto, None),
        Err(FormatError::Unrecognised(_))
    ));
    assert!(matches!(
        parse(b"just words", Format::Auto, None),
        Err(FormatError::Unrecognised(_))
    ));
    assert!(matches!(
        parse(br#"{"hello":1}"#, Format::Auto, None),
        Err(FormatError::Unrecognised(_))
    ));
}

#[test]
fn record_error_display_names_line_and_field() {
    let error = RecordError {
        index: 3,
        line: Some(5),
        field: "text".to_owned(),
        reason: "invalid UTF-8".to_owned(),
    };
    assert_eq!(
        error.to_string(),
        "record 3 (line 5), field text: invalid UTF-8"
    );
}

#[test]
fn deep_nesting_and_huge_fields_fail_only_their_record() {
    // serde_json stops at 128 levels: a line nested 100,000 deep is an error, not a stack overflow.
    let deep = format!(
        r#"{{"external_id":"deep","text":"x","author":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let huge = format!(
        r#"{{"source":"twitter","external_id":"huge","text":"{}","author":{{"handle":"h"}},"create_time":"2024-06-10T14:03:22Z"}}"#,
        "a".repeat(8 << 20)
    );
    let good = r#"{"source":"twitter","external_id":"good","text":"fine","author":{"handle":"g"},"create_time":"2024-06-10T14:03:22Z"}"#;
    let data = [deep.as_str(), good, huge.as_str()].join("\n");
    let parsed = parse(data.as_bytes(), Format::Jsonl, None).expect("the file parses");
    let errors: Vec<_> = parsed.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, Some(1));
    assert!(
        errors[0].reason.contains("recursion limit"),
        "{}",
        errors[0].reason
    );
    // The reader keeps a huge text whole; the ingest service's length limit rejects it with
    // its own error (crates/hearken/tests/it/ingest.rs).
    let ids: Vec<_> = parsed.mentions().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["good", "huge"]);
    assert_eq!(find(&parsed, "huge").text.len(), 8 << 20);
}
