//! Which failures end a connection, rather than one statement: those after which
//! the store lets go of every connection it keeps, since they most likely ended
//! together (see [`Checkout::finish`](crate::conn::Checkout::finish)).
//!
//! sqlx reports most of them as errors of the connection itself (I/O, TLS,
//! protocol). But a server that ends a connection on purpose, on a restart, a
//! failover or an operator's command, first says why, and sqlx reports that as a
//! database error like any refused statement: PostgreSQL's `FATAL` errors
//! (`57P01` "terminating connection due to administrator command" and the others
//! of class `57`), MySQL's "server shutdown in progress" (`08S01`) or its
//! interactive timeout. Those are told apart here by their codes.

use std::borrow::Cow;
use std::io;
use std::time::Duration;

/// Whether `error` means the connection it came from is gone or unusable.
pub(crate) fn ends_connection(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(error) => server_ended_connection(error.as_ref()),
        _ => false,
    }
}

/// Whether the server sent `error` as it ended the connection.
fn server_ended_connection(error: &dyn sqlx::error::DatabaseError) -> bool {
    #[cfg(feature = "postgres")]
    if let Some(error) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        // PostgreSQL ends the session after every FATAL or PANIC error, whatever
        // its code.
        use sqlx::postgres::PgSeverity;
        if matches!(error.severity(), PgSeverity::Fatal | PgSeverity::Panic) {
            return true;
        }
    }
    #[cfg(feature = "mysql")]
    if let Some(error) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        if MYSQL_ENDED_CONNECTION.contains(&error.number()) {
            return true;
        }
    }
    error.code().is_some_and(sqlstate_ends_connection)
}

/// MySQL and MariaDB errors sent as the server ends the connection, which their
/// SQLSTATE (`70100`, `HY000`) does not tell apart from those of one statement:
/// `ER_CONNECTION_KILLED` (MariaDB: `KILL CONNECTION` of a busy connection) and
/// `ER_CLIENT_INTERACTION_TIMEOUT` (MySQL 8.0.24+: idle beyond `wait_timeout`).
#[cfg(feature = "mysql")]
const MYSQL_ENDED_CONNECTION: [u16; 2] = [1927, 4031];

/// SQLSTATE class `08` (connection exception, on every database), and class `57`
/// (operator intervention: PostgreSQL's shutdowns, terminated backends, dropped
/// database) except `57014`, a statement cancelled by `statement_timeout` or
/// `pg_cancel_backend` on a connection that lives on.
fn sqlstate_ends_connection(code: Cow<'_, str>) -> bool {
    code.starts_with("08") || (code.starts_with("57") && code != "57014")
}

/// The error of a query that got no answer within `time_limit`: an I/O error of
/// kind [`TimedOut`](io::ErrorKind::TimedOut), so it ends the connection (the
/// answer, should it come late, would be taken for the next query's).
pub(crate) fn query_timed_out(time_limit: Duration) -> sqlx::Error {
    sqlx::Error::Io(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no answer within the query timeout of {time_limit:?}"),
    ))
}

/// The error of a sign-in under a session limit that found the user's lock
/// taken for longer than `wait` (by other sign-ins of the user): an I/O error of
/// kind [`TimedOut`](io::ErrorKind::TimedOut), stored as the source of
/// [`narvik::Error::Store`]. The server answered: the connection is fine.
pub(crate) fn user_lock_busy(wait: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "the user's session-limit lock was not free within the query timeout of {wait:?}: \
             other sign-ins of the user held it"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_classes_end_connections_and_statement_errors_do_not() {
        for code in ["08006", "08S01", "57P01", "57P02", "57P03", "57P05"] {
            assert!(sqlstate_ends_connection(code.into()), "{code}");
        }
        for code in ["57014", "23505", "22P05", "40001", "HY000", "70100"] {
            assert!(!sqlstate_ends_connection(code.into()), "{code}");
        }
    }

    #[test]
    fn connection_errors_end_connections() {
        assert!(ends_connection(&query_timed_out(Duration::from_secs(5))));
        assert!(ends_connection(&sqlx::Error::PoolTimedOut));
        assert!(!ends_connection(&sqlx::Error::RowNotFound));
    }

    #[test]
    fn a_timeout_names_its_limit() {
        assert_eq!(
            query_timed_out(Duration::from_millis(1500)).to_string(),
            "error communicating with database: no answer within the query timeout of 1.5s"
        );
    }
}
