//! The background recompute: on start when interactions exist, again when enough arrived,
//! and stopping on cancellation.

use std::time::Duration;

use hearken_influence::{InfluenceConfig, InfluenceState, SchedulerConfig, run_scheduler};
use hearken_store::Store;
use hearken_store::influence::NewInteraction;
use tokio_util::sync::CancellationToken;

fn interaction(from: &str, id: &str) -> NewInteraction {
    NewInteraction {
        kind: 2,
        source_handle: from.into(),
        target_handle: "brand".into(),
        mention_source: "twitter".into(),
        mention_external_id: id.into(),
        created_at: 1_700_000_000_000_000,
        weight: None,
    }
}

async fn wait_for_generation(store: &Store, at_least: i64) -> i64 {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(generation) = store.current_generation().await.unwrap()
                && generation.generation >= at_least
            {
                return generation.interaction_count;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the scheduler recomputed in time")
}

#[tokio::test]
async fn recomputes_when_interactions_arrive_and_stops_when_cancelled() {
    let dir = crate::grpc::TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("hearken.db").display());
    let store = Store::connect(&url).await.unwrap();
    let state = InfluenceState::new(store.clone(), InfluenceConfig::default());
    state
        .record_interactions(&[interaction("a", "1"), interaction("b", "2")])
        .await
        .unwrap();

    let token = CancellationToken::new();
    let config = SchedulerConfig {
        interval: Duration::from_secs(3600),
        min_new_interactions: 3,
        poll: Duration::from_millis(20),
    };
    let scheduler = tokio::spawn(run_scheduler(state.clone(), config, token.clone()));
    assert_eq!(wait_for_generation(&store, 1).await, 2);

    // Two new interactions are fewer than three: no recompute within several polls.
    state
        .record_interactions(&[interaction("c", "3"), interaction("d", "4")])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        store
            .current_generation()
            .await
            .unwrap()
            .unwrap()
            .generation,
        1
    );
    state
        .record_interactions(&[interaction("e", "5")])
        .await
        .unwrap();
    assert_eq!(wait_for_generation(&store, 2).await, 5);

    token.cancel();
    tokio::time::timeout(Duration::from_secs(10), scheduler)
        .await
        .expect("the scheduler stops when cancelled")
        .unwrap();
}
