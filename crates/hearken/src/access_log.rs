//! One log line per gRPC call: which method, its status when known, how long until the
//! response began, and its request id. Operators (and the end-to-end test) count calls per
//! replica from it.
//!
//! The request id is the caller's `x-request-id` (the enrich worker sends one per batch to
//! every role it calls), or a new one; the service sees it in the request's headers and the
//! caller gets it back in the response's, so one id follows a piece of work across roles.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use hearken_telemetry::metrics;
use tonic::codegen::http;
use tower::{Layer, Service};

/// The header carrying a request id, in both directions.
pub const REQUEST_ID: &str = "x-request-id";

/// Health probes arrive every few seconds from orchestrators: logged at debug only.
const QUIET_PREFIX: &str = "/grpc.health.v1.Health/";

/// Wraps a gRPC server's routes with [`AccessLog`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessLogLayer;

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> AccessLog<S> {
        AccessLog { inner }
    }
}

#[derive(Debug, Clone)]
pub struct AccessLog<S> {
    inner: S,
}

impl<S, B, R> Service<http::Request<B>> for AccessLog<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let request_id = match request.headers().get(REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = http::HeaderValue::from_str(&uuid::Uuid::new_v4().simple().to_string())
                    .expect("a UUID is a header value");
                request.headers_mut().insert(REQUEST_ID, id.clone());
                id
            }
        };
        let start = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut response = response.await;
            if let Ok(response) = &mut response {
                response
                    .headers_mut()
                    .insert(REQUEST_ID, request_id.clone());
            }
            let request_id = request_id.to_str().unwrap_or("(not text)");
            // A failure answered at once carries its status in the headers; otherwise it
            // follows in the trailers, after this line is written.
            let status = match &response {
                Ok(r) => r
                    .headers()
                    .get("grpc-status")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("in trailers")
                    .to_owned(),
                Err(_) => "transport error".to_owned(),
            };
            let elapsed = start.elapsed().as_secs_f64();
            metrics::count(
                "hearken_grpc_requests_total",
                "gRPC calls by method and status (\"in trailers\" when the call began well).",
                &[("method", &method), ("status", &status)],
                1,
            );
            metrics::observe(
                "hearken_grpc_request_duration_seconds",
                "Time until a gRPC call's response began, by method.",
                &[("method", &method)],
                elapsed,
            );
            let elapsed_ms = elapsed * 1e3;
            if method.starts_with(QUIET_PREFIX) {
                tracing::debug!(%method, %status, elapsed_ms, request_id, "rpc");
            } else {
                tracing::info!(%method, %status, elapsed_ms, request_id, "rpc");
            }
            response
        })
    }
}
