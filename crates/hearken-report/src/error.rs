use hearken_store::StoreError;
use tonic::Status;

/// Why a report request failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The request is malformed; `field` is its path in the request.
    #[error("invalid {field}: {reason}")]
    InvalidArgument { field: String, reason: String },
    #[error("{0} not found")]
    NotFound(String),
    /// The caller's token is limited to other departments.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ReportError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ReportError::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<ReportError> for Status {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::InvalidArgument { field, reason } => {
                tracing::info!(%field, %reason, "invalid report request");
                hearken_proto::status::invalid_argument(&field, &reason)
            }
            ReportError::NotFound(what) => {
                tracing::info!(%what, "not found");
                Status::not_found(format!("{what} not found"))
            }
            ReportError::Forbidden(why) => {
                tracing::info!(%why, "refused by department");
                Status::permission_denied(why)
            }
            ReportError::Store(store) => {
                tracing::error!(error = %chain(&store), "report query failed");
                match store.is_retryable() {
                    true => Status::unavailable("the store is unavailable; retry later"),
                    // Internal details stay in the log; clients get an opaque message.
                    false => Status::internal("internal error"),
                }
            }
        }
    }
}

/// An error and all its causes on one line, for logs.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
