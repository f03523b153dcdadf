use hearken::config::Role;
use hearken_classify::TrainOptions;
use hearken_classify::io::InputFormat;
use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::{TempDir, TestApp, config, within};

#[tokio::test]
async fn classify_role_needs_no_store_and_serves_only_the_classifier() {
    let mut config = config("postgres://nobody@127.0.0.1:1/none");
    config.role = Role::Classify;
    let mut app = TestApp::spawn(config).await;
    let mut client = within(ClassifyServiceClient::connect(app.url()))
        .await
        .unwrap();
    let documents = vec![
        pb::Document {
            id: "a".into(),
            text: "Are you hiring engineers in Berlin?".into(),
            ..Default::default()
        },
        pb::Document {
            id: "b".into(),
            text: "My refund never arrived, third email to support".into(),
            ..Default::default()
        },
    ];
    let response = within(client.classify(pb::ClassifyRequest {
        documents,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner();
    assert_eq!(response.classifications.len(), 2);
    let hiring = &response.classifications[0];
    assert_eq!(hiring.departments[0].id, "hr", "{hiring:?}");
    let refund = &response.classifications[1];
    assert_eq!(refund.departments[0].id, "customer_service", "{refund:?}");
    let vader = hearken_classify::Vader::new()
        .polarity_scores("My refund never arrived, third email to support");
    assert_eq!(refund.sentiment.unwrap().compound, vader.compound);

    // A caller pinned to a model this replica does not serve is told so, not answered by
    // another model.
    let status = within(client.classify(pb::ClassifyRequest {
        documents: vec![pb::Document {
            text: "hello".into(),
            ..Default::default()
        }],
        model_version: "not-this-one".into(),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let violation = &details.bad_request().unwrap().field_violations[0];
    assert_eq!(violation.field, "model_version");
    assert!(
        violation.description.contains(&hiring.model_version),
        "{}",
        violation.description
    );

    let status = within(app.ingest.list_topics(pb::ListTopicsRequest {}))
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::Unimplemented,
        "no ingest service on a classify replica"
    );
    app.stop().await;
}

/// An `Explain` feature name (`w:refund`, `b:my order`, `#:delayed`) as a routing reason.
fn readable(feature: &str) -> String {
    let (kind, body) = feature.split_at(2);
    match kind {
        "s:" => format!("{body} sentiment"),
        "w:" => format!("word {body:?}"),
        "b:" => format!("words {body:?}"),
        "c:" => format!("word part {:?}", body.trim_matches(['<', '>'])),
        "#:" => format!("#{body}"),
        "@:" => format!("@{body}"),
        "e:" => format!("emoji {body}"),
        "u:" => format!("link to {body}"),
        other => panic!("unknown feature kind {other:?} in {feature:?}"),
    }
}

#[tokio::test]
async fn routing_reasons_name_what_pushed_the_top_department_when_asked() {
    let mut config = config("postgres://nobody@127.0.0.1:1/none");
    config.role = Role::Classify;
    let app = TestApp::spawn(config).await;
    let mut client = within(ClassifyServiceClient::connect(app.url()))
        .await
        .unwrap();
    let text = "@united my refund never arrived and support won't answer my emails #refund";
    let request = |reason_count: i32| pb::ClassifyRequest {
        documents: vec![pb::Document {
            id: "a".into(),
            text: text.into(),
            ..Default::default()
        }],
        reason_count,
        ..Default::default()
    };

    let plain = within(client.classify(request(0)))
        .await
        .unwrap()
        .into_inner();
    assert!(
        plain.classifications[0].routing_reasons.is_empty(),
        "no reasons unless asked: {:?}",
        plain.classifications[0]
    );

    let asked = within(client.classify(request(4)))
        .await
        .unwrap()
        .into_inner();
    let classification = &asked.classifications[0];
    assert_eq!(
        classification.departments[0].id, "customer_service",
        "{classification:?}"
    );
    let reasons = &classification.routing_reasons;
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons.iter().all(|r| !r.is_empty()), "{reasons:?}");

    // Strongest first: the features with the largest positive weights for the department in
    // `Explain` (sorted by weight), in the same order.
    let explained = within(client.explain(pb::ExplainRequest {
        text: text.into(),
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner();
    let label = explained
        .labels
        .iter()
        .find(|l| l.kind == "department" && l.id == "customer_service")
        .expect("customer_service is explained");
    let mut expected: Vec<String> = Vec::new();
    for feature in label.features.iter().filter(|f| f.weight > 0.0) {
        let reason = readable(&feature.feature);
        if !expected.contains(&reason) {
            expected.push(reason);
        }
    }
    expected.truncate(4);
    assert_eq!(reasons, &expected, "explained as {label:?}");

    let more = within(client.classify(request(20)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        &more.classifications[0].routing_reasons[..4],
        &reasons[..],
        "a larger count extends the same ranking"
    );

    for bad in [21, -1] {
        let status = within(client.classify(request(bad))).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{bad}: {status:?}");
        let details = status.get_error_details();
        let violation = &details.bad_request().unwrap().field_violations[0];
        assert_eq!(violation.field, "reason_count");
        assert!(
            violation.description.contains("0..=20"),
            "{}",
            violation.description
        );
    }
    app.stop().await;
}

#[test]
fn train_then_eval_then_classify_files() {
    let dir = TempDir::new();
    let taxonomy = dir.path().join("taxonomy.toml");
    std::fs::write(
        &taxonomy,
        r#"
[[departments]]
id = "billing"
name = "Billing"
description = "Invoices and payments"
keywords = ["invoice", "charge", "refund"]

[[departments]]
id = "fleet"
name = "Fleet"
description = "Vehicles and repairs"
keywords = ["truck", "engine", "tyre"]

[[intents]]
id = "complaint"
name = "Complaint"
description = "Something went wrong"
urgency = 0.7

[[intents]]
id = "question"
name = "Question"
description = "Asks for information"
urgency = 0.3
"#,
    )
    .unwrap();
    let mut examples = String::new();
    for i in 0..40 {
        examples.push_str(&format!(
            "{{\"text\":\"charged twice on invoice {i}, want my refund\",\"departments\":[\"billing\"],\"intent\":\"complaint\"}}\n\
             {{\"text\":\"when is truck {i} back from engine repair?\",\"departments\":[\"fleet\"],\"intent\":\"question\"}}\n"
        ));
    }
    let examples_path = dir.path().join("examples.jsonl");
    std::fs::write(&examples_path, examples).unwrap();
    let model_path = dir.path().join("model.bin");
    let model = hearken::classify::train_file(
        &taxonomy,
        &examples_path,
        &model_path,
        &TrainOptions::default(),
    )
    .unwrap();
    let held_out = model
        .meta()
        .department_evaluation
        .clone()
        .expect("a held-out evaluation");
    assert!(held_out.accuracy > 0.9, "{held_out:?}");

    let (departments, intent) =
        hearken::classify::eval_file(Some(&model_path), &examples_path).unwrap();
    assert!(departments.macro_f1 > 0.9, "{departments:?}");
    let table = hearken::classify::render_evaluation("intent", &intent.unwrap());
    assert!(
        table.contains("complaint") && table.contains("confusion"),
        "{table}"
    );

    let input = dir.path().join("input.jsonl");
    std::fs::write(&input, "{\"id\":\"x1\",\"text\":\"my invoice has a wrong charge\"}\n{\"id\":\"x2\",\"text\":\"the truck engine died again\"}\n").unwrap();
    let output = dir.path().join("out.jsonl");
    let written =
        hearken::classify::classify_file(&input, InputFormat::Jsonl, &output, Some(&model_path))
            .unwrap();
    assert_eq!(written, 2);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["id"], "x1");
    assert_eq!(lines[0]["departments"][0]["id"], "billing");
    assert_eq!(lines[1]["departments"][0]["id"], "fleet");
    assert!(
        lines
            .iter()
            .all(|line| line.get("routing_reasons").is_none()),
        "reasons only when asked"
    );
    let with_reasons = dir.path().join("reasons.jsonl");
    hearken::classify::classify_file_with_reasons(
        &input,
        InputFormat::Jsonl,
        &with_reasons,
        Some(&model_path),
        2,
    )
    .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&with_reasons)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let reasons = first["routing_reasons"].as_array().expect("reasons");
    assert!(
        (1..=2).contains(&reasons.len()),
        "{first}: up to 2 reasons for billing"
    );
    for line in &lines {
        for field in [
            "sentiment",
            "departments",
            "intent",
            "topics",
            "language",
            "urgency",
        ] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
    }
}
