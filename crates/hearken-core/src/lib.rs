//! Hearken's domain: mentions and their validation, and listening-topic queries.
//!
//! Nothing here knows about gRPC or a database; the service crates convert at their edges.

pub mod caller;
mod field;
pub mod mention;
pub mod query;
mod text;

pub use caller::Caller;
pub use field::FieldError;
pub use text::{normalize_line, normalize_text};
