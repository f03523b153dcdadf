//! How long the influence service's recompute takes on a large interaction graph, and how much
//! memory it needs.
//!
//! ```sh
//! # In memory: the interactions are fed to the scorer in pages, as the store pages them, then
//! # scored (overall PageRank, one personalised PageRank per department, components).
//! cargo run --release -p hearken-influence --example recompute -- 10000000 1000000
//! # Through a store: record the interactions, then time `InfluenceState::recompute` (read
//! # every interaction, score, write the generation).
//! cargo run --release -p hearken-influence --example recompute -- 10000000 1000000 postgres://...
//! ```
//!
//! The graph is seeded and heavy-tailed: each interaction's actor and target are drawn with
//! Pareto-distributed propensities (a few authors act and are acted upon a lot), so it has
//! the hubs and dangling authors real conversations have. 7 departments each have 2% of the
//! authors as their voices. Peak memory is the process's high-water mark (`VmHWM`).

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use hearken_influence::score::{ScoreInputs, compute_scores};
use hearken_influence::{InfluenceConfig, InfluenceState};
use hearken_store::Store;
use hearken_store::influence::{AuthorDepartment, InteractionEdge, NewInteraction};

const DEPARTMENTS: [&str; 7] = [
    "billing", "support", "sales", "product", "legal", "press", "careers",
];
const PAGE: usize = 50_000;

/// splitmix64: a tiny seeded generator, so the graph is the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Cumulative Pareto(1.5) propensities over `authors`, to draw authors in proportion.
fn propensities(random: &mut Random, authors: usize) -> Vec<f64> {
    let mut total = 0.0;
    (0..authors)
        .map(|_| {
            total += (1.0 - random.unit()).powf(-1.0 / 1.5);
            total
        })
        .collect()
}

fn draw(random: &mut Random, cumulative: &[f64]) -> usize {
    let target = random.unit() * cumulative[cumulative.len() - 1];
    cumulative
        .partition_point(|&c| c < target)
        .min(cumulative.len() - 1)
}

/// The interactions of the graph, made a page at a time.
struct Interactions {
    random: Random,
    actors: Vec<f64>,
    targets: Vec<f64>,
    made: usize,
    count: usize,
}

impl Interactions {
    fn new(count: usize, authors: usize) -> Self {
        let mut random = Random(0x0068_6561_726b_656e);
        let actors = propensities(&mut random, authors);
        let targets = propensities(&mut random, authors);
        Interactions {
            random,
            actors,
            targets,
            made: 0,
            count,
        }
    }

    fn next_page(&mut self) -> Option<Vec<InteractionEdge>> {
        let size = PAGE.min(self.count - self.made);
        if size == 0 {
            return None;
        }
        let random = &mut self.random;
        let page = (0..size)
            .map(|offset| InteractionEdge {
                id: (self.made + offset) as i64 + 1,
                kind: 1 + (random.next() % 5) as i32,
                source: "twitter".into(),
                source_handle: format!("u{}", draw(random, &self.actors)),
                target_handle: format!("u{}", draw(random, &self.targets)),
                // A quarter of the interactions carry a weight of their own.
                weight: random
                    .next()
                    .is_multiple_of(4)
                    .then(|| 1.0 + (random.next() % 8) as f64),
                created_at: 1_700_000_000_000_000 + (random.next() % 2_592_000_000_000) as i64,
            })
            .collect();
        self.made += size;
        Some(page)
    }
}

fn departments(authors: usize) -> Vec<AuthorDepartment> {
    let mut random = Random(7);
    let mut counts = Vec::new();
    for department in DEPARTMENTS {
        for _ in 0..authors / 50 {
            counts.push(AuthorDepartment {
                source: "twitter".into(),
                handle: format!("u{}", random.next() as usize % authors),
                department: department.into(),
                mention_count: 1 + (random.next() % 20) as i64,
            });
        }
    }
    counts
}

/// The process's peak resident memory so far, in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches(" kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib / 1024)
}

fn in_memory(count: usize, authors: usize) {
    let started = Instant::now();
    let mut inputs = ScoreInputs::new();
    let mut interactions = Interactions::new(count, authors);
    while let Some(page) = interactions.next_page() {
        for interaction in &page {
            inputs.add_interaction(interaction).unwrap();
        }
    }
    for department in departments(authors) {
        inputs.add_department(&department).unwrap();
    }
    let gathered = started.elapsed();
    let scoring = Instant::now();
    let scores = compute_scores(inputs).unwrap();
    let scored = scoring.elapsed();
    let topical: usize = scores.iter().map(|s| s.topical.len()).sum();
    println!(
        "in memory: {count} interactions, {} authors, {topical} topical scores in {} departments",
        scores.len(),
        DEPARTMENTS.len()
    );
    println!(
        "  gather (make rows, intern, edges): {:.2} s; score (graph, 1 + {} PageRanks, \
         components): {:.2} s; total {:.2} s; peak RSS {} MiB",
        gathered.as_secs_f64(),
        DEPARTMENTS.len(),
        scored.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}

async fn through_store(count: usize, authors: usize, url: &str) {
    let store = Store::connect(url).await.unwrap();
    let stored = store.count_interactions().await.unwrap();
    if stored == 0 {
        let started = Instant::now();
        let mut interactions = Interactions::new(count, authors);
        while let Some(page) = interactions.next_page() {
            let batch: Vec<NewInteraction> = page
                .into_iter()
                .map(|edge| NewInteraction {
                    kind: edge.kind,
                    source_handle: edge.source_handle,
                    target_handle: edge.target_handle,
                    mention_source: edge.source,
                    mention_external_id: edge.id.to_string(),
                    created_at: edge.created_at,
                    weight: edge.weight,
                })
                .collect();
            store.record_interactions(&batch).await.unwrap();
        }
        store
            .add_author_departments(&departments(authors))
            .await
            .unwrap();
        println!(
            "recorded {count} interactions in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let before = peak_rss_mib();
    let state = InfluenceState::new(store, InfluenceConfig::default());
    let summary = state.recompute().await.unwrap();
    println!(
        "recompute through {}: {} interactions, {} authors in {:.2} s; peak RSS {} MiB \
         (before the recompute: {before} MiB)",
        state.store().backend(),
        summary.generation.interaction_count,
        summary.generation.author_count,
        summary.elapsed.as_secs_f64(),
        peak_rss_mib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = args.first().map_or(10_000_000, |a| a.parse().unwrap());
    let authors = args.get(1).map_or(1_000_000, |a| a.parse().unwrap());
    match args.get(2) {
        None => in_memory(count, authors),
        Some(url) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(through_store(count, authors, url)),
    }
}
