use hearken_ingest::MAX_TOPICS;
use hearken_proto::v1 as pb;
use hearken_store::Store;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::{TempDir, TestApp, config, mention, within};

fn topic(name: &str, query: &str) -> pb::PutTopicRequest {
    pb::PutTopicRequest {
        topic: Some(pb::Topic {
            name: name.into(),
            query: query.into(),
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn topics_are_saved_listed_matched_and_deleted() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let saved = within(
        app.ingest
            .put_topic(topic("luggage", "@united (bag OR luggage) NOT found")),
    )
    .await
    .unwrap()
    .into_inner()
    .topic
    .unwrap();
    assert_eq!(
        saved.query, "@united AND (bag OR luggage) AND NOT found",
        "stored in canonical form"
    );
    within(
        app.ingest
            .put_topic(topic("refund delay", "refund* NEAR/3 waiting")),
    )
    .await
    .unwrap();
    within(
        app.ingest
            .put_topic(topic("brand", "#southwest OR \"southwest airlines\"")),
    )
    .await
    .unwrap();

    let texts = [
        ("m-1", "@united lost my bag in Denver"),
        ("m-2", "@united my bag was found, thanks!"),
        ("m-3", "Still waiting for the refund they promised"),
        (
            "m-4",
            "refund? I have been waiting on hold, then waiting at the gate, for weeks",
        ),
        (
            "m-5",
            "Flying #Southwest today, and Southwest Airlines was great",
        ),
        ("m-6", "nothing to see here @unitedstates bags"),
    ];
    let batch = texts.iter().map(|(id, text)| mention(id, text)).collect();
    within(
        app.ingest
            .ingest_batch(pb::IngestBatchRequest { mentions: batch }),
    )
    .await
    .unwrap();

    let stored = app.all_mentions(pb::ListMentionsRequest::default()).await;
    let topics_of = |id: &str| {
        stored
            .iter()
            .find(|m| m.external_id == id)
            .unwrap()
            .matched_topics
            .clone()
    };
    assert_eq!(topics_of("m-1"), ["luggage"]);
    assert!(topics_of("m-2").is_empty(), "NOT found excludes it");
    assert_eq!(topics_of("m-3"), ["refund delay"]);
    assert!(
        topics_of("m-4").is_empty(),
        "refund and waiting are more than 3 words apart"
    );
    assert_eq!(topics_of("m-5"), ["brand"]);
    assert!(topics_of("m-6").is_empty(), "@unitedstates is not @united");

    let by_topic = app
        .all_mentions(pb::ListMentionsRequest {
            topic: "luggage".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(by_topic.len(), 1);

    let names: Vec<String> = within(app.ingest.list_topics(pb::ListTopicsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .topics
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["brand", "luggage", "refund delay"]);

    within(app.ingest.delete_topic(pb::DeleteTopicRequest {
        name: "luggage".into(),
    }))
    .await
    .unwrap();
    let missing = within(app.ingest.delete_topic(pb::DeleteTopicRequest {
        name: "luggage".into(),
    }))
    .await
    .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    within(app.ingest.ingest_batch(pb::IngestBatchRequest {
        mentions: vec![mention("m-7", "@united lost my bag")],
    }))
    .await
    .unwrap();
    let stored = app.all_mentions(pb::ListMentionsRequest::default()).await;
    assert!(
        stored
            .iter()
            .all(|m| !m.matched_topics.contains(&"luggage".to_owned()))
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_queries_say_where_and_what() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let status = within(app.ingest.put_topic(topic("broken", "acme AND (refund OR")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let violation = &details.bad_request().unwrap().field_violations[0];
    assert_eq!(violation.field, "topic.query");
    assert!(
        violation.description.starts_with("at position 19:"),
        "{}",
        violation.description
    );

    let status = within(app.ingest.put_topic(topic("only not", "NOT acme")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = within(app.ingest.put_topic(topic("", "acme")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = within(app.ingest.put_topic(topic("a/b", "acme")))
        .await
        .unwrap_err();
    assert!(
        status.message().contains("topic.name"),
        "{}",
        status.message()
    );
    assert!(
        within(app.ingest.list_topics(pb::ListTopicsRequest {}))
            .await
            .unwrap()
            .into_inner()
            .topics
            .is_empty()
    );
    app.stop().await;
}

/// An organisation has at most `MAX_TOPICS` listening topics: one more is refused, naming the
/// limit, while an existing topic may still be replaced.
#[tokio::test]
async fn topics_beyond_the_limit_are_refused() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    // Straight into the store: a thousand calls would only be slower.
    let store = Store::connect(&dir.sqlite_url()).await.unwrap();
    for number in 0..MAX_TOPICS {
        within(store.put_topic(&format!("topic {number}"), "united", false))
            .await
            .unwrap();
    }
    store.close().await;

    let refused = within(app.ingest.put_topic(topic("one too many", "delta")))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    let details = refused.get_error_details();
    let violation = &details.bad_request().unwrap().field_violations[0];
    assert_eq!(violation.field, "topic");
    assert!(
        violation
            .description
            .contains(&format!("already {MAX_TOPICS} topics")),
        "{}",
        violation.description
    );
    within(app.ingest.put_topic(topic("topic 7", "delta")))
        .await
        .unwrap();
    app.stop().await;
}
