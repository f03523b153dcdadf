//! The rollup rows a batch of newly enriched mentions adds to.

use std::collections::BTreeMap;

use super::{Dimension, EnrichedMention, SENTIMENT_NEGATIVE, SENTIMENT_POSITIVE, hour_of};
use crate::report::BucketWidth;

/// One rollup row's key; ordered so that concurrent writers lock rows in the same order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RollupKey {
    pub(crate) department: String,
    pub(crate) dimension: Dimension,
    pub(crate) value: String,
    pub(crate) bucket_start: i64,
}

/// What a batch adds to one rollup row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RollupDelta {
    pub(crate) mention_count: i64,
    pub(crate) sentiment_sum: f64,
    pub(crate) positive_count: i64,
    pub(crate) neutral_count: i64,
    pub(crate) negative_count: i64,
    pub(crate) like_count: i64,
    pub(crate) repost_count: i64,
    pub(crate) reply_count: i64,
    pub(crate) quote_count: i64,
    pub(crate) view_count: i64,
}

impl RollupDelta {
    fn merge(&mut self, other: &RollupDelta) {
        self.mention_count += other.mention_count;
        self.sentiment_sum += other.sentiment_sum;
        self.positive_count += other.positive_count;
        self.neutral_count += other.neutral_count;
        self.negative_count += other.negative_count;
        self.like_count += other.like_count;
        self.repost_count += other.repost_count;
        self.reply_count += other.reply_count;
        self.quote_count += other.quote_count;
        self.view_count += other.view_count;
    }

    /// Counts `enriched`, and its engagement when `engagement` (the totals only: that is all
    /// Reach reads).
    fn add(&mut self, enriched: &EnrichedMention, engagement: bool) {
        let (mention, sentiment) = (&enriched.mention, &enriched.enrichment.sentiment);
        self.mention_count += 1;
        self.sentiment_sum += sentiment.compound;
        if engagement {
            self.like_count += mention.like_count;
            self.repost_count += mention.repost_count;
            self.reply_count += mention.reply_count;
            self.quote_count += mention.quote_count;
            self.view_count += mention.view_count;
        }
        match sentiment.label {
            SENTIMENT_POSITIVE => self.positive_count += 1,
            SENTIMENT_NEGATIVE => self.negative_count += 1,
            _ => self.neutral_count += 1,
        }
    }
}

/// The summed deltas of `mentions`: each counts once in the all-departments partition (`""`)
/// and once in each department it concerns, under the total and every dimension value it has.
pub(crate) fn deltas<'a>(
    mentions: impl IntoIterator<Item = &'a EnrichedMention>,
) -> BTreeMap<RollupKey, RollupDelta> {
    let mut rows: BTreeMap<RollupKey, RollupDelta> = BTreeMap::new();
    for enriched in mentions {
        let (mention, e) = (&enriched.mention, &enriched.enrichment);
        let bucket_start = hour_of(mention.created_at);
        let values = dimension_values(enriched);
        let departments =
            std::iter::once("").chain(e.departments.iter().map(|(id, _)| id.as_str()));
        for department in departments {
            for (dimension, value) in &values {
                // Within one department, grouping by department says nothing new.
                if !department.is_empty() && *dimension == Dimension::Department {
                    continue;
                }
                let key = RollupKey {
                    department: department.to_owned(),
                    dimension: *dimension,
                    value: value.clone(),
                    bucket_start,
                };
                rows.entry(key)
                    .or_default()
                    .add(enriched, *dimension == Dimension::Total);
            }
        }
    }
    rows
}

/// The hourly deltas summed per UTC day or week (from Monday): the rows of `rollups_daily` and
/// `rollups_weekly`, which let a report over weeks or months read a row a day or a week
/// instead of 24 or 168.
pub(crate) fn coarser(
    hourly: &BTreeMap<RollupKey, RollupDelta>,
    width: BucketWidth,
) -> BTreeMap<RollupKey, RollupDelta> {
    let mut coarse: BTreeMap<RollupKey, RollupDelta> = BTreeMap::new();
    for (key, delta) in hourly {
        let bucket = RollupKey {
            bucket_start: width.start_of(key.bucket_start),
            ..key.clone()
        };
        coarse.entry(bucket).or_default().merge(delta);
    }
    coarse
}

/// The hourly deltas summed per (partition, topic): what the all-time topic totals grow by,
/// which let the conversation map find its largest topics without reading every topic's
/// rows, and read a range holding every mention one row a cell.
pub(crate) fn topic_totals(
    hourly: &BTreeMap<RollupKey, RollupDelta>,
) -> BTreeMap<(String, String), RollupDelta> {
    let mut totals: BTreeMap<(String, String), RollupDelta> = BTreeMap::new();
    for (key, delta) in hourly {
        if key.dimension == Dimension::Topic {
            totals
                .entry((key.department.clone(), key.value.clone()))
                .or_default()
                .merge(delta);
        }
    }
    totals
}

/// Every (dimension, value) a mention counts under; unknown places and languages are left out.
pub(crate) fn dimension_values(enriched: &EnrichedMention) -> Vec<(Dimension, String)> {
    let (mention, e) = (&enriched.mention, &enriched.enrichment);
    let mut values = vec![
        (Dimension::Total, String::new()),
        (Dimension::Source, mention.source.clone()),
        (
            Dimension::Sentiment,
            super::sentiment_name(e.sentiment.label).to_owned(),
        ),
        (Dimension::Intent, e.intent.clone()),
    ];
    values.extend(
        e.departments
            .iter()
            .map(|(id, _)| (Dimension::Department, id.clone())),
    );
    values.extend(topics(enriched).map(|t| (Dimension::Topic, t.to_owned())));
    let place = &e.place;
    let language = mention
        .language
        .clone()
        .unwrap_or_else(|| e.language.clone());
    for (dimension, value) in [
        (Dimension::Language, language),
        (Dimension::Country, place.country_code.clone()),
        (Dimension::Region, place.region_code.clone()),
        (Dimension::City, city_key(place)),
    ] {
        if !value.is_empty() {
            values.push((dimension, value));
        }
    }
    values
}

/// A mention's topics, each once: its listening topics and the classifier's key topics.
pub(crate) fn topics(enriched: &EnrichedMention) -> impl Iterator<Item = &str> {
    let mut topics: Vec<&str> = (enriched.mention.topics.iter())
        .chain(&enriched.enrichment.key_topics)
        .map(String::as_str)
        .collect();
    topics.sort_unstable();
    topics.dedup();
    topics.into_iter()
}

/// A city named with its region (or country), so that Portland, Oregon and Portland, Maine
/// stay apart: `Portland, US-OR`.
pub fn city_key(place: &super::ResolvedPlace) -> String {
    if place.city.is_empty() {
        return String::new();
    }
    let within = if place.region_code.is_empty() {
        &place.country_code
    } else {
        &place.region_code
    };
    if within.is_empty() {
        place.city.clone()
    } else {
        format!("{}, {within}", place.city)
    }
}
