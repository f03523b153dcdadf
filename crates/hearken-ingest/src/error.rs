use hearken_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Why an ingestion call failed as a whole. Per-record rejections are not errors: they are
/// part of the [`crate::Summary`].
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("invalid {field}: {reason}")]
    InvalidArgument { field: String, reason: String },
    #[error("{what} not found")]
    NotFound { what: String },
    /// Backpressure: too many mentions wait for enrichment.
    #[error("{pending} mentions wait for enrichment, at the limit of {limit}")]
    QueueFull { pending: i64, limit: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        IngestError::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<IngestError> for Status {
    fn from(error: IngestError) -> Self {
        match error {
            IngestError::InvalidArgument { field, reason } => {
                tracing::info!(%field, %reason, "invalid argument");
                let mut details = ErrorDetails::new();
                details.add_bad_request_violation(field.clone(), reason.clone());
                Status::with_error_details(
                    Code::InvalidArgument,
                    format!("invalid {field}: {reason}"),
                    details,
                )
            }
            IngestError::NotFound { what } => Status::not_found(format!("{what} not found")),
            IngestError::QueueFull { pending, limit } => {
                tracing::warn!(pending, limit, "enrichment queue full: refusing ingestion");
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(crate::RETRY_AFTER));
                Status::with_error_details(
                    Code::ResourceExhausted,
                    format!(
                        "{pending} mentions wait for enrichment (limit {limit}); nothing of this \
                         call was stored: retry in {} s",
                        crate::RETRY_AFTER.as_secs()
                    ),
                    details,
                )
            }
            IngestError::Store(store) => {
                let retryable = store.is_retryable();
                tracing::error!(error = %chain(&store), "store failed");
                if retryable {
                    Status::unavailable("the store is unavailable; retry later")
                } else {
                    // Internal details stay in the log; clients get an opaque message.
                    Status::internal("internal error")
                }
            }
        }
    }
}

/// An error and all its causes on one line, for logs.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
