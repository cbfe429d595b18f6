//! The error of setting a store up: connecting, naming the table, migrating.
//!
//! The session operations themselves return [`narvik::Error`], as every store does:
//! [`narvik::Error::Store`] when the database fails (the sqlx error is the source) and
//! [`narvik::Error::Decode`] when a stored session no longer decodes.
//!
//! As in narvik, a variant that wraps a cause returns it from
//! [`source()`](std::error::Error::source) and leaves it out of its message, so a
//! printer of the whole chain (anyhow's `{:#}`) says each cause once.

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while setting a store up.
///
/// Converts into [`narvik::Error`] (`?` works in a function returning
/// [`narvik::Result`]): a bad table name becomes
/// [`narvik::Error::InvalidConfig`], a database failure [`narvik::Error::Store`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The table name was refused, so it never reaches SQL text.
    #[error(
        "invalid session table name {name:?}: {reason}; {}",
        crate::table::ADVICE
    )]
    InvalidTableName {
        /// The name as given.
        name: String,
        /// What is wrong with it, such as ``contains `-` ``.
        reason: String,
    },

    /// The database could not be reached: check the URL, the credentials and that
    /// the server is up. Why is in the [`source`](std::error::Error::source).
    #[error("could not connect to the session database")]
    Connect {
        /// The sqlx error.
        #[source]
        source: sqlx::Error,
    },

    /// Creating the session table or its indexes, or upgrading a table of an
    /// earlier release, failed; why is in the
    /// [`source`](std::error::Error::source).
    #[error("could not create or upgrade the session table `{table}`")]
    Migrate {
        /// The table being created or upgraded.
        table: String,
        /// The sqlx error.
        #[source]
        source: sqlx::Error,
    },
}

impl From<Error> for narvik::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidTableName { name, reason } => narvik::Error::InvalidConfig {
                setting: "table_name",
                reason: format!("{name:?} {reason}; {}", crate::table::ADVICE),
            },
            Error::Connect { .. } | Error::Migrate { .. } => narvik::Error::store(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn messages_leave_the_cause_to_the_source() {
        let error = Error::Connect {
            source: sqlx::Error::PoolTimedOut,
        };
        assert_eq!(
            error.to_string(),
            "could not connect to the session database"
        );
        let cause = error.source().map(ToString::to_string);
        assert_eq!(cause, Some(sqlx::Error::PoolTimedOut.to_string()));
    }
}
