//! The HTTP port under TLS: a listener for `axum::serve` that hands over a connection once its
//! TLS handshake is done, so the router, its graceful shutdown and hyper's connection handling
//! stay the ones plain HTTP uses.
//!
//! Handshakes run beside each other, each under a deadline, so a slow or silent client holds up
//! no one else; one that fails (a plain-HTTP request, a client that does not trust the
//! certificate, a port scanner) is logged and dropped, and the port goes on serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;

/// How long a client may take to complete its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A finished handshake, or `None` for one that failed.
type Handshake = Option<(TlsStream<TcpStream>, SocketAddr)>;

/// Accepts TCP connections and yields them once they speak TLS.
#[derive(Debug)]
pub struct TlsListener {
    tcp: TcpListener,
    tls: Arc<ServerConfig>,
    handshakes: JoinSet<Handshake>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, tls: Arc<ServerConfig>) -> Self {
        Self {
            tcp,
            tls,
            handshakes: JoinSet::new(),
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                (tcp, peer) = Listener::accept(&mut self.tcp) => {
                    let acceptor = TlsAcceptor::from(Arc::clone(&self.tls));
                    self.handshakes.spawn(handshake(acceptor, tcp, peer));
                }
                Some(finished) = self.handshakes.join_next() => {
                    if let Ok(Some(connection)) = finished {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

async fn handshake(acceptor: TlsAcceptor, tcp: TcpStream, peer: SocketAddr) -> Handshake {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => Some((tls, peer)),
        Ok(Err(error)) => {
            tracing::info!(%peer, %error, "TLS handshake on the HTTP port failed");
            None
        }
        Err(_) => {
            tracing::info!(%peer, ?HANDSHAKE_TIMEOUT, "TLS handshake on the HTTP port timed out");
            None
        }
    }
}
