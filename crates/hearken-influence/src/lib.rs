//! Influence: the interaction graph between authors and the network authority computed on it.
//!
//! [`Graph`] is a compressed-sparse-row directed weighted graph built once from an edge list;
//! [`pagerank`] computes weighted, optionally personalised PageRank on it with the same
//! semantics as igraph's PRPACK implementation. [`NodeIndex`] maps author handles to the dense
//! `u32` ids the graph uses, and the [`csv`] module reads and writes the offline file formats.

pub mod csv;
mod graph;
mod node_index;
mod pagerank;

pub use graph::{Graph, GraphError};
pub use node_index::NodeIndex;
pub use pagerank::{PageRank, PageRankError, PageRankOptions, pagerank};
