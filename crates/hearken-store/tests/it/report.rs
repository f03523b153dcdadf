//! The read side: aggregates from rollups agree with the mentions, reach, the conversation map,
//! top voices, inboxes with their audit trail, exports and alert rules.

use std::collections::BTreeMap;

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
    reach_over_ranges_agrees_with_the_mentions(store).await;
    largest_topics_agree_with_the_mentions(store).await;
    map_voices_over_ranges_agree_with_the_mentions(store).await;
    migration_rebuilds_what_completion_kept(store).await;
}

async fn seed(store: &Store) -> Vec<i64> {
    within(store.put_topic("acme", "acme", true)).await.unwrap();
    within(store.put_topic("globex", "globex", true))
        .await
        .unwrap();
    within(store.put_topic("jobs", "jobs", false))
        .await
        .unwrap();
    enrich(store, &SEEDS, 0).await
}

/// Stores `seeds` as mentions `r{first}`, `r{first + 1}`, … (one minute apart within their
/// hours) and completes their enrichment; their ids in order.
async fn enrich(store: &Store, seeds: &[Seed], first: usize) -> Vec<i64> {
    let day = day_start();
    let mentions: Vec<_> = seeds
        .iter()
        .enumerate()
        .map(|(i, seed)| {
            let i = first + i;
            let at = Utc
                .timestamp_micros(day + seed.hour * HOUR + i as i64 * 60_000_000)
                .unwrap();
            let mut m = mention("twitter", &format!("r{i}"), at);
            m.author.handle = Handle::parse("handle", seed.author).unwrap();
            m.author.followers_count = seed.followers;
            m
        })
        .collect();
    let topics: Vec<Vec<String>> = seeds.iter().map(|s| vec![s.topic.to_owned()]).collect();
    within(store.insert_mentions(&mentions, &topics))
        .await
        .unwrap();
    let claimed = within(store.claim_pending(seeds.len() as u32, 60_000_000))
        .await
        .unwrap();
    assert_eq!(claimed.len(), seeds.len());
    let items: Vec<EnrichedMention> = claimed
        .into_iter()
        .zip(seeds)
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
        seeds.len() as u64
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
    ranges_of_days_and_hours_agree_with_the_mentions(store).await;
}

/// Ranges that cut weeks and days: whole weeks come from the weekly rollups, whole days from
/// the daily ones and the hours at either end from the hourly ones, which must add up to what
/// the mentions say. The seeds fall at 10:00 and 11:00 of the first day, a Tuesday, and 09:00
/// of the second.
async fn ranges_of_days_and_hours_agree_with_the_mentions(store: &Store) {
    use Dimension::*;
    let d0 = day_start();
    let ranges = [
        (Some(d0 + 11 * HOUR), Some(d0 + DAY + 10 * HOUR)),
        (Some(d0 + 11 * HOUR), None),
        (None, Some(d0 + DAY + 9 * HOUR)),
        (Some(d0), Some(d0 + DAY + 10 * HOUR)),
        (Some(d0 - DAY), Some(d0 + 2 * DAY)),
        (Some(d0 + 10 * HOUR), Some(d0 + 11 * HOUR)),
        // The week from Monday, then three weeks, then hours, days and a week.
        (Some(d0 - DAY), Some(d0 + 6 * DAY)),
        (Some(d0 - 8 * DAY), Some(d0 + 13 * DAY)),
        (Some(d0 + 10 * HOUR), Some(d0 + 13 * DAY)),
        (Some(d0 - 3 * DAY), Some(d0 + DAY + 10 * HOUR)),
    ];
    let buckets = [
        Some(BucketWidth::Hour),
        Some(BucketWidth::Day),
        Some(BucketWidth::Week),
        None,
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (from, until) in ranges {
        for bucket in buckets {
            for mut q in [query(&[], Total), query(&[], Department)] {
                (q.filter.from, q.filter.until, q.bucket) = (from, until, bucket);
                let from_rollups = within(store.aggregate(&q)).await.unwrap();
                let from_mentions = within(store.aggregate_from_mentions(&q)).await.unwrap();
                assert_eq!(
                    comparable(&from_rollups),
                    comparable(&from_mentions),
                    "{q:?}"
                );
                seen.insert(from_rollups.iter().map(|r| r.mention_count).sum::<i64>());
            }
            // Each department's series and the total, in one read and in two.
            let mut q = query(&[], Department);
            (q.filter.from, q.filter.until, q.bucket) = (from, until, bucket);
            let together = within(store.aggregate_with_total(&q)).await.unwrap();
            let total = AggregateQuery {
                group_by: Total,
                ..q.clone()
            };
            let mut apart = within(store.aggregate(&total)).await.unwrap();
            apart.extend(within(store.aggregate(&q)).await.unwrap());
            assert_eq!(comparable(&together), comparable(&apart), "{q:?}");
        }
        let map = within(store.conversation_map(from, until, None, None))
            .await
            .unwrap();
        let mut q = query(&[], Topic);
        (q.filter.from, q.filter.until, q.bucket) = (from, until, None);
        // Cells by (department, topic): mentions and sentiment in thousandths.
        let thousandths = |sum: f64| (sum * 1000.0).round() as i64;
        let cells: BTreeMap<(String, String), (i64, i64)> = map
            .iter()
            .map(|cell| {
                let key = (cell.department.clone(), cell.topic.clone());
                (key, (cell.mention_count, thousandths(cell.sentiment_sum)))
            })
            .collect();
        let mut expected = BTreeMap::new();
        for department in ["customer_service", "marketing", "pr"] {
            let mut q = q.clone();
            q.filter.restrict(Department, vec![department.to_owned()]);
            let rows = within(store.aggregate_from_mentions(&q)).await.unwrap();
            for row in rows {
                let value = (row.mention_count, thousandths(row.sentiment_sum));
                expected.insert((department.to_owned(), row.key), value);
            }
        }
        assert_eq!(cells, expected, "conversation map over {from:?}..{until:?}");
    }
    // The ranges really cut the seeds differently.
    assert!(seen.len() >= 4, "{seen:?}");
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
    // An author's reach is the most followers ever seen with them, not only in pr.
    assert_eq!((pr.unique_authors, pr.potential_impressions), (2, 120 + 50));
}

/// Alice speaks again late on the first day and on the second evening, so that some ranges
/// fall inside her span with and without a mention of hers: Reach from the author spans and
/// the rollups must say what the mentions say.
async fn reach_over_ranges_agrees_with_the_mentions(store: &Store) {
    const LATE: [Seed; 2] = [
        Seed {
            author: "Alice",
            followers: 130,
            hour: 23,
            departments: &[("pr", 0.6)],
            compound: 0.2,
            topic: "acme",
            key_topics: &[],
            place: ("US", "", ""),
            priority: 0.3,
        },
        Seed {
            author: "alice",
            followers: 90,
            hour: 24 + 20,
            departments: &[("customer_service", 0.6)],
            compound: -0.2,
            topic: "acme",
            key_topics: &[],
            place: ("US", "", ""),
            priority: 0.3,
        },
    ];
    enrich(store, &LATE, SEEDS.len()).await;
    let d0 = day_start();
    let d1 = d0 + DAY;
    let ranges = [
        (None, None),
        (Some(d0 + 11 * HOUR), Some(d1 + 20 * HOUR)),
        (Some(d1), Some(d1 + 20 * HOUR)),
        (Some(d0 + 11 * HOUR), Some(d0 + 23 * HOUR)),
        (Some(d1 + 9 * HOUR), None),
        (None, Some(d0 + 11 * HOUR)),
        (Some(d0 + 12 * HOUR), Some(d0 + 22 * HOUR)),
    ];
    let mut authors = std::collections::BTreeSet::new();
    for (from, until) in ranges {
        for department in [None, Some("pr"), Some("customer_service"), Some("hr")] {
            let filter = ReportFilter::window(from, until, department);
            let reach = within(store.reach(&filter)).await.unwrap();
            let scanned = within(store.reach_from_mentions(&filter)).await.unwrap();
            assert_eq!(reach, scanned, "{filter:?}");
            authors.insert((reach.unique_authors, reach.potential_impressions));
        }
    }
    // alice, now seen with 130 followers, in pr over her whole span; nobody in hr.
    let mut pr = ReportFilter::default();
    pr.restrict(Dimension::Department, vec!["pr".into()]);
    let pr = within(store.reach(&pr)).await.unwrap();
    assert_eq!((pr.unique_authors, pr.potential_impressions), (2, 130 + 50));
    assert!(authors.len() >= 5, "{authors:?}");
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

    let map = within(store.conversation_map(None, None, None, None))
        .await
        .unwrap();
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
    // Scores: bob 90, carol 70, alice 40; each cell's voice is the best ranked who spoke in it.
    assert_eq!(
        cells,
        [
            ("customer_service", "#fail", 3, "carol"),
            ("customer_service", "acme", 3, "bob"),
            ("customer_service", "globex", 1, "carol"),
            ("marketing", "ads", 1, "bob"),
            ("marketing", "globex", 1, "bob"),
            ("pr", "#fail", 2, "carol"),
            ("pr", "acme", 1, "alice"),
            ("pr", "globex", 1, "carol"),
        ]
    );
    let second_day = within(store.conversation_map(Some(day_start() + DAY), None, None, None))
        .await
        .unwrap();
    assert!(second_day.iter().all(|c| c.mention_count == 1));
    assert_eq!(second_day.len(), 4);
    // Over the first day only, alice is the best ranked speaker left in pr/#fail.
    let first_day = within(store.conversation_map(None, Some(day_start() + DAY), Some("pr"), None))
        .await
        .unwrap();
    let pr: Vec<(&str, &str)> = first_day
        .iter()
        .map(|c| (c.topic.as_str(), c.top_voice.as_str()))
        .collect();
    assert_eq!(pr, [("#fail", "alice"), ("acme", "alice")]);
    // Topics by mentions, each once: acme 4, #fail 3, globex 2, ads 1, #love 1.
    let largest = within(store.conversation_map(None, None, None, Some(1)))
        .await
        .unwrap();
    let cells: Vec<(&str, &str)> = largest
        .iter()
        .map(|c| (c.department.as_str(), c.topic.as_str()))
        .collect();
    assert_eq!(cells, [("customer_service", "acme"), ("pr", "acme")]);
    let pr = within(store.conversation_map(None, None, Some("pr"), Some(2)))
        .await
        .unwrap();
    let pr: Vec<&str> = pr.iter().map(|c| c.topic.as_str()).collect();
    assert_eq!(
        pr,
        ["#fail", "acme"],
        "ties go to the topic that sorts first"
    );

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

/// The largest topics of a range, found by walking the all-time totals, are those a
/// `GROUP BY` over the range's mentions ranks first. A hundred topics big of all time but
/// silent in a later range push the range's own topics past the walk's first page.
async fn largest_topics_agree_with_the_mentions(store: &Store) {
    let d0 = day_start();
    let old: Vec<Seed> = (0..100)
        .flat_map(|k| {
            let topic: &'static str = Box::leak(format!("old{k:03}").into_boxed_str());
            (0..3).map(move |_| Seed {
                author: "dave",
                followers: 10,
                hour: 24 * 10,
                departments: &[("pr", 0.5)],
                compound: 0.0,
                topic: "acme",
                key_topics: std::slice::from_ref(Box::leak(Box::new(topic))),
                place: ("", "", ""),
                priority: 0.1,
            })
        })
        .collect();
    let late = |topic: &'static str, department: &'static str| Seed {
        author: "erin",
        followers: 10,
        hour: 24 * 20,
        departments: Box::leak(Box::new([(department, 0.5)])),
        compound: 0.0,
        topic: "acme",
        key_topics: Box::leak(Box::new([topic])),
        place: ("", "", ""),
        priority: 0.1,
    };
    let mut seeds = old;
    seeds.extend([late("new", "pr"), late("new", "hr"), late("newer", "hr")]);
    enrich(store, &seeds, 100).await;
    let ranges = [
        (None, None),
        (Some(d0 + 20 * DAY), Some(d0 + 21 * DAY)),
        (Some(d0 + 10 * DAY), None),
        (None, Some(d0 + 10 * DAY)),
        (Some(d0 + 9 * HOUR), Some(d0 + 24 * 10 * HOUR + HOUR)),
    ];
    for (from, until) in ranges {
        for department in [None, Some("pr"), Some("hr")] {
            let mut q = query(&[], Dimension::Topic);
            (q.filter.from, q.filter.until, q.bucket) = (from, until, None);
            if let Some(department) = department {
                q.filter
                    .restrict(Dimension::Department, vec![department.to_owned()]);
            }
            let rows = within(store.aggregate_from_mentions(&q)).await.unwrap();
            let mut ranked: Vec<(i64, &str)> = rows
                .iter()
                .map(|r| (-r.mention_count, r.key.as_str()))
                .collect();
            ranked.sort();
            for limit in [1, 2, 5, 120] {
                let largest = within(store.largest_topics(from, until, department, limit))
                    .await
                    .unwrap();
                let expected: Vec<&str> = ranked.iter().take(limit).map(|(_, t)| *t).collect();
                assert_eq!(
                    largest, expected,
                    "{from:?}..{until:?} {department:?} {limit}"
                );
            }
        }
    }
    let late_range = within(store.largest_topics(Some(d0 + 20 * DAY), None, None, 1))
        .await
        .unwrap();
    assert_eq!(late_range, ["acme"], "the listening topic of all three");
    let hr = within(store.largest_topics(Some(d0 + 20 * DAY), None, Some("hr"), 2))
        .await
        .unwrap();
    assert_eq!(hr, ["acme", "new"]);
}

/// Runs `sql` with no arguments on either backend.
macro_rules! on_store {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            Store::Postgres(store) => {
                let $pool = store.pool();
                $body
            }
            Store::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
        }
    };
}

/// One rollup row, sentiment in thousandths.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct RollupRow {
    department: String,
    dimension: i64,
    value: String,
    bucket_start: i64,
    mention_count: i64,
    sentiment: i64,
    positive_count: i64,
    neutral_count: i64,
    negative_count: i64,
    like_count: i64,
    repost_count: i64,
    reply_count: i64,
    quote_count: i64,
    view_count: i64,
}

/// (department, topic, source, handle, first at, last at, mentions, sentiment in thousandths,
/// followers).
type SpanRow = (String, String, String, String, i64, i64, i64, i64, i64);

/// What completion kept beside the hourly counts: day and week rows, engagement, author spans,
/// topic totals.
#[derive(Debug, PartialEq)]
struct Kept {
    daily: Vec<RollupRow>,
    weekly: Vec<RollupRow>,
    hourly_totals: Vec<RollupRow>,
    spans: Vec<SpanRow>,
    /// (department, topic, mentions, sentiment in thousandths).
    topics: Vec<(String, String, i64, i64)>,
    places: Vec<(i64, String, String, i64)>,
    voices: Vec<(String, String, i64, String, String)>,
}

async fn kept(store: &Store) -> Kept {
    const ROWS: &str = "CAST(dimension AS BIGINT) AS dimension, value, bucket_start, \
        mention_count, CAST(ROUND(sentiment_sum * 1000) AS BIGINT) AS sentiment, \
        positive_count, neutral_count, negative_count, like_count, repost_count, reply_count, \
        quote_count, view_count";
    let daily = format!("SELECT department, {ROWS} FROM rollups_daily ORDER BY 1, 2, 3, 4");
    let weekly = format!("SELECT department, {ROWS} FROM rollups_weekly ORDER BY 1, 2, 3, 4");
    let hourly =
        format!("SELECT department, {ROWS} FROM rollups WHERE dimension = 0 ORDER BY 1, 2, 3, 4");
    let spans = "SELECT department, topic, source, handle, first_at, last_at, mention_count, \
        CAST(ROUND(sentiment_sum * 1000) AS BIGINT), followers FROM author_spans \
        ORDER BY 1, 2, 3, 4";
    let topics = "SELECT department, topic, mention_count, \
        CAST(ROUND(sentiment_sum * 1000) AS BIGINT) FROM topic_totals ORDER BY 1, 2";
    let places = "SELECT generation, source, handle, place FROM influence_scores ORDER BY 1, 2, 3";
    let voices = "SELECT department, topic, place, source, handle FROM map_voices ORDER BY 1, 2, 3";
    on_store!(store, |pool| {
        Kept {
            daily: sqlx::query_as(sqlx::AssertSqlSafe(daily))
                .fetch_all(pool)
                .await
                .unwrap(),
            weekly: sqlx::query_as(sqlx::AssertSqlSafe(weekly))
                .fetch_all(pool)
                .await
                .unwrap(),
            hourly_totals: sqlx::query_as(sqlx::AssertSqlSafe(hourly))
                .fetch_all(pool)
                .await
                .unwrap(),
            spans: sqlx::query_as(spans).fetch_all(pool).await.unwrap(),
            topics: sqlx::query_as(topics).fetch_all(pool).await.unwrap(),
            places: sqlx::query_as(places).fetch_all(pool).await.unwrap(),
            voices: sqlx::query_as(voices).fetch_all(pool).await.unwrap(),
        }
    })
}

/// Each cell's top voice over ranges that fall inside speakers' spans, with and without one of
/// their mentions in the cell there, against the best ranked speaker found in the mentions; and
/// what each top voice said in those ranges.
/// Runs after the late mentions above: alice speaks in pr/acme at 10:00 and 23:00 on the
/// first day; dave, who has no score, at 15:00; carol, ranked above alice, first speaks in it
/// at noon on the second day, after the generation was saved.
async fn map_voices_over_ranges_agree_with_the_mentions(store: &Store) {
    const LATE: [Seed; 2] = [
        Seed {
            author: "dave",
            followers: 10,
            hour: 15,
            departments: &[("pr", 0.7)],
            compound: 0.1,
            topic: "acme",
            key_topics: &["#fail"],
            place: ("US", "", ""),
            priority: 0.3,
        },
        Seed {
            author: "carol",
            followers: 20,
            hour: 36,
            departments: &[("pr", 0.6)],
            compound: -0.2,
            topic: "acme",
            key_topics: &[],
            place: ("US", "", ""),
            priority: 0.4,
        },
    ];
    enrich(store, &LATE, SEEDS.len() + 2).await;
    // The generation saved by `conversation_map_and_top_voices`, best first.
    let ranking = ["bob", "carol", "alice"];
    let d0 = day_start();
    let d1 = d0 + DAY;
    let ranges = [
        (None, None),
        (Some(d0 + 12 * HOUR), Some(d0 + 22 * HOUR)),
        (Some(d0 + 9 * HOUR), Some(d0 + 22 * HOUR)),
        (Some(d0 + 11 * HOUR), Some(d1 + 20 * HOUR)),
        (Some(d0 + 16 * HOUR), Some(d1 + 21 * HOUR)),
        (Some(d1), Some(d1 + 10 * HOUR)),
    ];
    let mut voiceless = 0;
    for (from, until) in ranges {
        let speakers: Vec<(String, String, String)> = on_store!(store, |pool| {
            sqlx::query_as(
                "SELECT d.department, t.topic, LOWER(m.author_handle) FROM mentions m \
                 JOIN mention_departments d ON d.mention_id = m.id \
                 JOIN (SELECT mention_id, topic FROM mention_topics \
                 UNION SELECT mention_id, topic FROM mention_key_topics) t \
                 ON t.mention_id = m.id \
                 WHERE m.status = 2 AND m.created_at >= $1 AND m.created_at < $2",
            )
            .bind(from.unwrap_or(i64::MIN))
            .bind(until.unwrap_or(i64::MAX))
            .fetch_all(pool)
            .await
            .unwrap()
        });
        let mut expected: BTreeMap<(String, String), String> = BTreeMap::new();
        for (department, topic, handle) in speakers {
            let voice = expected.entry((department, topic)).or_default();
            let rank = |h: &str| ranking.iter().position(|r| *r == h);
            if rank(&handle).is_some_and(|r| rank(voice).is_none_or(|v| r < v)) {
                *voice = handle;
            }
        }
        let map = within(store.conversation_map(from, until, None, None))
            .await
            .unwrap();
        let voices: BTreeMap<(String, String), String> = map
            .into_iter()
            .map(|c| ((c.department, c.topic), c.top_voice))
            .collect();
        assert_eq!(voices, expected, "{from:?}..{until:?}");
        voiceless += voices.values().filter(|voice| voice.is_empty()).count();

        // What each top voice said in the range, whether their span lies inside it or not.
        let said: Vec<(String, i64)> = on_store!(store, |pool| {
            sqlx::query_as(
                "SELECT LOWER(author_handle), CAST(COUNT(*) AS BIGINT) FROM mentions \
                 WHERE status = 2 AND created_at >= $1 AND created_at < $2 \
                 GROUP BY LOWER(author_handle)",
            )
            .bind(from.unwrap_or(i64::MIN))
            .bind(until.unwrap_or(i64::MAX))
            .fetch_all(pool)
            .await
            .unwrap()
        });
        let said: BTreeMap<String, i64> = said
            .into_iter()
            .filter(|(handle, _)| ranking.contains(&handle.as_str()))
            .collect();
        let voices = within(store.top_voices(None, from, until, 10))
            .await
            .unwrap()
            .unwrap()
            .1;
        let counted: BTreeMap<String, i64> = voices
            .into_iter()
            .map(|v| (v.score.handle, v.mention_count))
            .collect();
        assert_eq!(counted, said, "top voices over {from:?}..{until:?}");
    }
    // pr/acme from 12:00 to 22:00 holds only dave: alice's span encloses it, her mentions not.
    assert!(voiceless > 0);
}

/// A store enriched before migration 0007 has no day rows, engagement, author spans or topic
/// totals, one enriched before 0008 no spans per map cell, and one scored before 0009 no
/// places in the ranking or map voices; the migrations' backfills must rebuild exactly what
/// completing the same mentions and saving the generation keeps (0008 rebuilds every span).
/// The map's voices include those that enrichment added after the generation was saved.
async fn migration_rebuilds_what_completion_kept(store: &Store) {
    let migrations = match store {
        Store::Postgres(_) => [
            include_str!("../../migrations/postgres/0007_daily_rollups.sql"),
            include_str!("../../migrations/postgres/0008_read_paths.sql"),
            include_str!("../../migrations/postgres/0009_map_voices.sql"),
            include_str!("../../migrations/postgres/0010_whole_range_reads.sql"),
        ],
        Store::Sqlite(_) => [
            include_str!("../../migrations/sqlite/0007_daily_rollups.sql"),
            include_str!("../../migrations/sqlite/0008_read_paths.sql"),
            include_str!("../../migrations/sqlite/0009_map_voices.sql"),
            include_str!("../../migrations/sqlite/0010_whole_range_reads.sql"),
        ],
    };
    let before = kept(store).await;
    assert!(!before.daily.is_empty() && !before.spans.is_empty() && !before.topics.is_empty());
    assert!(!before.weekly.is_empty());
    assert!(before.places.iter().any(|(_, _, _, place)| *place > 0));
    assert!(!before.voices.is_empty());
    assert!(
        before.spans.iter().any(|span| !span.1.is_empty()),
        "spans per map cell kept"
    );
    assert!(
        before.hourly_totals.iter().any(|row| row.like_count > 0),
        "engagement kept"
    );
    let forget = [
        "DELETE FROM rollups_daily",
        "DELETE FROM rollups_weekly",
        "DELETE FROM author_spans",
        "DELETE FROM topic_totals",
        "DELETE FROM map_voices",
        "UPDATE influence_scores SET place = 0",
        "UPDATE rollups SET like_count = 0, repost_count = 0, reply_count = 0, quote_count = 0, \
         view_count = 0",
    ];
    let uncommented: String = migrations
        .iter()
        .flat_map(|migration| migration.lines())
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut backfill: Vec<&str> = uncommented
        .split(';')
        .map(str::trim)
        .filter(|statement| statement.starts_with("UPDATE") || statement.starts_with("INSERT"))
        .collect();
    // 0008's spans and 0010's topic totals supersede 0007's.
    for table in ["INSERT INTO author_spans", "INSERT INTO topic_totals"] {
        let superseded = backfill
            .iter()
            .position(|statement| statement.starts_with(table))
            .unwrap();
        backfill.remove(superseded);
    }
    assert_eq!(backfill.len(), 7, "{backfill:?}");
    for statement in forget.into_iter().chain(backfill) {
        on_store!(store, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(pool)
                .await
                .unwrap();
        });
    }
    assert_eq!(kept(store).await, before);
}
