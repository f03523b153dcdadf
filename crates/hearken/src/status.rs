//! `hearken status`: each server's roles, their health and version, the enrichment queue and
//! the model.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use hearken_proto::v1 as pb;
use pb::classify_service_client::ClassifyServiceClient;
use pb::ingest_service_client::IngestServiceClient;
use tonic::service::interceptor::InterceptedService;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use hearken_dashboard::Bearer;

use crate::client::Connection;
use crate::tls::client_endpoint;

/// The services a server may run, by role name and gRPC service name.
const SERVICES: [(&str, &str); 4] = [
    ("ingest", "hearken.v1.IngestService"),
    ("classify", "hearken.v1.ClassifyService"),
    ("influence", "hearken.v1.InfluenceService"),
    ("report", "hearken.v1.ReportService"),
];

/// One line of the status table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleStatus {
    pub server: String,
    pub role: &'static str,
    /// SERVING, NOT_SERVING, or UNREACHABLE.
    pub health: String,
    /// The server's build, from the `server` header of its answers.
    pub version: String,
    pub detail: String,
}

/// The status of every role each of `servers` runs. A server that cannot be reached gets one
/// line saying so rather than failing the whole report.
pub async fn collect(
    servers: &[String],
    ca: Option<&Path>,
    token: Option<&str>,
    timeout: Duration,
) -> Vec<RoleStatus> {
    let mut lines = Vec::new();
    for server in servers {
        match server_status(server, ca, token, timeout).await {
            Ok(mut roles) => lines.append(&mut roles),
            Err(error) => lines.push(RoleStatus {
                server: server.clone(),
                role: "-",
                health: "UNREACHABLE".into(),
                version: "-".into(),
                detail: format!("{error:#}"),
            }),
        }
    }
    lines
}

async fn server_status(
    server: &str,
    ca: Option<&Path>,
    token: Option<&str>,
    timeout: Duration,
) -> anyhow::Result<Vec<RoleStatus>> {
    let bearer = Bearer::new(token);
    let channel = client_endpoint(server, ca)?
        .connect_timeout(timeout)
        .timeout(timeout)
        .connect()
        .await
        .with_context(|| format!("cannot connect to {server}"))?;
    let mut health = HealthClient::new(channel.clone());
    let mut roles = Vec::new();
    for (role, service) in SERVICES {
        let answer = health
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await;
        let (status, version) = match answer {
            Ok(response) => (response.get_ref().status(), version(response.metadata())),
            // The health service answers NOT_FOUND for a service this server does not run.
            Err(status) if status.code() == tonic::Code::NotFound => continue,
            Err(status) => anyhow::bail!("health check of {role} failed: {}", status.message()),
        };
        let detail = match status {
            ServingStatus::Serving => detail(
                role,
                InterceptedService::new(channel.clone(), bearer.clone()),
            )
            .await
            .unwrap_or_else(|error| format!("{error:#}")),
            _ => String::new(),
        };
        roles.push(RoleStatus {
            server: server.to_owned(),
            role,
            health: status.as_str_name().to_owned(),
            version,
            detail,
        });
    }
    Ok(roles)
}

/// The version in a `server: hearken/VERSION` header.
fn version(metadata: &tonic::metadata::MetadataMap) -> String {
    metadata
        .get("server")
        .and_then(|value| value.to_str().ok())
        .and_then(|server| server.strip_prefix("hearken/"))
        .unwrap_or("unknown")
        .to_owned()
}

/// What matters about a serving role: the queue for ingest, the model for classify.
async fn detail(role: &str, connection: Connection) -> anyhow::Result<String> {
    match role {
        "ingest" => {
            let stats = IngestServiceClient::new(connection)
                .get_queue_stats(pb::GetQueueStatsRequest {})
                .await?
                .into_inner();
            let lag = stats.oldest_pending_age.map_or(0, |age| age.seconds);
            let limit = match stats.max_queue_depth {
                0 => "no limit".to_owned(),
                limit => format!("limit {limit}"),
            };
            Ok(format!(
                "queue {} pending ({limit}), lag {lag} s, {} enriched, {} dead-lettered",
                stats.pending_count, stats.enriched_count, stats.dead_letter_count
            ))
        }
        "classify" => {
            let model = ClassifyServiceClient::new(connection)
                .get_model(pb::GetModelRequest {})
                .await?
                .into_inner()
                .model
                .unwrap_or_default();
            Ok(format!(
                "model {} ({} departments, {} intents)",
                model.version,
                model.departments.len(),
                model.intents.len()
            ))
        }
        _ => Ok(String::new()),
    }
}

/// The lines as an aligned table.
pub fn render(lines: &[RoleStatus]) -> String {
    let width = |f: fn(&RoleStatus) -> usize, title: &str| {
        lines.iter().map(f).chain([title.len()]).max().unwrap_or(0)
    };
    let server_width = width(|l| l.server.len(), "SERVER");
    let role_width = width(|l| l.role.len(), "ROLE");
    let health_width = width(|l| l.health.len(), "HEALTH");
    let version_width = width(|l| l.version.len(), "VERSION");
    let mut out = String::new();
    let mut row = |server: &str, role: &str, health: &str, version: &str, detail: &str| {
        let line = format!(
            "{server:server_width$}  {role:role_width$}  {health:health_width$}  \
             {version:version_width$}  {detail}"
        );
        let _ = writeln!(out, "{}", line.trim_end());
    };
    row("SERVER", "ROLE", "HEALTH", "VERSION", "DETAIL");
    for line in lines {
        row(
            &line.server,
            line.role,
            &line.health,
            &line.version,
            &line.detail,
        );
    }
    out
}
