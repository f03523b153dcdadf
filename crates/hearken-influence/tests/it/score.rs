//! The formula on small graphs whose answers can be reasoned out.

use hearken_influence::score::{ScoreInputs, compute_scores, percentiles};
use hearken_store::influence::{AuthorDepartment, AuthorProfile, InteractionEdge};

fn edge(kind: i32, from: &str, to: &str, at: i64) -> InteractionEdge {
    InteractionEdge {
        kind,
        source_handle: from.into(),
        target_handle: to.into(),
        created_at: at,
    }
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
    let scores = compute_scores(&ScoreInputs {
        interactions: &interactions,
        authors: &authors,
        departments: &[],
    })
    .unwrap();
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
    let scores = compute_scores(&ScoreInputs {
        interactions: &interactions,
        authors: &[],
        departments: &departments,
    })
    .unwrap();
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
