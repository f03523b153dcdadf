//! The gRPC adapter, over a real tonic server on an ephemeral port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hearken_classify::grpc::{ClassifyState, Limits, grpc_service};
use hearken_classify::{Vader, default_model};
use hearken_proto::v1 as pb;
use pb::classify_service_client::ClassifyServiceClient;
use tokio::sync::oneshot;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// Every await on the server is bounded, so a hang fails the test instead of stalling CI.
const TIMEOUT: Duration = Duration::from_secs(60);

struct TestServer {
    client: ClassifyServiceClient<Channel>,
    _shutdown: oneshot::Sender<()>,
}

async fn spawn_server(limits: Limits) -> TestServer {
    let model = default_model().expect("the default model builds");
    let state = Arc::new(ClassifyState::new(model, limits));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("local addr");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(grpc_service(state))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    let _ = rx.await;
                },
            )
            .await
            .expect("server runs");
    });
    let client = tokio::time::timeout(
        TIMEOUT,
        ClassifyServiceClient::connect(format!("http://{addr}")),
    )
    .await
    .expect("connect in time")
    .expect("connect");
    TestServer {
        client,
        _shutdown: tx,
    }
}

fn doc(id: &str, text: &str) -> pb::Document {
    pb::Document {
        id: id.to_owned(),
        text: text.to_owned(),
        ..pb::Document::default()
    }
}

async fn timed<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, f).await.expect("in time")
}

/// The bad-request field of an `InvalidArgument` status.
fn violated_field(status: &tonic::Status) -> String {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let details = status.get_error_details();
    let bad = details.bad_request().expect("bad request details");
    bad.field_violations[0].field.clone()
}

#[tokio::test]
async fn classify_keeps_order_and_matches_vader() {
    let mut server = spawn_server(Limits::default()).await;
    let texts = [
        "@acme my package never arrived and support ignores me 😡",
        "Are you hiring interns this summer?",
        "LOVE the new ad campaign!!! #brilliant",
        "when are the Q3 earnings out?",
    ];
    let documents = texts
        .iter()
        .enumerate()
        .map(|(i, t)| doc(&format!("d{i}"), t))
        .collect();
    let response = timed(server.client.classify(pb::ClassifyRequest {
        documents,
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect("classify")
    .into_inner();
    assert_eq!(response.classifications.len(), texts.len());
    let vader = Vader::new();
    for (c, text) in response.classifications.iter().zip(texts) {
        let s = c.sentiment.as_ref().expect("sentiment");
        let expected = vader.polarity_scores(text);
        assert_eq!(
            (s.neg, s.neu, s.pos, s.compound),
            (expected.neg, expected.neu, expected.pos, expected.compound),
            "{text}"
        );
        assert!(!c.model_version.is_empty());
        assert!((0.0..=1.0).contains(&c.urgency));
        assert!(c.intent.is_some());
    }
    assert!(
        response.classifications[2]
            .topics
            .contains(&"#brilliant".to_owned())
    );
    assert_eq!(response.classifications[0].language, "en");
}

#[tokio::test]
async fn stream_answers_in_order_with_ids() {
    let mut server = spawn_server(Limits::default()).await;
    let ids: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
    let requests: Vec<pb::ClassifyStreamRequest> = ids
        .iter()
        .map(|id| pb::ClassifyStreamRequest {
            document: Some(doc(
                id,
                &format!("post {id}: my order never arrived and support won't answer"),
            )),
            reason_count: 3,
        })
        .collect();
    let mut responses = timed(server.client.classify_stream(tokio_stream::iter(requests)))
        .await
        .expect("stream")
        .into_inner();
    let mut seen = Vec::new();
    while let Some(r) = timed(responses.message()).await.expect("message") {
        let c = r.classification.expect("classification");
        assert!(!c.departments.is_empty(), "{c:?}");
        assert!((1..=3).contains(&c.routing_reasons.len()), "{c:?}");
        seen.push(r.id);
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn stream_rejects_too_many_reasons_naming_the_document() {
    let mut server = spawn_server(Limits::default()).await;
    let requests = ["fine", "also fine"].map(|text| pb::ClassifyStreamRequest {
        document: Some(doc(text, text)),
        reason_count: if text == "fine" { 0 } else { 21 },
    });
    let mut responses = timed(server.client.classify_stream(tokio_stream::iter(requests)))
        .await
        .expect("stream")
        .into_inner();
    let first = timed(responses.message())
        .await
        .expect("first")
        .expect("some");
    assert_eq!(first.id, "fine");
    assert!(
        first
            .classification
            .expect("classification")
            .routing_reasons
            .is_empty()
    );
    let error = timed(responses.message()).await.unwrap_err();
    assert_eq!(violated_field(&error), "document[1].reason_count");
}

#[tokio::test]
async fn train_swaps_the_model_and_changes_predictions() {
    let mut server = spawn_server(Limits::default()).await;
    let before = timed(server.client.get_model(pb::GetModelRequest {}))
        .await
        .expect("get model")
        .into_inner()
        .model
        .expect("model");
    let department = |id: &str| pb::Department {
        id: id.to_owned(),
        name: id.to_owned(),
        ..pb::Department::default()
    };
    let example = |text: &str, dept: &str, intent: &str| pb::LabelledExample {
        text: text.to_owned(),
        department_ids: vec![dept.to_owned()],
        intent_id: intent.to_owned(),
    };
    let mut examples = Vec::new();
    for fruit in [
        "apple", "banana", "cherry", "grape", "mango", "pear", "plum", "kiwi",
    ] {
        examples.push(example(
            &format!("the {fruit} was delicious"),
            "kitchen",
            "praise",
        ));
        examples.push(example(
            &format!("my {fruit} tasted wonderful"),
            "kitchen",
            "praise",
        ));
    }
    for part in [
        "engine", "tyre", "brake", "clutch", "gearbox", "exhaust", "battery", "wiper",
    ] {
        examples.push(example(
            &format!("the {part} broke again"),
            "garage",
            "complaint",
        ));
        examples.push(example(
            &format!("my {part} makes a grinding noise"),
            "garage",
            "complaint",
        ));
    }
    let trained = timed(server.client.train(pb::TrainRequest {
        departments: vec![department("kitchen"), department("garage")],
        examples,
        holdout_fraction: 0.25,
        seed: 3,
    }))
    .await
    .expect("train")
    .into_inner()
    .model
    .expect("model");
    assert_ne!(trained.version, before.version);
    let eval = trained.department_evaluation.expect("held-out evaluation");
    assert_eq!(eval.example_count, 8);
    let ids: Vec<&str> = trained.departments.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["kitchen", "garage"]);

    let now = timed(server.client.get_model(pb::GetModelRequest {}))
        .await
        .expect("get model")
        .into_inner()
        .model
        .expect("model");
    assert_eq!(now.version, trained.version);

    let response = timed(server.client.classify(pb::ClassifyRequest {
        documents: vec![doc("a", "the brake broke"), doc("b", "a delicious apple")],
        model_version: trained.version.clone(),
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect("classify")
    .into_inner();
    let top = |i: usize| {
        response.classifications[i]
            .departments
            .first()
            .map(|d| d.id.clone())
    };
    assert_eq!(top(0).as_deref(), Some("garage"));
    assert_eq!(top(1).as_deref(), Some("kitchen"));
    assert_eq!(response.classifications[0].model_version, trained.version);
}

#[tokio::test]
async fn explain_names_features_of_the_text() {
    let mut server = spawn_server(Limits::default()).await;
    let text = "@acme I was charged twice for my invoice, refund please";
    let response = timed(server.client.explain(pb::ExplainRequest {
        text: text.to_owned(),
        ..pb::ExplainRequest::default()
    }))
    .await
    .expect("explain")
    .into_inner();
    assert!(response.classification.is_some());
    assert!(response.labels.iter().any(|l| l.kind == "intent"));
    assert!(response.labels.iter().any(|l| l.kind == "department"));
    let lower = text.to_lowercase();
    for label in &response.labels {
        assert!(!label.features.is_empty(), "{label:?}");
        for f in &label.features {
            // Every named feature comes from the text: its body (after the `x:` prefix) is
            // in the lowercased text, n-gram boundary marks aside; `s:` is VADER's label.
            if let Some(label) = f.feature.strip_prefix("s:") {
                assert!(["negative", "positive"].contains(&label), "{}", f.feature);
                continue;
            }
            let body = f.feature[2..].trim_matches(['<', '>']);
            assert!(lower.contains(body), "{} not in {lower:?}", f.feature);
        }
        let weights: Vec<f64> = label.features.iter().map(|f| f.weight.abs()).collect();
        assert!(weights.windows(2).all(|w| w[0] >= w[1]), "sorted by weight");
    }
}

#[tokio::test]
async fn bad_input_is_invalid_argument_with_the_field() {
    let limits = Limits {
        max_batch: 3,
        max_text_bytes: 100,
        ..Limits::default()
    };
    let mut server = spawn_server(limits).await;
    let empty = timed(server.client.classify(pb::ClassifyRequest::default()))
        .await
        .expect_err("empty batch");
    assert_eq!(violated_field(&empty), "documents");

    let too_many = (0..4).map(|i| doc(&i.to_string(), "hi")).collect();
    let err = timed(server.client.classify(pb::ClassifyRequest {
        documents: too_many,
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect_err("batch over the limit");
    assert_eq!(violated_field(&err), "documents");

    let long = vec![doc("a", "ok"), doc("b", &"x".repeat(101))];
    let err = timed(server.client.classify(pb::ClassifyRequest {
        documents: long,
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect_err("text over the limit");
    assert_eq!(violated_field(&err), "documents[1].text");

    let mut negative = doc("a", "hi");
    negative.author_followers_count = -1;
    let err = timed(server.client.classify(pb::ClassifyRequest {
        documents: vec![negative],
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect_err("negative followers");
    assert_eq!(violated_field(&err), "documents[0].author_followers_count");

    let err = timed(server.client.explain(pb::ExplainRequest {
        text: " ".to_owned(),
        ..pb::ExplainRequest::default()
    }))
    .await
    .expect_err("empty text");
    assert_eq!(violated_field(&err), "text");

    let err = timed(server.client.train(pb::TrainRequest {
        examples: vec![pb::LabelledExample {
            text: "hello".to_owned(),
            department_ids: vec!["no_such_department".to_owned()],
            intent_id: String::new(),
        }],
        ..pb::TrainRequest::default()
    }))
    .await
    .expect_err("unknown department");
    assert_eq!(violated_field(&err), "examples[0].departments");
}

#[tokio::test]
async fn unknown_model_version_is_invalid_argument() {
    let mut server = spawn_server(Limits::default()).await;
    let current = timed(server.client.get_model(pb::GetModelRequest {}))
        .await
        .expect("get model")
        .into_inner()
        .model
        .expect("model")
        .version;

    let ok = timed(server.client.classify(pb::ClassifyRequest {
        documents: vec![doc("a", "love it")],
        model_version: current.clone(),
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect("the serving version is accepted")
    .into_inner();
    assert_eq!(ok.classifications[0].model_version, current);

    let stale = format!("{current}-stale");
    let err = timed(server.client.classify(pb::ClassifyRequest {
        documents: vec![doc("a", "love it")],
        model_version: stale.clone(),
        ..pb::ClassifyRequest::default()
    }))
    .await
    .expect_err("another version");
    assert_eq!(violated_field(&err), "model_version");
    assert!(err.message().contains(&current), "{}", err.message());

    let err = timed(server.client.explain(pb::ExplainRequest {
        text: "love it".to_owned(),
        model_version: stale,
    }))
    .await
    .expect_err("another version");
    assert_eq!(violated_field(&err), "model_version");

    let explained = timed(server.client.explain(pb::ExplainRequest {
        text: "love it".to_owned(),
        model_version: current,
    }))
    .await
    .expect("the serving version is accepted");
    assert!(!explained.into_inner().labels.is_empty());
}
