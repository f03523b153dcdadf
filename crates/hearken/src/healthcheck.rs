//! `hearken healthcheck`: asks a server's gRPC health service whether it is serving.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::tls::client_endpoint;

/// The overall status of the server at `server` (`http://HOST:PORT`, or `https://` checked
/// against `ca`), within `timeout`.
pub async fn check(
    server: &str,
    ca: Option<&Path>,
    timeout: Duration,
) -> anyhow::Result<ServingStatus> {
    let channel = client_endpoint(server, ca)?
        .connect_timeout(timeout)
        .timeout(timeout)
        .connect()
        .await
        .with_context(|| format!("cannot connect to {server}"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .with_context(|| format!("{server} did not answer the health check"))?;
    Ok(response.into_inner().status())
}
