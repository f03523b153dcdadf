//! File formats the CLI uses: inputs, examples, JSON Lines output.

use hearken_classify::io::{InputFormat, ReadError, classify_all, read_documents, read_examples};
use hearken_classify::{Classifier, Document, default_model};

#[test]
fn reads_the_three_input_formats() {
    let lines = read_documents(
        "first post\n\n  \nsecond post\n".as_bytes(),
        InputFormat::Lines,
    )
    .expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].text, "second post");

    let jsonl = "{\"id\": 7, \"text\": \"hi\", \"author_followers_count\": 12}\n{\"id\": \"x\", \"text\": \"yo\", \"language\": \"es\"}\n";
    let docs = read_documents(jsonl.as_bytes(), InputFormat::Jsonl).expect("jsonl");
    assert_eq!(docs[0].id.as_deref(), Some("7"));
    assert_eq!(docs[0].author_followers_count, 12);
    assert_eq!(docs[1].language.as_deref(), Some("es"));

    let csv = "id,text,author_followers_count\na,\"hello, world\",5\nb,bye,\n";
    let docs = read_documents(csv.as_bytes(), InputFormat::Csv).expect("csv");
    assert_eq!(docs[0].text, "hello, world");
    assert_eq!(docs[1].author_followers_count, 0);

    let err = read_documents("{\"id\": 1}\n".as_bytes(), InputFormat::Jsonl).expect_err("no text");
    assert!(matches!(err, ReadError::Malformed { line: 1, .. }), "{err}");
    let err =
        read_documents("id,body\n1,x\n".as_bytes(), InputFormat::Csv).expect_err("no text column");
    assert!(err.to_string().contains("`text` column"), "{err}");
    assert!("xml".parse::<InputFormat>().is_err());
}

#[test]
fn examples_with_bad_lines_name_the_line() {
    let ok = "{\"text\": \"a\", \"departments\": [\"hr\"], \"intent\": \"question\"}\n{\"text\": \"b\"}\n";
    let examples = read_examples(ok.as_bytes()).expect("examples");
    assert_eq!(examples[1].departments, Vec::<String>::new());
    assert_eq!(examples[1].intent, None);
    let bad = "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n";
    let err = read_examples(bad.as_bytes()).expect_err("missing text");
    assert!(matches!(err, ReadError::Malformed { line: 2, .. }), "{err}");
}

#[test]
fn output_is_one_json_object_per_input_in_order() {
    let classifier = Classifier::new(default_model().expect("model"));
    let docs = read_documents(
        (0..50)
            .map(|i| {
                format!("{{\"id\": \"d{i}\", \"text\": \"post {i} about my late delivery\"}}\n")
            })
            .collect::<String>()
            .as_bytes(),
        InputFormat::Jsonl,
    )
    .expect("jsonl");
    let mut out = Vec::new();
    assert_eq!(
        classify_all(&classifier, &docs, 0, &mut out).expect("written"),
        50
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 50);
    for (i, v) in lines.iter().enumerate() {
        assert_eq!(v["id"], format!("d{i}"));
        for field in [
            "sentiment",
            "departments",
            "intent",
            "topics",
            "language",
            "urgency",
        ] {
            assert!(v.get(field).is_some(), "{field} missing in {v}");
        }
        assert!(
            ["negative", "neutral", "positive"]
                .contains(&v["sentiment"]["label"].as_str().unwrap_or_default())
        );
        assert!(v["intent"]["confidence"].as_f64().is_some());
    }
}

#[test]
fn many_pieces_are_written_in_input_order() {
    let classifier = Classifier::new(default_model().expect("model"));
    let docs: Vec<Document> = (0..3_000)
        .map(|i| Document {
            id: Some(format!("d{i}")),
            text: format!("post {i}: where is my refund? {}", "late ".repeat(i % 7)),
            ..Document::default()
        })
        .collect();
    let mut out = Vec::new();
    assert_eq!(
        classify_all(&classifier, &docs, 1, &mut out).expect("written"),
        docs.len()
    );
    let ids: Vec<String> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["id"].as_str().expect("an id").to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..3_000).map(|i| format!("d{i}")).collect();
    assert_eq!(ids, expected);
}

mod output {
    use hearken_classify::io::write_classification;
    use hearken_classify::{Classification, Label, LabelScore, Sentiment};
    use proptest::prelude::*;

    /// Strings that need escaping, or not, and numbers of every kind, non-finite ones too.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z_ ]{0,8}", any::<String>()]
    }

    fn score() -> impl Strategy<Value = LabelScore> {
        (text(), any::<f64>()).prop_map(|(id, confidence)| LabelScore { id, confidence })
    }

    fn classification() -> impl Strategy<Value = Classification> {
        let label = prop::sample::select(vec![Label::Negative, Label::Neutral, Label::Positive]);
        let sentiment =
            (any::<[f64; 4]>(), label).prop_map(|([neg, neu, pos, compound], label)| Sentiment {
                neg,
                neu,
                pos,
                compound,
                label,
            });
        let strings = || prop::collection::vec(text(), 0..4);
        (
            (prop::option::of(text()), sentiment),
            (prop::collection::vec(score(), 0..3), score()),
            (strings(), text(), any::<f64>(), text(), strings()),
        )
            .prop_map(
                |(
                    (id, sentiment),
                    (departments, intent),
                    (topics, language, urgency, model_version, routing_reasons),
                )| Classification {
                    id,
                    sentiment,
                    departments,
                    intent,
                    topics,
                    language,
                    urgency,
                    model_version,
                    routing_reasons,
                },
            )
    }

    proptest! {
        #[test]
        fn lines_are_what_serde_json_writes(classification in classification()) {
            let mut expected = serde_json::to_vec(&classification).expect("serialises");
            expected.push(b'\n');
            let mut written = Vec::new();
            write_classification(&mut written, &classification).expect("writes to memory");
            prop_assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&expected));
        }
    }
}
