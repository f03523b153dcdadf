//! Client channels to other roles that balance over every replica.
//!
//! A plain tonic channel pins to the one address it first resolved and keeps sending to it
//! after that replica dies. Here the service's DNS name is resolved again every few seconds
//! and the balanced channel is told which addresses appeared and which went away, so new
//! replicas (`--scale classify=3`) get calls and a killed one stops getting them; HTTP/2
//! keep-alive notices a dead connection between resolutions.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;
use tonic::transport::channel::Change;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint, Uri};

use crate::tls::PeerTls;

/// How a balanced channel finds and watches its replicas.
#[derive(Debug, Clone, Copy)]
pub struct PeerOptions {
    /// Between DNS resolutions of the service name.
    pub resolve_every: Duration,
    pub connect_timeout: Duration,
    /// HTTP/2 pings on idle connections, so a vanished replica is noticed.
    pub keep_alive: Duration,
}

impl Default for PeerOptions {
    fn default() -> Self {
        Self {
            resolve_every: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(3),
            keep_alive: Duration::from_secs(5),
        }
    }
}

/// A channel balancing over every address `url`'s host resolves to, kept current until
/// `stop` is cancelled; an `https` URL is reached over TLS (`tls`), checking that the
/// certificate names the URL's host. Fails on a URL that cannot name a service, and on an
/// `https` URL without `tls`.
pub fn balanced(
    url: &str,
    options: PeerOptions,
    tls: Option<&PeerTls>,
    stop: CancellationToken,
) -> anyhow::Result<Channel> {
    let uri: Uri = url
        .parse()
        .with_context(|| format!("{url:?} is not a URL such as http://classify:50051"))?;
    let host = uri
        .host()
        .with_context(|| format!("{url:?} names no host"))?
        .trim_matches(['[', ']'])
        .to_owned();
    let scheme = uri.scheme_str().unwrap_or("http").to_owned();
    let port = uri.port_u16().unwrap_or(match scheme.as_str() {
        "https" => 443,
        _ => 80,
    });
    let tls = match (scheme.as_str(), tls) {
        ("https", Some(tls)) => Some(tls.client(&host)),
        ("https", None) => anyhow::bail!("{url} is https: give --peer-ca to trust its certificate"),
        _ => None,
    };
    let (channel, changes) = Channel::balance_channel(64);
    let watcher = Watcher {
        host,
        port,
        scheme,
        options,
        tls,
        changes,
    };
    tokio::spawn(watcher.run(stop));
    Ok(channel)
}

struct Watcher {
    host: String,
    port: u16,
    scheme: String,
    options: PeerOptions,
    tls: Option<ClientTlsConfig>,
    changes: Sender<Change<SocketAddr, Endpoint>>,
}

impl Watcher {
    async fn run(self, stop: CancellationToken) {
        let mut current = BTreeSet::new();
        let mut ticks = tokio::time::interval(self.options.resolve_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let resolved = match tokio::net::lookup_host((self.host.as_str(), self.port)).await {
                Ok(addrs) => addrs.collect::<BTreeSet<SocketAddr>>(),
                Err(error) => {
                    // Keep the known replicas: a resolver hiccup is not a replica leaving.
                    tracing::warn!(host = %self.host, %error, "cannot resolve peers");
                    continue;
                }
            };
            for gone in current.difference(&resolved) {
                tracing::info!(host = %self.host, addr = %gone, "peer removed");
                if self.changes.send(Change::Remove(*gone)).await.is_err() {
                    return;
                }
            }
            for new in resolved.difference(&current) {
                let Some(endpoint) = self.endpoint(*new) else {
                    continue;
                };
                tracing::info!(host = %self.host, addr = %new, "peer added");
                if self
                    .changes
                    .send(Change::Insert(*new, endpoint))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            current = resolved;
        }
    }

    fn endpoint(&self, addr: SocketAddr) -> Option<Endpoint> {
        let endpoint = Endpoint::from_shared(format!("{}://{addr}", self.scheme))
            .ok()?
            .connect_timeout(self.options.connect_timeout)
            .http2_keep_alive_interval(self.options.keep_alive)
            .keep_alive_timeout(self.options.keep_alive)
            .keep_alive_while_idle(true)
            .tcp_nodelay(true);
        match &self.tls {
            Some(tls) => match endpoint.tls_config(tls.clone()) {
                Ok(endpoint) => Some(endpoint),
                Err(error) => {
                    tracing::warn!(host = %self.host, %error, "cannot set up TLS to a peer");
                    None
                }
            },
            None => Some(endpoint),
        }
    }
}
