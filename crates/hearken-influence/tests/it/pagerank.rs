//! PageRank on graphs small enough to solve by hand.
//!
//! With damping d = 0.85 and n nodes, node i's rank satisfies
//! `x_i = (1 − d)·p_i + d·Σ_j x_j·w(j→i)/out(j) + d·p_i·Σ_{dangling k} x_k`,
//! where p is the teleport distribution (uniform 1/n unless personalised). The expected values
//! below solve these linear equations exactly; the derivations are in the comments.

use hearken_influence::{Graph, PageRankError, PageRankOptions, pagerank};

const TOLERANCE: f64 = 1e-9;

fn ranks(n_nodes: usize, edges: &[(u32, u32, f64)], personalization: Option<&[f64]>) -> Vec<f64> {
    let graph = Graph::from_edges(n_nodes, edges).expect("valid graph");
    let result =
        pagerank(&graph, &PageRankOptions::default(), personalization).expect("pagerank converges");
    let total: f64 = result.scores.iter().sum();
    assert!((total - 1.0).abs() < 1e-12, "scores sum to {total}");
    result.scores
}

fn assert_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len());
    for (node, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() < TOLERANCE, "node {node}: {a} != {e}");
    }
}

#[test]
fn dangling_node_spreads_its_rank_uniformly() {
    // 0 → 1, and 1 is dangling, so half of x1 goes back to each node:
    //   x0 = 0.075 + 0.85·x1/2 and x1 = 1 − x0
    //   ⇒ 1.425·x0 = 0.5 ⇒ x0 = 20/57, x1 = 37/57.
    assert_close(&ranks(2, &[(0, 1, 1.0)], None), &[20.0 / 57.0, 37.0 / 57.0]);
}

#[test]
fn self_loop_is_an_ordinary_out_edge() {
    // 0 → 0 (1), 0 → 1 (3), 1 → 0 (1): node 0 keeps a quarter of what it passes on.
    //   x1 = 0.075 + 0.85·(3/4)·x0 = 0.075 + 0.6375·x0
    //   x0 = 0.075 + 0.85·(x0/4 + x1) = 0.13875 + 0.754375·x0
    //   ⇒ x0 = 0.13875/0.245625 = 74/131, x1 = 57/131.
    let edges = [(0, 0, 1.0), (0, 1, 3.0), (1, 0, 1.0)];
    assert_close(&ranks(2, &edges, None), &[74.0 / 131.0, 57.0 / 131.0]);
}

#[test]
fn parallel_edges_add_their_weights() {
    // 0 → 1 twice (1 + 2), 0 → 2 (1), 1 → 0, 2 → 0; teleport is 0.15/3 = 0.05 each.
    //   x0 = 0.05 + 0.85·(x1 + x2) = 0.05 + 0.85·(1 − x0) ⇒ x0 = 0.9/1.85 = 18/37
    //   x1 = 0.05 + 0.85·(3/4)·x0 = 13.325/37,  x2 = 0.05 + 0.85·(1/4)·x0 = 5.675/37.
    let parallel = [
        (0, 1, 1.0),
        (0, 1, 2.0),
        (0, 2, 1.0),
        (1, 0, 1.0),
        (2, 0, 1.0),
    ];
    let expected = [18.0 / 37.0, 13.325 / 37.0, 5.675 / 37.0];
    assert_close(&ranks(3, &parallel, None), &expected);
    let merged = [(0, 1, 3.0), (0, 2, 1.0), (1, 0, 1.0), (2, 0, 1.0)];
    assert_eq!(ranks(3, &parallel, None), ranks(3, &merged, None));
}

#[test]
fn personalised_dangling_rank_follows_the_personalisation() {
    // 0 → 1 (1), 0 → 2 (3); 1 and 2 are dangling; teleport only to node 0. As in igraph's
    // PRPACK, dangling rank also goes to node 0, not uniformly:
    //   x0 = 0.15 + 0.85·(x1 + x2) = 0.15 + 0.85·(1 − x0) ⇒ x0 = 1/1.85 = 20/37
    //   x1 = 0.85·x0/4 = 4.25/37,  x2 = 0.85·3·x0/4 = 12.75/37.
    // Spreading dangling rank uniformly would give x0 ≈ 0.338 instead.
    let edges = [(0, 1, 1.0), (0, 2, 3.0)];
    let expected = [20.0 / 37.0, 4.25 / 37.0, 12.75 / 37.0];
    assert_close(&ranks(3, &edges, Some(&[1.0, 0.0, 0.0])), &expected);
    // Only the proportions of the personalisation matter.
    assert_close(&ranks(3, &edges, Some(&[7.0, 0.0, 0.0])), &expected);
}

#[test]
fn isolated_nodes_get_only_teleported_rank() {
    // No edges at all: everything is dangling, so every node keeps 1/n.
    assert_close(&ranks(4, &[], None), &[0.25; 4]);
    // Personalised to an isolated node: it takes everything.
    assert_close(
        &ranks(3, &[(0, 1, 1.0)], Some(&[0.0, 0.0, 2.0])),
        &[0.0, 0.0, 1.0],
    );
}

#[test]
fn damping_zero_is_pure_teleport() {
    let graph = Graph::from_edges(3, &[(0, 1, 1.0), (1, 2, 1.0)]).unwrap();
    let options = PageRankOptions {
        damping: 0.0,
        ..PageRankOptions::default()
    };
    let result = pagerank(&graph, &options, Some(&[1.0, 3.0, 0.0])).unwrap();
    assert_close(&result.scores, &[0.25, 0.75, 0.0]);
}

#[test]
fn empty_graph_has_no_scores() {
    let graph = Graph::from_edges(0, &[]).unwrap();
    let result = pagerank(&graph, &PageRankOptions::default(), None).unwrap();
    assert!(result.scores.is_empty());
}

#[test]
fn bad_options_and_personalisations_are_rejected() {
    let graph = Graph::from_edges(2, &[(0, 1, 1.0)]).unwrap();
    let defaults = PageRankOptions::default();
    let run = |options: PageRankOptions, personalization: Option<&[f64]>| {
        pagerank(&graph, &options, personalization).unwrap_err()
    };

    for damping in [-0.1, 1.5, f64::NAN] {
        let error = run(
            PageRankOptions {
                damping,
                ..defaults
            },
            None,
        );
        assert!(
            matches!(error, PageRankError::InvalidDamping { .. }),
            "{error}"
        );
    }
    for tolerance in [0.0, -1e-9, f64::NAN, f64::INFINITY] {
        let error = run(
            PageRankOptions {
                tolerance,
                ..defaults
            },
            None,
        );
        assert!(
            matches!(error, PageRankError::InvalidTolerance { .. }),
            "{error}"
        );
    }
    let no_iterations = PageRankOptions {
        max_iterations: 0,
        ..defaults
    };
    assert_eq!(run(no_iterations, None), PageRankError::ZeroMaxIterations);

    assert_eq!(
        run(defaults, Some(&[1.0])),
        PageRankError::PersonalizationLength {
            expected: 2,
            actual: 1
        }
    );
    assert_eq!(
        run(defaults, Some(&[0.0, 0.0])).to_string(),
        "personalization is zero for every node"
    );
    let negative = run(defaults, Some(&[1.0, -0.5]));
    assert_eq!(
        negative,
        PageRankError::InvalidPersonalization {
            node: 1,
            value: -0.5
        }
    );
    let nan = run(defaults, Some(&[f64::NAN, 1.0]));
    assert!(
        matches!(nan, PageRankError::InvalidPersonalization { node: 0, .. }),
        "{nan}"
    );
}

#[test]
fn iteration_cap_reports_non_convergence() {
    let graph =
        Graph::from_edges(3, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 5.0), (2, 1, 1.0)]).unwrap();
    let converged = pagerank(&graph, &PageRankOptions::default(), None).unwrap();
    assert!(converged.iterations > 3, "took {}", converged.iterations);

    let capped = PageRankOptions {
        max_iterations: 3,
        ..PageRankOptions::default()
    };
    match pagerank(&graph, &capped, None) {
        Err(PageRankError::NotConverged {
            iterations,
            residual,
        }) => {
            assert_eq!(iterations, 3);
            assert!(residual >= capped.tolerance, "residual {residual}");
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
}
