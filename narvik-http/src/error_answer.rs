//! [`error_status`] and [`answer_error`]: how every adapter answers narvik's
//! errors, so their rejections agree.

use http::StatusCode;

/// The status an adapter answers `error` with: `503 Service Unavailable` when the
/// store could not answer ([`narvik::Error::Store`]: down, unreachable, timed
/// out), so load balancers and clients may retry; `403 Forbidden` for a sign-in
/// that the session limit refused ([`narvik::Error::TooManySessions`]); `409
/// Conflict` for a data update that lost a race ([`narvik::Error::Conflict`]: the
/// client can send the request again); `500 Internal Server Error` otherwise.
pub fn error_status(error: &narvik::Error) -> StatusCode {
    match error {
        narvik::Error::Store { .. } => StatusCode::SERVICE_UNAVAILABLE,
        narvik::Error::TooManySessions { .. } => StatusCode::FORBIDDEN,
        narvik::Error::Conflict => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The status ([`error_status`]) and the short plain-text body an adapter answers
/// `error` with, which reveals nothing about the store; logs `error` with
/// `tracing`, at error level when it is a failure (not for the session limit's
/// refusal nor a lost race, which are answers).
pub fn answer_error(error: &narvik::Error) -> (StatusCode, &'static str) {
    let status = error_status(error);
    let body = match error {
        narvik::Error::TooManySessions { .. } => {
            tracing::debug!(%error, "sign-in refused by the session limit");
            "too many sessions: sign out on another device first"
        }
        narvik::Error::Conflict => {
            tracing::debug!(%error, "session data update lost a race");
            "the session changed meanwhile: try again"
        }
        _ => {
            // As an error, not its `Display`: the cause is in its source chain,
            // which `tracing` records.
            let error: &(dyn std::error::Error + 'static) = error;
            tracing::error!(error, "session store failed");
            if status == StatusCode::SERVICE_UNAVAILABLE {
                "service unavailable"
            } else {
                "internal server error"
            }
        }
    };
    (status, body)
}
