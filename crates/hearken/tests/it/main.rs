//! The `hearken` server, started for real on an ephemeral port and called over gRPC.

// A test that cannot unwrap should fail loudly; clippy only exempts `#[test]` bodies.
#![allow(clippy::unwrap_used)]

mod access;
mod classify;
mod crash;
mod dashboard;
mod enrich;
mod helpers;
mod influence;
mod ingest;
mod protocol;
mod rank;
mod report;
mod request_id;
mod tls;
mod topics;
