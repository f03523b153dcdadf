//! Bearer-token authentication of every gRPC call, in one tower layer.
//!
//! Each RPC needs one [`Scope`] ([`required_scope`]); health and reflection stay open so that
//! probes and tools work without a secret. A call without a valid token is refused with
//! UNAUTHENTICATED, a valid token without the scope with PERMISSION_DENIED; an admitted call
//! carries its [`Caller`] in the request's extensions, where the services that show one
//! department's mentions (inboxes, exports) find it.

mod tokens;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;
use tonic::codegen::http;
use tower::{Layer, Service};

pub use tokens::{Scope, Token, Tokens, TokensError, entry, mint, sha256_hex};

/// Paths no token is needed for: health probes and server reflection.
const OPEN_PREFIXES: [&str; 3] = [
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// The scope each RPC needs. A path not listed here needs `admin`, so that an RPC added
/// without a line here fails closed (and a test fails: every RPC of the protos is listed).
pub const RPC_SCOPES: [(&str, Scope); 31] = [
    ("/hearken.v1.IngestService/Ingest", Scope::Ingest),
    ("/hearken.v1.IngestService/IngestBatch", Scope::Ingest),
    ("/hearken.v1.IngestService/GetMention", Scope::Read),
    ("/hearken.v1.IngestService/ListMentions", Scope::Read),
    ("/hearken.v1.IngestService/PutTopic", Scope::Admin),
    ("/hearken.v1.IngestService/ListTopics", Scope::Read),
    ("/hearken.v1.IngestService/DeleteTopic", Scope::Admin),
    ("/hearken.v1.IngestService/GetQueueStats", Scope::Read),
    ("/hearken.v1.ClassifyService/Classify", Scope::Read),
    ("/hearken.v1.ClassifyService/ClassifyStream", Scope::Read),
    ("/hearken.v1.ClassifyService/Train", Scope::Admin),
    ("/hearken.v1.ClassifyService/GetModel", Scope::Read),
    ("/hearken.v1.ClassifyService/Explain", Scope::Read),
    (
        "/hearken.v1.InfluenceService/RecordInteractions",
        Scope::Ingest,
    ),
    ("/hearken.v1.InfluenceService/UpsertAuthors", Scope::Ingest),
    ("/hearken.v1.InfluenceService/GetScore", Scope::Read),
    ("/hearken.v1.InfluenceService/TopInfluencers", Scope::Read),
    ("/hearken.v1.InfluenceService/Recompute", Scope::Admin),
    ("/hearken.v1.ReportService/Volume", Scope::Read),
    ("/hearken.v1.ReportService/ShareOfVoice", Scope::Read),
    ("/hearken.v1.ReportService/Reach", Scope::Read),
    ("/hearken.v1.ReportService/TopVoices", Scope::Read),
    ("/hearken.v1.ReportService/ConversationMap", Scope::Read),
    ("/hearken.v1.ReportService/ListInboxes", Scope::Read),
    ("/hearken.v1.ReportService/Inbox", Scope::Read),
    ("/hearken.v1.ReportService/UpdateInboxItem", Scope::Read),
    ("/hearken.v1.ReportService/Spikes", Scope::Read),
    ("/hearken.v1.ReportService/PutAlertRule", Scope::Admin),
    ("/hearken.v1.ReportService/ListAlertRules", Scope::Read),
    ("/hearken.v1.ReportService/DeleteAlertRule", Scope::Admin),
    ("/hearken.v1.ReportService/Export", Scope::Read),
];

/// RPCs that return mentions of every department, which a token limited to some departments
/// may not call. (ListInboxes, Inbox, UpdateInboxItem and Export check the departments
/// themselves.)
const EVERY_DEPARTMENT: [&str; 2] = [
    "/hearken.v1.IngestService/GetMention",
    "/hearken.v1.IngestService/ListMentions",
];

/// The scope a call to `path` needs; `None` for the open health and reflection services.
pub fn required_scope(path: &str) -> Option<Scope> {
    if OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix)) {
        return None;
    }
    let listed = RPC_SCOPES.iter().find(|(rpc, _)| *rpc == path);
    Some(listed.map_or(Scope::Admin, |(_, scope)| *scope))
}

/// Admits or refuses a call to `path` with the given `authorization` header value.
pub fn authorize(
    tokens: &Tokens,
    path: &str,
    authorization: Option<&http::HeaderValue>,
) -> Result<Option<hearken_core::Caller>, Status> {
    let Some(scope) = required_scope(path) else {
        return Ok(None);
    };
    let Some(value) = authorization else {
        return Err(Status::unauthenticated(format!(
            "{path} needs a token with the {scope} scope: send `authorization: Bearer TOKEN`"
        )));
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim())
        .ok_or_else(|| {
            Status::unauthenticated("malformed authorization header: expected `Bearer TOKEN`")
        })?;
    let token = tokens
        .find(secret)
        .ok_or_else(|| Status::unauthenticated("unknown or revoked token"))?;
    let name = &token.caller.name;
    if !token.scopes.contains(&scope) {
        return Err(Status::permission_denied(format!(
            "token {name:?} lacks the {scope} scope that {path} needs"
        )));
    }
    if token.caller.departments.is_some() && EVERY_DEPARTMENT.contains(&path) {
        return Err(Status::permission_denied(format!(
            "token {name:?} is limited to departments ({}), and {path} shows every department's \
             mentions; use Inbox or Export",
            token.caller.describe_departments()
        )));
    }
    Ok(Some(token.caller.clone()))
}

/// Wraps a gRPC server's routes with [`Auth`]; without tokens every call passes.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    tokens: Option<Arc<Tokens>>,
}

impl AuthLayer {
    pub fn new(tokens: Option<Arc<Tokens>>) -> Self {
        Self { tokens }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            tokens: self.tokens.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Auth<S> {
    inner: S,
    tokens: Option<Arc<Tokens>>,
}

impl<S, B, R> Service<http::Request<B>> for Auth<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let Some(tokens) = &self.tokens else {
            return Box::pin(self.inner.call(request));
        };
        let verdict = authorize(
            tokens,
            request.uri().path(),
            request.headers().get(http::header::AUTHORIZATION),
        );
        match verdict {
            Ok(caller) => {
                if let Some(caller) = caller {
                    request.extensions_mut().insert(caller);
                }
                Box::pin(self.inner.call(request))
            }
            Err(status) => {
                tracing::info!(
                    method = request.uri().path(),
                    code = ?status.code(),
                    reason = status.message(),
                    "call refused"
                );
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hearken_proto::prost::Message as _;
    use hearken_proto::prost_types::FileDescriptorSet;

    use super::*;

    /// Every RPC of the protos has its line in the table, and nothing else does.
    #[test]
    fn every_rpc_has_a_scope() {
        let set = FileDescriptorSet::decode(hearken_proto::FILE_DESCRIPTOR_SET).unwrap();
        let mut rpcs: Vec<String> = Vec::new();
        for file in &set.file {
            for service in &file.service {
                for method in &service.method {
                    rpcs.push(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
        let mut listed: Vec<String> = RPC_SCOPES.iter().map(|(p, _)| (*p).to_owned()).collect();
        rpcs.sort();
        listed.sort();
        assert_eq!(rpcs, listed);
    }

    #[test]
    fn health_and_reflection_are_open_and_unknown_paths_need_admin() {
        assert_eq!(required_scope("/grpc.health.v1.Health/Check"), None);
        assert_eq!(
            required_scope("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            None
        );
        assert_eq!(
            required_scope("/hearken.v1.IngestService/Unheard"),
            Some(Scope::Admin)
        );
    }
}
