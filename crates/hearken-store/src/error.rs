/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    #[error("cannot connect to the {backend} database")]
    Connect {
        backend: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply the {backend} migrations")]
    Migrate {
        backend: &'static str,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// The database could not be reached or timed out; the operation may succeed if retried.
    #[error("database unavailable while trying to {operation}")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("database error while trying to {operation}")]
    Query {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl StoreError {
    /// Classifies a query error: connection trouble is retryable, anything else is not.
    pub(crate) fn query(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| match source {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable { operation, source },
            source => StoreError::Query { operation, source },
        }
    }

    /// True when retrying later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}
