use hearken_proto::v1 as pb;
use hearken_proto::v1::influence_service_client::InfluenceServiceClient;

use crate::helpers::{TempDir, TestApp, config, within};

fn interaction(kind: pb::InteractionKind, from: &str, to: &str, id: &str) -> pb::Interaction {
    pb::Interaction {
        kind: kind as i32,
        source_handle: from.into(),
        target_handle: to.into(),
        mention_source: "twitter".into(),
        mention_external_id: id.into(),
        create_time: Some(hearken_proto::prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() - 3600,
            nanos: 0,
        }),
    }
}

#[tokio::test]
async fn the_all_role_scores_influence_from_the_graph() {
    let dir = TempDir::new();
    let app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let mut client = within(InfluenceServiceClient::connect(app.url()))
        .await
        .unwrap();
    let mut interactions = Vec::new();
    for (i, fan) in ["ann", "bob", "cy", "dee"].iter().enumerate() {
        interactions.push(interaction(
            pb::InteractionKind::Repost,
            fan,
            "hub",
            &format!("r{i}"),
        ));
        interactions.push(interaction(
            pb::InteractionKind::Reply,
            fan,
            "hub",
            &format!("p{i}"),
        ));
    }
    interactions.push(interaction(
        pb::InteractionKind::Mention,
        "hub",
        "ann",
        "m0",
    ));
    let request = pb::RecordInteractionsRequest { interactions };
    let recorded =
        within(client.record_interactions(tokio_stream::iter([request.clone(), request])))
            .await
            .unwrap()
            .into_inner();
    assert_eq!((recorded.recorded_count, recorded.duplicate_count), (9, 9));
    within(client.recompute(pb::RecomputeRequest {}))
        .await
        .unwrap();
    let top = within(client.top_influencers(pb::TopInfluencersRequest {
        page_size: 3,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner();
    assert_eq!(top.scores[0].handle, "hub", "{top:?}");
    let hub = within(client.get_score(pb::GetScoreRequest {
        handle: "hub".into(),
    }))
    .await
    .unwrap()
    .into_inner()
    .score
    .unwrap();
    assert!((0.0..=100.0).contains(&hub.score));
    assert!(hub.network_authority.unwrap().percentile > 50.0, "{hub:?}");
    app.stop().await;
}
