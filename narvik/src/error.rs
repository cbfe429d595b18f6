//! The one error type of narvik.
//!
//! Each variant either shows its cause in its message or returns it from
//! [`source()`](std::error::Error::source), never both, so a printer of the whole
//! chain (anyhow's `{:#}`, `tracing`'s error recording) says each cause once. Those
//! that wrap a cause return it: print the chain to see it.

use std::fmt;

/// A boxed error from a store's backend or a decoder, kept as the source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with narvik's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in narvik.
///
/// Match on the variant to tell a configuration mistake (fix the code), a store
/// failure (the backend is down: answer with a 5xx, never sign the user out) and
/// stored data that no longer decodes (the session is treated as gone) apart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting given to [`NarvikBuilder`](crate::NarvikBuilder) would produce a
    /// broken or unsafe cookie or session; the message names the setting.
    #[error("invalid narvik configuration: `{setting}` {reason}")]
    InvalidConfig {
        /// The builder method whose value was refused, such as `cookie_name`.
        setting: &'static str,
        /// What is wrong with the value and how to fix it.
        reason: String,
    },

    /// The session store failed (unreachable, timed out, refused the query).
    /// The backend's own error is the [`source`](std::error::Error::source).
    #[error("session store failed")]
    Store {
        /// The backend's error.
        #[source]
        source: BoxError,
    },

    /// A session was found but its stored data does not decode into the session data
    /// type, for example because a required field was added since it was stored.
    /// [`Narvik::validate_session`](crate::Narvik::validate_session) deletes such a
    /// session and answers `Ok(None)`; other operations return this error.
    #[error("stored data of session `{session_id}` does not decode")]
    Decode {
        /// The id (the token's hash, not the token) of the session, as stored.
        session_id: String,
        /// The decoder's error; it names a missing field, and gives the line and
        /// column of a mistyped one (serde_json does not name that field).
        #[source]
        source: BoxError,
    },

    /// [`Narvik::create_session`](crate::Narvik::create_session) was given a user
    /// id longer than [`MAX_USER_ID_LEN`](crate::MAX_USER_ID_LEN) bytes. Every
    /// store refuses it alike, rather than one cutting it short (MySQL without
    /// strict mode would), which would hide the session from its user's listing.
    #[error("user id of {length} bytes is longer than the {max} narvik stores", max = crate::MAX_USER_ID_LEN)]
    UserIdTooLong {
        /// The refused id's length in bytes (the id itself is not kept: it may be
        /// an email address).
        length: usize,
    },

    /// [`Narvik::create_session`](crate::Narvik::create_session) refused a sign-in:
    /// the user already has the most live sessions
    /// [`max_sessions_per_user`](crate::NarvikBuilder::max_sessions_per_user)
    /// allows, under [`SessionLimitPolicy::RefuseNew`](crate::SessionLimitPolicy::RefuseNew).
    /// Nothing was stored; the user can sign out elsewhere and try again.
    #[error("the user already has {max} sessions, the most allowed")]
    TooManySessions {
        /// The configured limit.
        max: u32,
    },

    /// [`Narvik::update_session_data`](crate::Narvik::update_session_data) refused
    /// to write: the session's data was updated since the given session was read
    /// (by another request, or another app server), so writing would lose that
    /// update. Read the session again and redo the change, or use
    /// [`Narvik::modify_session_data`](crate::Narvik::modify_session_data),
    /// which does so; it returns this error only after
    /// [`MODIFY_ATTEMPTS`](crate::MODIFY_ATTEMPTS) tries all lost the race.
    #[error("the session's data changed since it was read; read it again and retry")]
    Conflict,

    /// Session data could not be encoded for storage (a custom `Serialize` of a
    /// field failed, or a map with non-string keys was given).
    #[error("session data could not be encoded")]
    Encode {
        /// The encoder's error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// A store failure, keeping `source` as the cause.
    pub fn store(source: impl Into<BoxError>) -> Self {
        Self::Store {
            source: source.into(),
        }
    }

    /// Stored data of session `session_id` that does not decode.
    pub fn decode(session_id: impl fmt::Display, source: impl Into<BoxError>) -> Self {
        Self::Decode {
            session_id: session_id.to_string(),
            source: source.into(),
        }
    }

    /// Session data that could not be encoded.
    pub fn encode(source: impl Into<BoxError>) -> Self {
        Self::Encode {
            source: source.into(),
        }
    }

    pub(crate) fn config(setting: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            setting,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// Every cause, outermost first, as a chain printer walks them.
    fn chain(error: &Error) -> Vec<String> {
        let mut causes = vec![error.to_string()];
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        causes
    }

    #[test]
    fn each_cause_is_printed_once_along_the_chain() {
        let cause = "unsupported Unicode escape sequence";
        for error in [
            Error::store(cause),
            Error::decode("c6d162ef", cause),
            Error::encode(cause),
        ] {
            let printed = chain(&error).join(": ");
            assert_eq!(printed.matches(cause).count(), 1, "{printed}");
            assert!(!error.to_string().contains(cause), "{error}");
        }
        assert_eq!(chain(&Error::store(cause)), ["session store failed", cause]);
    }
}
