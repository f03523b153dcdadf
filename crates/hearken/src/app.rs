//! The server: bind first (so port 0 works and tests know the address), then serve until the
//! cancellation token fires, then shut down in order.

use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use anyhow::Context;
use hearken_classify::grpc::{ClassifyGrpc, ClassifyState, Limits as ClassifyLimits};
use hearken_influence::{InfluenceConfig, InfluenceGrpc, InfluenceState, SchedulerConfig};
use hearken_ingest::Ingest;
use hearken_ingest::enrich::{Enricher, Peers};
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use hearken_proto::v1::classify_service_server::ClassifyServiceServer;
use hearken_proto::v1::influence_service_client::InfluenceServiceClient;
use hearken_proto::v1::influence_service_server::InfluenceServiceServer;
use hearken_proto::v1::ingest_service_server::IngestServiceServer;
use hearken_proto::v1::report_service_server::ReportServiceServer;
use hearken_report::{ReportConfig, ReportGrpc, Reports};
use hearken_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{ClientTlsConfig, Server};
use tonic_health::ServingStatus;
use tower::util::MapResponseLayer;

use crate::access_log::AccessLogLayer;
use crate::auth::{AuthLayer, Tokens};
use crate::config::ServeConfig;
use crate::http::Serving;
use crate::peers::{PeerOptions, balanced};

/// This build, as the `server` header names it: `hearken/VERSION`.
pub const SERVER_NAME: &str = concat!("hearken/", env!("CARGO_PKG_VERSION"));

/// How often an ingest server re-reads the topics, to pick up other replicas' changes.
const TOPIC_REFRESH: Duration = Duration::from_secs(10);

/// How often an ingest server re-reads the enrichment queue's depth.
const QUEUE_REFRESH: Duration = Duration::from_secs(1);

/// A bound, ready server: migrations applied, listener open.
#[derive(Debug)]
pub struct App {
    config: ServeConfig,
    listener: TcpListener,
    http_listener: TcpListener,
    store: Option<Store>,
    ingest: Option<Ingest>,
    classify: Option<Arc<ClassifyState>>,
    influence: Option<Arc<InfluenceState>>,
    reports: Option<Reports>,
    /// Where the enrich worker calls classify and influence, when this server runs one.
    enrich_peers: Option<PeerUrls>,
    /// The accepted tokens; `None` when authentication is off.
    tokens: Option<Arc<Tokens>>,
}

/// The URLs of the services the enrich worker calls.
#[derive(Debug, Clone)]
struct PeerUrls {
    classify: String,
    influence: String,
}

impl App {
    /// Connects to the store (applying migrations) when a role needs it, loads the model when
    /// classifying, prepares the roles' services, and binds.
    pub async fn bind(config: ServeConfig) -> anyhow::Result<Self> {
        let tokens = config.access.load()?.map(Arc::new);
        if tokens.is_none() {
            for (flag, addr) in [
                ("--listen", config.grpc.addr),
                ("--http", config.grpc.http_addr),
            ] {
                anyhow::ensure!(
                    addr.ip().is_loopback(),
                    "{flag} {addr} accepts other machines, so callers must authenticate: give \
                     --tokens-file (or HEARKEN_TOKENS); `hearken token new` mints a token"
                );
            }
        }
        let store = match config.role.needs_store() {
            true => Some(
                Store::connect(&config.store.database_url)
                    .await
                    .with_context(|| {
                        format!("cannot open the store at {}", config.store.database_url)
                    })?,
            ),
            false => None,
        };
        let ingest = match (&store, config.role.runs_ingest()) {
            (Some(store), true) => Some(Ingest::new(store.clone(), config.limits.ingest()).await?),
            _ => None,
        };
        let influence = match (&store, config.role.runs_influence()) {
            (Some(store), true) => Some(InfluenceState::new(
                store.clone(),
                InfluenceConfig::default(),
            )),
            _ => None,
        };
        let reports = match (&store, config.role.runs_report()) {
            (Some(store), true) => Some(Reports::new(store.clone(), ReportConfig::default())),
            _ => None,
        };
        let classify = match config.role.runs_classify() {
            true => {
                let model = crate::classify::load_model(config.classify.model.as_deref())?;
                tracing::info!(version = model.version(), "model loaded");
                Some(Arc::new(ClassifyState::new(
                    model,
                    ClassifyLimits::default(),
                )))
            }
            false => None,
        };
        let listener = TcpListener::bind(config.grpc.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.grpc.addr))?;
        let http_listener = TcpListener::bind(config.grpc.http_addr)
            .await
            .with_context(|| format!("cannot listen for HTTP on {}", config.grpc.http_addr))?;
        let enrich_peers = match config.role.runs_ingest() && config.enrich.enrich {
            true => Some(peer_urls(&config, listener.local_addr()?)?),
            false => None,
        };
        Ok(Self {
            config,
            listener,
            http_listener,
            store,
            ingest,
            classify,
            influence,
            reports,
            enrich_peers,
            tokens,
        })
    }

    /// The gRPC address the server listens on, with the real port when 0 was asked for.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The HTTP address, likewise.
    pub fn http_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.http_listener.local_addr()?)
    }

    /// Serves until `shutdown` is cancelled, then: reports NOT_SERVING, stops accepting,
    /// lets in-flight requests finish within the grace period, and closes the store.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let App {
            config,
            listener,
            http_listener,
            store,
            ingest,
            classify,
            influence,
            reports,
            enrich_peers,
            tokens,
        } = self;
        let addr = listener.local_addr()?;
        let (health, health_service) = tonic_health::server::health_reporter();
        // Both versions of reflection: grpcurl speaks v1, many clients (Python's
        // grpc_requests, older tools) still speak only v1alpha.
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(hearken_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection_v1 = reflection()
            .build_v1()
            .context("cannot build the reflection service")?;
        let reflection_v1alpha = reflection()
            .build_v1alpha()
            .context("cannot build the reflection service")?;

        let serving = CancellationToken::new();
        let mut background = tokio::task::JoinSet::new();
        let ingest_service = match ingest {
            Some(ingest) => {
                health.set_serving::<IngestServiceServer<Ingest>>().await;
                background.spawn(refresh_shared_state(ingest.clone(), serving.clone()));
                Some(
                    hearken_ingest::grpc_service(ingest)
                        .max_decoding_message_size(config.grpc.max_message_bytes),
                )
            }
            None => None,
        };
        let classify_service = match classify {
            Some(state) => {
                health
                    .set_serving::<ClassifyServiceServer<ClassifyGrpc>>()
                    .await;
                Some(
                    hearken_classify::grpc::grpc_service(state)
                        .max_decoding_message_size(config.grpc.max_message_bytes),
                )
            }
            None => None,
        };
        let influence_service = match influence {
            Some(state) => {
                health
                    .set_serving::<InfluenceServiceServer<InfluenceGrpc>>()
                    .await;
                background.spawn(hearken_influence::run_scheduler(
                    Arc::clone(&state),
                    SchedulerConfig::default(),
                    serving.clone(),
                ));
                Some(
                    hearken_influence::grpc_service(state)
                        .max_decoding_message_size(config.grpc.max_message_bytes),
                )
            }
            None => None,
        };
        let report_service = match reports {
            Some(reports) => {
                health
                    .set_serving::<ReportServiceServer<ReportGrpc>>()
                    .await;
                let evaluator = hearken_report::alerts::AlertEvaluator::new(
                    reports.store().clone(),
                    config.report.evaluator(),
                )?;
                background.spawn(evaluator.run(serving.clone()));
                Some(
                    hearken_report::grpc_service(reports)
                        .max_decoding_message_size(config.grpc.max_message_bytes),
                )
            }
            None => None,
        };
        health.set_service_status("", ServingStatus::Serving).await;
        let serving_flag = Serving::default();
        serving_flag.set(true);
        let http_tls = config.tls.http()?;
        let dashboard = match config.role.runs_report() {
            true => Some(
                hearken_dashboard::Dashboard::local(
                    reachable(addr),
                    tokens.is_some(),
                    own_tls(&config, addr)?,
                )?
                .secure_cookies(http_tls.is_some()),
            ),
            false => None,
        };
        // Probes keep getting answers (503) until the gRPC requests have drained.
        let http_stop = CancellationToken::new();
        let http = tokio::spawn(crate::http::serve(
            http_listener,
            http_tls,
            crate::http::router(serving_flag.clone(), dashboard),
            http_stop.clone(),
        ));

        let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
        let mut builder = Server::builder();
        if let Some(tls) = config.tls.server()? {
            builder = builder
                .tls_config(tls)
                .context("cannot set up TLS with --tls-cert and --tls-key")?;
        }
        let server = builder
            .timeout(config.grpc.request_timeout())
            .concurrency_limit_per_connection(config.grpc.max_concurrent_requests)
            .layer(MapResponseLayer::new(name_the_server))
            .layer(AccessLogLayer)
            .layer(AuthLayer::new(tokens.clone()))
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_optional_service(ingest_service)
            .add_optional_service(classify_service)
            .add_optional_service(influence_service)
            .add_optional_service(report_service)
            .serve_with_incoming_shutdown(incoming, serving.clone().cancelled_owned());
        let mut server = tokio::spawn(server);
        let backend = store.as_ref().map_or("none", Store::backend);
        tracing::info!(%addr, role = ?config.role, store = backend, "serving gRPC");

        let enrich_stop = CancellationToken::new();
        let enricher = match (&store, enrich_peers) {
            (Some(store), Some(urls)) => {
                let peers = peers(&config, &urls, enrich_stop.clone())?;
                let worker = Enricher::new(store.clone(), peers, config.enrich.worker());
                Some(tokio::spawn(worker.run(enrich_stop.clone())))
            }
            _ => None,
        };

        tokio::select! {
            () = shutdown.cancelled() => {}
            result = &mut server => {
                close(store).await;
                return result.context("server task failed")?.context("server failed");
            }
        }

        tracing::info!("shutting down: refusing new work, finishing requests in flight");
        serving_flag.set(false);
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        health
            .set_not_serving::<IngestServiceServer<Ingest>>()
            .await;
        let grace = config.grpc.shutdown_grace();
        // The worker finishes its batch while the services it calls still serve.
        enrich_stop.cancel();
        if let Some(mut worker) = enricher
            && tokio::time::timeout(grace, &mut worker).await.is_err()
        {
            tracing::warn!(
                "enrich batch still running after the grace period; its lease will return it"
            );
            worker.abort();
        }
        serving.cancel();
        match tokio::time::timeout(grace, &mut server).await {
            Ok(result) => result
                .context("server task failed")?
                .context("server failed")?,
            Err(_) => {
                tracing::warn!(
                    ?grace,
                    "requests still running after the grace period; abandoning them"
                );
                server.abort();
            }
        }
        http_stop.cancel();
        background.shutdown().await;
        match http.await {
            Ok(Err(error)) => tracing::warn!(%error, "HTTP server failed"),
            Err(error) => tracing::warn!(%error, "HTTP server task failed"),
            Ok(Ok(())) => {}
        }
        close(store).await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Where the enrich worker finds classify and influence: the configured URLs, or this very
/// server for the roles it runs itself.
fn peer_urls(config: &ServeConfig, own: SocketAddr) -> anyhow::Result<PeerUrls> {
    let own_url = || {
        let scheme = match config.tls.tls_cert.is_some() {
            true => "https",
            false => "http",
        };
        format!("{scheme}://{}", reachable(own))
    };
    let url = |configured: &Option<String>, runs_here: bool, flag: &str| match configured {
        Some(url) => Ok(url.clone()),
        None if runs_here => Ok(own_url()),
        None => anyhow::bail!(
            "the enrich worker of an ingest server needs {flag} when the server does not run \
             that role itself (or --enrich false to only accept and store)"
        ),
    };
    Ok(PeerUrls {
        classify: url(
            &config.enrich.classify_url,
            config.role.runs_classify(),
            "--classify-url",
        )?,
        influence: url(
            &config.enrich.influence_url,
            config.role.runs_influence(),
            "--influence-url",
        )?,
    })
}

/// Balanced clients of the enrich worker's peers, re-resolved until `stop`.
fn peers(config: &ServeConfig, urls: &PeerUrls, stop: CancellationToken) -> anyhow::Result<Peers> {
    let options = PeerOptions::default();
    let tls = config.tls.peers()?;
    let authorization = match &config.access.peer_token {
        Some(token) => Some(
            format!("Bearer {token}")
                .parse()
                .context("--peer-token is not a token: it may hold only visible ASCII")?,
        ),
        None => None,
    };
    Ok(Peers {
        classify: ClassifyServiceClient::new(balanced(
            &urls.classify,
            options,
            tls.as_ref(),
            stop.clone(),
        )?)
        .max_decoding_message_size(config.grpc.max_message_bytes),
        influence: InfluenceServiceClient::new(balanced(
            &urls.influence,
            options,
            tls.as_ref(),
            stop,
        )?),
        authorization,
    })
}

/// How the server reaches its own listener under TLS (for the dashboard): trusting
/// `--peer-ca` for a certificate that names the listener's IP address.
fn own_tls(config: &ServeConfig, own: SocketAddr) -> anyhow::Result<Option<ClientTlsConfig>> {
    if config.tls.tls_cert.is_none() {
        return Ok(None);
    }
    let peers = config.tls.peers()?.context(
        "with --tls-cert, the dashboard reaches this server over TLS: give --peer-ca too",
    )?;
    Ok(Some(peers.client(&reachable(own).ip().to_string())))
}

/// Where this server reaches its own listener: an unspecified address (0.0.0.0) on loopback.
fn reachable(own: SocketAddr) -> SocketAddr {
    let ip = match own.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => std::net::Ipv4Addr::LOCALHOST.into(),
        ip if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    SocketAddr::new(ip, own.port())
}

/// Names this build in the standard `server` header of every response, which `hearken status`
/// shows beside each role.
fn name_the_server(mut response: http::Response<Body>) -> http::Response<Body> {
    response.headers_mut().insert(
        http::header::SERVER,
        http::HeaderValue::from_static(SERVER_NAME),
    );
    response
}

async fn close(store: Option<Store>) {
    if let Some(store) = store {
        store.close().await;
    }
}

/// Keeps an ingest server's view of shared state current: other replicas' topic changes, and
/// the enrichment queue's depth for backpressure.
async fn refresh_shared_state(ingest: Ingest, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(QUEUE_REFRESH);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut since_topics = Duration::ZERO;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if let Err(error) = ingest.queue().refresh(ingest.store()).await {
            tracing::warn!(%error, "cannot read the queue depth; keeping the last one");
        }
        since_topics += QUEUE_REFRESH;
        if since_topics >= TOPIC_REFRESH {
            since_topics = Duration::ZERO;
            if let Err(error) = ingest.topics().reload(ingest.store()).await {
                tracing::warn!(%error, "cannot refresh topics; keeping the current ones");
            }
        }
    }
}
