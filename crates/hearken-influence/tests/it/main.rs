//! The one integration-test binary of hearken-influence.

// Helpers outside `#[test]` bodies may unwrap too.
#![allow(clippy::unwrap_used)]

mod csv_files;
mod graph;
mod grpc;
mod igraph_reference;
mod mapping;
mod pagerank;
mod scheduler;
mod score;
