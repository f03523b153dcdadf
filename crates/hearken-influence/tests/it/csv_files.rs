use hearken_influence::csv::{CsvError, read_edges, read_personalization, write_scores};
use hearken_influence::{Graph, NodeIndex, PageRankOptions, pagerank};
use proptest::prelude::*;

fn edges_error(input: &str) -> String {
    read_edges(input.as_bytes())
        .expect_err("input should be rejected")
        .to_string()
}

#[test]
fn reads_edges_by_header_name() {
    let input = "weight,source,target,kind\n2,alice,bob,reply\n 0.5 ,bob,alice,mention\n1,alice,bob,quote\n";
    let list = read_edges(input.as_bytes()).unwrap();
    assert_eq!(list.nodes.names().collect::<Vec<_>>(), ["alice", "bob"]);
    assert_eq!(list.edges, [(0, 1, 2.0), (1, 0, 0.5), (0, 1, 1.0)]);
}

#[test]
fn edge_errors_name_the_line_and_field() {
    assert_eq!(
        edges_error("source,target,weight\na,b,1\na,c,-1\n"),
        "line 3, field `weight`: \"-1\" must be finite and not negative"
    );
    assert_eq!(
        edges_error("source,target,weight\na,b,lots\n"),
        "line 2, field `weight`: \"lots\" is not a number"
    );
    assert_eq!(
        edges_error("source,target,weight\na,b,1\na,b,NaN\n"),
        "line 3, field `weight`: \"NaN\" must be finite and not negative"
    );
    assert_eq!(
        edges_error("source,target,weight\na,,1\n"),
        "line 2, field `target`: empty node name"
    );
    assert_eq!(
        edges_error("source,target,weight\na,b\n"),
        "line 2, field `weight`: missing"
    );
    assert_eq!(
        edges_error("source,target,score\na,b,1\n"),
        "header has no `weight` column"
    );
    assert!(matches!(
        read_edges(&b"source,target,weight\na,\xff,1\n"[..]),
        Err(CsvError::NotUtf8 {
            line: 2,
            field: "target"
        })
    ));
}

#[test]
fn reads_quoted_fields_line_ends_and_byte_order_marks() {
    let input = "\u{feff}source , target,weight\r\n\
                 \"a,1\",\"say \"\"hi\"\"\",2\r\n\
                 \r\n\
                 \"multi\nline\",b,0.5\n\
                 b, spaced ,1\n\
                 c,x\"y,3";
    let list = read_edges(input.as_bytes()).unwrap();
    assert_eq!(
        list.nodes.names().collect::<Vec<_>>(),
        [
            "a,1",
            "say \"hi\"",
            "multi\nline",
            "b",
            " spaced ",
            "c",
            "x\"y"
        ]
    );
    assert_eq!(
        list.edges,
        [(0, 1, 2.0), (2, 3, 0.5), (3, 4, 1.0), (5, 6, 3.0)]
    );
    // Lines are counted through the empty line and the quoted line break.
    assert_eq!(
        edges_error("source,target,weight\n\n\"a\nb\",c,1\nd,e,x\n"),
        "line 5, field `weight`: \"x\" is not a number"
    );
}

#[test]
fn malformed_quotes_are_rejected_with_their_line() {
    assert_eq!(
        edges_error("source,target,weight\na,b,1\n\"open,b,1\n"),
        "line 3: a quoted field is not closed"
    );
    assert_eq!(
        edges_error("source,target,weight\n\"a\"b,c,1\n"),
        "line 2: text after the closing quote of a field"
    );
}

#[test]
fn rows_longer_than_the_read_buffer_are_read_whole() {
    let long = "n".repeat(3 << 20);
    let input = format!("source,target,weight\n{long},\"{long}\",1\nx,y,2\n");
    let list = read_edges(input.as_bytes()).unwrap();
    assert_eq!(list.nodes.len(), 3);
    assert_eq!(list.edges, [(0, 0, 1.0), (1, 2, 2.0)]);
}

#[test]
fn personalisation_aligns_with_the_edge_ids_and_adds_unknown_nodes() {
    let mut list = read_edges("source,target,weight\na,b,1\nb,c,1\n".as_bytes()).unwrap();
    let input = "node,weight\nc,3\nzed,1\na,0\n";
    let personalization = read_personalization(input.as_bytes(), &mut list.nodes).unwrap();
    assert_eq!(
        list.nodes.names().collect::<Vec<_>>(),
        ["a", "b", "c", "zed"]
    );
    assert_eq!(personalization, [0.0, 0.0, 3.0, 1.0]);

    // The new node joins the graph as an isolated node that still receives teleported rank.
    let graph = Graph::from_edges(list.nodes.len(), &list.edges).unwrap();
    let result = pagerank(&graph, &PageRankOptions::default(), Some(&personalization)).unwrap();
    assert!(result.scores[3] > 0.0);
}

#[test]
fn personalisation_errors_name_the_line_and_field() {
    let mut nodes = NodeIndex::new();
    let duplicate = read_personalization("node,weight\na,1\nb,1\na,2\n".as_bytes(), &mut nodes);
    assert_eq!(
        duplicate.unwrap_err().to_string(),
        "line 4, field `node`: \"a\" is listed twice"
    );
    let negative = read_personalization("node,weight\na,-3\n".as_bytes(), &mut NodeIndex::new());
    assert_eq!(
        negative.unwrap_err().to_string(),
        "line 2, field `weight`: \"-3\" must be finite and not negative"
    );
    let no_node = read_personalization("name,weight\na,1\n".as_bytes(), &mut NodeIndex::new());
    assert_eq!(
        no_node.unwrap_err().to_string(),
        "header has no `node` column"
    );
}

#[test]
fn scores_are_written_sorted_by_node() {
    let mut nodes = NodeIndex::new();
    for name in ["delta", "alaska", "united"] {
        nodes.intern(name).unwrap();
    }
    let mut out = Vec::new();
    write_scores(&mut out, &nodes, &[0.5, 0.125, 0.375]).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "node,score\nalaska,0.125\ndelta,0.5\nunited,0.375\n"
    );
    let mismatch = write_scores(Vec::new(), &nodes, &[1.0]).unwrap_err();
    assert_eq!(mismatch.to_string(), "3 nodes but 1 scores");
}

proptest! {
    #[test]
    fn edge_reader_never_panics(input in ".{0,200}") {
        let _ = read_edges(format!("source,target,weight\n{input}").as_bytes());
    }

    #[test]
    fn written_scores_read_back_exactly(
        scores in proptest::collection::hash_map("[a-z,\" ]{1,8}", 0.0f64..1.0, 0..20)
    ) {
        let mut nodes = NodeIndex::new();
        let mut values = Vec::new();
        for (name, score) in &scores {
            nodes.intern(name).unwrap();
            values.push(*score);
        }
        let mut out = Vec::new();
        write_scores(&mut out, &nodes, &values).unwrap();

        // A score file is a valid personalisation file once its header is renamed.
        let text = String::from_utf8(out).unwrap().replacen("node,score", "node,weight", 1);
        let mut read_nodes = NodeIndex::new();
        let read = read_personalization(text.as_bytes(), &mut read_nodes).unwrap();
        prop_assert_eq!(read_nodes.len(), scores.len());
        for (id, name) in read_nodes.names().enumerate() {
            prop_assert_eq!(read[id], scores[name]);
        }
    }
}
