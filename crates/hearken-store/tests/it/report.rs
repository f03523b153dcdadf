//! The read side: aggregates from rollups agree with the mentions, reach, the conversation map,
//! top voices, inboxes with their audit trail, exports and alert rules.

use chrono::{TimeZone, Utc};
use hearken_core::mention::Handle;
use hearken_store::Store;
use hearken_store::enrich::{
    Dimension, EnrichedMention, Enrichment, ResolvedPlace, SENTIMENT_NEGATIVE, SENTIMENT_NEUTRAL,
    SENTIMENT_POSITIVE, SentimentScores,
};
use hearken_store::influence::{AuthorScore, NewGeneration, TopicalScore};
use hearken_store::report::{
    AggregateQuery, AggregateRow, AlertRuleRecord, BucketWidth, InboxCursor, InboxQuery,
    InboxUpdate, NewDelivery, Plan, ReportFilter,
};

use crate::contract::{mention, within};

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// One seeded mention: author, followers, hour offset from the first day's midnight,
/// departments, compound, listening topic, key topics, (country, region, city), priority.
struct Seed {
    author: &'static str,
    followers: u64,
    hour: i64,
    departments: &'static [(&'static str, f64)],
    compound: f64,
    topic: &'static str,
    key_topics: &'static [&'static str],
    place: (&'static str, &'static str, &'static str),
    priority: f64,
}

const SEEDS: [Seed; 6] = [
    Seed {
        author: "alice",
        followers: 100,
        hour: 10,
        departments: &[("customer_service", 0.9), ("pr", 0.4)],
        compound: -0.5,
        topic: "acme",
        key_topics: &["#fail"],
        place: ("US", "US-NY", "New York City"),
        priority: 0.9,
    },
    Seed {
        author: "alice",
        followers: 120,
        hour: 10,
        departments: &[("customer_service", 0.8)],
        compound: -0.3,
        topic: "acme",
        key_topics: &["#fail"],
        place: ("US", "", ""),
        priority: 0.5,
    },
    Seed {
        author: "bob",
        followers: 500,
        hour: 11,
        departments: &[("marketing", 0.8)],
        compound: 0.6,
        topic: "globex",
        key_topics: &["ads"],
        place: ("GB", "", "London"),
        priority: 0.2,
    },
    Seed {
        author: "bob",
        followers: 500,
        hour: 11,
        departments: &[("customer_service", 0.7)],
        compound: 0.0,
        topic: "acme",
        key_topics: &[],
        place: ("", "", ""),
        priority: 0.5,
    },
    Seed {
        author: "carol",
        followers: 50,
        hour: 24 + 9,
        departments: &[],
        compound: 0.4,
        topic: "acme",
        key_topics: &["#love"],
        place: ("US", "", ""),
        priority: 0.0,
    },
    Seed {
        author: "carol",
        followers: 50,
        hour: 24 + 9,
        departments: &[("pr", 0.9), ("customer_service", 0.6)],
        compound: -0.8,
        topic: "globex",
        key_topics: &["#fail"],
        place: ("US", "", ""),
        priority: 0.7,
    },
];

fn label(compound: f64) -> i32 {
    match compound {
        c if c >= 0.05 => SENTIMENT_POSITIVE,
        c if c <= -0.05 => SENTIMENT_NEGATIVE,
        _ => SENTIMENT_NEUTRAL,
    }
}

fn day_start() -> i64 {
    Utc.with_ymd_and_hms(2015, 2, 24, 0, 0, 0)
        .unwrap()
        .timestamp_micros()
}

pub(crate) async fn run(store: &Store) {
    let ids = seed(store).await;
    plans_agree_with_the_mentions(store).await;
    counts_by_filter_and_group(store).await;
    reach_counts_each_author_once(store).await;
    conversation_map_and_top_voices(store).await;
    inbox_pages_and_audit_trail(store, &ids).await;
    exports_in_batches(store, &ids).await;
    alert_rules_and_deliveries(store).await;
}

async fn seed(store: &Store) -> Vec<i64> {
    within(store.put_topic("acme", "acme", true)).await.unwrap();
    within(store.put_topic("globex", "globex", true))
        .await
        .unwrap();
    within(store.put_topic("jobs", "jobs", false))
        .await
        .unwrap();
    let day = day_start();
    let mentions: Vec<_> = SEEDS
        .iter()
        .enumerate()
        .map(|(i, seed)| {
            let at = Utc
                .timestamp_micros(day + seed.hour * HOUR + i as i64 * 60_000_000)
                .unwrap();
            let mut m = mention("twitter", &format!("r{i}"), at);
            m.author.handle = Handle::parse("handle", seed.author).unwrap();
            m.author.followers_count = seed.followers;
            m
        })
        .collect();
    let topics: Vec<Vec<String>> = SEEDS.iter().map(|s| vec![s.topic.to_owned()]).collect();
    within(store.insert_mentions(&mentions, &topics))
        .await
        .unwrap();
    let claimed = within(store.claim_pending(100, 60_000_000)).await.unwrap();
    assert_eq!(claimed.len(), SEEDS.len());
    let items: Vec<EnrichedMention> = claimed
        .into_iter()
        .zip(&SEEDS)
        .map(|(mention, seed)| EnrichedMention {
            mention,
            enrichment: Enrichment {
                sentiment: SentimentScores {
                    neg: 0.0,
                    neu: 1.0,
                    pos: 0.0,
                    compound: seed.compound,
                    label: label(seed.compound),
                },
                departments: seed
                    .departments
                    .iter()
                    .map(|(d, c)| ((*d).to_owned(), *c))
                    .collect(),
                intent: "complaint".into(),
                intent_confidence: 0.5,
                key_topics: seed.key_topics.iter().map(|t| (*t).to_owned()).collect(),
                language: "en".into(),
                urgency: 0.5,
                model_version: "m1".into(),
                routing_reasons: vec!["word \"late\"".into()],
                place: ResolvedPlace {
                    country_code: seed.place.0.into(),
                    region_code: seed.place.1.into(),
                    city: seed.place.2.into(),
                    coordinates: None,
                    evidence: 0,
                    confidence: 0.0,
                },
                priority: seed.priority,
            },
        })
        .collect();
    let ids: Vec<i64> = items.iter().map(|item| item.mention.id).collect();
    assert_eq!(
        within(store.complete_enrichment(&items)).await.unwrap(),
        SEEDS.len() as u64
    );
    ids
}

fn query(filters: &[(Dimension, &[&str])], group_by: Dimension) -> AggregateQuery {
    let mut filter = ReportFilter::default();
    for (dimension, values) in filters {
        filter.restrict(*dimension, values.iter().map(|v| (*v).to_owned()).collect());
    }
    AggregateQuery {
        filter,
        bucket: Some(BucketWidth::Day),
        group_by,
    }
}

/// (key, bucket, count, positive, neutral, negative, sentiment in thousandths).
fn comparable(rows: &[AggregateRow]) -> Vec<(String, i64, i64, i64, i64, i64, i64)> {
    rows.iter()
        .map(|r| {
            (
                r.key.clone(),
                r.bucket_start,
                r.mention_count,
                r.positive_count,
                r.neutral_count,
                r.negative_count,
                (r.sentiment_sum * 1000.0).round() as i64,
            )
        })
        .collect()
}

fn counts(rows: &[AggregateRow]) -> Vec<(&str, i64, i64)> {
    rows.iter()
        .map(|r| (r.key.as_str(), r.bucket_start, r.mention_count))
        .collect()
}

async fn plans_agree_with_the_mentions(store: &Store) {
    use Dimension::*;
    let queries = [
        query(&[], Total),
        query(&[], Department),
        query(&[], Topic),
        query(&[], City),
        query(&[], Sentiment),
        query(&[(Department, &["customer_service"])], Topic),
        query(&[(Department, &["pr", "marketing"])], Department),
        query(&[(Country, &["US", "GB"])], Total),
        query(&[(Topic, &["acme", "#fail"])], Topic),
    ];
    for q in queries {
        assert!(matches!(q.plan(), Plan::Rollups { .. }), "{q:?}");
        let from_rollups = within(store.aggregate(&q)).await.unwrap();
        let from_mentions = within(store.aggregate_from_mentions(&q)).await.unwrap();
        assert!(!from_rollups.is_empty(), "{q:?}");
        assert_eq!(
            comparable(&from_rollups),
            comparable(&from_mentions),
            "{q:?}"
        );
    }
}

async fn counts_by_filter_and_group(store: &Store) {
    use Dimension::*;
    let (d0, d1) = (day_start(), day_start() + DAY);
    let total = within(store.aggregate(&query(&[], Total))).await.unwrap();
    assert_eq!(counts(&total), [("", d0, 4), ("", d1, 2)]);

    let by_department = within(store.aggregate(&query(&[], Department)))
        .await
        .unwrap();
    assert_eq!(
        counts(&by_department),
        [
            ("customer_service", d0, 3),
            ("customer_service", d1, 1),
            ("marketing", d0, 1),
            ("pr", d0, 1),
            ("pr", d1, 1),
        ]
    );

    let mut q = query(&[(Department, &["customer_service"])], Topic);
    q.bucket = None;
    let topics = within(store.aggregate(&q)).await.unwrap();
    assert_eq!(
        counts(&topics),
        [("#fail", 0, 3), ("acme", 0, 3), ("globex", 0, 1)]
    );
    let fail = &topics[0];
    assert_eq!(
        (fail.negative_count, fail.positive_count, fail.neutral_count),
        (3, 0, 0)
    );
    assert!((fail.sentiment_sum - (-1.6)).abs() < 1e-9);

    // Two topics summed from the rollups would count mentions of both twice.
    let mut q = query(&[(Topic, &["acme", "#fail"])], Total);
    q.bucket = None;
    assert_eq!(q.plan(), Plan::Mentions);
    assert_eq!(
        counts(&within(store.aggregate(&q)).await.unwrap()),
        [("", 0, 5)]
    );

    let mut q = query(&[(Country, &["US"])], Sentiment);
    q.bucket = None;
    assert_eq!(q.plan(), Plan::Mentions);
    assert_eq!(
        counts(&within(store.aggregate(&q)).await.unwrap()),
        [("negative", 0, 3), ("positive", 0, 1)]
    );

    // Hours, and a time range that leaves the second day out.
    let mut q = query(&[(City, &["London, GB"])], City);
    q.bucket = Some(BucketWidth::Hour);
    q.filter.until = Some(d1);
    assert_eq!(
        counts(&within(store.aggregate(&q)).await.unwrap()),
        [("London, GB", d0 + 11 * HOUR, 1)]
    );
    let mut q = query(&[], Total);
    q.filter.from = Some(d1);
    q.bucket = Some(BucketWidth::Week);
    assert_eq!(
        counts(&within(store.aggregate(&q)).await.unwrap()),
        [("", d0 - DAY, 2)],
        "2015-02-23 was the Monday"
    );

    assert_eq!(
        within(store.brand_topics()).await.unwrap(),
        ["acme", "globex"]
    );
}

async fn reach_counts_each_author_once(store: &Store) {
    let all = within(store.reach(&ReportFilter::default())).await.unwrap();
    assert_eq!(all.unique_authors, 3);
    assert_eq!(
        all.potential_impressions,
        120 + 500 + 50,
        "most followers seen"
    );
    assert_eq!(
        (all.likes, all.reposts, all.replies, all.quotes, all.views),
        (18, 12, 6, 0, 594)
    );
    let mut pr = ReportFilter::default();
    pr.restrict(Dimension::Department, vec!["pr".into()]);
    let pr = within(store.reach(&pr)).await.unwrap();
    assert_eq!((pr.unique_authors, pr.potential_impressions), (2, 100 + 50));
}

fn score(handle: &str, score: f64, topical: &[(&str, f64)]) -> AuthorScore {
    AuthorScore {
        source: "twitter".into(),
        handle: handle.into(),
        score,
        reach_raw: 1.0,
        reach_percentile: 0.5,
        engagement_raw: 1.0,
        engagement_percentile: 0.5,
        authority_raw: 1.0,
        authority_percentile: 0.5,
        recency_raw: 1.0,
        recency_percentile: 0.5,
        topical: topical
            .iter()
            .map(|(department, raw)| TopicalScore {
                department: (*department).into(),
                raw: *raw,
                percentile: 0.5,
            })
            .collect(),
    }
}

async fn conversation_map_and_top_voices(store: &Store) {
    let scores = [
        score("alice", 40.0, &[("pr", 0.3)]),
        score("bob", 90.0, &[]),
        score("carol", 70.0, &[("pr", 0.8)]),
    ];
    within(store.save_generation(&NewGeneration {
        formula_version: "v1",
        computed_at: day_start(),
        interaction_count: 0,
        scores: &scores,
    }))
    .await
    .unwrap();

    let map = within(store.conversation_map(None, None)).await.unwrap();
    let cells: Vec<(&str, &str, i64, &str)> = map
        .iter()
        .map(|c| {
            (
                c.department.as_str(),
                c.topic.as_str(),
                c.mention_count,
                c.top_voice.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("customer_service", "#fail", 3, "alice"),
            ("customer_service", "acme", 3, "alice"),
            ("customer_service", "globex", 1, "carol"),
            ("marketing", "ads", 1, "bob"),
            ("marketing", "globex", 1, "bob"),
            // alice and carol said it once each; carol has the higher score.
            ("pr", "#fail", 2, "carol"),
            ("pr", "acme", 1, "alice"),
            ("pr", "globex", 1, "carol"),
        ]
    );
    let second_day = within(store.conversation_map(Some(day_start() + DAY), None))
        .await
        .unwrap();
    assert!(second_day.iter().all(|c| c.mention_count == 1));
    assert_eq!(second_day.len(), 4);

    let voices = within(store.top_voices(None, None, None, 10))
        .await
        .unwrap()
        .unwrap()
        .1;
    let ranked: Vec<(&str, i64)> = voices
        .iter()
        .map(|v| (v.score.handle.as_str(), v.mention_count))
        .collect();
    assert_eq!(ranked, [("bob", 2), ("carol", 2), ("alice", 2)]);
    assert!((voices[1].sentiment_sum - (-0.4)).abs() < 1e-9);
    let pr = within(store.top_voices(Some("pr"), None, None, 10))
        .await
        .unwrap()
        .unwrap()
        .1;
    let ranked: Vec<(&str, i64)> = pr
        .iter()
        .map(|v| (v.score.handle.as_str(), v.mention_count))
        .collect();
    assert_eq!(ranked, [("carol", 1), ("alice", 1)], "by topical authority");
    assert_eq!(pr[0].score.topical.len(), 1);
    let first_day_only = within(store.top_voices(None, None, Some(day_start() + DAY), 1))
        .await
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(first_day_only[0].score.handle, "bob");
    assert_eq!(first_day_only.len(), 1, "limited");
}

async fn inbox_pages_and_audit_trail(store: &Store, ids: &[i64]) {
    let page = |after: Option<InboxCursor>| InboxQuery {
        department: Some("customer_service".into()),
        limit: 2,
        after,
        ..InboxQuery::default()
    };
    let first = within(store.inbox(&page(None))).await.unwrap();
    let listed: Vec<i64> = first.iter().map(|i| i.mention.id).collect();
    assert_eq!(listed, [ids[0], ids[5]]);
    assert_eq!(
        first[1].owner_department, "pr",
        "visible to the others it concerns"
    );
    assert_eq!(first[0].mention.departments.len(), 2);
    assert_eq!(first[0].history.len(), 1);
    assert_eq!(first[0].history[0].action, "routed");
    let second = within(store.inbox(&page(Some(InboxCursor::after(&first[1])))))
        .await
        .unwrap();
    let listed: Vec<i64> = second.iter().map(|i| i.mention.id).collect();
    assert_eq!(listed, [ids[1], ids[3]], "equal priorities by mention id");
    let third = within(store.inbox(&page(Some(InboxCursor::after(&second[1])))))
        .await
        .unwrap();
    assert!(third.is_empty());

    let urgent = within(store.inbox(&InboxQuery {
        department: Some("customer_service".into()),
        min_priority: 0.6,
        limit: 10,
        ..InboxQuery::default()
    }))
    .await
    .unwrap();
    assert_eq!(urgent.len(), 2);
    let everyone = within(store.inbox(&InboxQuery {
        limit: 10,
        ..InboxQuery::default()
    }))
    .await
    .unwrap();
    assert_eq!(everyone.len(), 5, "every routed mention");

    let updated = within(store.update_inbox_item(&InboxUpdate {
        mention_id: ids[1],
        actor: "dana".into(),
        status: Some(2),
        assignee: Some("dana".into()),
        note: Some("calling back".into()),
    }))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        (updated.status, updated.assignee.as_deref()),
        (2, Some("dana"))
    );
    let trail: Vec<(&str, &str, &str)> = updated
        .history
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        trail[1..],
        [
            ("dana", "status", "open → assigned"),
            ("dana", "assign", "dana"),
            ("dana", "note", "calling back"),
        ]
    );
    // Setting what is already set records nothing.
    let unchanged = within(store.update_inbox_item(&InboxUpdate {
        mention_id: ids[1],
        actor: "eve".into(),
        status: Some(2),
        assignee: Some("dana".into()),
        note: None,
    }))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(unchanged.history.len(), 4);
    let assigned = within(store.inbox(&InboxQuery {
        department: Some("customer_service".into()),
        status: Some(2),
        limit: 10,
        ..InboxQuery::default()
    }))
    .await
    .unwrap();
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].mention.id, ids[1]);
    assert!(
        within(store.update_inbox_item(&InboxUpdate {
            mention_id: ids[4],
            actor: "dana".into(),
            note: Some("not routed".into()),
            ..InboxUpdate::default()
        }))
        .await
        .unwrap()
        .is_none(),
        "a mention of no department has no inbox item"
    );
}

async fn exports_in_batches(store: &Store, ids: &[i64]) {
    let all = ReportFilter::default();
    let first = within(store.export_batch(&all, None, 4)).await.unwrap();
    assert_eq!(first.len(), 4);
    let rest = within(store.export_batch(&all, Some(first[3].id), 4))
        .await
        .unwrap();
    let exported: Vec<i64> = first.iter().chain(&rest).map(|m| m.id).collect();
    assert_eq!(exported, ids);
    assert_eq!(first[0].key_topics, ["#fail"]);
    assert_eq!(first[0].topics, ["acme"]);
    let mut marketing = ReportFilter::default();
    marketing.restrict(Dimension::Department, vec!["marketing".into()]);
    let only = within(store.export_batch(&marketing, None, 10))
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].id, ids[2]);
}

async fn alert_rules_and_deliveries(store: &Store) {
    let rule = AlertRuleRecord {
        name: "cs-spike".into(),
        department: "customer_service".into(),
        topic: String::new(),
        threshold_standard_deviations: 3.0,
        baseline_buckets: 24,
        bucket_width: 1,
        cooldown_minutes: 60,
        webhook_url: "http://127.0.0.1:9/hook".into(),
        last_fired_at: None,
        last_fired_bucket: None,
        created_at: 0,
        updated_at: 0,
    };
    let saved = within(store.put_alert_rule(&rule)).await.unwrap();
    assert!(saved.created_at > 0);
    let minute = 60_000_000;
    let t = day_start();
    assert!(
        within(store.mark_alert_fired("cs-spike", t, t, 60 * minute))
            .await
            .unwrap()
    );
    assert!(
        !within(store.mark_alert_fired("cs-spike", t, t + minute, 60 * minute))
            .await
            .unwrap(),
        "one bucket fires once"
    );
    assert!(
        !within(store.mark_alert_fired("cs-spike", t + HOUR, t + 30 * minute, 60 * minute))
            .await
            .unwrap(),
        "within the cooldown"
    );
    let replaced = within(store.put_alert_rule(&AlertRuleRecord {
        threshold_standard_deviations: 4.0,
        ..rule.clone()
    }))
    .await
    .unwrap();
    assert_eq!(replaced.created_at, saved.created_at);
    assert_eq!(replaced.last_fired_bucket, Some(t), "the cooldown survives");
    assert!(
        within(store.mark_alert_fired("cs-spike", t + HOUR, t + HOUR, 60 * minute))
            .await
            .unwrap()
    );
    within(store.put_alert_rule(&AlertRuleRecord {
        name: "a-first".into(),
        ..rule.clone()
    }))
    .await
    .unwrap();
    let names: Vec<String> = within(store.list_alert_rules())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a-first", "cs-spike"]);

    for (attempt, status, delivered) in [(1, Some(500), false), (2, Some(200), true)] {
        within(store.record_delivery(&NewDelivery {
            rule_name: "cs-spike",
            bucket_start: t + HOUR,
            attempt,
            status_code: status,
            delivered,
            error: if delivered { "" } else { "HTTP 500" },
        }))
        .await
        .unwrap();
    }
    let log = within(store.alert_deliveries("cs-spike")).await.unwrap();
    let attempts: Vec<(i32, Option<i32>, bool)> = log
        .iter()
        .map(|d| (d.attempt, d.status_code, d.delivered))
        .collect();
    assert_eq!(attempts, [(1, Some(500), false), (2, Some(200), true)]);
    assert!(within(store.delete_alert_rule("cs-spike")).await.unwrap());
    assert!(!within(store.delete_alert_rule("cs-spike")).await.unwrap());
}
