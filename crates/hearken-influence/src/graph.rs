//! The interaction graph in compressed-sparse-row form.

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
    /// weight that is negative, NaN or infinite; the error names the edge's position.
    pub fn from_edges(n_nodes: usize, edges: &[(u32, u32, f64)]) -> Result<Graph, GraphError> {
        if n_nodes > MAX_NODES {
            return Err(GraphError::TooManyNodes {
                n_nodes,
                max: MAX_NODES,
            });
        }
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
        }

        // Counting sort by target straight into the in-edge arrays: one pass to size each
        // node's in-edge run, one to fill it. (A sort through a scratch copy of the edges costs
        // more in fresh memory for the kernel to zero than the sort itself.)
        let mut in_offsets = vec![0usize; n_nodes + 1];
        for &(_, target, _) in edges {
            in_offsets[target as usize + 1] += 1;
        }
        for node in 0..n_nodes {
            in_offsets[node + 1] += in_offsets[node];
        }
        let mut next_slot = in_offsets[..n_nodes].to_vec();
        let mut in_sources = vec![0u32; edges.len()];
        let mut in_weights = vec![0.0f64; edges.len()];
        for &(source, target, weight) in edges {
            let slot = &mut next_slot[target as usize];
            in_sources[*slot] = source;
            in_weights[*slot] = weight;
            *slot += 1;
        }

        // Each run is sorted by (source, weight), which makes the merged sums independent of
        // input order, and parallel edges merged; runs move down over the merged ones' places.
        let mut run = Vec::new();
        let mut kept = 0;
        for target in 0..n_nodes {
            let edges = in_offsets[target]..in_offsets[target + 1];
            in_offsets[target] = kept;
            run.clear();
            let sources = in_sources[edges.clone()].iter().copied();
            run.extend(sources.zip(in_weights[edges].iter().copied()));
            run.sort_unstable_by(|a: &(u32, f64), b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            for &(source, weight) in &run {
                if kept > in_offsets[target] && in_sources[kept - 1] == source {
                    in_weights[kept - 1] += weight;
                } else {
                    in_sources[kept] = source;
                    in_weights[kept] = weight;
                    kept += 1;
                }
            }
        }
        in_offsets[n_nodes] = kept;
        in_sources.truncate(kept);
        in_weights.truncate(kept);
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
