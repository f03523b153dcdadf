use std::collections::HashMap;
use std::path::Path;

use hearken_influence::PageRankOptions;

use crate::helpers::TempDir;

fn scores(path: &Path) -> HashMap<String, f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("node,score"));
    lines
        .map(|line| {
            let (node, score) = line.split_once(',').unwrap();
            (node.to_owned(), score.parse().unwrap())
        })
        .collect()
}

#[test]
fn rank_files_agree_with_igraph() {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../hearken-influence/tests/fixtures");
    let dir = TempDir::new();
    let output = dir.path().join("scores.csv");
    for (personalize, reference) in [
        (None, "pagerank_igraph.csv"),
        (
            Some(fixtures.join("pagerank_personalization.csv")),
            "pagerank_igraph_personalized.csv",
        ),
    ] {
        let (nodes, _) = hearken::rank::rank(
            &fixtures.join("pagerank_edges.csv"),
            personalize.as_deref(),
            &output,
            &PageRankOptions {
                tolerance: hearken::rank::DEFAULT_TOLERANCE,
                ..PageRankOptions::default()
            },
        )
        .unwrap();
        let ours = scores(&output);
        let igraph = scores(&fixtures.join(reference));
        assert_eq!((ours.len(), nodes), (igraph.len(), igraph.len()));
        for (node, expected) in &igraph {
            let got = ours[node];
            assert!(
                (got - expected).abs() < 1e-6,
                "{reference}: {node}: {got} vs igraph {expected}"
            );
        }
    }
}

#[test]
fn rank_names_the_bad_line() {
    let dir = TempDir::new();
    let edges = dir.path().join("edges.csv");
    std::fs::write(&edges, "source,target,weight\na,b,1\nb,c,-2\n").unwrap();
    let error = hearken::rank::rank(
        &edges,
        None,
        &dir.path().join("out.csv"),
        &PageRankOptions::default(),
    )
    .unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("line 3, field `weight`"), "{message}");
}
