//! The password handlers of the signed-in: confirming it again before a sensitive
//! action ("sudo mode", OWASP ASVS V7.5), and changing it, which offers to end
//! every other session (V7.4.3).
//!
//! | what | status |
//! | --- | --- |
//! | the password empty or too long; a new password the rules refuse, or the same as the current one | `422`, the form again |
//! | a wrong password | `401`, the form again |
//! | a session to sign out that is not the user's (any more) | `404` |
//! | past a [rate limit](crate::RateLimits) (they count as sign-in attempts) | `429` |
//! | a page without a session | `303` to `/sign-in` |
//! | a form without a session | `401` |
//!
//! A password accepted here is a fresh proof: the session gets a new token and
//! its `authenticated_at` is now ([`SessionManager::reauthenticate`](narvik_axum::SessionHandle::reauthenticate)).

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::header::HeaderMap;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use narvik::Session;
use serde::Deserialize;
use time::Duration;

use super::client_address::ClientAddress;
use super::handlers::{end_other_sessions, end_own_session, page_session, redirect_with, SignedIn};
use super::problem::Problem;
use super::{AppState, Sessions};
use crate::pages::{self, ChangePasswordView, ConfirmView, Intent, Notice};
use crate::users::{self, ChangePasswordError, SignInError, PASSWORD_MAX_CHARS};
use crate::DemoSession;

/// A `303` to the confirm-password page, which goes on with `intent` once the
/// password is confirmed.
pub(super) fn to_confirm(intent: Intent) -> Response {
    Redirect::to(&format!("/confirm-password?{}", intent.query())).into_response()
}

/// `GET /confirm-password?then=...`.
pub(super) async fn confirm_password_page(
    State(state): State<AppState>,
    sessions: Sessions,
    session: SignedIn,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Problem> {
    let current = match page_session(&sessions, &headers, session)? {
        Ok(session) => session,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    let intent = Intent::from_query(uri.query());
    Ok(confirm_page(&state, &current, intent, StatusCode::OK, None))
}

/// The confirm-password page of `current`'s user, with `status` and `error`.
fn confirm_page(
    state: &AppState,
    current: &Session<DemoSession>,
    intent: Option<Intent>,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let window = describe_duration(state.reauthenticate_after);
    let view = ConfirmView {
        username: &current.username,
        theme: current.theme,
        intent,
        error,
        window: &window,
    };
    pages::respond(status, pages::confirm_password(&view, &state.store_label))
}

/// The fields of the confirm-password form; a missing one is empty.
#[derive(Deserialize)]
pub(super) struct Confirmation {
    #[serde(default)]
    password: String,
    /// An [`Intent`]'s name; anything else leads back to the account page.
    #[serde(default)]
    then: String,
    /// The session to sign out, for `then=sign-out-session`.
    #[serde(default)]
    session_id: String,
}

/// `POST /confirm-password`: checks the password, records the proof (a new
/// token), and goes on with what the user was doing: signs the other sessions
/// out, or one of them, or shows the change-password page.
pub(super) async fn confirm_password(
    State(state): State<AppState>,
    sessions: Sessions,
    session: SignedIn,
    ClientAddress(client): ClientAddress,
    form: Result<Form<Confirmation>, FormRejection>,
) -> Result<Response, Problem> {
    let current = session?;
    let Form(form) = form?;
    let intent = Intent::from_fields(&form.then, &form.session_id);
    let again =
        |status, error: &str| Ok(confirm_page(&state, &current, intent, status, Some(error)));
    if form.password.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "Enter your password.");
    }
    if form.password.chars().count() > PASSWORD_MAX_CHARS {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("A password has at most {PASSWORD_MAX_CHARS} characters."),
        );
    }
    // A guess at the password like any other: counted as sign-in attempts are.
    state
        .attempts
        .check(client, &current.username)
        .map_err(Problem::too_many_attempts)?;
    let checked = state
        .accounts
        .check_password(&current.username, &current.user_id, form.password)
        .await;
    match checked {
        Ok(_) => {}
        Err(SignInError::WrongCredentials) => {
            return again(StatusCode::UNAUTHORIZED, "Wrong password.");
        }
        Err(SignInError::Failed(error)) => return Err(error.into()),
    }
    // The proof, and a new token for it; the layer sends its cookie.
    let Some(fresh) = sessions.reauthenticate().await? else {
        // Signed out elsewhere, or expired, meanwhile.
        return Ok(redirect_with("/sign-in", Notice::SessionEnded));
    };
    Ok(match intent {
        Some(Intent::SignOutOthers) => {
            end_other_sessions(&sessions, &fresh).await?;
            redirect_with("/account", Notice::OthersSignedOut)
        }
        Some(Intent::SignOutSession(session_id)) => {
            end_own_session(&sessions, &fresh, &session_id).await?
        }
        Some(Intent::ChangePassword) => Redirect::to("/account/password").into_response(),
        None => redirect_with("/account", Notice::PasswordConfirmed),
    })
}

/// `GET /account/password`: the form, once the password was confirmed recently.
pub(super) async fn change_password_page(
    State(state): State<AppState>,
    sessions: Sessions,
    session: SignedIn,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let current = match page_session(&sessions, &headers, session)? {
        Ok(session) => session,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    if !state.is_fresh(&current) {
        return Ok(to_confirm(Intent::ChangePassword));
    }
    let view = ChangePasswordView {
        username: &current.username,
        theme: current.theme,
        error: None,
        end_other_sessions: true,
    };
    let page = pages::change_password(&view, &state.store_label);
    Ok(pages::respond(StatusCode::OK, page))
}

/// The fields of the change-password form; a missing one is empty, and the
/// checkbox is there only when ticked.
#[derive(Deserialize)]
pub(super) struct PasswordChange {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    end_other_sessions: Option<String>,
}

/// `POST /account/password`: checks the current password, stores the new one's
/// hash, gives this session a new token, and signs every other session out when
/// the box is ticked.
///
/// It does not ask for freshness: the form's current password is a proof of its
/// own, and a user who took a while to type it is not sent away.
pub(super) async fn change_password(
    State(state): State<AppState>,
    sessions: Sessions,
    session: SignedIn,
    ClientAddress(client): ClientAddress,
    form: Result<Form<PasswordChange>, FormRejection>,
) -> Result<Response, Problem> {
    let current = session?;
    let Form(form) = form?;
    let end_others = form.end_other_sessions.is_some();
    let again = |status, error: &str| {
        let view = ChangePasswordView {
            username: &current.username,
            theme: current.theme,
            error: Some(error),
            end_other_sessions: end_others,
        };
        let page = pages::change_password(&view, &state.store_label);
        Ok(pages::respond(status, page))
    };
    if let Err(error) = check_change(&form.current_password, &form.new_password) {
        return again(StatusCode::UNPROCESSABLE_ENTITY, &error);
    }
    state
        .attempts
        .check(client, &current.username)
        .map_err(Problem::too_many_attempts)?;
    let changed = state
        .accounts
        .change_password(
            &current.username,
            &current.user_id,
            form.current_password,
            form.new_password,
        )
        .await;
    match changed {
        Ok(()) => {}
        Err(ChangePasswordError::WrongPassword) => {
            return again(StatusCode::UNAUTHORIZED, "Wrong current password.");
        }
        Err(ChangePasswordError::Failed(error)) => return Err(error.into()),
    }
    // New credentials: a new token (OWASP ASVS V7.2.4), and the proof just given.
    let Some(fresh) = sessions.reauthenticate().await? else {
        return Ok(redirect_with("/sign-in", Notice::SessionEnded));
    };
    if end_others {
        end_other_sessions(&sessions, &fresh).await?;
        return Ok(redirect_with(
            "/account",
            Notice::PasswordChangedOthersSignedOut,
        ));
    }
    Ok(redirect_with("/account", Notice::PasswordChanged))
}

/// Refuses change-password fields that cannot be tried: the error to show.
fn check_change(current_password: &str, new_password: &str) -> Result<(), String> {
    if current_password.is_empty() || new_password.is_empty() {
        return Err("Enter your current password and a new one.".to_owned());
    }
    // No account has such a password: refuse before hashing anything.
    if current_password.chars().count() > PASSWORD_MAX_CHARS {
        return Err("Wrong current password.".to_owned());
    }
    users::check_new_password(new_password)?;
    if new_password == current_password {
        return Err("The new password is the one you have now. Choose another one.".to_owned());
    }
    Ok(())
}

/// `duration` for people, in its largest whole unit: `5 minutes`, `90 seconds`.
fn describe_duration(duration: Duration) -> String {
    let secs = duration.whole_seconds();
    let (count, unit) = if secs >= 3600 && secs % 3600 == 0 {
        (secs / 3600, "hour")
    } else if secs >= 60 && secs % 60 == 0 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::{check_change, describe_duration};

    #[test]
    fn durations_are_told_in_their_largest_whole_unit() {
        assert_eq!(describe_duration(Duration::minutes(5)), "5 minutes");
        assert_eq!(describe_duration(Duration::seconds(90)), "90 seconds");
        assert_eq!(describe_duration(Duration::seconds(1)), "1 second");
        assert_eq!(describe_duration(Duration::hours(12)), "12 hours");
    }

    #[test]
    fn a_change_needs_both_passwords_a_valid_new_one_and_a_different_one() {
        assert!(check_change("old password", "new password").is_ok());
        assert!(check_change("", "new password").is_err());
        assert!(check_change("old password", "").is_err());
        assert!(check_change("old password", "short").is_err());
        assert!(check_change("same password", "same password").is_err());
        assert!(check_change(&"x".repeat(129), "new password").is_err());
    }
}
