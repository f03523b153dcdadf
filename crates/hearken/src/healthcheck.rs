//! `hearken healthcheck`: asks a server's gRPC health service whether it is serving.

use std::time::Duration;

use anyhow::Context;
use tonic::transport::Endpoint;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// The overall status of the server at `server` (`http://HOST:PORT`), within `timeout`.
pub async fn check(server: &str, timeout: Duration) -> anyhow::Result<ServingStatus> {
    let channel = Endpoint::from_shared(server.to_owned())
        .with_context(|| format!("{server} is not a server URL such as http://127.0.0.1:50051"))?
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
