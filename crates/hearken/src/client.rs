//! What every client command (`import`, `report`, `status`) shares: which server to call, how
//! to trust it, and the bearer token to present.

use std::path::{Path, PathBuf};

use anyhow::Context;
use hearken_dashboard::Bearer;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::tls::client_endpoint;

/// A connection to a server that presents the caller's token on every call (the dashboard's
/// interceptor: a token that cannot be a header value is sent as none, and refused as such).
pub type Connection = InterceptedService<Channel, Bearer>;

/// The server a client command calls.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// The server to call.
    #[arg(long, env = "HEARKEN_SERVER", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// The bearer token to present (`hearken token new`); needed when the server requires
    /// tokens, which it does whenever it listens beyond loopback.
    #[arg(long, env = "HEARKEN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// PEM CA certificates to trust for an https server.
    #[arg(long, env = "HEARKEN_CA")]
    pub ca: Option<PathBuf>,
}

impl ServerArgs {
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        connect(&self.server, self.ca.as_deref(), self.token.as_deref()).await
    }
}

/// Connects to `server`, trusting `ca` for https, presenting `token` on every call.
pub async fn connect(
    server: &str,
    ca: Option<&Path>,
    token: Option<&str>,
) -> anyhow::Result<Connection> {
    let bearer = Bearer::new(token.map(str::trim));
    let channel = client_endpoint(server, ca)?
        .connect()
        .await
        .with_context(|| format!("cannot connect to {server}; is `hearken serve` running?"))?;
    Ok(InterceptedService::new(channel, bearer))
}
