//! Hearken's domain: mentions and their validation, and listening-topic queries.
//!
//! Nothing here knows about gRPC or a database; the service crates convert at their edges.

pub mod query;
