//! Listening-topic queries.
