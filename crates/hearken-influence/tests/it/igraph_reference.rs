//! Agreement with igraph's PRPACK on the fixture made by bench/pagerank/make_reference.py:
//! the anonymised @mention graph of the airline tweets plus a synthetic scale-free component.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use hearken_influence::csv::{EdgeList, read_edges, read_personalization};
use hearken_influence::{Graph, NodeIndex, PageRankOptions, pagerank};

const MAX_ABS_DIFF: f64 = 1e-6;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load_edges() -> EdgeList {
    let file = File::open(fixture("pagerank_edges.csv")).expect("fixture opens");
    read_edges(file).expect("fixture parses")
}

/// igraph's scores by node name. They are read as plain CSV, not through our reader, so a bug
/// there cannot hide one here.
fn igraph_scores(name: &str) -> HashMap<String, f64> {
    let mut reader = csv::Reader::from_path(fixture(name)).expect("reference opens");
    reader
        .records()
        .map(|record| {
            let record = record.expect("reference parses");
            let score = record[1].parse().expect("reference score is a number");
            (record[0].to_owned(), score)
        })
        .collect()
}

/// Asserts every node is within `MAX_ABS_DIFF` of igraph, naming the worst nodes if not.
/// Returns the largest difference.
fn assert_matches_igraph(
    nodes: &NodeIndex,
    scores: &[f64],
    reference: &HashMap<String, f64>,
) -> f64 {
    assert_eq!(
        reference.len(),
        nodes.len(),
        "igraph and we see different node sets"
    );
    let mut diffs: Vec<(f64, &str, f64, f64)> = nodes
        .names()
        .zip(scores)
        .map(|(name, &ours)| {
            let theirs = *reference
                .get(name)
                .unwrap_or_else(|| panic!("igraph has no score for {name}"));
            ((ours - theirs).abs(), name, ours, theirs)
        })
        .collect();
    diffs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let worst: Vec<String> = diffs
        .iter()
        .take(5)
        .map(|(diff, name, ours, theirs)| {
            format!("{name}: ours {ours} igraph {theirs} (diff {diff:.3e})")
        })
        .collect();
    assert!(
        diffs[0].0 < MAX_ABS_DIFF,
        "scores differ from igraph by more than {MAX_ABS_DIFF}; worst nodes:\n{}",
        worst.join("\n")
    );
    diffs[0].0
}

#[test]
fn fixture_is_the_size_the_bench_promises() {
    let list = load_edges();
    let graph = Graph::from_edges(list.nodes.len(), &list.edges).unwrap();
    assert!(list.edges.len() >= 10_000, "{} edge rows", list.edges.len());
    assert!(
        graph.edge_count() < list.edges.len(),
        "the fixture has parallel edges"
    );
}

#[test]
fn unpersonalised_scores_match_igraph() {
    let list = load_edges();
    let graph = Graph::from_edges(list.nodes.len(), &list.edges).unwrap();
    let result = pagerank(&graph, &PageRankOptions::default(), None).unwrap();

    let total: f64 = result.scores.iter().sum();
    assert!((total - 1.0).abs() < 1e-12, "scores sum to {total}");
    let max_diff = assert_matches_igraph(
        &list.nodes,
        &result.scores,
        &igraph_scores("pagerank_igraph.csv"),
    );
    println!(
        "unpersonalised: {} nodes, {} edges, {} iterations, max |ours - igraph| = {max_diff:.3e}",
        graph.node_count(),
        graph.edge_count(),
        result.iterations
    );
}

#[test]
fn personalised_scores_match_igraph() {
    let mut list = load_edges();
    let nodes_before = list.nodes.len();
    let file = File::open(fixture("pagerank_personalization.csv")).unwrap();
    let personalization = read_personalization(file, &mut list.nodes).unwrap();
    assert_eq!(
        list.nodes.len(),
        nodes_before,
        "every personalised node is in the graph"
    );

    let graph = Graph::from_edges(list.nodes.len(), &list.edges).unwrap();
    let result = pagerank(&graph, &PageRankOptions::default(), Some(&personalization)).unwrap();

    let reference = igraph_scores("pagerank_igraph_personalized.csv");
    let max_diff = assert_matches_igraph(&list.nodes, &result.scores, &reference);
    println!(
        "personalised: {} iterations, max |ours - igraph| = {max_diff:.3e}",
        result.iterations
    );
}

#[test]
fn edge_order_does_not_change_the_scores() {
    let list = load_edges();
    let graph = Graph::from_edges(list.nodes.len(), &list.edges).unwrap();
    // i ↦ i·stride mod n is a permutation when stride is coprime to n, and it scatters rows.
    let n = list.edges.len();
    let stride = (7919..).find(|s| gcd(*s, n) == 1).unwrap();
    let permuted: Vec<_> = (0..n).map(|i| list.edges[i * stride % n]).collect();
    let permuted_graph = Graph::from_edges(list.nodes.len(), &permuted).unwrap();
    assert_eq!(graph, permuted_graph);

    let options = PageRankOptions::default();
    let original = pagerank(&graph, &options, None).unwrap();
    let reordered = pagerank(&permuted_graph, &options, None).unwrap();
    assert_eq!(original, reordered);
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}
