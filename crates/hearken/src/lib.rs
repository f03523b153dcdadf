//! The `hearken` binary's library: the server that mounts every role, and the client commands.
//!
//! Tests start the same [`App`] that `hearken serve` runs, on an ephemeral port.

pub mod access_log;
pub mod app;
pub mod auth;
pub mod classify;
pub mod client;
pub mod config;
pub mod demo;
pub mod healthcheck;
pub mod http;
pub mod https;
pub mod import;
pub mod peers;
pub mod rank;
pub mod status;
pub mod tls;

pub use app::App;
pub use config::{Role, ServeConfig};
