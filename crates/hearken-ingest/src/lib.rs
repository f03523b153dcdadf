//! The ingestion service: mentions come in, are validated and normalised, matched against the
//! listening topics, and stored durably and idempotently before the call returns.
//!
//! [`Ingest`] is plain async code over core types; [`grpc_service`] is the thin tonic adapter.

mod convert;
pub mod enrich;
mod error;
mod grpc;
mod queue;
mod rate;
mod service;
mod topics;

pub use convert::mention as contract_mention;
pub use error::IngestError;
pub use grpc::grpc_service;
pub use queue::{QueueGauge, RETRY_AFTER};
pub use rate::Rate;
pub use service::{Ingest, IngestConfig, MAX_LISTED_ERRORS, Summary};
pub use topics::{MAX_TOPICS, Topics};
