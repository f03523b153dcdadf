//! Filling the benchmark store quickly without running the classifier a million times: the
//! mentions are imported through the real ingest path with enrichment off, and each is then
//! completed through `Store::complete_enrichment` (which writes departments, key topics, inbox
//! items and rollups) with the enrichment the real pipeline gave its text in the base store.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Context;
use hearken_store::enrich::{
    EnrichedMention, Enrichment, ResolvedPlace, SENTIMENT_NEUTRAL, SentimentScores,
};
use hearken_store::influence::NewInteraction;
use hearken_store::report::ReportFilter;
use hearken_store::{Store, StoredMention};

/// The airlines of the tweets, as brands for share of voice.
const BRANDS: [(&str, &str); 6] = [
    ("american", "@americanair OR americanair OR #americanair"),
    ("jetblue", "@jetblue OR jetblue OR #jetblue"),
    (
        "southwest",
        "@southwestair OR southwestair OR #southwestair",
    ),
    ("united", "@united OR #united"),
    ("us airways", "@usairways OR usairways OR #usairways"),
    (
        "virgin america",
        "@virginamerica OR virginamerica OR #virginamerica",
    ),
];

/// Mentions claimed and completed per transaction.
const BATCH: u32 = 5_000;
/// Longer than the whole run: nothing else claims.
const LEASE_MICROS: i64 = 3_600_000_000;

pub(crate) async fn topics(database_url: &str) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    for (name, query) in BRANDS {
        store.put_topic(name, query, true).await?;
    }
    store.close().await;
    Ok(())
}

pub(crate) async fn enrich(base_url: &str, database_url: &str) -> anyhow::Result<()> {
    let base = Store::connect(base_url).await?;
    let target = Store::connect(database_url).await?;
    let by_text = base_enrichments(&base).await?;
    copy_influence_inputs(&base, &target).await?;

    let started = Instant::now();
    let mut enriched = 0;
    loop {
        let claimed = target.claim_pending(BATCH, LEASE_MICROS).await?;
        if claimed.is_empty() {
            break;
        }
        let items = claimed
            .into_iter()
            .map(|mention| {
                let enrichment = by_text.get(&mention.text).cloned().with_context(|| {
                    format!(
                        "mention {} ({}): its text is not in the base store",
                        mention.id, mention.external_id
                    )
                })?;
                Ok(EnrichedMention {
                    mention,
                    enrichment,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        enriched += target.complete_enrichment(&items).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "enriched {enriched} mentions in {seconds:.1} s ({:.0}/s) from {} distinct texts",
        enriched as f64 / seconds,
        by_text.len()
    );
    base.close().await;
    target.close().await;
    Ok(())
}

/// What the real pipeline found for each text of the base store.
async fn base_enrichments(base: &Store) -> anyhow::Result<HashMap<String, Enrichment>> {
    let mut by_text = HashMap::new();
    let mut after = None;
    loop {
        let batch = base
            .export_batch(&ReportFilter::default(), after, 2_000)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(by_text);
        };
        after = Some(last.id);
        for mention in &batch {
            by_text.insert(mention.text.clone(), enrichment_of(mention));
        }
    }
}

/// The enrichment a stored, enriched mention carries. Its inbox priority (urgency weighed by
/// the author's influence at the time) is not kept on the mention; the urgency stands in.
fn enrichment_of(mention: &StoredMention) -> Enrichment {
    let e = &mention.enrichment;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    Enrichment {
        sentiment: SentimentScores {
            neg: e.sentiment_neg.unwrap_or(0.0),
            neu: e.sentiment_neu.unwrap_or(1.0),
            pos: e.sentiment_pos.unwrap_or(0.0),
            compound: e.sentiment_compound.unwrap_or(0.0),
            label: e.sentiment_label.unwrap_or(SENTIMENT_NEUTRAL),
        },
        departments: mention.departments.clone(),
        intent: text(&e.intent),
        intent_confidence: e.intent_confidence.unwrap_or(0.0),
        key_topics: mention.key_topics.clone(),
        language: text(&e.detected_language),
        urgency: e.urgency.unwrap_or(0.0),
        model_version: text(&e.model_version),
        routing_reasons: e.routing_reasons.lines().map(str::to_owned).collect(),
        place: ResolvedPlace {
            country_code: text(&e.country_code),
            region_code: text(&e.region_code),
            city: text(&e.city),
            coordinates: e.resolved_latitude.zip(e.resolved_longitude),
            evidence: e.location_evidence.unwrap_or(0),
            confidence: e.location_confidence.unwrap_or(0.0),
        },
        priority: e.urgency.unwrap_or(0.0),
    }
}

/// Authors, their department counts and the interaction graph, so that the server's first
/// influence recompute has the same graph as the base.
async fn copy_influence_inputs(base: &Store, target: &Store) -> anyhow::Result<()> {
    for authors in base.list_authors().await?.chunks(1_000) {
        target.upsert_authors(authors).await?;
    }
    target
        .add_author_departments(&base.author_departments().await?)
        .await?;
    let mut interactions = Vec::new();
    base.scan_interactions(None, None, &mut |page| {
        interactions.extend(page.iter().map(|edge| NewInteraction {
            kind: edge.kind,
            source_handle: edge.source_handle.clone(),
            target_handle: edge.target_handle.clone(),
            mention_source: edge.source.clone(),
            mention_external_id: format!("base-{}", edge.id),
            created_at: edge.created_at,
            weight: edge.weight,
        }))
    })
    .await?;
    for chunk in interactions.chunks(1_000) {
        target.record_interactions(chunk).await?;
    }
    Ok(())
}
