//! The error details the contracts promise, built in one place for every service.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// INVALID_ARGUMENT with a `google.rpc.BadRequest` naming the field at fault and why: what
/// every service answers a request it refuses.
pub fn invalid_argument(field: &str, reason: &str) -> Status {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation(field, reason);
    Status::with_error_details(
        Code::InvalidArgument,
        format!("invalid {field}: {reason}"),
        details,
    )
}
