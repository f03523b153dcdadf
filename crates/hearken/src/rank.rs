//! `hearken influence rank`: weighted PageRank over an edge list, offline.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use anyhow::Context;
use hearken_influence::{Graph, PageRankOptions, csv, pagerank};

/// The L1 change at which ranking stops unless told otherwise. Each step shrinks the distance
/// to the true scores by a factor of at most the damping, so at 0.85 this leaves every score
/// within 0.85 / 0.15 × 1e-7 < 1e-6 of them: igraph's scores to that precision, in fewer steps
/// than the library's tighter default.
pub const DEFAULT_TOLERANCE: f64 = 1e-7;

/// Reads `edges` (and the optional personalisation), ranks every node, and writes `output`.
/// Returns the node count and the iterations PageRank took.
pub fn rank(
    edges: &Path,
    personalize: Option<&Path>,
    output: &Path,
    options: &PageRankOptions,
) -> anyhow::Result<(usize, usize)> {
    let open = |path: &Path| -> anyhow::Result<BufReader<File>> {
        Ok(BufReader::new(File::open(path).with_context(|| {
            format!("cannot open {}", path.display())
        })?))
    };
    let mut list =
        csv::read_edges(open(edges)?).with_context(|| format!("in {}", edges.display()))?;
    // Read before building the graph: a node named only here joins it as an isolated node.
    let teleport = match personalize {
        Some(path) => Some(
            csv::read_personalization(open(path)?, &mut list.nodes)
                .with_context(|| format!("in {}", path.display()))?,
        ),
        None => None,
    };
    let graph = Graph::from_edges(list.nodes.len(), &list.edges)?;
    let ranked = pagerank(&graph, options, teleport.as_deref())?;
    let file =
        File::create(output).with_context(|| format!("cannot create {}", output.display()))?;
    csv::write_scores(BufWriter::new(file), &list.nodes, &ranked.scores)?;
    Ok((graph.node_count(), ranked.iterations))
}
