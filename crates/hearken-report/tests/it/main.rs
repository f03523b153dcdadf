//! hearken-report's integration tests: one binary, a module per concern.

// A test that cannot unwrap should fail loudly; clippy only exempts `#[test]` bodies.
#![allow(clippy::unwrap_used)]

mod webhook;
