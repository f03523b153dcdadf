//! The one integration-test binary of hearken-influence.

mod csv_files;
mod graph;
mod igraph_reference;
mod pagerank;
