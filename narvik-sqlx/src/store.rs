//! The store type of every backend and its seven operations, written once.
//!
//! [`sql_store!`] declares one backend's store: the struct, its constructors and
//! the four required and three optional store traits. What differs between
//! backends comes in as arguments: the sqlx database, the [`Dialect`] of its SQL
//! (statements and schema), and how `expires_at` is stored.
//!
//! [`Dialect`]: crate::sql::Dialect

use sqlx::{ColumnIndex, Decode, Row, Type};
use time::{OffsetDateTime, UtcOffset};

use narvik::{BoxError, Session, SessionData};

/// `at` in UTC, cut to whole microseconds: what every backend keeps, so a saved
/// session equals the one fetched back.
pub(crate) fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let at = at.to_offset(UtcOffset::UTC);
    // Always in range: the nanosecond only gets smaller.
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// `expires_at` for a backend that has a timestamp type with microseconds. A
/// `Result` like every backend's conversion: SQLite's integer can overflow.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn timestamp_to_sql(at: OffsetDateTime) -> narvik::Result<OffsetDateTime> {
    Ok(at)
}

/// `expires_at` from a backend that has a timestamp type with microseconds.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn timestamp_from_sql(at: OffsetDateTime) -> Result<OffsetDateTime, BoxError> {
    Ok(at)
}

/// A session from a row of `user_id, expires_at, data`, which leaves out the id
/// when the query was given it (`known_id`: the fetch by id, one column less to
/// send, describe and decode on every validation), or of `id, user_id,
/// expires_at, data` (the rows of a fetch by user). A row that does not decode is
/// [`narvik::Error::Decode`], naming the session (no one when even the id does not
/// decode).
pub(crate) fn decode_row<'r, R, E, D>(
    row: &'r R,
    known_id: Option<&str>,
    expires_at_from_sql: fn(E) -> Result<OffsetDateTime, BoxError>,
) -> narvik::Result<Session<D>>
where
    R: Row,
    usize: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    &'r str: Decode<'r, R::Database> + Type<R::Database>,
    E: Decode<'r, R::Database> + Type<R::Database>,
    D: SessionData,
{
    let read_id;
    let (session_id, first) = match known_id {
        Some(session_id) => (session_id, 0),
        None => {
            read_id = row
                .try_get::<String, _>(0)
                .map_err(|source| narvik::Error::decode("", source))?;
            (read_id.as_str(), 1)
        }
    };
    let undecodable = |source: BoxError| narvik::Error::decode(session_id, source);
    let user_id: String = row
        .try_get(first)
        .map_err(|error| undecodable(error.into()))?;
    let expires_at = row
        .try_get(first + 1)
        .map_err(|error| undecodable(error.into()))
        .and_then(|stored| expires_at_from_sql(stored).map_err(undecodable))?;
    // Borrowed from the row: the JSON is decoded, never kept.
    let data: &str = row
        .try_get(first + 2)
        .map_err(|error| undecodable(error.into()))?;
    let data = narvik::codec::decode_data(session_id, data)?;
    Ok(Session::new(session_id, user_id, expires_at, data))
}

/// Declares the store of one backend; see the module docs.
macro_rules! sql_store {
    (
        $(#[$attr:meta])*
        pub struct $Store:ident<D>;
        database: $Db:ty,
        dialect: $dialect:expr,
        expires_at: $Expires:ty, to_sql: $to_sql:path, from_sql: $from_sql:path,
        one_writer_at_a_time: $one_writer:expr $(,)?
    ) => {
        $(#[$attr])*
        pub struct $Store<D> {
            connections: ::std::sync::Arc<$crate::conn::Connections<$Db>>,
            statements: ::std::sync::Arc<$crate::sql::Statements>,
            data: ::core::marker::PhantomData<fn() -> D>,
        }

        impl<D> ::core::clone::Clone for $Store<D> {
            fn clone(&self) -> Self {
                Self {
                    connections: ::std::sync::Arc::clone(&self.connections),
                    statements: ::std::sync::Arc::clone(&self.statements),
                    data: ::core::marker::PhantomData,
                }
            }
        }

        impl<D> ::core::fmt::Debug for $Store<D> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($Store))
                    .field("table_name", &self.statements.table.as_str())
                    .finish_non_exhaustive()
            }
        }

        impl<D: ::narvik::SessionData> $Store<D> {
            /// Connects with `connect_options` on a pool of the store's own, made from
            /// `pool_options` (start from [`pool_options`](crate::pool_options)).
            ///
            /// The store keeps the connections it has used between queries, so after
            /// the first use of each statement a query is one round trip (see the
            /// crate docs). The pool's `max_connections`, `acquire_timeout`,
            /// `idle_timeout` and `max_lifetime` apply to those connections too.
            ///
            /// # Errors
            ///
            /// [`Error::Connect`](crate::Error::Connect) when the first connection
            /// fails.
            pub async fn connect_with(
                connect_options: <<$Db as ::sqlx::Database>::Connection as ::sqlx::Connection>::Options,
                pool_options: ::sqlx::pool::PoolOptions<$Db>,
            ) -> $crate::Result<Self> {
                let acquire_timeout = pool_options.get_acquire_timeout();
                match pool_options.connect_with(connect_options.clone()).await {
                    Ok(pool) => Ok(Self::over($crate::conn::Connections::owned(pool))),
                    Err(::sqlx::Error::PoolTimedOut) => {
                        // The pool retried until its timeout and kept only "timed out";
                        // one direct attempt says why (refused, unknown host, password).
                        let attempt = ::tokio::time::timeout(
                            acquire_timeout,
                            <<$Db as ::sqlx::Database>::Connection as ::sqlx::Connection>::connect_with(
                                &connect_options,
                            ),
                        )
                        .await;
                        let source = match attempt {
                            Ok(Err(cause)) => cause,
                            Ok(Ok(_)) | Err(_) => ::sqlx::Error::PoolTimedOut,
                        };
                        Err($crate::Error::Connect { source })
                    }
                    Err(source) => Err($crate::Error::Connect { source }),
                }
            }

            /// A store over `pool`, which the application shares: each query takes a
            /// connection from the pool and gives it back, where sqlx pings it: one
            /// more round trip after each answer (and one before it too, unless the
            /// pool has `test_before_acquire(false)`). A store made by `connect` keeps
            /// its connections and skips both. Call [`migrate`](Self::migrate) once.
            pub fn from_pool(pool: ::sqlx::Pool<$Db>) -> Self {
                Self::over($crate::conn::Connections::shared(pool))
            }

            fn over(connections: $crate::conn::Connections<$Db>) -> Self {
                Self {
                    connections: ::std::sync::Arc::new(connections.with_write_turns($one_writer)),
                    statements: ::std::sync::Arc::new($crate::sql::Statements::new(
                        $crate::table::TableName::default_name(),
                        $dialect,
                    )),
                    data: ::core::marker::PhantomData,
                }
            }

            /// Keeps sessions in table `table_name` instead of
            /// [`DEFAULT_TABLE_NAME`](crate::DEFAULT_TABLE_NAME) (`narvik_sessions`).
            ///
            /// # Errors
            ///
            /// [`Error::InvalidTableName`](crate::Error::InvalidTableName) unless the
            /// name is 1 to 48 ASCII letters, digits and `_`, not starting with a
            /// digit: the name goes into SQL text, so nothing else is accepted.
            pub fn with_table_name(self, table_name: &str) -> $crate::Result<Self> {
                let table = $crate::table::TableName::new(table_name)?;
                Ok(Self {
                    statements: ::std::sync::Arc::new($crate::sql::Statements::new(
                        table, $dialect,
                    )),
                    ..self
                })
            }

            /// The table the sessions are kept in.
            pub fn table_name(&self) -> &str {
                self.statements.table.as_str()
            }

            /// Creates the session table and its indexes unless they exist: safe to
            /// run at every start.
            ///
            /// # Errors
            ///
            /// [`Error::Migrate`](crate::Error::Migrate) when a statement fails.
            pub async fn migrate(&self) -> $crate::Result<()> {
                self.connections
                    .execute_all(&self.statements.migrate)
                    .await
                    .map_err(|source| $crate::Error::Migrate {
                        table: self.table_name().to_owned(),
                        source,
                    })
            }
        }

        #[::narvik::async_trait]
        impl<D: ::narvik::SessionData> ::narvik::SessionStore<D> for $Store<D> {
            async fn save_session(&self, session: &mut ::narvik::Session<D>) -> ::narvik::Result<()> {
                session.expires_at = $crate::store::to_micros(session.expires_at);
                let data = ::narvik::codec::encode_data(&session.data)?;
                let expires_at: $Expires = $to_sql(session.expires_at)?;
                // A plain INSERT: a session id is new by construction.
                let query = ::sqlx::query(&self.statements.insert)
                    .bind(session.id.as_str())
                    .bind(session.user_id.as_str())
                    .bind(expires_at)
                    .bind(data);
                self.connections.execute(query).await
            }

            async fn fetch_session(
                &self,
                session_id: &str,
            ) -> ::narvik::Result<::core::option::Option<::narvik::Session<D>>> {
                let query = ::sqlx::query(&self.statements.select).bind(session_id);
                let row = self.connections.fetch_optional(query).await?;
                row.map(|row| $crate::store::decode_row(&row, Some(session_id), $from_sql))
                    .transpose()
            }

            async fn update_session_expiry(
                &self,
                session_id: &str,
                expires_at: ::narvik::time::OffsetDateTime,
            ) -> ::narvik::Result<()> {
                let expires_at: $Expires = $to_sql($crate::store::to_micros(expires_at))?;
                let query = ::sqlx::query(&self.statements.update_expiry)
                    .bind(expires_at)
                    .bind(session_id);
                self.connections.execute(query).await
            }

            async fn delete_session(&self, session_id: &str) -> ::narvik::Result<()> {
                let query = ::sqlx::query(&self.statements.delete).bind(session_id);
                self.connections.execute(query).await
            }
        }

        #[::narvik::async_trait]
        impl<D: ::narvik::SessionData> ::narvik::FetchUserSessions<D> for $Store<D> {
            async fn fetch_sessions_for_user(
                &self,
                user_id: &str,
            ) -> ::narvik::Result<::std::vec::Vec<::narvik::Session<D>>> {
                let query = ::sqlx::query(&self.statements.select_by_user).bind(user_id);
                let rows = self.connections.fetch_all(query).await?;
                ::narvik::codec::decodable_sessions(
                    rows.iter()
                        .map(|row| $crate::store::decode_row(row, None, $from_sql)),
                )
            }
        }

        #[::narvik::async_trait]
        impl<D: ::narvik::SessionData> ::narvik::DeleteUserSessions<D> for $Store<D> {
            async fn delete_sessions_for_user(&self, user_id: &str) -> ::narvik::Result<()> {
                let query = ::sqlx::query(&self.statements.delete_by_user).bind(user_id);
                self.connections.execute(query).await
            }
        }

        #[::narvik::async_trait]
        impl<D: ::narvik::SessionData> ::narvik::DeleteExpiredSessions<D> for $Store<D> {
            async fn delete_all_expired_sessions(
                &self,
                now: ::narvik::time::OffsetDateTime,
            ) -> ::narvik::Result<()> {
                let now: $Expires = $to_sql($crate::store::to_micros(now))?;
                let query = ::sqlx::query(&self.statements.delete_expired).bind(now);
                self.connections.execute(query).await
            }
        }
    };
}

pub(crate) use sql_store;
