//! The enrichment queue: claims under a lease, exactly-once completion, retries, dead letters,
//! and the rollups and inbox items completion adds.

use chrono::{TimeZone, Utc};
use hearken_store::enrich::{
    EnrichedMention, Enrichment, FailureOutcome, ResolvedPlace, SENTIMENT_NEGATIVE, SentimentScores,
};
use hearken_store::{InsertOutcome, Store, StoredMention};

use crate::contract::{mention, within};

const MINUTE: i64 = 60_000_000;

pub(crate) async fn run(store: &Store) {
    let ids = seed(store).await;
    claims_oldest_first_under_a_lease(store, &ids).await;
    completes_exactly_once_with_rollups_and_inbox(store).await;
    failures_back_off_then_dead_letter(store).await;
}

async fn seed(store: &Store) -> Vec<i64> {
    let at = Utc.with_ymd_and_hms(2015, 2, 24, 11, 35, 0).unwrap();
    let mentions: Vec<_> = (0..6)
        .map(|i| mention("twitter", &format!("e{i}"), at))
        .collect();
    let topics = vec![vec!["airline".to_owned()]; mentions.len()];
    within(store.insert_mentions(&mentions, &topics))
        .await
        .unwrap()
        .into_iter()
        .map(|outcome| match outcome {
            InsertOutcome::Inserted(id) => id,
            InsertOutcome::Duplicate => panic!("fresh mention reported as duplicate"),
        })
        .collect()
}

async fn claims_oldest_first_under_a_lease(store: &Store, ids: &[i64]) {
    let stats = within(store.queue_stats()).await.unwrap();
    assert_eq!(
        (stats.pending, stats.enriched, stats.dead_lettered),
        (6, 0, 0)
    );
    assert!(stats.oldest_pending_ingested_at.is_some());

    let first = within(store.claim_pending(4, MINUTE)).await.unwrap();
    let claimed: Vec<i64> = first.iter().map(|m| m.id).collect();
    assert_eq!(claimed, ids[..4], "oldest first, at most the limit");
    assert!(first.iter().all(|m| m.attempts == 1));
    assert_eq!(
        first[0].topics,
        ["airline"],
        "claimed mentions carry their topics"
    );

    let second = within(store.claim_pending(10, MINUTE)).await.unwrap();
    let claimed: Vec<i64> = second.iter().map(|m| m.id).collect();
    assert_eq!(claimed, ids[4..], "leased mentions are not claimed twice");
    assert!(
        within(store.claim_pending(10, MINUTE))
            .await
            .unwrap()
            .is_empty()
    );
    // Leave them claimable again for the next checks.
    within(store.fail_enrichment(ids, "test reset", 0, 100))
        .await
        .unwrap();
}

fn enrichment(departments: &[(&str, f64)], compound: f64) -> Enrichment {
    Enrichment {
        sentiment: SentimentScores {
            neg: 0.3,
            neu: 0.7,
            pos: 0.0,
            compound,
            label: SENTIMENT_NEGATIVE,
        },
        departments: departments
            .iter()
            .map(|(id, c)| ((*id).to_owned(), *c))
            .collect(),
        intent: "complaint".into(),
        intent_confidence: 0.8,
        key_topics: vec!["#fail".into(), "commercials".into()],
        language: "en".into(),
        urgency: 0.6,
        model_version: "m1".into(),
        routing_reasons: vec!["word \"commercials\"".into(), "#fail".into()],
        place: ResolvedPlace {
            country_code: "US".into(),
            region_code: "US-NY".into(),
            city: "New York City".into(),
            coordinates: Some((40.71, -74.0)),
            evidence: 1,
            confidence: 0.95,
        },
        priority: 0.42,
    }
}

async fn rollup(store: &Store, department: &str, dimension: i32, value: &str) -> i64 {
    let sql = "SELECT CAST(COALESCE(SUM(mention_count), 0) AS BIGINT) FROM rollups \
               WHERE department = $1 AND dimension = $2 AND value = $3";
    let sum: i64 = match store {
        Store::Postgres(pg) => sqlx::query_scalar(sql)
            .bind(department)
            .bind(dimension)
            .bind(value)
            .fetch_one(pg.pool())
            .await
            .unwrap(),
        Store::Sqlite(lite) => sqlx::query_scalar(sql)
            .bind(department)
            .bind(dimension)
            .bind(value)
            .fetch_one(lite.pool())
            .await
            .unwrap(),
    };
    sum
}

async fn completes_exactly_once_with_rollups_and_inbox(store: &Store) {
    let claimed = within(store.claim_pending(3, MINUTE)).await.unwrap();
    let items: Vec<EnrichedMention> = claimed
        .into_iter()
        .zip([
            enrichment(&[("customer_service", 0.9), ("marketing", 0.4)], -0.5),
            enrichment(&[("customer_service", 0.7)], -0.1),
            enrichment(&[], -0.3),
        ])
        .map(|(mention, enrichment)| EnrichedMention {
            mention,
            enrichment,
        })
        .collect();
    assert_eq!(within(store.complete_enrichment(&items)).await.unwrap(), 3);
    // A second worker whose lease overlapped finishes the same batch: nothing changes.
    assert_eq!(within(store.complete_enrichment(&items)).await.unwrap(), 0);

    let stored: StoredMention = within(store.get_mention(items[0].mention.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, 2);
    let e = &stored.enrichment;
    assert_eq!(e.sentiment_compound, Some(-0.5));
    assert_eq!(e.intent.as_deref(), Some("complaint"));
    assert_eq!(e.city.as_deref(), Some("New York City"));
    assert_eq!(e.routing_reasons, "word \"commercials\"\n#fail");
    assert!(e.enriched_at.is_some());
    assert_eq!(
        stored.departments,
        [
            ("customer_service".to_owned(), 0.9),
            ("marketing".to_owned(), 0.4)
        ]
    );
    assert_eq!(stored.key_topics, ["#fail", "commercials"]);

    // Totals: all three once in "", by department as classified.
    assert_eq!(rollup(store, "", 0, "").await, 3);
    assert_eq!(rollup(store, "", 1, "customer_service").await, 2);
    assert_eq!(rollup(store, "", 1, "marketing").await, 1);
    assert_eq!(rollup(store, "customer_service", 0, "").await, 2);
    assert_eq!(rollup(store, "customer_service", 2, "airline").await, 2);
    assert_eq!(rollup(store, "", 2, "#fail").await, 3);
    assert_eq!(rollup(store, "", 6, "New York City, US-NY").await, 3);
    assert_eq!(rollup(store, "", 7, "negative").await, 3);
    assert_eq!(rollup(store, "", 9, "en").await, 3);
    assert_eq!(
        rollup(store, "customer_service", 1, "customer_service").await,
        0
    );

    let stats = within(store.queue_stats()).await.unwrap();
    assert_eq!((stats.pending, stats.enriched), (3, 3));

    // The inbox holds the two routed mentions, owned by their top department.
    let inbox: Vec<(i64, String)> = match store {
        Store::Postgres(pg) => sqlx::query_as(
            "SELECT mention_id, owner_department FROM inbox_items ORDER BY mention_id",
        )
        .fetch_all(pg.pool())
        .await
        .unwrap(),
        Store::Sqlite(lite) => sqlx::query_as(
            "SELECT mention_id, owner_department FROM inbox_items ORDER BY mention_id",
        )
        .fetch_all(lite.pool())
        .await
        .unwrap(),
    };
    assert_eq!(
        inbox,
        [
            (items[0].mention.id, "customer_service".to_owned()),
            (items[1].mention.id, "customer_service".to_owned())
        ]
    );
}

async fn failures_back_off_then_dead_letter(store: &Store) {
    let claimed = within(store.claim_pending(10, MINUTE)).await.unwrap();
    let ids: Vec<i64> = claimed.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 3);
    let far = chrono::Utc::now().timestamp_micros() + 10 * MINUTE;
    let outcome = within(store.fail_enrichment(&ids, "classify unavailable", far, 100))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        FailureOutcome {
            retrying: 3,
            dead_lettered: 0
        }
    );
    assert!(
        within(store.claim_pending(10, MINUTE))
            .await
            .unwrap()
            .is_empty(),
        "backing off"
    );

    // Attempts so far: 2 each (one claim in the lease check, one here). With at most 2, the
    // next failure dead-letters them with its error.
    within(store.fail_enrichment(&ids, "still failing", 0, 2))
        .await
        .unwrap();
    let dead = within(store.get_mention(ids[0])).await.unwrap().unwrap();
    assert_eq!(dead.status, 3);
    assert_eq!(dead.last_error.as_deref(), Some("still failing"));
    let stats = within(store.queue_stats()).await.unwrap();
    assert_eq!((stats.pending, stats.dead_lettered), (0, 3));
    assert_eq!(stats.oldest_pending_ingested_at, None);
}
