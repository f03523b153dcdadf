use hearken::config::Role;
use hearken_classify::TrainOptions;
use hearken_classify::io::InputFormat;
use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use tonic::Code;

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
