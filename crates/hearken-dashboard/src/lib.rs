//! Hearken's dashboard: HTML pages with server-rendered SVG charts, served by the report role
//! on its HTTP port.
//!
//! The dashboard reads only through the report service's gRPC API (on a channel to the
//! server's own gRPC address, or to any report replica), so the proto is its whole contract.
//! Pages work offline: no script bundle, no CDN, no web fonts; the inbox's actions are a few
//! lines of plain JavaScript posting JSON to `/api/inbox/{mention_id}`.

mod filters;
mod html;
mod layout;
mod pages;
mod places;
mod session;
pub mod svg;

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use hearken_proto::v1::report_service_client::ReportServiceClient;
use tonic::metadata::AsciiMetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

use html::escape;

/// The dashboard's handle on the report service; cheap to clone.
#[derive(Debug, Clone)]
pub struct Dashboard {
    channel: Channel,
    /// Calls the report service as whoever is looking (see [`Dashboard::with_token`]).
    report: ReportServiceClient<InterceptedService<Channel, Bearer>>,
    /// Whether people must sign in with a token: the server requires tokens.
    login_required: bool,
    /// Whether cookies carry `Secure`: the dashboard is served over https.
    secure_cookies: bool,
}

/// Sends `authorization: Bearer TOKEN` with each call, when there is a token.
#[derive(Debug, Clone)]
pub struct Bearer(Option<AsciiMetadataValue>);

impl Bearer {
    /// A token that cannot be a header value is sent as none, and so refused like a wrong one.
    pub fn new(token: Option<&str>) -> Self {
        Self(token.and_then(|token| format!("Bearer {token}").parse().ok()))
    }
}

impl Interceptor for Bearer {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

impl Dashboard {
    pub fn new(channel: Channel, login_required: bool) -> Self {
        Self {
            report: ReportServiceClient::with_interceptor(channel.clone(), Bearer(None)),
            channel,
            login_required,
            secure_cookies: false,
        }
    }

    /// Marks the cookies `Secure` when `https`, the dashboard being served over https: a
    /// browser then never sends the signed-in token over plain http.
    pub fn secure_cookies(self, https: bool) -> Self {
        Self {
            secure_cookies: https,
            ..self
        }
    }

    /// This dashboard calling the report service with `token`.
    fn with_token(&self, token: Option<&str>) -> Self {
        Self {
            report: ReportServiceClient::with_interceptor(self.channel.clone(), Bearer::new(token)),
            ..self.clone()
        }
    }

    /// A dashboard over the report service at `grpc`, where this server reaches its own gRPC
    /// listener. Connects on first use. Under TLS (`tls`, which must trust the server's
    /// certificate for that address) the channel is https.
    pub fn local(
        grpc: SocketAddr,
        login_required: bool,
        tls: Option<ClientTlsConfig>,
    ) -> Result<Self, tonic::transport::Error> {
        let scheme = match tls {
            Some(_) => "https",
            None => "http",
        };
        let url = format!("{scheme}://{grpc}");
        let mut endpoint =
            Endpoint::from_shared(url)?.connect_timeout(std::time::Duration::from_secs(5));
        if let Some(tls) = tls {
            endpoint = endpoint.tls_config(tls)?;
        }
        let channel = endpoint.connect_lazy();
        Ok(Self::new(channel, login_required))
    }

    /// `/` overview, `/map`, `/inbox`, `/inbox/{department}`, `/voices`, `/spikes`, `/places`,
    /// `POST /api/inbox/{mention_id}`, and `/login`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/login", get(session::login_form).post(session::login))
            .route("/", get(pages::overview))
            .route("/map", get(pages::conversation_map))
            .route("/inbox", get(pages::inbox_index))
            .route("/inbox/{department}", get(pages::inbox))
            .route("/api/inbox/{mention_id}", post(pages::update_inbox_item))
            .route("/voices", get(pages::voices))
            .route("/spikes", get(pages::spikes))
            .route("/places", get(pages::places))
            .with_state(self)
    }
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("query parameter {name}: {reason}")]
    BadParameter { name: &'static str, reason: String },
    #[error("request body: {0}")]
    BadBody(String),
    #[error("report service answered {}: {}", .0.code(), .0.message())]
    Report(#[from] tonic::Status),
}

impl DashboardError {
    /// The HTTP status, and the message a user may see: theirs in full, ours opaque.
    fn public(&self) -> (StatusCode, String) {
        match self {
            DashboardError::BadParameter { .. } | DashboardError::BadBody(_) => {
                tracing::info!(error = %self, "bad dashboard request");
                (StatusCode::BAD_REQUEST, self.to_string())
            }
            DashboardError::Report(status) => match status.code() {
                Code::InvalidArgument | Code::OutOfRange | Code::FailedPrecondition => {
                    tracing::info!(error = %self, "report service refused a dashboard request");
                    (StatusCode::BAD_REQUEST, status.message().to_owned())
                }
                Code::NotFound => (StatusCode::NOT_FOUND, status.message().to_owned()),
                Code::Unauthenticated => (
                    StatusCode::UNAUTHORIZED,
                    format!("{}; sign in again at /login", status.message()),
                ),
                Code::PermissionDenied => (StatusCode::FORBIDDEN, status.message().to_owned()),
                _ => {
                    tracing::error!(error = %self, "dashboard cannot read the report service");
                    (
                        StatusCode::BAD_GATEWAY,
                        "the report service did not answer; see the server log".to_owned(),
                    )
                }
            },
        }
    }
}

impl IntoResponse for DashboardError {
    fn into_response(self) -> Response {
        let (status, message) = self.public();
        let body = layout::page(
            "Error",
            "",
            &filters::Filters::default(),
            &format!(r#"<p class="error">{}</p>"#, escape(&message)),
        );
        (status, Html(body)).into_response()
    }
}
