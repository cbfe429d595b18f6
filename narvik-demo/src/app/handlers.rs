//! The handlers of the routes in [the router](super).
//!
//! Every refusal is a page with the fitting status, never a panic:
//!
//! | what | status |
//! | --- | --- |
//! | a field empty, too long, or not a valid username or password | `422` (the form again) |
//! | a form that does not parse | `400` or `422` |
//! | a form body of the wrong type | `415` |
//! | a form body over [`FORM_LIMIT_BYTES`](super::FORM_LIMIT_BYTES) | `413` |
//! | a wrong username or password | `401` (the form again) |
//! | a taken username | `409` (the form again) |
//! | a theme change that lost every race with other changes of the session | `409` |
//! | a sign-in or sign-up over a [rate limit](crate::RateLimits) (per username, per client address) | `429` with `Retry-After` |
//! | every [password hasher](crate::HashingPool) busy for the whole queue timeout | `503` with `Retry-After` |
//! | an action without a valid session (none, garbage, expired, signed out) | `401` |
//! | a page without one | `303` to `/sign-in` (saying the session ended if a cookie came) |
//! | a session id that is not one of the user's | `404` |
//! | ending another session, or all of them, with the password last checked too long ago | `303` to `/confirm-password` ([the password handlers](super::password)) |
//! | a form from another site (no or foreign `Origin`) | `403` ([`CsrfLayer`](narvik_axum::CsrfLayer)) |
//! | an unknown path; a known one with another method | `404`; `405` (axum's, given a page by [`explain_and_harden`](super::explain_and_harden)) |
//! | the store failing | `503` |

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::Markup;
use narvik::{Session, SessionId};
use narvik_axum::{CurrentSession, SessionRejection};
use serde::Deserialize;

use super::client_address::ClientAddress;
use super::password;
use super::problem::Problem;
use super::{AppState, Sessions, MAX_USER_AGENT_LEN};
use crate::pages::{self, AccountView, FormState, Intent, Notice};
use crate::users::{
    self, Account, Accounts, SignInError, SignUpError, PASSWORD_MAX_CHARS, USERNAME_MAX_CHARS,
};
use crate::{DemoSession, Theme};

/// The extractor of handlers that need a session: without one it is
/// `Err(Unauthenticated)` (a `401` page, or a redirect), when the store failed
/// `Err(Store)` (a `503` page), both answered as this app likes rather than with
/// [`SessionRejection`]'s plain text.
pub(super) type SignedIn = Result<CurrentSession<DemoSession>, SessionRejection>;

/// The extractor of pages for everyone: `Ok(None)` without a session.
type MaybeSignedIn = Result<Option<CurrentSession<DemoSession>>, SessionRejection>;

/// Whether the request brought a session cookie with a value, valid or not, read
/// as the session layer reads it (any of several of that name).
fn brought_session_cookie(sessions: &Sessions, headers: &HeaderMap) -> bool {
    narvik_axum::find_cookies(headers, sessions.narvik().cookie_name())
        .any(|value| !value.is_empty())
}

/// A `303` to `path`, with `notice` in the query.
pub(super) fn redirect_with(path: &str, notice: Notice) -> Response {
    Redirect::to(&format!("{path}?notice={}", notice.as_query())).into_response()
}

/// `GET /`.
pub(super) async fn home(session: MaybeSignedIn) -> Result<Redirect, Problem> {
    let to = if session?.is_some() {
        "/account"
    } else {
        "/sign-in"
    };
    Ok(Redirect::to(to))
}

/// `GET /sign-in`.
pub(super) async fn sign_in_page(session: MaybeSignedIn, uri: Uri) -> Result<Response, Problem> {
    if session?.is_some() {
        return Ok(Redirect::to("/account").into_response());
    }
    let form = FormState {
        notice: Notice::from_query(uri.query()),
        ..FormState::default()
    };
    Ok(pages::respond(StatusCode::OK, pages::sign_in(&form)))
}

/// `GET /sign-up`.
pub(super) async fn sign_up_page(session: MaybeSignedIn) -> Result<Response, Problem> {
    if session?.is_some() {
        return Ok(Redirect::to("/account").into_response());
    }
    let page = pages::sign_up(&FormState::default());
    Ok(pages::respond(StatusCode::OK, page))
}

/// The fields of the sign-in and sign-up forms; a missing one is empty.
#[derive(Deserialize)]
pub(super) struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// What `POST /sign-up` and `POST /sign-in` read of the request besides the state:
/// the sessions, the client's address (attempts are counted by it), the headers
/// (the session keeps the user agent) and the form.
type CredentialsPost = (
    Sessions,
    ClientAddress,
    HeaderMap,
    Result<Form<Credentials>, FormRejection>,
);

/// `POST /sign-up`: creates the account and signs in.
pub(super) async fn sign_up(
    State(state): State<AppState>,
    post: CredentialsPost,
) -> Result<Response, Problem> {
    sign_in_with_form(&state, post, pages::sign_up, check_new_account, new_account).await
}

/// `POST /sign-in`: checks the password and signs in.
pub(super) async fn sign_in(
    State(state): State<AppState>,
    post: CredentialsPost,
) -> Result<Response, Problem> {
    sign_in_with_form(
        &state,
        post,
        pages::sign_in,
        check_sign_in,
        existing_account,
    )
    .await
}

/// Refuses sign-up fields that make no valid account: the error to show.
fn check_new_account(username: &str, password: &str) -> Result<(), String> {
    users::check_new_username(username).and_then(|()| users::check_new_password(password))
}

/// Refuses sign-in fields that no account can have: the error to show.
fn check_sign_in(username: &str, password: &str) -> Result<(), String> {
    if username.is_empty() || password.is_empty() {
        return Err("Enter your username and your password.".to_owned());
    }
    // No account has such a name or password: refuse before hashing anything.
    if username.chars().count() > USERNAME_MAX_CHARS
        || password.chars().count() > PASSWORD_MAX_CHARS
    {
        return Err(format!(
            "A username has at most {USERNAME_MAX_CHARS} characters, \
             a password at most {PASSWORD_MAX_CHARS}."
        ));
    }
    Ok(())
}

/// Creates the account of `username`; a taken one shows the form again.
async fn new_account(
    accounts: &Accounts,
    username: String,
    password: String,
) -> Result<Account, Refusal> {
    let created = accounts.sign_up(username.clone(), password).await;
    created.map_err(|error| match error {
        SignUpError::UsernameTaken => Refusal::Form(
            StatusCode::CONFLICT,
            format!("The username “{username}” is taken. Choose another one."),
        ),
        SignUpError::Failed(error) => Refusal::Problem(error.into()),
    })
}

/// The account `username` and `password` open; a wrong pair shows the form again.
async fn existing_account(
    accounts: &Accounts,
    username: String,
    password: String,
) -> Result<Account, Refusal> {
    let found = accounts.sign_in(&username, password).await;
    found.map_err(|error| match error {
        SignInError::WrongCredentials => Refusal::Form(
            StatusCode::UNAUTHORIZED,
            "Wrong username or password.".to_owned(),
        ),
        SignInError::Failed(error) => Refusal::Problem(error.into()),
    })
}

/// Why a sign-up or sign-in form signs no one in.
enum Refusal {
    /// The form again, with this status and this error.
    Form(StatusCode, String),
    /// A failure: the page of the problem.
    Problem(Problem),
}

/// What `POST /sign-up` and `POST /sign-in` share: reads the form, has `check`
/// refuse fields that cannot be tried (`422`), counts the attempt, has
/// `account_of` make or find the account of the normalized username and the
/// password, and signs it in. A [`Refusal::Form`] shows the form of `page` again,
/// with the username as typed (never the password) and the error.
async fn sign_in_with_form(
    state: &AppState,
    (sessions, ClientAddress(client), headers, form): CredentialsPost,
    page: fn(&FormState<'_>) -> Markup,
    check: fn(&str, &str) -> Result<(), String>,
    account_of: impl AsyncFnOnce(&Accounts, String, String) -> Result<Account, Refusal>,
) -> Result<Response, Problem> {
    let Form(form) = form?;
    let username = users::normalize_username(&form.username);
    let password = form.password;
    let account = async {
        check(&username, &password)
            .map_err(|error| Refusal::Form(StatusCode::UNPROCESSABLE_ENTITY, error))?;
        // Counted only now, a refused form costing nothing and a hash something;
        // and whether or not the account exists, so the limit tells no one which do.
        state
            .attempts
            .check(client, &username)
            .map_err(|refused| Refusal::Problem(Problem::too_many_attempts(refused)))?;
        account_of(&state.accounts, username, password).await
    };
    let account = match account.await {
        Ok(account) => account,
        Err(Refusal::Form(status, error)) => {
            let form = FormState {
                username: &form.username,
                error: Some(&error),
                notice: None,
            };
            return Ok(pages::respond(status, page(&form)));
        }
        Err(Refusal::Problem(problem)) => return Err(problem),
    };
    start_session(&sessions, &headers, &account).await?;
    Ok(Redirect::to("/account").into_response())
}

/// Signs `account` in: a new session carrying the demo's data. narvik-axum's
/// `start` ends the session the browser presented first, so every sign-in gets a
/// new token and the old one never works again (OWASP ASVS V7.2.4); under the
/// [cap per user](crate::Config::max_sessions_per_user) a sign-in beyond it ends
/// the user's least recently extended session.
async fn start_session(
    sessions: &Sessions,
    headers: &HeaderMap,
    account: &Account,
) -> Result<(), Problem> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|value| truncate(value.trim(), MAX_USER_AGENT_LEN).to_owned())
        .filter(|value| !value.is_empty());
    let data = DemoSession {
        username: account.username.clone(),
        user_agent,
        theme: Theme::default(),
        theme_changes: 0,
    };
    sessions.start(account.id.as_str(), data).await?;
    Ok(())
}

/// `text` cut to at most `max_len` bytes, on a character boundary.
fn truncate(text: &str, max_len: usize) -> &str {
    let mut end = text.len().min(max_len);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The session of a page for the signed-in, or the redirect to the sign-in page
/// (saying the session ended when a cookie came) that answers a request without
/// one.
pub(super) fn page_session(
    sessions: &Sessions,
    headers: &HeaderMap,
    session: SignedIn,
) -> Result<Result<Session<DemoSession>, Response>, Problem> {
    match session {
        Ok(session) => Ok(Ok(session.into_inner())),
        Err(SessionRejection::Unauthenticated) => {
            // A cookie that no longer works: say so, not just a sign-in form.
            if brought_session_cookie(sessions, headers) {
                return Ok(Err(redirect_with("/sign-in", Notice::SessionEnded)));
            }
            Ok(Err(Redirect::to("/sign-in").into_response()))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /account`.
pub(super) async fn account(
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
    let now = state.clock.now();
    let mut all = sessions
        .narvik()
        .fetch_sessions_for_user(&current.user_id)
        .await?;
    // A store may list sessions that have expired but are not yet deleted.
    all.retain(|session| session.expires_at > now);
    if !all.iter().any(|session| session.id == current.id) {
        all.push(current.clone());
    }
    // This device first, then the newest.
    all.sort_by(|a, b| {
        (b.id == current.id)
            .cmp(&(a.id == current.id))
            .then(b.issued_at.cmp(&a.issued_at))
    });
    let view = AccountView {
        current: &current,
        sessions: &all,
        notice: Notice::from_query(uri.query()),
        absolute_lifetime: sessions.narvik().absolute_lifetime(),
    };
    let page = pages::account(&view, &state.store_label);
    Ok(pages::respond(StatusCode::OK, page))
}

/// The field of `POST /account/theme`.
#[derive(Deserialize)]
pub(super) struct ThemeChoice {
    #[serde(default)]
    theme: String,
}

/// `POST /account/theme`: sets this session's theme (`light` or `dark`) and counts
/// the change, in one update of the session's data through
/// [`SessionManager::modify_data`](narvik_axum::SessionHandle::modify_data): it
/// reads the stored data, applies the change and writes it only if nothing else
/// wrote meanwhile, else reads again and reapplies. Two tabs of this browser
/// setting it at once both count; the theme is the one written last.
pub(super) async fn set_theme(
    sessions: Sessions,
    session: SignedIn,
    form: Result<Form<ThemeChoice>, FormRejection>,
) -> Result<Response, Problem> {
    session?;
    let Form(choice) = form?;
    let Some(theme) = Theme::from_form_value(choice.theme.trim()) else {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not a theme",
            "Choose the light or the dark theme.",
        ));
    };
    let updated = sessions
        .modify_data(|data| {
            data.theme = theme;
            data.theme_changes = data.theme_changes.saturating_add(1);
        })
        .await?;
    match updated {
        Some(_) => Ok(redirect_with("/account", Notice::ThemeChanged)),
        // Signed out elsewhere, or expired, since the request was validated: the
        // layer sends the blank cookie.
        None => Err(Problem::not_signed_in()),
    }
}

/// `POST /sign-out`: ends this session (and clears the cookie even without one).
pub(super) async fn sign_out(sessions: Sessions) -> Result<Response, Problem> {
    sessions.end().await?;
    Ok(redirect_with("/sign-in", Notice::SignedOut))
}

/// The field of `POST /sessions/sign-out`.
#[derive(Deserialize)]
pub(super) struct SessionChoice {
    #[serde(default)]
    session_id: String,
}

/// `POST /sessions/sign-out`: ends one session of the user, named by its id: this
/// one at once (a sign-out); another one when the user proved their password
/// recently, otherwise after confirming it (OWASP ASVS V7.5.2).
pub(super) async fn sign_out_session(
    State(state): State<AppState>,
    sessions: Sessions,
    session: SignedIn,
    form: Result<Form<SessionChoice>, FormRejection>,
) -> Result<Response, Problem> {
    let current = session?;
    let Form(choice) = form?;
    let Ok(session_id) = choice.session_id.trim().parse::<SessionId>() else {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not a session",
            "The form did not name a session. Go back, reload the page and try again.",
        ));
    };
    if session_id == current.id {
        sessions.end().await?;
        return Ok(redirect_with("/sign-in", Notice::SignedOut));
    }
    // Checked before the password is asked for, so that no one confirms it for
    // a session that is gone.
    check_own_session(&sessions, &current, &session_id).await?;
    if !state.is_fresh(&current) {
        return Ok(password::to_confirm(Intent::SignOutSession(session_id)));
    }
    sessions.narvik().invalidate_session(&session_id).await?;
    Ok(redirect_with("/account", Notice::SessionSignedOut))
}

/// Ends `session_id`, another session of `current`'s user: `404` when it is not
/// one of theirs (any more).
pub(super) async fn end_own_session(
    sessions: &Sessions,
    current: &Session<DemoSession>,
    session_id: &SessionId,
) -> Result<Response, Problem> {
    check_own_session(sessions, current, session_id).await?;
    sessions.narvik().invalidate_session(session_id).await?;
    Ok(redirect_with("/account", Notice::SessionSignedOut))
}

/// `404` unless `session_id` is a session of `current`'s user: an id alone signs
/// no one else out.
async fn check_own_session(
    sessions: &Sessions,
    current: &Session<DemoSession>,
    session_id: &SessionId,
) -> Result<(), Problem> {
    let theirs = sessions
        .narvik()
        .fetch_sessions_for_user(&current.user_id)
        .await?;
    if theirs.iter().any(|session| session.id == *session_id) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::NOT_FOUND,
            "No such session",
            "That session has already ended, or is not one of yours.",
        ))
    }
}

/// `POST /sessions/sign-out-others`: ends every session of the user but this one,
/// when the user proved their password recently; otherwise sends them to confirm
/// it first, which then signs the others out (OWASP ASVS V7.5.2).
pub(super) async fn sign_out_other_sessions(
    State(state): State<AppState>,
    sessions: Sessions,
    session: SignedIn,
) -> Result<Response, Problem> {
    let current = session?;
    if !state.is_fresh(&current) {
        return Ok(password::to_confirm(Intent::SignOutOthers));
    }
    end_other_sessions(&sessions, &current).await?;
    Ok(redirect_with("/account", Notice::OthersSignedOut))
}

/// Ends every session of `current`'s user but `current`, in one atomic step of
/// the store: a session the user starts meanwhile is ended or kept, never half.
pub(super) async fn end_other_sessions(
    sessions: &Sessions,
    current: &Session<DemoSession>,
) -> Result<(), Problem> {
    sessions
        .narvik()
        .delete_other_sessions_for_user(&current.user_id, &current.id)
        .await?;
    Ok(())
}

/// Any path without a route.
pub(super) async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
    )
}
