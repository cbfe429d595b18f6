//! The password pages of the signed-in: confirming it again before a sensitive
//! action ("sudo mode", OWASP ASVS V7.5), and changing it.

use maud::{html, Markup};
use narvik::SessionId;

use super::{error_box, layout, SignedIn};
use crate::users::PASSWORD_MIN_CHARS;
use crate::Theme;

/// What the user was doing when the demo asked for their password again: where
/// confirming it leads. Travels in the query
/// (`?then=sign-out-session&session_id=…`) and in the confirmation form, as one
/// of these names only (and a session id): never a URL, so the form cannot be
/// made to send anyone elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    /// Signing out every other session: done as soon as the password is confirmed.
    SignOutOthers,
    /// Signing out this other session of the user: done as soon as the password
    /// is confirmed.
    SignOutSession(SessionId),
    /// Opening the change-password page: shown once the password is confirmed.
    ChangePassword,
}

impl Intent {
    /// The intent the fields `then` (`sign-out-others`) and `session_id` name;
    /// anything else names none.
    pub(crate) fn from_fields(then: &str, session_id: &str) -> Option<Self> {
        match then {
            "sign-out-others" => Some(Self::SignOutOthers),
            "sign-out-session" => session_id.parse().ok().map(Self::SignOutSession),
            "change-password" => Some(Self::ChangePassword),
            _ => None,
        }
    }

    /// The intent a query names (`then=change-password`), if it names one.
    pub(crate) fn from_query(query: Option<&str>) -> Option<Self> {
        let query = query?;
        let field = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                .unwrap_or_default()
        };
        Self::from_fields(field("then"), field("session_id"))
    }

    /// The name of this intent, for the `then` field.
    fn name(self) -> &'static str {
        match self {
            Self::SignOutOthers => "sign-out-others",
            Self::SignOutSession(_) => "sign-out-session",
            Self::ChangePassword => "change-password",
        }
    }

    /// The query naming this intent: `then=sign-out-others`.
    pub(crate) fn query(self) -> String {
        match self {
            Self::SignOutSession(session_id) => {
                format!("then={}&session_id={session_id}", self.name())
            }
            _ => format!("then={}", self.name()),
        }
    }

    /// What the password is asked for, to end a sentence.
    fn purpose(self) -> &'static str {
        match self {
            Self::SignOutOthers => "before you sign out everywhere else",
            Self::SignOutSession(_) => "before you sign out that session",
            Self::ChangePassword => "before you change it",
        }
    }

    /// The confirmation button's label.
    fn button(self) -> &'static str {
        match self {
            Self::SignOutOthers => "Confirm and sign out everywhere else",
            Self::SignOutSession(_) => "Confirm and sign out that session",
            Self::ChangePassword => "Confirm and continue",
        }
    }
}

/// What the confirm-password page shows.
pub(crate) struct ConfirmView<'a> {
    /// Who is asked, for the header and for password managers.
    pub(crate) username: &'a str,
    /// The colours of the signed-in's pages, this session's choice.
    pub(crate) theme: Theme,
    /// Where confirming leads; `None` back to the account page.
    pub(crate) intent: Option<Intent>,
    /// Why the last attempt was refused.
    pub(crate) error: Option<&'a str>,
    /// How long a password entered counts, for people: `5 minutes`.
    pub(crate) window: &'a str,
}

/// `GET /confirm-password`, and the form again after a refusal; the footer names
/// `store_label`.
pub(crate) fn confirm_password(view: &ConfirmView<'_>, store_label: &str) -> Markup {
    let purpose = view.intent.map_or("to go on", Intent::purpose);
    let button = view.intent.map_or("Confirm", Intent::button);
    let body = html! {
        section.card.narrow #confirm-password {
            h1 { "Confirm your password" }
            (error_box(view.error))
            p {
                "Sensitive changes need a password entered in the last " (view.window) ". "
                "Enter yours again " (purpose) "."
            }
            form #confirm-password-form method="post" action="/confirm-password" {
                // For password managers: whose password this is.
                input type="text" autocomplete="username" value=(view.username) hidden readonly;
                @if let Some(intent) = view.intent {
                    input type="hidden" name="then" value=(intent.name());
                    @if let Intent::SignOutSession(session_id) = intent {
                        input type="hidden" name="session_id" value=(session_id);
                    }
                }
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password"
                    autofocus required;
                button.wide #submit type="submit" { (button) }
            }
            p.muted style="margin: 18px 0 0" { a #cancel href="/account" { "Cancel" } }
        }
    };
    let signed_in = SignedIn {
        username: view.username,
        store_label,
        theme: view.theme,
    };
    layout("Confirm your password", Some(signed_in), body)
}

/// What the change-password page shows.
pub(crate) struct ChangePasswordView<'a> {
    /// Whose password.
    pub(crate) username: &'a str,
    /// The colours of the signed-in's pages, this session's choice.
    pub(crate) theme: Theme,
    /// Why the last attempt was refused.
    pub(crate) error: Option<&'a str>,
    /// Whether "sign out everywhere else" is ticked: by default, and as the
    /// user left it when the form comes again.
    pub(crate) end_other_sessions: bool,
}

/// `GET /account/password`, and the form again after a refusal; the footer names
/// `store_label`.
pub(crate) fn change_password(view: &ChangePasswordView<'_>, store_label: &str) -> Markup {
    let body = html! {
        section.card.narrow #change-password-card {
            h1 { "Change your password" }
            (error_box(view.error))
            form #change-password-form method="post" action="/account/password" {
                input type="text" autocomplete="username" value=(view.username) hidden readonly;
                label for="current-password" { "Current password" }
                input #current-password type="password" name="current_password"
                    autocomplete="current-password" autofocus required;
                label for="new-password" { "New password" }
                input #new-password type="password" name="new_password"
                    autocomplete="new-password" required;
                p.hint { "At least " (PASSWORD_MIN_CHARS) " characters." }
                label.check for="end-other-sessions" {
                    input #end-other-sessions type="checkbox" name="end_other_sessions"
                        value="on" checked[view.end_other_sessions];
                    span {
                        "Sign out everywhere else. "
                        span.muted {
                            "Anyone who signed in with your old password is signed out; \
                             this device stays signed in."
                        }
                    }
                }
                button.wide #submit type="submit" { "Change password" }
            }
            p.muted style="margin: 18px 0 0" { a #cancel href="/account" { "Cancel" } }
        }
    };
    let signed_in = SignedIn {
        username: view.username,
        store_label,
        theme: view.theme,
    };
    layout("Change your password", Some(signed_in), body)
}

#[cfg(test)]
mod tests {
    use super::Intent;

    #[test]
    fn intents_come_only_from_known_names() {
        let session_id = "ab".repeat(32);
        let Some(one_session) = Intent::from_fields("sign-out-session", &session_id) else {
            panic!("a session id refused");
        };
        for intent in [Intent::SignOutOthers, one_session, Intent::ChangePassword] {
            assert_eq!(Intent::from_query(Some(&intent.query())), Some(intent));
        }
        assert_eq!(
            Intent::from_query(Some("x=1&then=change-password")),
            Some(Intent::ChangePassword)
        );
        for refused in ["https://evil.example", "//evil.example", "/account", ""] {
            assert_eq!(Intent::from_fields(refused, ""), None, "{refused:?}");
        }
        // A session to sign out needs a well-formed id.
        assert_eq!(Intent::from_fields("sign-out-session", "1234"), None);
        assert_eq!(Intent::from_fields("sign-out-session", ""), None);
        assert_eq!(Intent::from_query(None), None);
    }
}
