//! Hearken's read side: volumes, share of voice, reach, top voices, the conversation map,
//! department inboxes, spikes and alert rules, and exports.
//!
//! [`Reports`] holds the logic as plain async methods over the contract's messages;
//! [`grpc_service`] is the thin tonic adapter. [`alerts::AlertEvaluator`] runs the alert rules
//! in the background and delivers to webhooks.

pub mod alerts;
mod convert;
mod error;
pub mod export;
mod grpc;
mod service;
pub mod spikes;
pub mod webhook;

pub use error::ReportError;
pub use grpc::{ReportGrpc, grpc_service};
pub use service::{ReportConfig, Reports};
