//! Integration tests for hearken-classify (one binary for the crate).

mod data;
mod vader_behaviour;
mod vader_ground_truth;
mod vader_reference;
