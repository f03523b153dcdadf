//! The formula on small graphs whose answers can be reasoned out.

use hearken_influence::score::{ScoreInputs, compute_scores, percentiles};
use hearken_store::influence::{AuthorDepartment, AuthorProfile, AuthorScore, InteractionEdge};

fn edge(kind: i32, from: &str, to: &str, at: i64) -> InteractionEdge {
    InteractionEdge {
        id: 0,
        kind,
        source: "twitter".into(),
        source_handle: from.into(),
        target_handle: to.into(),
        weight: None,
        created_at: at,
    }
}

fn scores(
    interactions: &[InteractionEdge],
    authors: &[AuthorProfile],
    departments: &[AuthorDepartment],
) -> Vec<AuthorScore> {
    let mut inputs = ScoreInputs::new();
    for interaction in interactions {
        inputs.add_interaction(interaction).unwrap();
    }
    for author in authors {
        inputs.add_author(author).unwrap();
    }
    for count in departments {
        inputs.add_department(count).unwrap();
    }
    assert_eq!(inputs.interaction_count(), interactions.len() as i64);
    compute_scores(inputs).unwrap()
}

#[test]
fn percentiles_count_strictly_lower_values() {
    assert_eq!(percentiles(&[3.0, 1.0, 3.0, 2.0]), [50.0, 0.0, 50.0, 25.0]);
    assert_eq!(percentiles(&[7.0, 7.0]), [0.0, 0.0]);
    assert!(percentiles(&[]).is_empty());
}

#[test]
fn reposts_weigh_more_than_likes_and_recency_halves_weekly() {
    const WEEK: i64 = 7 * 24 * 3600 * 1_000_000;
    let interactions = [
        edge(3, "a", "reposted", 2 * WEEK),
        edge(5, "a", "liked", 2 * WEEK),
        edge(1, "old", "someone", 0),
        edge(1, "self", "self", 2 * WEEK),
    ];
    let authors = [AuthorProfile {
        source: "twitter".into(),
        handle: "reposted".into(),
        display_name: None,
        followers: 999,
        following: 0,
        post_count: 4,
        location: None,
        verified: false,
        observed_at: 0,
    }];
    let scores = scores(&interactions, &authors, &[]);
    let by = |handle: &str| scores.iter().find(|s| s.handle == handle).unwrap();
    assert!(by("reposted").authority_raw > by("liked").authority_raw);
    assert!((by("reposted").reach_raw - 3.0).abs() < 1e-12);
    assert!((by("reposted").engagement_raw - 0.25).abs() < 1e-12);
    assert!(
        (by("liked").engagement_raw - 1.0).abs() < 1e-12,
        "no profile: per one post"
    );
    assert!(
        (by("old").recency_raw - 0.25).abs() < 1e-12,
        "two half-lives"
    );
    assert_eq!(by("reposted").recency_raw, 1.0);
    let own = by("self");
    assert_eq!((own.engagement_raw, own.recency_raw), (0.0, 0.0));
    let total: f64 = scores.iter().map(|s| s.authority_raw).sum();
    assert!((total - 1.0).abs() < 1e-9);
    for s in &scores {
        assert!((0.0..100.0).contains(&s.score));
    }
}

#[test]
fn topical_authority_follows_the_department_authors() {
    let interactions = [
        edge(2, "x", "star", 0),
        edge(2, "y", "star", 0),
        edge(2, "z", "star", 0),
        edge(2, "teller1", "banker", 0),
        edge(2, "teller2", "banker", 0),
    ];
    let billing_author = |handle: &str| AuthorDepartment {
        source: "twitter".into(),
        handle: handle.into(),
        department: "billing".into(),
        mention_count: 2,
    };
    let departments = [billing_author("teller1"), billing_author("teller2")];
    let scores = scores(&interactions, &[], &departments);
    let top_overall = scores
        .iter()
        .max_by(|a, b| a.authority_raw.total_cmp(&b.authority_raw))
        .unwrap();
    assert_eq!(top_overall.handle, "star");
    let billing: Vec<(&str, f64)> = scores
        .iter()
        .flat_map(|s| s.topical.iter().map(move |t| (s.handle.as_str(), t.raw)))
        .collect();
    let handles: Vec<&str> = billing.iter().map(|(h, _)| *h).collect();
    assert_eq!(
        handles,
        ["teller1", "banker", "teller2"],
        "only what billing reaches"
    );
    assert!(
        billing[1].1 > billing[0].1 && billing[1].1 > billing[2].1,
        "the one billing talks to ranks first"
    );
}

#[test]
fn recorded_weights_replace_the_kind_default() {
    // Two mentions of equal default weight; the recorded weight makes one count nine times more.
    let mut heavy = edge(2, "fan", "heavy", 0);
    heavy.weight = Some(9.0);
    let light = edge(2, "fan", "light", 0);
    let scores = scores(&[heavy, light], &[], &[]);
    let by = |handle: &str| scores.iter().find(|s| s.handle == handle).unwrap();
    assert!(by("heavy").authority_raw > by("light").authority_raw);
    let share = |handle: &str| by(handle).authority_raw - by("fan").authority_raw;
    assert!((share("heavy") / share("light") - 9.0).abs() < 1e-6);
}

#[test]
fn the_same_handle_on_two_platforms_is_two_authors() {
    let mut elsewhere = edge(2, "fan", "alice", 0);
    elsewhere.source = "mastodon".into();
    let interactions = [
        edge(2, "fan", "alice", 0),
        edge(2, "bob", "alice", 0),
        elsewhere,
    ];
    let profile = |source: &str, followers| AuthorProfile {
        source: source.into(),
        handle: "alice".into(),
        display_name: None,
        followers,
        following: 0,
        post_count: 1,
        location: None,
        verified: false,
        observed_at: 0,
    };
    let scores = scores(
        &interactions,
        &[profile("twitter", 99), profile("mastodon", 9)],
        &[],
    );
    let alice = |source: &str| {
        scores
            .iter()
            .find(|s| s.source == source && s.handle == "alice")
            .unwrap()
    };
    assert_eq!(
        scores.len(),
        5,
        "fan, alice and bob on twitter; fan and alice on mastodon"
    );
    assert_eq!(alice("twitter").engagement_raw, 2.0);
    assert_eq!(alice("mastodon").engagement_raw, 1.0);
    assert!((alice("twitter").reach_raw - 2.0).abs() < 1e-12);
    assert!((alice("mastodon").reach_raw - 1.0).abs() < 1e-12);
}
