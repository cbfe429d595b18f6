//! The HTML: every page of the demo, written with maud (which escapes every value),
//! styled by a little inline CSS, with no JavaScript.
//!
//! Elements the browser tests look for carry an `id`. The password pages of the
//! signed-in (confirm, change) are in `pages/password.rs`.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use narvik::Session;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::users::{PASSWORD_MIN_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS};
use crate::{DemoSession, Theme};

mod password;

pub(crate) use self::password::{
    change_password, confirm_password, ChangePasswordView, ConfirmView, Intent,
};

/// The style sheet of every page.
const CSS: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --line: #e1e4ea; --accent: #2457d6; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       background: #f4f5f7; color: var(--ink); }
header { background: var(--ink); color: #fff; padding: 14px 28px; display: flex; justify-content: space-between; align-items: center; }
header a { color: #fff; text-decoration: none; font-weight: 650; letter-spacing: .2px; }
header .who { color: #c9cfdb; font-size: .9rem; display: flex; gap: 14px; align-items: center; }
button.header { background: transparent; border-color: #5b6475; color: #fff; padding: 3px 10px; font-size: .85rem; }
main { max-width: 860px; margin: 36px auto; padding: 0 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 26px 30px; margin-bottom: 22px;
        box-shadow: 0 1px 3px rgba(16, 24, 40, .05); }
.narrow { max-width: 420px; margin-left: auto; margin-right: auto; }
h1 { font-size: 1.5rem; margin: 0 0 18px; }
h2 { font-size: 1.15rem; margin: 0 0 14px; }
p { margin: 0 0 12px; }
a { color: var(--accent); }
label { display: block; font-weight: 600; margin: 14px 0 5px; }
.hint { color: var(--muted); font-size: .85rem; margin-top: 4px; }
input[type=text], input[type=password] { width: 100%; padding: 9px 12px; border: 1px solid #c5cad3; border-radius: 7px; font: inherit; }
input:focus { outline: 2px solid #9db6f3; border-color: var(--accent); }
button { font: inherit; font-weight: 600; padding: 8px 16px; border-radius: 7px; border: 1px solid var(--accent);
         background: var(--accent); color: #fff; cursor: pointer; }
button.wide { width: 100%; margin-top: 20px; padding: 10px 16px; }
button.quiet { background: #fff; color: var(--ink); border-color: #c5cad3; }
button.danger { background: #fff; color: var(--bad); border-color: #f0b7b0; }
button.small { padding: 4px 11px; font-size: .85rem; }
a.button { display: inline-block; font-weight: 600; padding: 8px 16px; border-radius: 7px; text-decoration: none;
           border: 1px solid #c5cad3; background: #fff; color: var(--ink); }
.check { display: flex; gap: 10px; align-items: flex-start; font-weight: 400; margin-top: 18px; }
.check input { margin-top: 5px; }
.notice { padding: 10px 14px; border-radius: 8px; margin-bottom: 18px; background: #eaf1ff; border: 1px solid #bcd0fb; }
.notice.error { background: #fdeeec; border-color: #f5bbb3; color: #7a1a10; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 8px 22px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 11px 8px; border-top: 1px solid #eceef2; vertical-align: middle; }
th { font-size: .8rem; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-top: none; }
td.action { text-align: right; white-space: nowrap; }
td.time { white-space: nowrap; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 1px 9px; border-radius: 999px;
         background: #e5f6ea; color: #17733a; margin-top: 3px; }
.muted { color: var(--muted); font-size: .88rem; }
.actions { display: flex; gap: 12px; margin-top: 20px; flex-wrap: wrap; }
form.inline { display: inline; margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .84em; background: #f1f3f6;
       padding: 1px 6px; border-radius: 4px; }
footer { text-align: center; color: #8a93a3; font-size: .85rem; margin: 8px 0 30px; }
.status { color: var(--muted); font-size: .85rem; letter-spacing: .04em; text-transform: uppercase; margin-bottom: 6px; }
/* This session's dark theme (`POST /account/theme`). */
body[data-theme=dark] { --ink: #e6e9ef; --muted: #a3acbd; --line: #2e3544; --accent: #7aa2ff; --bad: #ff8a7a;
                        background: #12151c; }
body[data-theme=dark] header { background: #0b0d12; }
body[data-theme=dark] .card, body[data-theme=dark] button.quiet, body[data-theme=dark] button.danger,
body[data-theme=dark] a.button, body[data-theme=dark] input[type=text], body[data-theme=dark] input[type=password] {
  background: #1b202a; color: var(--ink); }
body[data-theme=dark] button.danger { color: var(--bad); }
body[data-theme=dark] code { background: #262c38; }
body[data-theme=dark] .notice { background: #1c2a4a; border-color: #33528f; }
body[data-theme=dark] th, body[data-theme=dark] td { border-color: #2e3544; }
/* Phones: no sideways scrolling. Each session becomes a block: what and when on
   the left, labelled, its button on the right. */
@media (max-width: 600px) {
  header { padding: 12px 16px; }
  main { margin: 18px auto; padding: 0 10px; }
  .card { padding: 20px 16px; }
  dl { grid-template-columns: 1fr; gap: 0; }
  dd { margin-bottom: 10px; }
  #sessions thead { display: none; }
  #sessions table, #sessions tbody { display: block; }
  #sessions tr.session { display: grid; grid-template-columns: minmax(0, 1fr) auto; column-gap: 12px;
                         padding: 12px 0; border-top: 1px solid #eceef2; }
  #sessions td { display: block; grid-column: 1; padding: 0; border: none; }
  #sessions td.time { white-space: normal; color: var(--muted); font-size: .88rem; }
  #sessions td.time::before { content: attr(data-label) " "; }
  #sessions td.action { grid-column: 2; grid-row: 1 / span 4; align-self: center; }
}
"#;

/// A page as a response with `status`.
pub(crate) fn respond(status: StatusCode, page: Markup) -> Response {
    (status, Html(page.into_string())).into_response()
}

/// Who is signed in, for the header, and where their sessions live, for the footer.
struct SignedIn<'a> {
    username: &'a str,
    /// The backend, described without credentials; shown only to the signed-in,
    /// as it tells an attacker which server to aim at.
    store_label: &'a str,
    /// The colours the user chose for this session.
    theme: Theme,
}

/// The frame of every page: `signed_in` shows in the header and the footer.
fn layout(title: &str, signed_in: Option<SignedIn<'_>>, body: Markup) -> Markup {
    // The pages of everyone else are light.
    let theme = signed_in
        .as_ref()
        .map_or(Theme::default(), |signed_in| signed_in.theme);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · narvik demo" }
                // No favicon request to answer.
                link rel="icon" href="data:,";
                style { (PreEscaped(CSS)) }
            }
            body data-theme=(theme.as_form_value()) {
                header {
                    a href="/" { "narvik demo" }
                    @if let Some(signed_in) = &signed_in {
                        // Sign-out on every page of the signed-in (OWASP ASVS V7.4.4).
                        span.who {
                            "signed in as " strong { (signed_in.username) }
                            form.inline method="post" action="/sign-out" {
                                button.header #header-sign-out type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main { (body) }
                footer {
                    @if let Some(signed_in) = &signed_in {
                        span #backend { "Sessions and accounts kept in " (signed_in.store_label) }
                        " · server-side sessions by narvik"
                    } @else {
                        "Server-side sessions by narvik"
                    }
                }
            }
        }
    }
}

/// A message shown above a form or the account, after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    /// The user signed out.
    SignedOut,
    /// The session the browser presented has expired or was ended elsewhere.
    SessionEnded,
    /// One other session was signed out.
    SessionSignedOut,
    /// Every other session was signed out.
    OthersSignedOut,
    /// The password was confirmed, with nothing more to do.
    PasswordConfirmed,
    /// The password was changed; the other sessions go on.
    PasswordChanged,
    /// The password was changed, and every other session signed out.
    PasswordChangedOthersSignedOut,
    /// This session's theme was set.
    ThemeChanged,
}

impl Notice {
    /// The notice a redirect's query names (`notice=signed-out`); anything else
    /// names none.
    pub(crate) fn from_query(query: Option<&str>) -> Option<Self> {
        let value = query?
            .split('&')
            .find_map(|pair| pair.strip_prefix("notice="))?;
        match value {
            "signed-out" => Some(Self::SignedOut),
            "session-ended" => Some(Self::SessionEnded),
            "session-signed-out" => Some(Self::SessionSignedOut),
            "others-signed-out" => Some(Self::OthersSignedOut),
            "password-confirmed" => Some(Self::PasswordConfirmed),
            "password-changed" => Some(Self::PasswordChanged),
            "password-changed-others-signed-out" => Some(Self::PasswordChangedOthersSignedOut),
            "theme-changed" => Some(Self::ThemeChanged),
            _ => None,
        }
    }

    /// The query value naming this notice.
    pub(crate) fn as_query(self) -> &'static str {
        match self {
            Self::SignedOut => "signed-out",
            Self::SessionEnded => "session-ended",
            Self::SessionSignedOut => "session-signed-out",
            Self::OthersSignedOut => "others-signed-out",
            Self::PasswordConfirmed => "password-confirmed",
            Self::PasswordChanged => "password-changed",
            Self::PasswordChangedOthersSignedOut => "password-changed-others-signed-out",
            Self::ThemeChanged => "theme-changed",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Self::SignedOut => "You have signed out.",
            Self::SessionEnded => {
                "Your session has ended: it expired or was signed out from another device. \
                 Please sign in again."
            }
            Self::SessionSignedOut => "That session has been signed out.",
            Self::OthersSignedOut => "Every other session has been signed out.",
            Self::PasswordConfirmed => "Thank you: your password is confirmed.",
            Self::PasswordChanged => {
                "Your password has been changed. Your other sessions stay signed in."
            }
            Self::PasswordChangedOthersSignedOut => {
                "Your password has been changed, and every other session has been signed out."
            }
            Self::ThemeChanged => "This session's theme has been saved.",
        }
    }
}

fn notice_box(notice: Option<Notice>) -> Markup {
    html! {
        @if let Some(notice) = notice {
            p.notice #notice role="status" data-notice=(notice.as_query()) { (notice.text()) }
        }
    }
}

fn error_box(error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p.notice.error #error role="alert" { (error) }
        }
    }
}

/// What a sign-in or sign-up form shows again after a refusal.
#[derive(Debug, Default)]
pub(crate) struct FormState<'a> {
    /// The username typed, to fill in again (never the password).
    pub(crate) username: &'a str,
    /// Why the form was refused.
    pub(crate) error: Option<&'a str>,
    /// A notice from the previous page.
    pub(crate) notice: Option<Notice>,
}

/// The typed username, cut so that a huge one is not echoed back.
fn prefill(username: &str) -> &str {
    let end = username
        .char_indices()
        .nth(USERNAME_MAX_CHARS * 2)
        .map_or(username.len(), |(index, _)| index);
    &username[..end]
}

/// `GET /sign-in`, and the form again after a refusal.
pub(crate) fn sign_in(form: &FormState<'_>) -> Markup {
    let body = html! {
        section.card.narrow {
            h1 { "Sign in" }
            (notice_box(form.notice))
            (error_box(form.error))
            form #sign-in-form method="post" action="/sign-in" {
                label for="username" { "Username" }
                input #username type="text" name="username" value=(prefill(form.username))
                    autocomplete="username" autofocus required;
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button.wide #submit type="submit" { "Sign in" }
            }
            p.muted style="margin: 18px 0 0" {
                "No account yet? " a #sign-up-link href="/sign-up" { "Create one" }
            }
        }
    };
    layout("Sign in", None, body)
}

/// `GET /sign-up`, and the form again after a refusal.
pub(crate) fn sign_up(form: &FormState<'_>) -> Markup {
    let body = html! {
        section.card.narrow {
            h1 { "Create an account" }
            (error_box(form.error))
            form #sign-up-form method="post" action="/sign-up" {
                label for="username" { "Username" }
                input #username type="text" name="username" value=(prefill(form.username))
                    autocomplete="username" autofocus required;
                p.hint {
                    (USERNAME_MIN_CHARS) " to " (USERNAME_MAX_CHARS)
                    " characters: letters a–z, digits and . _ -"
                }
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="new-password" required;
                p.hint { "At least " (PASSWORD_MIN_CHARS) " characters." }
                button.wide #submit type="submit" { "Create account and sign in" }
            }
            p.muted style="margin: 18px 0 0" {
                "Have an account? " a #sign-in-link href="/sign-in" { "Sign in" }
            }
        }
    };
    layout("Create an account", None, body)
}

/// What the account page shows.
pub(crate) struct AccountView<'a> {
    /// The session of this request.
    pub(crate) current: &'a Session<DemoSession>,
    /// Every live session of the user, this one included.
    pub(crate) sessions: &'a [Session<DemoSession>],
    /// A message after an action.
    pub(crate) notice: Option<Notice>,
    /// How long a session lasts at most after sign-in, if there is a limit.
    pub(crate) absolute_lifetime: Option<Duration>,
}

/// `GET /account`: the user, this session's data, and every session of the user;
/// the footer names `store_label`.
pub(crate) fn account(view: &AccountView<'_>, store_label: &str) -> Markup {
    let current = view.current;
    let others = view
        .sessions
        .iter()
        .filter(|session| session.id != current.id)
        .count();
    let deadline = view
        .absolute_lifetime
        .map(|lifetime| current.issued_at.saturating_add(lifetime));
    let body = html! {
        (notice_box(view.notice))
        section.card #account {
            h1 { "Hello, " span #account-username { (current.username) } }
            dl {
                dt { "User id" } dd { code #account-user-id { (current.user_id) } }
                dt { "Signed in" } dd #session-issued { (format_time(current.issued_at)) }
                dt { "Password last checked" } dd #session-authenticated {
                    (format_proof(current.authenticated_at))
                }
                dt { "From" } dd #session-user-agent title=[current.user_agent.as_deref()] {
                    (describe_user_agent(current.user_agent.as_deref()))
                }
                dt { "Session expires" } dd #session-expires {
                    (format_time(current.expires_at))
                    @if deadline.is_none_or(|deadline| current.expires_at < deadline) {
                        span.muted { " (extended while you use it)" }
                    }
                }
                @if let Some(deadline) = deadline {
                    dt { "Ends at the latest" } dd #session-deadline {
                        (format_time(deadline))
                        span.muted { " (however active: sign in again then)" }
                    }
                }
            }
            div.actions {
                a.button #change-password href="/account/password" { "Change password" }
            }
        }
        section.card #preferences {
            h2 { "This session's theme" }
            p.muted {
                "Kept in this session's data: your other devices keep their own. "
                "Changed " span #theme-changes { (current.theme_changes) } " times in this session."
            }
            form #theme-form method="post" action="/account/theme" {
                @for theme in [Theme::Light, Theme::Dark] {
                    label.check {
                        input type="radio" name="theme" value=(theme.as_form_value())
                            id=(format!("theme-{}", theme.as_form_value()))
                            checked[current.theme == theme];
                        (theme_name(theme))
                    }
                }
                div.actions {
                    button #save-theme type="submit" { "Save theme" }
                }
            }
            p {
                "Current theme: "
                strong #current-theme data-theme=(current.theme.as_form_value()) {
                    (theme_name(current.theme))
                }
            }
        }
        section.card #sessions {
            h2 { "Your sessions " span.muted { "(" (view.sessions.len()) " active)" } }
            table {
                thead {
                    tr {
                        th { "Device" } th { "Signed in" } th { "Password checked" }
                        th { "Expires" } th {}
                    }
                }
                tbody {
                    @for session in view.sessions {
                        @let is_current = session.id == current.id;
                        tr.session data-current=(is_current) {
                            td title=[session.user_agent.as_deref()] {
                                (describe_user_agent(session.user_agent.as_deref()))
                                @if is_current { br; span.badge { "this device" } }
                            }
                            td.time.issued data-label="Signed in" {
                                (format_time(session.issued_at))
                            }
                            td.time.authenticated data-label="Password checked" {
                                (format_proof(session.authenticated_at))
                            }
                            td.time data-label="Expires" { (format_time(session.expires_at)) }
                            td.action {
                                @if is_current {
                                    form.inline method="post" action="/sign-out" {
                                        button.quiet.small type="submit" { "Sign out" }
                                    }
                                } @else {
                                    form.inline method="post" action="/sessions/sign-out" {
                                        input type="hidden" name="session_id" value=(session.id);
                                        button.quiet.small.sign-out-session type="submit" { "Sign out" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div.actions {
                @if others > 0 {
                    form.inline method="post" action="/sessions/sign-out-others" {
                        button.danger #sign-out-others type="submit" { "Sign out everywhere else" }
                    }
                }
                form.inline method="post" action="/sign-out" {
                    button #sign-out type="submit" { "Sign out" }
                }
            }
        }
    };
    let signed_in = SignedIn {
        username: &current.username,
        store_label,
        theme: current.theme,
    };
    layout("Your account", Some(signed_in), body)
}

/// A theme for people.
fn theme_name(theme: Theme) -> &'static str {
    match theme {
        Theme::Light => "Light",
        Theme::Dark => "Dark",
    }
}

/// A refusal or failure, explained: its status, what happened, what to do.
pub(crate) fn problem(status: StatusCode, title: &str, detail: &str) -> Markup {
    let body = html! {
        section.card.narrow #problem data-status=(status.as_u16()) {
            p.status { "Error " (status.as_u16()) }
            h1 { (title) }
            p { (detail) }
            p style="margin: 18px 0 0" { a href="/" { "Back to the start" } }
        }
    };
    layout(title, None, body)
}

/// When the password was last checked, for people: [`format_time`], or
/// "unknown" for a session stored before narvik kept it.
fn format_proof(at: OffsetDateTime) -> String {
    if at == narvik::UNKNOWN_TIME {
        "Unknown".to_owned()
    } else {
        format_time(at)
    }
}

/// `at` for people, in UTC: `2026-05-01 14:03 UTC`.
fn format_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

/// A short name for the browser and system of a `User-Agent`: `Chrome 126 on
/// Linux`. Good enough to tell one's devices apart; the full string is the
/// element's title.
fn describe_user_agent(user_agent: Option<&str>) -> String {
    let Some(user_agent) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown browser".to_owned();
    };
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    const BROWSERS: [(&str, &str); 7] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: [(&str, &str); 7] = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS.iter().find_map(|(marker, name)| {
        let version = user_agent.split(marker).nth(1)?;
        let major = version.split(['.', ' ']).next().unwrap_or_default();
        Some(format!("{name} {major}").trim_end().to_owned())
    });
    let system = SYSTEMS
        .iter()
        .find_map(|(marker, name)| user_agent.contains(marker).then_some(*name));
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser,
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => prefill(user_agent).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{describe_user_agent, Notice};

    #[test]
    fn user_agents_are_named_by_browser_and_system() {
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(
            describe_user_agent(Some(headless)),
            "Headless Chrome 156 on Linux"
        );
        let phone =
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                     Chrome/156.0.0.0 Mobile Safari/537.36";
        assert_eq!(describe_user_agent(Some(phone)), "Chrome 156 on Android");
        assert_eq!(describe_user_agent(Some("curl/8.5.0")), "curl 8");
        assert_eq!(describe_user_agent(None), "Unknown browser");
        assert_eq!(describe_user_agent(Some("  ")), "Unknown browser");
    }

    #[test]
    fn notices_come_only_from_known_query_values() {
        assert_eq!(
            Notice::from_query(Some("notice=signed-out")),
            Some(Notice::SignedOut)
        );
        assert_eq!(
            Notice::from_query(Some("x=1&notice=session-ended")),
            Some(Notice::SessionEnded)
        );
        assert_eq!(Notice::from_query(Some("notice=<script>")), None);
        assert_eq!(Notice::from_query(None), None);
    }
}
