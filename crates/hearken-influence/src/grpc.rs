//! The thin tonic adapter: convert the request, call [`InfluenceState`], map the error.

use std::sync::Arc;

use chrono::Utc;
use hearken_core::FieldError;
use hearken_core::mention::Source;
use hearken_proto::v1 as pb;
use pb::influence_service_server::{InfluenceService, InfluenceServiceServer};
use tonic::{Code, Request, Response, Status, Streaming};
use tonic_types::{ErrorDetails, StatusExt};

use crate::convert;

/// Most rejections listed in one `RecordInteractions` response; `rejected_count` counts all.
pub const MAX_LISTED_ERRORS: usize = 10_000;
use crate::service::{InfluenceError, InfluenceState, PageToken, TopQuery};

/// The gRPC face of the influence service.
#[derive(Debug, Clone)]
pub struct InfluenceGrpc {
    state: Arc<InfluenceState>,
}

/// `hearken.v1.InfluenceService` over `state`, ready to mount on a tonic server.
pub fn grpc_service(state: Arc<InfluenceState>) -> InfluenceServiceServer<InfluenceGrpc> {
    InfluenceServiceServer::new(InfluenceGrpc { state })
}

impl From<InfluenceError> for Status {
    fn from(error: InfluenceError) -> Self {
        match error {
            InfluenceError::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for violation in &violations {
                    tracing::info!(field = %violation.field, reason = %violation.reason, "invalid argument");
                    details.add_bad_request_violation(&violation.field, &violation.reason);
                }
                let message = match violations.as_slice() {
                    [first, ..] => format!("invalid {}: {}", first.field, first.reason),
                    [] => "invalid request".to_owned(),
                };
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            InfluenceError::NotFound(what) => {
                tracing::info!(%what, "not found");
                Status::not_found(format!("{what} not found"))
            }
            InfluenceError::Store(error) if error.is_retryable() => {
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    "store unavailable"
                );
                Status::unavailable("storage is unavailable; retry later")
            }
            InfluenceError::Store(error) => internal(&error),
            InfluenceError::Score(error) => internal(&error),
            InfluenceError::Task(error) => internal(&error),
        }
    }
}

/// Logs the full chain and tells the client nothing about it.
fn internal(error: &dyn std::error::Error) -> Status {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error = %chain, "influence request failed");
    Status::internal("internal error")
}

#[tonic::async_trait]
impl InfluenceService for InfluenceGrpc {
    /// Each message's valid interactions are stored in one transaction as it arrives; an
    /// invalid one is reported in the response by its position in the whole stream, with one
    /// error per bad field, and the rest are kept.
    #[tracing::instrument(skip_all)]
    async fn record_interactions(
        &self,
        request: Request<Streaming<pb::RecordInteractionsRequest>>,
    ) -> Result<Response<pb::RecordInteractionsResponse>, Status> {
        let mut stream = request.into_inner();
        let mut response = pb::RecordInteractionsResponse::default();
        let mut index = 0i64;
        while let Some(message) = stream.message().await? {
            let now = Utc::now();
            let mut batch = Vec::with_capacity(message.interactions.len());
            for interaction in &message.interactions {
                match convert::interaction(interaction, now) {
                    Ok(interaction) => batch.push(interaction),
                    Err(errors) => {
                        response.rejected_count += 1;
                        for error in errors {
                            tracing::info!(index, field = %error.field, reason = %error.reason, "interaction rejected");
                            if response.errors.len() < MAX_LISTED_ERRORS {
                                response.errors.push(pb::RecordError {
                                    index,
                                    field: error.field,
                                    reason: error.reason,
                                    external_id: interaction.mention_external_id.clone(),
                                });
                            }
                        }
                    }
                }
                index += 1;
            }
            let outcome = self.state.record_interactions(&batch).await?;
            response.recorded_count += outcome.recorded as i64;
            response.duplicate_count += outcome.duplicates as i64;
        }
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(batch = request.get_ref().authors.len()))]
    async fn upsert_authors(
        &self,
        request: Request<pb::UpsertAuthorsRequest>,
    ) -> Result<Response<pb::UpsertAuthorsResponse>, Status> {
        let now = Utc::now();
        let mut authors = Vec::new();
        let mut violations = Vec::new();
        for (position, author) in request.get_ref().authors.iter().enumerate() {
            match convert::author(&format!("authors[{position}]"), author, now) {
                Ok(author) => authors.push(author),
                Err(errors) => violations.extend(errors),
            }
        }
        if !violations.is_empty() {
            return Err(InfluenceError::InvalidArgument(violations).into());
        }
        let upserted = self.state.upsert_authors(&authors).await?;
        Ok(Response::new(pb::UpsertAuthorsResponse {
            upserted_count: upserted as i64,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_score(
        &self,
        request: Request<pb::GetScoreRequest>,
    ) -> Result<Response<pb::GetScoreResponse>, Status> {
        let request = request.get_ref();
        let handle = convert::handle("handle", &request.handle);
        let source = Source::parse("source", &request.source);
        let (handle, source) = match (handle, source) {
            (Ok(handle), Ok(source)) => (handle, source),
            (handle, source) => {
                let violations = handle.err().into_iter().chain(source.err()).collect();
                return Err(InfluenceError::InvalidArgument(violations).into());
            }
        };
        let view = self.state.get_score(source.as_str(), &handle).await?;
        Ok(Response::new(pb::GetScoreResponse {
            score: Some(convert::score(
                view.score,
                &view.formula_version,
                view.computed_at,
            )),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn top_influencers(
        &self,
        request: Request<pb::TopInfluencersRequest>,
    ) -> Result<Response<pb::TopInfluencersResponse>, Status> {
        let query = top_query(request.get_ref()).map_err(InfluenceError::InvalidArgument)?;
        let page = self.state.top_influencers(&query).await?;
        Ok(Response::new(pb::TopInfluencersResponse {
            scores: page
                .scores
                .into_iter()
                .map(|score| convert::score(score, &page.formula_version, page.computed_at))
                .collect(),
            next_page_token: page.next.map(|token| token.encode()).unwrap_or_default(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn recompute(
        &self,
        _request: Request<pb::RecomputeRequest>,
    ) -> Result<Response<pb::RecomputeResponse>, Status> {
        let summary = self.state.recompute().await?;
        Ok(Response::new(pb::RecomputeResponse {
            author_count: summary.generation.author_count,
            interaction_count: summary.generation.interaction_count,
            compute_time: Some(convert::timestamp(summary.generation.computed_at)),
        }))
    }
}

fn top_query(request: &pb::TopInfluencersRequest) -> Result<TopQuery, Vec<FieldError>> {
    let mut violations = Vec::new();
    let department = request.department.trim();
    if department.chars().any(char::is_control) || department.len() > 200 {
        violations.push(FieldError::new(
            "department",
            "must be a department id of at most 200 characters",
        ));
    }
    let page_size = u32::try_from(request.page_size).unwrap_or_else(|_| {
        violations.push(FieldError::new("page_size", "must not be negative"));
        0
    });
    let page = match request.page_token.as_str() {
        "" => None,
        token => PageToken::decode(token).or_else(|| {
            violations.push(FieldError::new(
                "page_token",
                "is not a token this service issued",
            ));
            None
        }),
    };
    let window = match &request.time_range {
        None => None,
        Some(range) => {
            let start = convert::bound("time_range.start_time", range.start_time.as_ref());
            let end = convert::bound("time_range.end_time", range.end_time.as_ref());
            match (start, end) {
                (Ok(Some(start)), Ok(Some(end))) if start >= end => {
                    violations.push(FieldError::new(
                        "time_range",
                        "start_time must be before end_time",
                    ));
                    None
                }
                (Ok(start), Ok(end)) => Some((start, end)),
                (start, end) => {
                    violations.extend(start.err());
                    violations.extend(end.err());
                    None
                }
            }
        }
    };
    if !violations.is_empty() {
        return Err(violations);
    }
    Ok(TopQuery {
        department: (!department.is_empty()).then(|| department.to_owned()),
        window,
        page_size,
        page,
    })
}
