//! The influence service of the `all` role over gRPC, on SQLite and on Postgres: recording,
//! recomputing, scoring with components, rankings, and what bad input gets back.

use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;
use hearken_proto::v1::influence_service_client::InfluenceServiceClient;
use hearken_store::Store;
use hearken_store::influence::AuthorDepartment;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::helpers::{TempDir, TestApp, config, postgres_url, within};

use pb::InteractionKind::{Mention, Reply, Repost};

fn interaction(kind: pb::InteractionKind, from: &str, to: &str, id: &str) -> pb::Interaction {
    pb::Interaction {
        kind: kind as i32,
        source_handle: from.into(),
        target_handle: to.into(),
        mention_source: "twitter".into(),
        mention_external_id: id.into(),
        // One time for all, so recency ties and the rankings below follow from the graph alone.
        create_time: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        weight: 0.0,
    }
}

fn weighted(mut interaction: pb::Interaction, weight: f64) -> pb::Interaction {
    interaction.weight = weight;
    interaction
}

fn on(source: &str, mut interaction: pb::Interaction) -> pb::Interaction {
    interaction.mention_source = source.into();
    interaction
}

fn author(source: &str, handle: &str, followers: i64) -> pb::SourcedAuthor {
    pb::SourcedAuthor {
        source: source.into(),
        author: Some(pb::Author {
            handle: handle.into(),
            followers_count: followers,
            post_count: 4,
            observe_time: Some(Timestamp {
                seconds: 1_700_000_100,
                nanos: 0,
            }),
            ..pb::Author::default()
        }),
    }
}

async fn record(
    client: &mut InfluenceServiceClient<Channel>,
    messages: Vec<Vec<pb::Interaction>>,
) -> pb::RecordInteractionsResponse {
    let messages = messages
        .into_iter()
        .map(|interactions| pb::RecordInteractionsRequest { interactions });
    within(client.record_interactions(tokio_stream::iter(messages)))
        .await
        .unwrap()
        .into_inner()
}

async fn score(
    client: &mut InfluenceServiceClient<Channel>,
    source: &str,
    handle: &str,
) -> Result<pb::InfluenceScore, tonic::Status> {
    within(client.get_score(pb::GetScoreRequest {
        handle: handle.into(),
        source: source.into(),
    }))
    .await
    .map(|response| response.into_inner().score.unwrap())
}

async fn top(
    client: &mut InfluenceServiceClient<Channel>,
    department: &str,
) -> Vec<pb::InfluenceScore> {
    within(client.top_influencers(pb::TopInfluencersRequest {
        department: department.into(),
        page_size: 100,
        ..Default::default()
    }))
    .await
    .unwrap()
    .into_inner()
    .scores
}

fn raw(component: &Option<pb::ScoreComponent>) -> f64 {
    component.as_ref().unwrap().raw_value
}

/// The whole contract against one database: `database_url` is the server's.
async fn influence_contract(database_url: &str) {
    let app = TestApp::spawn(config(database_url)).await;
    let mut client = within(InfluenceServiceClient::connect(app.url()))
        .await
        .unwrap();

    // Four fans repost and reply to the hub; `fan1` mentions two others with different
    // weights; the hub replies to itself; `alice` exists on two platforms.
    let mut first = Vec::new();
    for fan in ["fan1", "fan2", "fan3", "fan4"] {
        first.push(interaction(Repost, fan, "hub", &format!("r-{fan}")));
        first.push(interaction(Reply, fan, "hub", &format!("p-{fan}")));
    }
    let second = vec![
        interaction(Reply, "hub", "hub", "self"),
        weighted(interaction(Mention, "fan1", "heavy", "w1"), 9.0),
        interaction(Mention, "fan1", "light", "w2"),
        interaction(Mention, "fan2", "alice", "a1"),
        interaction(Mention, "fan3", "alice", "a2"),
        on("mastodon", interaction(Mention, "fan2", "alice", "a3")),
    ];
    let recorded = record(&mut client, vec![first.clone(), second.clone()]).await;
    assert_eq!(
        (
            recorded.recorded_count,
            recorded.duplicate_count,
            recorded.rejected_count
        ),
        (14, 0, 0),
        "the self-reply is recorded like any other: {recorded:?}"
    );
    assert!(recorded.errors.is_empty());

    // Re-recording changes nothing, not even with another weight.
    let mut again = second.clone();
    again[1].weight = 1.0;
    let repeated = record(&mut client, vec![again, first]).await;
    assert_eq!((repeated.recorded_count, repeated.duplicate_count), (0, 14));

    // Bad records are reported by their index in the stream; the good ones around them stay.
    let mut no_kind = interaction(Reply, "fan4", "light", "bad1");
    no_kind.kind = 0;
    let bad = record(
        &mut client,
        vec![
            vec![
                weighted(interaction(Mention, "fan4", "heavy", "bad0"), -2.0),
                interaction(Mention, "fan4", "light", "good0"),
            ],
            vec![
                no_kind,
                weighted(interaction(Mention, "fan4", "heavy", "bad2"), f64::NAN),
            ],
        ],
    )
    .await;
    assert_eq!(
        (bad.recorded_count, bad.duplicate_count, bad.rejected_count),
        (1, 0, 3)
    );
    let errors: Vec<(i64, &str, &str)> = bad
        .errors
        .iter()
        .map(|e| (e.index, e.field.as_str(), e.external_id.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (0, "weight", "bad0"),
            (2, "kind", "bad1"),
            (3, "weight", "bad2")
        ]
    );
    assert!(bad.errors[0].reason.contains("not negative"), "{bad:?}");

    let upserted = within(client.upsert_authors(pb::UpsertAuthorsRequest {
        authors: vec![
            author("twitter", "hub", 50_000),
            author("twitter", "alice", 999),
            author("mastodon", "alice", 9),
        ],
    }))
    .await
    .unwrap()
    .into_inner();
    assert_eq!(upserted.upserted_count, 3);

    // Department counts arrive with classified mentions; the test writes them directly.
    let store = within(Store::connect(database_url)).await.unwrap();
    let billing = |handle: &str| AuthorDepartment {
        source: "twitter".into(),
        handle: handle.into(),
        department: "billing".into(),
        mention_count: 2,
    };
    within(store.add_author_departments(&[billing("fan1")]))
        .await
        .unwrap();
    store.close().await;

    // The scheduler may recompute as soon as the server starts, so only an author nobody
    // mentioned is certainly unscored here.
    assert_eq!(
        score(&mut client, "twitter", "nobody-at-all")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound,
        "an unknown author has no score"
    );
    let recompute = within(client.recompute(pb::RecomputeRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recompute.interaction_count, 15);
    // hub, heavy, light, four fans and alice on twitter; fan2 and alice on mastodon.
    assert_eq!(recompute.author_count, 10);

    let hub = score(&mut client, "twitter", "@HUB").await.unwrap();
    assert_eq!(
        (hub.source.as_str(), hub.handle.as_str()),
        ("twitter", "hub")
    );
    assert!((raw(&hub.reach) - 50_001f64.log10()).abs() < 1e-12);
    assert!(
        (raw(&hub.engagement) - 2.0).abs() < 1e-12,
        "eight interactions from others over four posts; the self-reply adds nothing"
    );
    let components = [
        &hub.reach,
        &hub.engagement,
        &hub.network_authority,
        &hub.recency,
    ];
    let composite: f64 = components
        .iter()
        .map(|c| c.as_ref().unwrap().weight * c.as_ref().unwrap().percentile)
        .sum();
    assert!((hub.score - composite).abs() < 1e-9, "{hub:?}");

    // The recorded weight counts: one mention of weight 9 outranks one of the default 1.
    let heavy = score(&mut client, "twitter", "heavy").await.unwrap();
    let light = score(&mut client, "twitter", "light").await.unwrap();
    assert!(raw(&heavy.network_authority) > raw(&light.network_authority));

    // One handle, two authors.
    let alice_twitter = score(&mut client, "twitter", "alice").await.unwrap();
    let alice_mastodon = score(&mut client, "mastodon", "alice").await.unwrap();
    assert!((raw(&alice_twitter.reach) - 3.0).abs() < 1e-12);
    assert!((raw(&alice_mastodon.reach) - 1.0).abs() < 1e-12);
    assert!((raw(&alice_twitter.engagement) - 0.5).abs() < 1e-12);
    assert!((raw(&alice_mastodon.engagement) - 0.25).abs() < 1e-12);

    let missing_source = score(&mut client, "", "alice").await.unwrap_err();
    assert_eq!(missing_source.code(), Code::InvalidArgument);
    let fields: Vec<String> = missing_source
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["source"]);
    assert_eq!(
        score(&mut client, "twitter", "nobody")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        score(&mut client, "bluesky", "hub")
            .await
            .unwrap_err()
            .code(),
        Code::NotFound,
        "the hub is scored on twitter only"
    );

    let overall = top(&mut client, "").await;
    assert_eq!(overall.len(), 10);
    assert_eq!(overall[0].handle, "hub", "{overall:?}");
    assert!(overall.windows(2).all(|w| w[0].score >= w[1].score));
    // Billing's conversation is fan1's: only what fan1 reaches ranks, by the weights fan1 gave
    // (9 to heavy, 3 + 2 to the hub, 1 to light), the hub no longer first.
    let billing = top(&mut client, "billing").await;
    let billing: Vec<&str> = billing.iter().map(|s| s.handle.as_str()).collect();
    assert_eq!(billing, ["fan1", "heavy", "hub", "light"]);
    app.stop().await;
}

#[tokio::test]
async fn influence_over_grpc_on_sqlite() {
    let dir = TempDir::new();
    influence_contract(&dir.sqlite_url()).await;
}

#[tokio::test]
async fn influence_over_grpc_on_postgres() {
    let Some(url) = within(postgres_url()).await else {
        eprintln!("HEARKEN_TEST_POSTGRES_URL is not set: skipping the Postgres run");
        return;
    };
    influence_contract(&url).await;
}
