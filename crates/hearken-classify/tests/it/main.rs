//! Integration tests for hearken-classify (one binary for the crate).

mod airline;
mod data;
mod grpc;
mod io;
mod model;
mod vader_behaviour;
mod vader_ground_truth;
mod vader_reference;
