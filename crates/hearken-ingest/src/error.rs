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
    /// The caller sends faster than `--ingest-rate` allows.
    #[error("{caller} exceeds {per_second} mentions per second")]
    RateLimited {
        caller: String,
        per_second: f64,
        retry_after: std::time::Duration,
    },
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
                hearken_proto::status::invalid_argument(&field, &reason)
            }
            IngestError::NotFound { what } => Status::not_found(format!("{what} not found")),
            IngestError::QueueFull { pending, limit } => {
                tracing::warn!(pending, limit, "enrichment queue full: refusing ingestion");
                retry_later(
                    format!(
                        "{pending} mentions wait for enrichment (limit {limit}); nothing of this \
                         call was stored: retry in {} s",
                        crate::RETRY_AFTER.as_secs()
                    ),
                    crate::RETRY_AFTER,
                )
            }
            IngestError::RateLimited {
                caller,
                per_second,
                retry_after,
            } => {
                tracing::info!(%caller, per_second, "ingest rate exceeded");
                retry_later(
                    format!(
                        "{caller} sends more than {per_second} mentions per second; nothing of \
                         this call was stored: retry in {:.3} s",
                        retry_after.as_secs_f64()
                    ),
                    retry_after,
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

/// RESOURCE_EXHAUSTED with a RetryInfo telling the client when to try again.
fn retry_later(message: String, retry_after: std::time::Duration) -> Status {
    let mut details = ErrorDetails::new();
    details.set_retry_info(Some(retry_after));
    Status::with_error_details(Code::ResourceExhausted, message, details)
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
