//! The influence formula: from interactions, profiles and per-department mention counts to
//! every author's composite score and its components.
//!
//! Components, each with a raw value and a percentile (the share of scored authors with a
//! strictly lower raw value, 0 to 100):
//!
//! - **reach**: `log10(1 + followers)` from the newest profile observation; 0 without one.
//!   Log-scaled because follower counts are heavy-tailed (Cha et al. 2010).
//! - **engagement**: interactions received from other authors divided by the profile's post
//!   count (at least 1, so an author without a profile is scored on what they received).
//! - **network authority**: weighted PageRank (damping 0.85) over the interaction graph, an
//!   edge from the actor to the author acted upon weighted by the weight recorded with the
//!   interaction or, when none was, by [`kind_weight`].
//! - **topical authority**, per department: the same PageRank with teleports personalised to
//!   the authors of mentions classified into the department, in proportion to how many they
//!   wrote (TwitterRank, Weng et al. 2010). Authors the department's authors cannot reach
//!   along interactions score exactly 0 and are not stored.
//!   It is shown and ranks `TopInfluencers(department)`, but is not part of the composite, so
//!   that one number compares authors across departments.
//! - **recency**: `0.5 ^ (age / RECENCY_HALF_LIFE)`, where age is the time from the author's
//!   last interaction (made or received) to the newest interaction scored (not the wall
//!   clock, so an archive scores the same whenever it is recomputed); 0 without interactions.
//!
//! The composite is `Σ weight × percentile` over reach, engagement, network authority and
//! recency, with the weights in [`Weights::V1`] summing to 1, so it lies in `[0, 100)`.
//!
//! An author is a handle on one platform: interactions connect the authors of their mention's
//! source, and profiles and department counts attach by `(source, handle)`.
//!
//! Self-interactions (replying to one's own thread) are stored but ignored here: talking to
//! oneself earns no authority, engagement or recency.

use std::collections::BTreeMap;

use hearken_proto::v1::InteractionKind;
use hearken_store::influence::{
    AuthorDepartment, AuthorProfile, AuthorScore, InteractionEdge, TopicalScore,
};

use crate::{Graph, GraphError, NodeIndex, PageRankError, PageRankOptions, pagerank};

/// Names the formula below; stored with every generation and returned with every score.
pub const FORMULA_VERSION: &str = "hearken-influence-1";

/// The half-life of the recency component, in microseconds: one week.
pub const RECENCY_HALF_LIFE_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// Weights of the components in the composite score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub reach: f64,
    pub engagement: f64,
    pub network_authority: f64,
    pub recency: f64,
}

impl Weights {
    /// Network authority weighs most because it is the signal followers miss; reach,
    /// engagement and recency share the rest equally.
    pub const V1: Weights = Weights {
        reach: 0.2,
        engagement: 0.2,
        network_authority: 0.4,
        recency: 0.2,
    };
}

/// The edge weight of one interaction of `kind`: sharing someone's post (repost, quote) says
/// most about their voice, a reply less, a mention or a like least. `None` for unspecified.
pub fn kind_weight(kind: InteractionKind) -> Option<f64> {
    match kind {
        InteractionKind::Repost | InteractionKind::Quote => Some(3.0),
        InteractionKind::Reply => Some(2.0),
        InteractionKind::Mention => Some(1.0),
        InteractionKind::Like => Some(0.5),
        InteractionKind::Unspecified => None,
    }
}

/// Why scores could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    #[error("cannot build the interaction graph")]
    Graph(#[from] GraphError),
    #[error("pagerank failed")]
    PageRank(#[from] PageRankError),
}

/// Everything one recompute reads, gathered as the store pages through it. Interactions are
/// kept as edges between dense author ids, not as rows, so ten million of them take a few
/// hundred megabytes.
#[derive(Debug, Default)]
pub struct ScoreInputs {
    /// Authors by `source` [`AUTHOR_SEPARATOR`] `handle`.
    authors: NodeIndex,
    key: String,
    edges: Vec<(u32, u32, f64)>,
    received: Vec<u64>,
    last_active: Vec<i64>,
    interaction_count: i64,
    /// `(observed_at, followers, post_count)` of the newest profile, by author id.
    profiles: Vec<Option<(i64, i64, i64)>>,
    departments: BTreeMap<String, Vec<(u32, f64)>>,
}

/// Joins an author's source and handle into one [`NodeIndex`] name. A source holds only
/// letters, digits, `.`, `-` and `_`, so the first separator ends it.
const AUTHOR_SEPARATOR: char = '\u{1f}';

impl ScoreInputs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one interaction; a self-interaction is counted but adds nothing else.
    pub fn add_interaction(&mut self, interaction: &InteractionEdge) -> Result<(), ScoreError> {
        self.interaction_count += 1;
        let source = self.author(&interaction.source, &interaction.source_handle)?;
        let target = self.author(&interaction.source, &interaction.target_handle)?;
        if source == target {
            return Ok(());
        }
        self.received[target as usize] += 1;
        for node in [source, target] {
            let last = &mut self.last_active[node as usize];
            *last = (*last).max(interaction.created_at);
        }
        let weight = interaction.weight.or_else(|| {
            InteractionKind::try_from(interaction.kind)
                .ok()
                .and_then(kind_weight)
        });
        if let Some(weight) = weight {
            self.edges.push((source, target, weight));
        }
        Ok(())
    }

    /// Adds a profile; of several for one author, the newest observation counts.
    pub fn add_author(&mut self, profile: &AuthorProfile) -> Result<(), ScoreError> {
        let node = self.author(&profile.source, &profile.handle)? as usize;
        let kept = &mut self.profiles[node];
        if kept.is_none_or(|(observed_at, _, _)| observed_at < profile.observed_at) {
            *kept = Some((profile.observed_at, profile.followers, profile.post_count));
        }
        Ok(())
    }

    /// Adds an author's mention count in one department.
    pub fn add_department(&mut self, count: &AuthorDepartment) -> Result<(), ScoreError> {
        let node = self.author(&count.source, &count.handle)?;
        self.departments
            .entry(count.department.clone())
            .or_default()
            .push((node, count.mention_count.max(0) as f64));
        Ok(())
    }

    /// Interactions added so far, self-interactions included.
    pub fn interaction_count(&self) -> i64 {
        self.interaction_count
    }

    /// The id of the author `(source, handle)`, growing the per-author vectors for a new one.
    fn author(&mut self, source: &str, handle: &str) -> Result<u32, ScoreError> {
        self.key.clear();
        self.key.push_str(source);
        self.key.push(AUTHOR_SEPARATOR);
        self.key.push_str(handle);
        let id = self.authors.intern(&self.key)?;
        if id as usize == self.received.len() {
            self.received.push(0);
            self.last_active.push(i64::MIN);
            self.profiles.push(None);
        }
        Ok(id)
    }
}

/// Scores every author that appears in `inputs`: in an interaction, a profile or a
/// department count.
pub fn compute_scores(inputs: ScoreInputs) -> Result<Vec<AuthorScore>, ScoreError> {
    let ScoreInputs {
        authors: nodes,
        edges,
        received,
        last_active,
        profiles,
        departments: by_department,
        ..
    } = inputs;
    let n_nodes = nodes.len();
    let graph = Graph::from_edges(n_nodes, &edges)?;
    let options = PageRankOptions::default();
    let authority = pagerank(&graph, &options, None)?.scores;

    let as_of = last_active.iter().copied().max().unwrap_or(i64::MIN);

    let mut reach = vec![0.0; n_nodes];
    let mut engagement = vec![0.0; n_nodes];
    let mut recency = vec![0.0; n_nodes];
    for node in 0..n_nodes {
        let profile = profiles[node];
        let followers = profile.map_or(0, |(_, followers, _)| followers.max(0));
        let posts = profile.map_or(1, |(_, _, posts)| posts.max(1));
        reach[node] = (1.0 + followers as f64).log10();
        engagement[node] = received[node] as f64 / posts as f64;
        if last_active[node] != i64::MIN {
            let age = (as_of - last_active[node]).max(0) as f64;
            recency[node] = 0.5f64.powf(age / RECENCY_HALF_LIFE_MICROS as f64);
        }
    }

    let forward = Forward::new(n_nodes, &edges);
    drop(edges);
    let mut topical: Vec<Vec<TopicalScore>> = vec![Vec::new(); n_nodes];
    let mut teleport = vec![0.0; n_nodes];
    for (department, counts) in &by_department {
        teleport.fill(0.0);
        for &(node, count) in counts {
            teleport[node as usize] += count;
        }
        if teleport.iter().all(|&weight| weight == 0.0) {
            continue;
        }
        let mut ranks = pagerank(&graph, &options, Some(&teleport))?.scores;
        // Power iteration leaves a vanishing residue on authors the department's conversation
        // never reaches; their exact topical authority is 0.
        let reached = forward.reachable_from(counts.iter().map(|&(node, _)| node));
        for (rank, reached) in ranks.iter_mut().zip(&reached) {
            if !reached {
                *rank = 0.0;
            }
        }
        let percentiles = percentiles(&ranks);
        for (node, (&raw, percentile)) in ranks.iter().zip(percentiles).enumerate() {
            if raw > 0.0 {
                topical[node].push(TopicalScore {
                    department: department.clone(),
                    raw,
                    percentile,
                });
            }
        }
    }

    let weights = Weights::V1;
    let reach_pct = percentiles(&reach);
    let engagement_pct = percentiles(&engagement);
    let authority_pct = percentiles(&authority);
    let recency_pct = percentiles(&recency);
    let scores = nodes
        .names()
        .zip(topical)
        .enumerate()
        .map(|(node, (key, topical))| {
            let (source, handle) = key.split_once(AUTHOR_SEPARATOR).unwrap_or(("", key));
            AuthorScore {
                source: source.to_owned(),
                handle: handle.to_owned(),
                score: weights.reach * reach_pct[node]
                    + weights.engagement * engagement_pct[node]
                    + weights.network_authority * authority_pct[node]
                    + weights.recency * recency_pct[node],
                reach_raw: reach[node],
                reach_percentile: reach_pct[node],
                engagement_raw: engagement[node],
                engagement_percentile: engagement_pct[node],
                authority_raw: authority[node],
                authority_percentile: authority_pct[node],
                recency_raw: recency[node],
                recency_percentile: recency_pct[node],
                topical,
            }
        })
        .collect();
    Ok(scores)
}

/// Out-edges in compressed-sparse-row form, for reachability.
struct Forward {
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

impl Forward {
    fn new(n_nodes: usize, edges: &[(u32, u32, f64)]) -> Forward {
        let mut offsets = vec![0usize; n_nodes + 1];
        for &(source, _, _) in edges {
            offsets[source as usize + 1] += 1;
        }
        for node in 0..n_nodes {
            offsets[node + 1] += offsets[node];
        }
        let mut next = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        for &(source, target, _) in edges {
            targets[next[source as usize]] = target;
            next[source as usize] += 1;
        }
        Forward { offsets, targets }
    }

    /// Which nodes a walk from `starts` along out-edges can reach, the starts included.
    fn reachable_from(&self, starts: impl Iterator<Item = u32>) -> Vec<bool> {
        let mut reached = vec![false; self.offsets.len() - 1];
        let mut stack: Vec<u32> = Vec::new();
        for start in starts {
            if !reached[start as usize] {
                reached[start as usize] = true;
                stack.push(start);
            }
        }
        while let Some(node) = stack.pop() {
            let range = self.offsets[node as usize]..self.offsets[node as usize + 1];
            for &target in &self.targets[range] {
                if !reached[target as usize] {
                    reached[target as usize] = true;
                    stack.push(target);
                }
            }
        }
        reached
    }
}

/// For each value, the share of all values strictly below it, from 0 to 100.
pub fn percentiles(values: &[f64]) -> Vec<f64> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let total = values.len() as f64;
    values
        .iter()
        .map(|value| {
            let below = sorted.partition_point(|other| other.total_cmp(value).is_lt());
            100.0 * below as f64 / total
        })
        .collect()
}
