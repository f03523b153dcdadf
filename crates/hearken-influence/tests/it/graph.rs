use hearken_influence::{Graph, GraphError, NodeIndex};

#[test]
fn parallel_edges_merge_and_self_loops_stay() {
    let edges = [
        (0, 1, 1.0),
        (0, 1, 2.0),
        (0, 0, 0.5),
        (1, 2, 4.0),
        (0, 2, 1.0),
    ];
    let graph = Graph::from_edges(4, &edges).unwrap();

    assert_eq!(graph.node_count(), 4);
    assert_eq!(graph.edge_count(), 4, "0→1 twice is one edge");
    assert_eq!(graph.in_edges(1), (&[0u32][..], &[3.0][..]));
    assert_eq!(graph.in_edges(0), (&[0u32][..], &[0.5][..]));
    assert_eq!(graph.in_edges(2), (&[0u32, 1][..], &[1.0, 4.0][..]));
    assert_eq!(graph.in_edges(3), (&[][..], &[][..]), "node 3 is isolated");
    assert_eq!(
        graph.out_weight(0),
        4.5,
        "the self-loop counts as out-weight"
    );
    assert_eq!(graph.out_weight(1), 4.0);
    assert_eq!(graph.out_weight(2), 0.0);
}

#[test]
fn edge_order_does_not_change_the_graph() {
    // Weights whose sum depends on the order of addition in floating point.
    let edges = [
        (0, 1, 0.1),
        (0, 1, 0.2),
        (0, 1, 0.3),
        (1, 0, 1e16),
        (1, 0, 1.0),
        (1, 0, -0.0),
    ];
    let forward = Graph::from_edges(2, &edges).unwrap();
    let mut reversed = edges;
    reversed.reverse();
    let mut rotated = edges;
    rotated.rotate_left(2);
    assert_eq!(forward, Graph::from_edges(2, &reversed).unwrap());
    assert_eq!(forward, Graph::from_edges(2, &rotated).unwrap());
}

#[test]
fn bad_edges_are_rejected_with_their_position() {
    let out_of_range = Graph::from_edges(2, &[(0, 1, 1.0), (1, 2, 1.0)]);
    assert_eq!(
        out_of_range,
        Err(GraphError::NodeOutOfRange {
            edge: 1,
            node: 2,
            n_nodes: 2
        })
    );
    assert_eq!(
        Graph::from_edges(2, &[(0, 1, -1.0)]),
        Err(GraphError::InvalidWeight {
            edge: 0,
            weight: -1.0
        })
    );
    for weight in [f64::NAN, f64::INFINITY] {
        let error = Graph::from_edges(2, &[(0, 1, 1.0), (1, 0, weight)]).unwrap_err();
        assert!(
            matches!(error, GraphError::InvalidWeight { edge: 1, .. }),
            "{error}"
        );
    }
    let message = Graph::from_edges(1, &[(0, 0, -2.0)])
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "edge 0 has weight -2; weights must be finite and not negative"
    );
}

#[test]
fn out_weights_that_cannot_be_normalised_are_rejected() {
    let overflow = Graph::from_edges(2, &[(0, 1, f64::MAX), (1, 0, 1.0), (0, 0, f64::MAX)]);
    assert_eq!(
        overflow,
        Err(GraphError::OutWeightOutOfRange {
            node: 0,
            out_weight: f64::INFINITY
        })
    );
    let tiny = Graph::from_edges(2, &[(1, 0, 1e-320)]).unwrap_err();
    assert!(
        matches!(tiny, GraphError::OutWeightOutOfRange { node: 1, .. }),
        "{tiny}"
    );
    // Zero out-weight is fine: the node is dangling.
    assert_eq!(
        Graph::from_edges(2, &[(1, 0, 0.0)]).unwrap().out_weight(1),
        0.0
    );
}

#[test]
fn empty_graph_is_fine() {
    let graph = Graph::from_edges(0, &[]).unwrap();
    assert_eq!((graph.node_count(), graph.edge_count()), (0, 0));
}

#[test]
fn node_index_hands_out_dense_ids_once_per_name() {
    let mut index = NodeIndex::new();
    assert!(index.is_empty());
    assert_eq!(index.intern("united").unwrap(), 0);
    assert_eq!(index.intern("delta").unwrap(), 1);
    assert_eq!(index.intern("united").unwrap(), 0);
    assert_eq!(index.len(), 2);
    assert_eq!(index.get("delta"), Some(1));
    assert_eq!(index.get("jetblue"), None);
    assert_eq!(index.name(1), Some("delta"));
    assert_eq!(index.name(2), None);
    assert_eq!(index.names().collect::<Vec<_>>(), ["united", "delta"]);
}
