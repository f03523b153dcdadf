//! The interaction graph in compressed-sparse-row form.

use std::num::NonZeroUsize;
use std::thread;

use crate::on_threads;

/// Why an edge list could not become a [`Graph`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// More nodes than `u32` ids can name.
    #[error("{n_nodes} nodes is more than the {max} a graph can hold")]
    TooManyNodes {
        /// The number of nodes asked for.
        n_nodes: usize,
        /// The largest supported node count.
        max: usize,
    },
    /// An edge names a node id outside `0..n_nodes`.
    #[error("edge {edge} names node {node}, but the graph has only {n_nodes} nodes")]
    NodeOutOfRange {
        /// Position of the edge in the input list.
        edge: usize,
        /// The offending node id.
        node: u32,
        /// The node count the graph was built with.
        n_nodes: usize,
    },
    /// An edge weight that is negative, NaN or infinite.
    #[error("edge {edge} has weight {weight}; weights must be finite and not negative")]
    InvalidWeight {
        /// Position of the edge in the input list.
        edge: usize,
        /// The offending weight.
        weight: f64,
    },
    /// A node's total out-weight overflows, or is so small that its inverse does.
    #[error("node {node} has total out-weight {out_weight}, which PageRank cannot normalise")]
    OutWeightOutOfRange {
        /// The node id.
        node: u32,
        /// The sum of its out-edge weights.
        out_weight: f64,
    },
}

/// Edge lists at least this long are built into a graph on several threads; below it, a
/// thread costs more than it saves.
const PARALLEL_MIN_EDGES: usize = 100_000;

/// The largest node count: every node id must fit in a `u32`.
pub(crate) const MAX_NODES: usize = u32::MAX as usize;

/// Weights and teleport probabilities share one rule: finite and not negative.
pub(crate) fn is_valid_weight(weight: f64) -> bool {
    weight.is_finite() && weight >= 0.0
}

/// A directed weighted graph on nodes `0..node_count()`, stored by in-edges.
///
/// PageRank computes each node's new rank as a dot product over its in-edges, so the graph keeps
/// the transposed adjacency in compressed-sparse-row form: the in-edges of node `t` are
/// `in_sources[in_offsets[t]..in_offsets[t + 1]]` with matching `in_weights`, sorted by source.
/// Parallel edges are merged into one edge carrying the sum of their weights; self-loops are
/// kept, as networkx and igraph keep them. The total out-weight of every node is precomputed,
/// because PageRank divides by it.
///
/// Construction is deterministic: the same multiset of edges gives a bit-identical graph in any
/// input order, because parallel weights are summed in sorted order.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    in_offsets: Vec<usize>,
    in_sources: Vec<u32>,
    in_weights: Vec<f64>,
    out_weights: Vec<f64>,
}

impl Graph {
    /// Builds the graph on nodes `0..n_nodes` from `(source, target, weight)` edges.
    ///
    /// Nodes without edges are allowed and stay isolated. Fails on a node id out of range or a
    /// weight that is negative, NaN or infinite; the error names the edge's position. A large
    /// graph is built on all available cores.
    pub fn from_edges(n_nodes: usize, edges: &[(u32, u32, f64)]) -> Result<Graph, GraphError> {
        let threads = if edges.len() >= PARALLEL_MIN_EDGES {
            thread::available_parallelism().map_or(1, NonZeroUsize::get)
        } else {
            1
        };
        Graph::from_edges_on_threads(n_nodes, edges, threads)
    }

    pub(crate) fn from_edges_on_threads(
        n_nodes: usize,
        edges: &[(u32, u32, f64)],
        threads: usize,
    ) -> Result<Graph, GraphError> {
        let threads = threads.max(1);
        if n_nodes > MAX_NODES {
            return Err(GraphError::TooManyNodes {
                n_nodes,
                max: MAX_NODES,
            });
        }
        // Each target's in-degree is counted in the same pass that checks the edges.
        let mut in_offsets = vec![0usize; n_nodes + 1];
        for (position, &(source, target, weight)) in edges.iter().enumerate() {
            for node in [source, target] {
                if node as usize >= n_nodes {
                    return Err(GraphError::NodeOutOfRange {
                        edge: position,
                        node,
                        n_nodes,
                    });
                }
            }
            if !is_valid_weight(weight) {
                return Err(GraphError::InvalidWeight {
                    edge: position,
                    weight,
                });
            }
            in_offsets[target as usize + 1] += 1;
        }
        for node in 0..n_nodes {
            in_offsets[node + 1] += in_offsets[node];
        }
        let mut in_sources = vec![0u32; edges.len()];
        let mut in_weights = vec![0.0f64; edges.len()];

        // Each thread fills and merges the in-edge runs of one range of targets, holding about
        // as many edges as the others, in that range's own stretch of the in-edge arrays.
        let mut boundaries: Vec<usize> = (0..threads)
            .map(|part| in_offsets.partition_point(|&offset| offset < edges.len() * part / threads))
            .collect();
        boundaries.push(n_nodes);
        let stretch_starts: Vec<usize> = boundaries
            .iter()
            .map(|&target| in_offsets[target])
            .collect();
        let mut ranges = Vec::with_capacity(threads);
        let (mut offsets, mut sources, mut weights) = (
            &mut in_offsets[..n_nodes],
            in_sources.as_mut_slice(),
            in_weights.as_mut_slice(),
        );
        for (targets, stretch) in boundaries.windows(2).zip(stretch_starts.windows(2)) {
            let (range_offsets, offsets_rest) =
                std::mem::take(&mut offsets).split_at_mut(targets[1] - targets[0]);
            let (range_sources, sources_rest) =
                std::mem::take(&mut sources).split_at_mut(stretch[1] - stretch[0]);
            let (range_weights, weights_rest) =
                std::mem::take(&mut weights).split_at_mut(stretch[1] - stretch[0]);
            (offsets, sources, weights) = (offsets_rest, sources_rest, weights_rest);
            ranges.push(InEdgeRuns {
                first_target: targets[0],
                stretch_start: stretch[0],
                offsets: range_offsets,
                sources: range_sources,
                weights: range_weights,
            });
        }
        let kept = on_threads(ranges, |runs| runs.fill(edges));

        // Join the ranges' merged runs into one array, in target order.
        let mut total = 0;
        for ((targets, &stretch_start), &range_kept) in
            boundaries.windows(2).zip(&stretch_starts).zip(&kept)
        {
            for offset in &mut in_offsets[targets[0]..targets[1]] {
                *offset += total;
            }
            in_sources.copy_within(stretch_start..stretch_start + range_kept, total);
            in_weights.copy_within(stretch_start..stretch_start + range_kept, total);
            total += range_kept;
        }
        in_offsets[n_nodes] = total;
        in_sources.truncate(total);
        in_weights.truncate(total);
        let mut out_weights = vec![0.0f64; n_nodes];
        for (&source, &weight) in in_sources.iter().zip(&in_weights) {
            out_weights[source as usize] += weight;
        }
        // Zero means dangling; otherwise PageRank divides by it, so both it and its inverse
        // must be finite.
        let unusable =
            |weight: f64| weight != 0.0 && !(weight.is_finite() && weight.recip().is_finite());
        if let Some(node) = out_weights.iter().position(|&weight| unusable(weight)) {
            return Err(GraphError::OutWeightOutOfRange {
                node: node as u32,
                out_weight: out_weights[node],
            });
        }

        Ok(Graph {
            in_offsets,
            in_sources,
            in_weights,
            out_weights,
        })
    }

    /// The number of nodes, isolated ones included.
    pub fn node_count(&self) -> usize {
        self.out_weights.len()
    }

    /// The number of distinct `source → target` edges, after parallel edges were merged.
    pub fn edge_count(&self) -> usize {
        self.in_sources.len()
    }

    /// The in-edges of `node` as parallel slices of sources and weights, sorted by source.
    ///
    /// # Panics
    ///
    /// If `node` is not below [`Graph::node_count`].
    pub fn in_edges(&self, node: u32) -> (&[u32], &[f64]) {
        let range = self.in_offsets[node as usize]..self.in_offsets[node as usize + 1];
        (&self.in_sources[range.clone()], &self.in_weights[range])
    }

    /// The total weight of `node`'s out-edges; zero means PageRank treats it as dangling.
    ///
    /// # Panics
    ///
    /// If `node` is not below [`Graph::node_count`].
    pub fn out_weight(&self, node: u32) -> f64 {
        self.out_weights[node as usize]
    }

    pub(crate) fn in_offsets(&self) -> &[usize] {
        &self.in_offsets
    }

    pub(crate) fn in_sources(&self) -> &[u32] {
        &self.in_sources
    }

    pub(crate) fn in_weights(&self) -> &[f64] {
        &self.in_weights
    }

    pub(crate) fn out_weights(&self) -> &[f64] {
        &self.out_weights
    }
}

/// The in-edge runs of the targets `first_target..first_target + offsets.len()`, which take
/// `stretch_start..stretch_start + sources.len()` of the graph's in-edge arrays.
struct InEdgeRuns<'a> {
    first_target: usize,
    stretch_start: usize,
    /// On entry, where each target's run starts in the in-edge arrays; on return, where its
    /// merged run starts in this stretch.
    offsets: &'a mut [usize],
    sources: &'a mut [u32],
    weights: &'a mut [f64],
}

impl InEdgeRuns<'_> {
    /// Fills the runs with the edges of `edges` that reach these targets, sorts each run by
    /// (source, weight), which makes the merged sums independent of input order, and merges
    /// parallel edges; the runs move down over the merged ones' places. Returns the number of
    /// edges kept, which now start the stretch.
    fn fill(self, edges: &[(u32, u32, f64)]) -> usize {
        let InEdgeRuns {
            first_target,
            stretch_start,
            offsets,
            sources,
            weights,
        } = self;
        // A counting sort by target straight into the in-edge arrays. (A sort through a
        // scratch copy of the edges costs more in fresh memory for the kernel to zero than the
        // sort itself.) Afterwards each target's slot is where its run ends.
        let mut next_slot: Vec<usize> = offsets
            .iter()
            .map(|&offset| offset - stretch_start)
            .collect();
        for &(source, target, weight) in edges {
            let Some(slot) = (target as usize)
                .checked_sub(first_target)
                .and_then(|local| next_slot.get_mut(local))
            else {
                continue;
            };
            sources[*slot] = source;
            weights[*slot] = weight;
            *slot += 1;
        }

        let mut run = Vec::new();
        let mut kept = 0;
        for (offset, &run_end) in offsets.iter_mut().zip(&next_slot) {
            let run_edges = *offset - stretch_start..run_end;
            let run_start = kept;
            *offset = kept;
            run.clear();
            let run_sources = sources[run_edges.clone()].iter().copied();
            run.extend(run_sources.zip(weights[run_edges].iter().copied()));
            run.sort_unstable_by(|a: &(u32, f64), b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            for &(source, weight) in &run {
                if kept > run_start && sources[kept - 1] == source {
                    weights[kept - 1] += weight;
                } else {
                    sources[kept] = source;
                    weights[kept] = weight;
                    kept += 1;
                }
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_build_the_same_graph_as_one_thread() {
        // Hubs, parallel edges, self-loops, zero weights, and isolated nodes at both ends.
        let n_nodes = 3_000;
        let mut edges = Vec::new();
        for node in 1..2_900u32 {
            edges.push((node, node.isqrt() + 1, f64::from(node % 4)));
            edges.push((node, (node * 37) % 2_900 + 1, 0.5));
            if node % 5 == 0 {
                edges.push((node, node, 1.25));
                edges.push((node, node.isqrt() + 1, 2.0));
            }
        }
        let one = Graph::from_edges_on_threads(n_nodes, &edges, 1).unwrap();
        for threads in [2, 3, 8, 5_000] {
            let many = Graph::from_edges_on_threads(n_nodes, &edges, threads).unwrap();
            assert_eq!(one, many, "{threads} threads");
        }
        assert_eq!(
            Graph::from_edges_on_threads(0, &[], 4)
                .unwrap()
                .edge_count(),
            0
        );
    }
}
