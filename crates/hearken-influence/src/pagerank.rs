//! Weighted, optionally personalised PageRank by power iteration.

use std::num::NonZeroUsize;
use std::thread;

use crate::graph::{Graph, is_valid_weight};
use crate::on_threads;

/// Graphs with at least this many nodes plus edges are iterated on several threads; below it,
/// spawning threads every iteration costs more than it saves.
const PARALLEL_MIN_WORK: usize = 200_000;

/// How [`pagerank`] iterates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageRankOptions {
    /// Probability of following an out-edge rather than teleporting, in `[0, 1]`.
    pub damping: f64,
    /// Iteration stops once the L1 distance between successive rank vectors is below this.
    pub tolerance: f64,
    /// Give up with [`PageRankError::NotConverged`] after this many iterations.
    pub max_iterations: usize,
}

impl Default for PageRankOptions {
    /// Damping 0.85 as in Brin and Page, networkx and igraph; a tolerance tight enough that
    /// scores agree with igraph's PRPACK to well below 1e-6.
    fn default() -> Self {
        PageRankOptions {
            damping: 0.85,
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

/// The result of [`pagerank`].
#[derive(Debug, Clone, PartialEq)]
pub struct PageRank {
    /// One score per node id; the scores sum to 1.
    pub scores: Vec<f64>,
    /// Power iterations it took to converge.
    pub iterations: usize,
}

/// Why [`pagerank`] returned no scores.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PageRankError {
    /// Damping outside `[0, 1]`, or NaN.
    #[error("damping {damping} is outside [0, 1]")]
    InvalidDamping {
        /// The damping asked for.
        damping: f64,
    },
    /// A tolerance that is not a positive finite number.
    #[error("tolerance {tolerance} is not a positive finite number")]
    InvalidTolerance {
        /// The tolerance asked for.
        tolerance: f64,
    },
    /// `max_iterations` was zero.
    #[error("max_iterations must be at least 1")]
    ZeroMaxIterations,
    /// The personalisation vector's length differs from the node count.
    #[error("personalization has {actual} entries but the graph has {expected} nodes")]
    PersonalizationLength {
        /// The graph's node count.
        expected: usize,
        /// The personalisation vector's length.
        actual: usize,
    },
    /// A personalisation entry that is negative, NaN or infinite.
    #[error("personalization of node {node} is {value}; it must be finite and not negative")]
    InvalidPersonalization {
        /// The node id.
        node: usize,
        /// The offending entry.
        value: f64,
    },
    /// Every personalisation entry is zero, so there is nowhere to teleport.
    #[error("personalization is zero for every node")]
    ZeroPersonalization,
    /// The iteration cap was reached before the tolerance.
    #[error("pagerank did not converge in {iterations} iterations (last L1 change {residual})")]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// L1 distance between the last two rank vectors.
        residual: f64,
    },
}

/// Weighted PageRank of every node of `graph`.
///
/// A random surfer at node `j` follows out-edge `j → i` with probability `damping · w(j→i) /
/// out_weight(j)` and teleports with probability `1 − damping`. Teleports land according to
/// `personalization` (normalised to sum to 1), or uniformly when it is `None`. A dangling node,
/// one whose out-weight is zero, hands all of its rank to the teleport distribution: uniformly
/// without personalisation, and by the personalisation vector with it. That is what igraph's
/// PRPACK implementation and networkx's default do, so scores match theirs.
///
/// Self-loops count as ordinary out-edges. Iteration starts from the uniform vector and stops
/// when successive vectors are within `options.tolerance` in L1 distance; the returned scores
/// are normalised to sum to 1. Large graphs are iterated on all available cores.
pub fn pagerank(
    graph: &Graph,
    options: &PageRankOptions,
    personalization: Option<&[f64]>,
) -> Result<PageRank, PageRankError> {
    let work = graph.node_count() + graph.edge_count();
    let threads = if work >= PARALLEL_MIN_WORK {
        thread::available_parallelism().map_or(1, NonZeroUsize::get)
    } else {
        1
    };
    pagerank_on_threads(graph, options, personalization, threads)
}

pub(crate) fn pagerank_on_threads(
    graph: &Graph,
    options: &PageRankOptions,
    personalization: Option<&[f64]>,
    threads: usize,
) -> Result<PageRank, PageRankError> {
    let &PageRankOptions {
        damping,
        tolerance,
        max_iterations,
    } = options;
    if !(0.0..=1.0).contains(&damping) {
        return Err(PageRankError::InvalidDamping { damping });
    }
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(PageRankError::InvalidTolerance { tolerance });
    }
    if max_iterations == 0 {
        return Err(PageRankError::ZeroMaxIterations);
    }
    let n_nodes = graph.node_count();
    if let Some(personalization) = personalization
        && personalization.len() != n_nodes
    {
        return Err(PageRankError::PersonalizationLength {
            expected: n_nodes,
            actual: personalization.len(),
        });
    }
    if n_nodes == 0 {
        return Ok(PageRank {
            scores: Vec::new(),
            iterations: 0,
        });
    }
    let teleport = teleport_distribution(n_nodes, personalization)?;

    let out_weights = graph.out_weights();
    let inverse_out_weights: Vec<f64> = out_weights
        .iter()
        .map(|&weight| if weight > 0.0 { 1.0 / weight } else { 0.0 })
        .collect();
    let dangling: Vec<usize> = (0..n_nodes)
        .filter(|&node| out_weights[node] <= 0.0)
        .collect();
    let chunks = balanced_chunks(graph, threads.max(1));

    let mut ranks = vec![1.0 / n_nodes as f64; n_nodes];
    let mut next_ranks = vec![0.0; n_nodes];
    // ranks[j] / out_weight(j), so that each node's inflow is a plain dot product. Each step
    // writes the next one alongside the next ranks, saving a pass over memory.
    let mut outflow: Vec<f64> = ranks
        .iter()
        .zip(&inverse_out_weights)
        .map(|(&rank, &inverse)| rank * inverse)
        .collect();
    let mut next_outflow = vec![0.0; n_nodes];
    let mut residual = f64::INFINITY;
    for iteration in 1..=max_iterations {
        // Summed in node order on one thread, so scores do not depend on the thread count.
        let dangling_rank: f64 = dangling.iter().map(|&node| ranks[node]).sum();
        let step = Step {
            graph,
            outflow: &outflow,
            inverse_out_weights: &inverse_out_weights,
            teleport: &teleport,
            damping,
            teleport_mass: damping * dangling_rank + (1.0 - damping),
            previous: &ranks,
        };
        residual = step.run(&chunks, &mut next_ranks, &mut next_outflow);
        std::mem::swap(&mut ranks, &mut next_ranks);
        std::mem::swap(&mut outflow, &mut next_outflow);
        if residual < tolerance {
            let total: f64 = ranks.iter().sum();
            for rank in &mut ranks {
                *rank /= total;
            }
            return Ok(PageRank {
                scores: ranks,
                iterations: iteration,
            });
        }
    }
    Err(PageRankError::NotConverged {
        iterations: max_iterations,
        residual,
    })
}

/// The teleport distribution: personalisation normalised to sum to 1, or uniform.
fn teleport_distribution(
    n_nodes: usize,
    personalization: Option<&[f64]>,
) -> Result<Vec<f64>, PageRankError> {
    let Some(personalization) = personalization else {
        return Ok(vec![1.0 / n_nodes as f64; n_nodes]);
    };
    if let Some((node, &value)) = personalization
        .iter()
        .enumerate()
        .find(|&(_, &value)| !is_valid_weight(value))
    {
        return Err(PageRankError::InvalidPersonalization { node, value });
    }
    let total: f64 = personalization.iter().sum();
    if total <= 0.0 {
        return Err(PageRankError::ZeroPersonalization);
    }
    Ok(personalization.iter().map(|&value| value / total).collect())
}

/// Splits `0..node_count` into `threads` contiguous ranges of about equal work, counting one
/// unit per node and one per in-edge. Returns the boundaries, starting at 0 and ending at
/// `node_count`.
fn balanced_chunks(graph: &Graph, threads: usize) -> Vec<usize> {
    let offsets = graph.in_offsets();
    let n_nodes = graph.node_count();
    // Work before node k is offsets[k] + k, strictly increasing in k.
    let total_work = offsets[n_nodes] + n_nodes;
    let mut boundaries = Vec::with_capacity(threads + 1);
    boundaries.push(0);
    for chunk in 1..threads {
        let target = total_work * chunk / threads;
        let (mut low, mut high) = (0, n_nodes);
        while low < high {
            let middle = low + (high - low) / 2;
            if offsets[middle] + middle < target {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        boundaries.push(low);
    }
    boundaries.push(n_nodes);
    boundaries
}

/// One power-iteration step, shared read-only by every thread.
struct Step<'a> {
    graph: &'a Graph,
    outflow: &'a [f64],
    inverse_out_weights: &'a [f64],
    teleport: &'a [f64],
    damping: f64,
    /// Rank reaching the teleport distribution: by teleporting and from dangling nodes.
    teleport_mass: f64,
    previous: &'a [f64],
}

impl Step<'_> {
    /// Writes the new ranks and their outflows, and returns the L1 distance from the previous
    /// ranks.
    fn run(&self, chunks: &[usize], next: &mut [f64], next_outflow: &mut [f64]) -> f64 {
        let (mut ranks_left, mut outflow_left) = (next, next_outflow);
        let mut jobs = Vec::with_capacity(chunks.len() - 1);
        for bounds in chunks.windows(2) {
            let len = bounds[1] - bounds[0];
            let (ranks, ranks_tail) = std::mem::take(&mut ranks_left).split_at_mut(len);
            let (outflow, outflow_tail) = std::mem::take(&mut outflow_left).split_at_mut(len);
            (ranks_left, outflow_left) = (ranks_tail, outflow_tail);
            jobs.push((bounds[0], ranks, outflow));
        }
        let residuals = on_threads(jobs, |(first_node, ranks, outflow)| {
            self.run_range(first_node, ranks, outflow)
        });
        residuals.into_iter().sum()
    }

    fn run_range(&self, first_node: usize, next: &mut [f64], next_outflow: &mut [f64]) -> f64 {
        let offsets = self.graph.in_offsets();
        let sources = self.graph.in_sources();
        let weights = self.graph.in_weights();
        let mut residual = 0.0;
        for ((node, slot), outflow_slot) in (first_node..).zip(next).zip(next_outflow) {
            let edges = offsets[node]..offsets[node + 1];
            let inflow = dot(&sources[edges.clone()], &weights[edges], self.outflow);
            let rank = self.damping * inflow + self.teleport_mass * self.teleport[node];
            residual += (rank - self.previous[node]).abs();
            *slot = rank;
            *outflow_slot = rank * self.inverse_out_weights[node];
        }
        residual
    }
}

/// `Σ weights[k] · outflow[sources[k]]`, in four interleaved partial sums: with one sum, each
/// addition waits for the one before it, and that chain, not memory, bounds PageRank's step.
fn dot(sources: &[u32], weights: &[f64], outflow: &[f64]) -> f64 {
    let mut sums = [0.0; 4];
    let mut source_quads = sources.chunks_exact(4);
    let mut weight_quads = weights.chunks_exact(4);
    for (sources, weights) in (&mut source_quads).zip(&mut weight_quads) {
        for ((sum, &source), &weight) in sums.iter_mut().zip(sources).zip(weights) {
            *sum += weight * outflow[source as usize];
        }
    }
    let rest = source_quads
        .remainder()
        .iter()
        .zip(weight_quads.remainder());
    let rest: f64 = rest
        .map(|(&source, &weight)| weight * outflow[source as usize])
        .sum();
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale_free_graph(n_nodes: u32) -> Graph {
        // A deterministic graph with hubs, dangling nodes and self-loops, no RNG needed.
        let mut edges = Vec::new();
        for node in 1..n_nodes {
            let hub = (node * 7919) % (node.isqrt() + 1);
            edges.push((node, hub, f64::from(node % 5)));
            if node % 3 == 0 {
                edges.push((node, (node * 31) % n_nodes, 1.5));
            }
            if node % 11 == 0 {
                edges.push((node, node, 0.25));
            }
        }
        Graph::from_edges(n_nodes as usize, &edges).expect("valid graph")
    }

    #[test]
    fn threads_give_the_same_scores_as_one_thread() {
        let graph = scale_free_graph(5_000);
        let options = PageRankOptions::default();
        let one = pagerank_on_threads(&graph, &options, None, 1).expect("converges");
        for threads in [2, 3, 8] {
            let many = pagerank_on_threads(&graph, &options, None, threads).expect("converges");
            assert_eq!(one, many, "{threads} threads");
        }
    }

    #[test]
    fn chunks_cover_every_node_once_and_balance_work() {
        let graph = scale_free_graph(10_000);
        let chunks = balanced_chunks(&graph, 4);
        assert_eq!(chunks.first(), Some(&0));
        assert_eq!(chunks.last(), Some(&graph.node_count()));
        assert!(chunks.windows(2).all(|pair| pair[0] <= pair[1]));
        let offsets = graph.in_offsets();
        let work = |node: usize| offsets[node] + node;
        let total = work(graph.node_count());
        for pair in chunks.windows(2) {
            let share = (work(pair[1]) - work(pair[0])) as f64 / total as f64;
            assert!(
                (share - 0.25).abs() < 0.05,
                "unbalanced chunk {pair:?}: {share}"
            );
        }
    }
}
