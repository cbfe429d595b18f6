//! [`Problem`]: the handlers' error type, a refusal or failure answered with a page.

use std::borrow::Cow;

use axum::extract::rejection::FormRejection;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use narvik_axum::SessionRejection;

use crate::pages;
use crate::rate_limit::{Exceeded, TooManyAttempts};
use crate::users::AccountsError;

/// A refusal or failure, answered with a page that says what happened and what to
/// do; see [the handlers](super::handlers) for which status each gets.
///
/// Handlers return `Result<_, Problem>` and use `?`: narvik's errors, session
/// rejections, form rejections and account failures convert into one. As a
/// response it is its status, with the problem itself in the response's
/// extensions (and its `Retry-After`, if it has one, in the headers);
/// [`explain_and_harden`](super::explain_and_harden) renders the page.
#[derive(Debug, Clone)]
pub(super) struct Problem {
    status: StatusCode,
    title: &'static str,
    detail: Cow<'static, str>,
    /// Whole seconds after which the request may be tried again.
    retry_after_secs: Option<u64>,
}

impl Problem {
    pub(super) fn new(
        status: StatusCode,
        title: &'static str,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            retry_after_secs: None,
        }
    }

    /// A password attempt over a rate limit: `429`, saying when to try again.
    pub(super) fn too_many_attempts(refused: TooManyAttempts) -> Self {
        let secs = refused.retry_after_secs;
        let whose = match refused.exceeded {
            Exceeded::Username => "for this username",
            Exceeded::Address => "from your network address",
        };
        let unit = if secs == 1 { "second" } else { "seconds" };
        Self {
            retry_after_secs: Some(secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                format!(
                    "There have been too many password attempts {whose}. \
                     Nothing was checked. Try again in {secs} {unit}."
                ),
            )
        }
    }

    /// Every password hasher stayed busy for the whole queue timeout: `503`,
    /// saying to try again shortly.
    fn hashers_busy(waited: std::time::Duration) -> Self {
        tracing::warn!(?waited, "every password hasher stayed busy: refused");
        // As long as this request waited: the line is likely as long by then.
        let secs = waited.as_secs().clamp(1, 60);
        let unit = if secs == 1 { "second" } else { "seconds" };
        Self {
            retry_after_secs: Some(secs),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy: please try again",
                format!(
                    "The demo is checking too many passwords at once right now. \
                     Nothing was changed; please try again in {secs} {unit}."
                ),
            )
        }
    }

    /// The store failed: `503`, and the cause in the log.
    fn unavailable(error: &(dyn std::error::Error + 'static)) -> Self {
        // As an error, not its `Display`: `tracing` records its sources, where
        // narvik keeps the backend's own error.
        tracing::error!(error, "the session or account store failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again in a moment",
            "The demo cannot reach its store right now. Nothing was changed; \
             please try again shortly.",
        )
    }

    /// An action without a valid session: `401`.
    pub(super) fn not_signed_in() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Not signed in",
            "You are not signed in: your session has ended, or was never started. \
             Sign in and try again.",
        )
    }

    /// The problem of an error response that came without a page: a layer's (such
    /// as [`CsrfLayer`](narvik_axum::CsrfLayer)'s `403`) or axum's own (`405`).
    pub(super) fn of_status(status: StatusCode) -> Self {
        match status {
            StatusCode::FORBIDDEN => Self::new(
                status,
                "Request refused",
                "This form was not sent from this site (its Origin header is missing \
                 or names another site), so it was not carried out. Go back, reload \
                 the page and try again.",
            ),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                "Not here",
                "This address does not take that kind of request: forms post to \
                 it, pages are read from others. Go back to the start.",
            ),
            _ => Self::new(
                status,
                status.canonical_reason().unwrap_or("Error"),
                "The request could not be served.",
            ),
        }
    }

    /// The page.
    pub(super) fn render(&self) -> Response {
        let page = pages::problem(self.status, self.title, &self.detail);
        pages::respond(self.status, page)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(self);
        response
    }
}

impl From<narvik::Error> for Problem {
    fn from(error: narvik::Error) -> Self {
        match error {
            // Only under a cap that refuses new sign-ins, which the demo's is not
            // (it ends the least recently extended session): said plainly anyway.
            narvik::Error::TooManySessions { max } => Self::new(
                StatusCode::CONFLICT,
                "Too many sessions",
                format!(
                    "You are signed in on {max} devices already, the most allowed. \
                     Sign out on one of them and try again."
                ),
            ),
            // Every attempt of a data update lost a race with another writer of
            // the same session: nothing was written, sending it again is safe.
            narvik::Error::Conflict => Self::new(
                StatusCode::CONFLICT,
                "Changed meanwhile",
                "This session was being changed from elsewhere at the same time. \
                 Nothing was saved: go back and try again.",
            ),
            other => Self::unavailable(&other),
        }
    }
}

impl From<SessionRejection> for Problem {
    fn from(rejection: SessionRejection) -> Self {
        match rejection {
            SessionRejection::Unauthenticated => Self::not_signed_in(),
            other => Self::unavailable(&other),
        }
    }
}

impl From<AccountsError> for Problem {
    fn from(error: AccountsError) -> Self {
        match error {
            AccountsError::HashersBusy { waited } => Self::hashers_busy(waited),
            other => Self::unavailable(&other),
        }
    }
}

/// A form the app could not read, by axum's reason.
impl From<FormRejection> for Problem {
    fn from(rejection: FormRejection) -> Self {
        let status = rejection.status();
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                "Form too large",
                format!(
                    "The form sent more than {} KiB. Shorten what you typed and try again.",
                    super::FORM_LIMIT_BYTES / 1024
                ),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                "Not a form",
                "The request body is not a web form \
                 (application/x-www-form-urlencoded).",
            ),
            _ => Self::new(
                status,
                "Form not understood",
                "The form could not be read. Go back, reload the page and try again.",
            ),
        }
    }
}
