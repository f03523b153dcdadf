//! Influence storage: interactions, authors, department counts and score generations.

use std::time::Duration;

use hearken_store::Store;
use hearken_store::influence::{
    AuthorDepartment, AuthorProfile, AuthorScore, InteractionEdge, NewGeneration, NewInteraction,
    RankCursor, TopicalScore,
};

async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .expect("store call timed out")
}

fn interaction(kind: i32, from: &str, to: &str, external_id: &str, at: i64) -> NewInteraction {
    NewInteraction {
        kind,
        source_handle: from.into(),
        target_handle: to.into(),
        mention_source: "twitter".into(),
        mention_external_id: external_id.into(),
        created_at: at,
        weight: None,
    }
}

/// Reads every interaction in `[from, until)` through the pages of `scan_interactions`.
async fn scan(store: &Store, from: Option<i64>, until: Option<i64>) -> Vec<InteractionEdge> {
    let mut all = Vec::new();
    let count =
        within(store.scan_interactions(from, until, &mut |page| all.extend_from_slice(page)))
            .await
            .unwrap();
    assert_eq!(count, all.len() as i64);
    all
}

fn author(handle: &str, followers: i64, observed_at: i64) -> AuthorProfile {
    AuthorProfile {
        source: "twitter".into(),
        handle: handle.into(),
        display_name: Some(format!("{handle} at {observed_at}")),
        followers,
        following: 3,
        post_count: 40,
        location: None,
        verified: false,
        observed_at,
    }
}

fn score(handle: &str, composite: f64, topical: &[(&str, f64)]) -> AuthorScore {
    AuthorScore {
        source: "twitter".into(),
        handle: handle.into(),
        score: composite,
        reach_raw: 1.0,
        reach_percentile: 10.0,
        engagement_raw: 2.0,
        engagement_percentile: 20.0,
        authority_raw: 0.25,
        authority_percentile: 30.0,
        recency_raw: 0.5,
        recency_percentile: 40.0,
        topical: topical
            .iter()
            .map(|(department, raw)| TopicalScore {
                department: (*department).into(),
                raw: *raw,
                percentile: raw * 100.0,
            })
            .collect(),
    }
}

fn save(scores: &[AuthorScore]) -> NewGeneration<'_> {
    NewGeneration {
        formula_version: "test-1",
        computed_at: 1_000,
        interaction_count: 3,
        scores,
    }
}

pub(crate) async fn run(store: &Store) {
    interactions_count_once(store).await;
    newer_author_observations_win(store).await;
    department_counts_add_up(store).await;
    generations_swap_whole_and_rank(store).await;
}

async fn interactions_count_once(store: &Store) {
    let mut weighted = interaction(3, "c", "b", "m2", 30);
    weighted.weight = Some(2.5);
    let batch = [
        interaction(1, "a", "b", "m1", 10),
        interaction(2, "a", "b", "m1", 10),
        interaction(1, "a", "b", "m1", 10),
        weighted.clone(),
    ];
    assert_eq!(within(store.record_interactions(&batch)).await.unwrap(), 3);
    assert_eq!(within(store.record_interactions(&batch)).await.unwrap(), 0);
    weighted.weight = Some(7.0);
    assert_eq!(
        within(store.record_interactions(&[weighted]))
            .await
            .unwrap(),
        0,
        "another weight does not make another interaction"
    );
    assert_eq!(within(store.count_interactions()).await.unwrap(), 3);
    let all = scan(store, None, None).await;
    assert_eq!(all.len(), 3);
    assert!(
        all.windows(2).all(|w| w[0].id < w[1].id),
        "in recording order"
    );
    assert!(all.iter().all(|i| i.source == "twitter"));
    let late = scan(store, Some(20), None).await;
    assert_eq!(late.len(), 1);
    assert_eq!(
        (late[0].source_handle.as_str(), late[0].kind, late[0].weight),
        ("c", 3, Some(2.5))
    );
    let early = scan(store, None, Some(30)).await;
    assert_eq!(early.len(), 2, "until is exclusive");
    assert!(
        early.iter().all(|i| i.weight.is_none()),
        "the kind's default"
    );
}

async fn newer_author_observations_win(store: &Store) {
    let applied = within(store.upsert_authors(&[author("ann", 100, 50), author("bob", 7, 5)]))
        .await
        .unwrap();
    assert_eq!(applied, 2);
    // An older observation is ignored; within a batch the newest wins whatever the order.
    let applied = within(store.upsert_authors(&[
        author("ann", 1, 40),
        author("bob", 9, 8),
        author("bob", 8, 6),
    ]))
    .await
    .unwrap();
    assert_eq!(applied, 1);
    let authors = within(store.list_authors()).await.unwrap();
    let followers: Vec<(&str, i64, i64)> = authors
        .iter()
        .map(|a| (a.handle.as_str(), a.followers, a.observed_at))
        .collect();
    assert_eq!(followers, [("ann", 100, 50), ("bob", 9, 8)]);
    assert_eq!(authors[1].display_name.as_deref(), Some("bob at 8"));
}

async fn department_counts_add_up(store: &Store) {
    let count = |handle: &str, department: &str, n| AuthorDepartment {
        source: "twitter".into(),
        handle: handle.into(),
        department: department.into(),
        mention_count: n,
    };
    within(store.add_author_departments(&[
        count("ann", "billing", 2),
        count("ann", "billing", 1),
        count("bob", "support", 4),
    ]))
    .await
    .unwrap();
    within(store.add_author_departments(&[count("ann", "billing", 5)]))
        .await
        .unwrap();
    let counts = within(store.author_departments()).await.unwrap();
    let counts: Vec<(&str, &str, i64)> = counts
        .iter()
        .map(|c| (c.department.as_str(), c.handle.as_str(), c.mention_count))
        .collect();
    assert_eq!(counts, [("billing", "ann", 8), ("support", "bob", 4)]);
}

async fn generations_swap_whole_and_rank(store: &Store) {
    assert_eq!(within(store.current_generation()).await.unwrap(), None);
    let first = [score("ann", 10.0, &[])];
    let g1 = within(store.save_generation(&save(&first))).await.unwrap();
    assert_eq!(g1.author_count, 1);

    let second = [
        score("ann", 50.0, &[("billing", 0.2)]),
        score("bob", 70.0, &[("billing", 0.1), ("support", 0.9)]),
        score("cat", 50.0, &[("billing", 0.4)]),
        score("dan", 20.0, &[]),
    ];
    let g2 = within(store.save_generation(&save(&second))).await.unwrap();
    assert_eq!(g2.generation, g1.generation + 1);
    assert_eq!(
        within(store.current_generation()).await.unwrap(),
        Some(g2.clone())
    );

    let bob = within(store.author_score(g2.generation, "twitter", "bob"))
        .await
        .unwrap()
        .expect("bob is scored");
    assert_eq!(bob, second[1]);
    assert_eq!(
        within(store.author_score(g2.generation, "twitter", "nobody"))
            .await
            .unwrap(),
        None
    );
    // The previous generation stays readable for pagers.
    let old_ann = within(store.author_score(g1.generation, "twitter", "ann"))
        .await
        .unwrap()
        .expect("previous generation kept");
    assert_eq!(old_ann.score, 10.0);

    let handles = |scores: Vec<AuthorScore>| -> Vec<String> {
        scores.into_iter().map(|s| s.handle).collect()
    };
    let page = within(store.top_scores(g2.generation, None, None, 2))
        .await
        .unwrap();
    assert_eq!(
        handles(page.clone()),
        ["bob", "ann"],
        "ties broken by source and handle"
    );
    let cursor = RankCursor {
        value: page[1].score,
        source: page[1].source.clone(),
        handle: page[1].handle.clone(),
    };
    let rest = within(store.top_scores(g2.generation, None, Some(&cursor), 10))
        .await
        .unwrap();
    assert_eq!(handles(rest), ["cat", "dan"]);

    let billing = within(store.top_scores(g2.generation, Some("billing"), None, 10))
        .await
        .unwrap();
    assert_eq!(handles(billing.clone()), ["cat", "ann", "bob"]);
    assert_eq!(billing[2].topical.len(), 2, "every department attached");
    let cursor = RankCursor {
        value: 0.2,
        source: "twitter".into(),
        handle: "ann".into(),
    };
    let after = within(store.top_scores(g2.generation, Some("billing"), Some(&cursor), 10))
        .await
        .unwrap();
    assert_eq!(handles(after), ["bob"]);

    // The same handle on another platform is another author.
    let mut elsewhere = score("ann", 90.0, &[("billing", 0.3)]);
    elsewhere.source = "mastodon".into();
    let both = [score("ann", 10.0, &[("billing", 0.1)]), elsewhere.clone()];
    let g3 = within(store.save_generation(&save(&both))).await.unwrap();
    let on = |source: &'static str| store.author_score(g3.generation, source, "ann");
    assert_eq!(within(on("mastodon")).await.unwrap(), Some(elsewhere));
    assert_eq!(within(on("twitter")).await.unwrap(), Some(both[0].clone()));
    let ranked = within(store.top_scores(g3.generation, Some("billing"), None, 10))
        .await
        .unwrap();
    let ranked: Vec<(&str, f64)> = ranked
        .iter()
        .map(|s| (s.source.as_str(), s.topical[0].raw))
        .collect();
    assert_eq!(ranked, [("mastodon", 0.3), ("twitter", 0.1)]);

    // A further generation drops the oldest but one.
    let g4 = within(store.save_generation(&save(&first))).await.unwrap();
    assert_eq!(within(store.generation(g2.generation)).await.unwrap(), None);
    assert!(
        within(store.generation(g3.generation))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        within(store.author_score(g2.generation, "twitter", "ann"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(within(store.current_generation()).await.unwrap(), Some(g4));
}
