//! The HTTP side of a server: health for probes that do not speak gRPC, metrics, and the
//! dashboard where the server runs the report role; over TLS when the server has a certificate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use hearken_dashboard::Dashboard;
use tokio::net::TcpListener;
use tokio_rustls::rustls::ServerConfig;
use tokio_util::sync::CancellationToken;

use crate::https::TlsListener;

/// Whether the server takes work; shared by the gRPC health service and `/healthz`.
#[derive(Debug, Default, Clone)]
pub struct Serving(Arc<AtomicBool>);

impl Serving {
    pub fn set(&self, serving: bool) {
        self.0.store(serving, Ordering::SeqCst);
    }

    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// `GET /healthz`: 200 `SERVING` while the server takes work, 503 `NOT_SERVING` while it drains;
/// `GET /metrics`: Prometheus metrics; the dashboard's pages beside them when given one.
pub fn router(serving: Serving, dashboard: Option<Dashboard>) -> Router {
    let health = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(serving);
    match dashboard {
        Some(dashboard) => health.merge(dashboard.router()),
        None => health,
    }
}

/// Serves `router` on `listener`, over TLS when given `tls`, until `stop`; then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    router: Router,
    stop: CancellationToken,
) -> std::io::Result<()> {
    match tls {
        Some(tls) => {
            axum::serve(TlsListener::new(listener, tls), router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
        }
        None => {
            axum::serve(listener, router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
        }
    }
}

async fn healthz(State(serving): State<Serving>) -> (StatusCode, &'static str) {
    match serving.get() {
        true => (StatusCode::OK, "SERVING\n"),
        false => (StatusCode::SERVICE_UNAVAILABLE, "NOT_SERVING\n"),
    }
}

async fn metrics() -> ([(axum::http::header::HeaderName, &'static str); 1], String) {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        hearken_telemetry::metrics::render(),
    )
}
