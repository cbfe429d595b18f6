//! User accounts: the rules for usernames and passwords, argon2id password hashes,
//! and the table (or Redis keys) that keeps the accounts.
//!
//! Hashing and verifying run through the [`HashingPool`], a bounded number at once
//! on Tokio's blocking threads: argon2id with its default parameters (19 MiB, 2
//! passes) takes tens of milliseconds of CPU on purpose.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use narvik_redis::redis::aio::ConnectionManager;
use narvik_redis::redis::{self, RedisError};
use narvik_sqlx::sqlx::{self, MySqlPool, PgPool, SqlitePool};
use serde::{Deserialize, Serialize};

use crate::hashing::{HashingError, HashingPool};

/// The fewest characters a username may have.
pub(crate) const USERNAME_MIN_CHARS: usize = 3;
/// The most characters a username may have.
pub(crate) const USERNAME_MAX_CHARS: usize = 32;
/// The fewest characters a new password may have.
pub(crate) const PASSWORD_MIN_CHARS: usize = 8;
/// The most characters a password may have: enough for any passphrase, and a bound
/// on the work one request can ask of the hasher.
pub(crate) const PASSWORD_MAX_CHARS: usize = 128;

/// A user account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    /// A random id, 32 hex digits: the sessions' `user_id`.
    pub(crate) id: String,
    /// Lower case, unique.
    pub(crate) username: String,
    /// The argon2id PHC string.
    password_hash: String,
}

/// Why signing up failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignUpError {
    /// Another account has the username.
    #[error("the username is taken")]
    UsernameTaken,
    /// The store or the hasher failed.
    #[error(transparent)]
    Failed(#[from] AccountsError),
}

/// Why signing in failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignInError {
    /// No such user, or not their password; the two are not told apart.
    #[error("wrong username or password")]
    WrongCredentials,
    /// The store or the hasher failed.
    #[error(transparent)]
    Failed(#[from] AccountsError),
}

/// Why changing a password failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChangePasswordError {
    /// The current password given is not the account's (or the account is gone).
    #[error("wrong current password")]
    WrongPassword,
    /// The store or the hasher failed.
    #[error(transparent)]
    Failed(#[from] AccountsError),
}

/// The account store or the password hasher failed.
///
/// A variant that wraps a cause returns it from `source()` and leaves it out of its
/// message, so a printer of the chain (the log) says it once.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AccountsError {
    /// The SQL database failed.
    #[error("the user table failed")]
    Sql(#[from] sqlx::Error),
    /// Redis failed.
    #[error("the user accounts in Redis failed")]
    Redis(#[from] RedisError),
    /// An account's JSON in Redis does not decode (edited by hand?).
    #[error("account {username:?} in Redis does not decode")]
    Json {
        /// The account's username.
        username: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// Hashing failed (it does not for the inputs the app accepts).
    #[error("password hashing failed: {0}")]
    Hashing(argon2::password_hash::Error),
    /// Every password hasher stayed busy for the whole queue timeout: the request
    /// may be tried again shortly.
    #[error("every password hasher stayed busy for {waited:?}")]
    HashersBusy {
        /// How long the request waited for a hasher.
        waited: std::time::Duration,
    },
    /// The hashing task panicked.
    #[error("the password hashing task failed")]
    Task(#[source] tokio::task::JoinError),
}

impl From<HashingError> for AccountsError {
    fn from(error: HashingError) -> Self {
        match error {
            HashingError::Busy { waited } => Self::HashersBusy { waited },
            HashingError::Task(error) => Self::Task(error),
        }
    }
}

/// The accounts, and how passwords are checked.
#[derive(Clone)]
pub(crate) struct Accounts {
    table: Arc<UserTable>,
    /// Where every hash and check runs.
    hashing: HashingPool,
    /// Verified against when the username is unknown, so that a wrong username
    /// takes as long as a wrong password and does not give away who has an account.
    dummy_hash: Arc<str>,
}

impl Accounts {
    /// The accounts kept in `table`, their passwords hashed and checked in
    /// `hashing`.
    pub(crate) async fn new(table: UserTable, hashing: HashingPool) -> Result<Self, AccountsError> {
        let dummy_hash = hash_password(&hashing, "not anyone's password".to_owned()).await?;
        Ok(Self {
            table: Arc::new(table),
            hashing,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Creates an account; `username` and `password` have passed
    /// [`check_new_username`] and [`check_new_password`].
    pub(crate) async fn sign_up(
        &self,
        username: String,
        password: String,
    ) -> Result<Account, SignUpError> {
        let account = Account {
            id: format!("{:032x}", rand::random::<u128>()),
            username,
            password_hash: hash_password(&self.hashing, password).await?,
        };
        if self.table.insert(&account).await? {
            Ok(account)
        } else {
            Err(SignUpError::UsernameTaken)
        }
    }

    /// The account of `username` whose id is `user_id` (a session's), if
    /// `password` is its password: the password asked again of a signed-in user.
    pub(crate) async fn check_password(
        &self,
        username: &str,
        user_id: &str,
        password: String,
    ) -> Result<Account, SignInError> {
        let account = self.sign_in(username, password).await?;
        // The name of the session's own account, never one made since under it.
        if account.id != user_id {
            return Err(SignInError::WrongCredentials);
        }
        Ok(account)
    }

    /// Replaces the password of the account of `username` and `user_id` with
    /// `new_password` (which has passed [`check_new_password`]), if
    /// `current_password` is its password now.
    pub(crate) async fn change_password(
        &self,
        username: &str,
        user_id: &str,
        current_password: String,
        new_password: String,
    ) -> Result<(), ChangePasswordError> {
        let account = self
            .check_password(username, user_id, current_password)
            .await
            .map_err(|error| match error {
                SignInError::WrongCredentials => ChangePasswordError::WrongPassword,
                SignInError::Failed(error) => ChangePasswordError::Failed(error),
            })?;
        let password_hash = hash_password(&self.hashing, new_password).await?;
        if self.table.update_password(&account, &password_hash).await? {
            Ok(())
        } else {
            Err(ChangePasswordError::WrongPassword)
        }
    }

    /// The account of `username` if `password` is its password.
    pub(crate) async fn sign_in(
        &self,
        username: &str,
        password: String,
    ) -> Result<Account, SignInError> {
        let account = self.table.find(username).await?;
        let password_hash = match &account {
            Some(account) => Arc::from(account.password_hash.as_str()),
            None => Arc::clone(&self.dummy_hash),
        };
        let matches = verify_password(&self.hashing, password, password_hash).await?;
        match account {
            Some(account) if matches => Ok(account),
            _ => Err(SignInError::WrongCredentials),
        }
    }
}

/// `raw` as a username is kept: without surrounding whitespace, in lower case.
pub(crate) fn normalize_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Why a (normalized) username cannot be taken, if it cannot.
pub(crate) fn check_new_username(username: &str) -> Result<(), String> {
    let chars = username.chars().count();
    if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&chars) {
        return Err(format!(
            "A username has {USERNAME_MIN_CHARS} to {USERNAME_MAX_CHARS} characters."
        ));
    }
    let allowed = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch);
    if !username.chars().all(allowed) {
        return Err("A username may hold only letters a–z, digits and . _ -".to_owned());
    }
    Ok(())
}

/// Why `password` cannot be a new password, if it cannot.
pub(crate) fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!(
            "A password needs at least {PASSWORD_MIN_CHARS} characters."
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!(
            "A password may have at most {PASSWORD_MAX_CHARS} characters."
        ));
    }
    Ok(())
}

/// An argon2id PHC string of `password` with a fresh random salt.
async fn hash_password(hashing: &HashingPool, password: String) -> Result<String, AccountsError> {
    hashing
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
        })
        .await?
        .map_err(AccountsError::Hashing)
}

/// Whether `password` matches the PHC string `password_hash`. A hash that does not
/// parse matches nothing.
async fn verify_password(
    hashing: &HashingPool,
    password: String,
    password_hash: Arc<str>,
) -> Result<bool, AccountsError> {
    let matches = hashing
        .run(move || {
            PasswordHash::new(&password_hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await?;
    Ok(matches)
}

/// Where the accounts are kept: a table in the SQL database of the sessions, or keys
/// in their Redis.
pub(crate) enum UserTable {
    /// A SQLite table.
    Sqlite(SqlitePool, Statements),
    /// A PostgreSQL table.
    Postgres(PgPool, Statements),
    /// A MySQL or MariaDB table.
    MySql(MySqlPool, Statements),
    /// One key per account, `{prefix}{username}`, holding a JSON [`StoredAccount`].
    Redis {
        connection: ConnectionManager,
        key_prefix: String,
    },
}

/// The SQL of one user table.
pub(crate) struct Statements {
    create: String,
    insert: String,
    select: String,
    update_password: String,
}

impl Statements {
    /// The statements for table `table` (a checked name), with parameters written
    /// as `params`.
    fn new(table: &str, params: [&str; 3]) -> Self {
        let [first, second, third] = params;
        Self {
            // VARCHAR, not TEXT: MySQL indexes only columns of bounded length.
            create: format!(
                "CREATE TABLE IF NOT EXISTS {table} (\
                 id VARCHAR(32) NOT NULL PRIMARY KEY, \
                 username VARCHAR(64) NOT NULL UNIQUE, \
                 password_hash VARCHAR(255) NOT NULL)"
            ),
            insert: format!(
                "INSERT INTO {table} (id, username, password_hash) VALUES ({first}, {second}, {third})"
            ),
            select: format!(
                "SELECT id, username, password_hash FROM {table} WHERE username = {first}"
            ),
            update_password: format!(
                "UPDATE {table} SET password_hash = {first} WHERE id = {second}"
            ),
        }
    }
}

/// An account as kept in Redis.
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    id: String,
    password_hash: String,
}

/// Stores `account` with `password_hash` under `key` in Redis, under the `SET`
/// condition `condition` (`NX` to create, `XX` to replace); whether it was set.
async fn set_stored_account(
    connection: &ConnectionManager,
    key: String,
    account: &Account,
    password_hash: &str,
    condition: &str,
) -> Result<bool, AccountsError> {
    let stored = StoredAccount {
        id: account.id.clone(),
        password_hash: password_hash.to_owned(),
    };
    let value = serde_json::to_string(&stored).map_err(|source| AccountsError::Json {
        username: account.username.clone(),
        source,
    })?;
    let set: Option<String> = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .arg(condition)
        .query_async(&mut connection.clone())
        .await?;
    Ok(set.is_some())
}

/// Runs `$body` with `$pool` and `$sql` bound to the SQL variant's pool and
/// statements, or runs `$redis` for Redis.
macro_rules! with_sql {
    ($table:expr, ($pool:ident, $sql:ident) => $body:expr, $redis:pat => $redis_body:expr) => {
        match $table {
            UserTable::Sqlite($pool, $sql) => $body,
            UserTable::Postgres($pool, $sql) => $body,
            UserTable::MySql($pool, $sql) => $body,
            $redis => $redis_body,
        }
    };
}

impl UserTable {
    /// Table `table` (a checked name) in SQLite.
    pub(crate) fn sqlite(pool: SqlitePool, table: &str) -> Self {
        Self::Sqlite(pool, Statements::new(table, ["?", "?", "?"]))
    }

    /// Table `table` (a checked name) in PostgreSQL.
    pub(crate) fn postgres(pool: PgPool, table: &str) -> Self {
        Self::Postgres(pool, Statements::new(table, ["$1", "$2", "$3"]))
    }

    /// Table `table` (a checked name) in MySQL or MariaDB.
    pub(crate) fn mysql(pool: MySqlPool, table: &str) -> Self {
        Self::MySql(pool, Statements::new(table, ["?", "?", "?"]))
    }

    /// Keys `{key_prefix}{username}` in Redis.
    pub(crate) fn redis(connection: ConnectionManager, key_prefix: &str) -> Self {
        Self::Redis {
            connection,
            key_prefix: key_prefix.to_owned(),
        }
    }

    /// Creates the table unless it exists (Redis needs nothing).
    pub(crate) async fn migrate(&self) -> Result<(), AccountsError> {
        with_sql!(self,
            (pool, sql) => {
                sqlx::query(&sql.create).execute(pool).await?;
                Ok(())
            },
            Self::Redis { .. } => Ok(())
        )
    }

    /// Stores `account`; `false` when its username is taken.
    async fn insert(&self, account: &Account) -> Result<bool, AccountsError> {
        let result = with_sql!(self,
            (pool, sql) => sqlx::query(&sql.insert)
                .bind(&account.id)
                .bind(&account.username)
                .bind(&account.password_hash)
                .execute(pool)
                .await
                .map(drop),
            Self::Redis { connection, key_prefix } => {
                // `NX`: set only if no account has the name, in one atomic command.
                let key = format!("{key_prefix}{}", account.username);
                return set_stored_account(connection, key, account, &account.password_hash, "NX")
                    .await;
            }
        );
        match result {
            Ok(()) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Replaces the password hash of `account` with `password_hash`; `false` when
    /// the account is gone.
    async fn update_password(
        &self,
        account: &Account,
        password_hash: &str,
    ) -> Result<bool, AccountsError> {
        with_sql!(self,
            (pool, sql) => {
                let result = sqlx::query(&sql.update_password)
                    .bind(password_hash)
                    .bind(&account.id)
                    .execute(pool)
                    .await?;
                // MySQL counts the rows changed, not matched: a hash with a fresh
                // salt always changes the row, so one means it was found.
                Ok(result.rows_affected() == 1)
            },
            Self::Redis { connection, key_prefix } => {
                // `XX`: only if the account still exists, in one atomic command.
                let key = format!("{key_prefix}{}", account.username);
                set_stored_account(connection, key, account, password_hash, "XX").await
            }
        )
    }

    /// The account of `username`, if there is one.
    async fn find(&self, username: &str) -> Result<Option<Account>, AccountsError> {
        let row: Option<(String, String, String)> = with_sql!(self,
            (pool, sql) => sqlx::query_as(&sql.select)
                .bind(username)
                .fetch_optional(pool)
                .await?,
            Self::Redis { connection, key_prefix } => {
                let value: Option<String> = redis::cmd("GET")
                    .arg(format!("{key_prefix}{username}"))
                    .query_async(&mut connection.clone())
                    .await?;
                let Some(value) = value else {
                    return Ok(None);
                };
                let stored: StoredAccount = serde_json::from_str(&value).map_err(|source| {
                    AccountsError::Json { username: username.to_owned(), source }
                })?;
                Some((stored.id, username.to_owned(), stored.password_hash))
            }
        );
        Ok(row.map(|(id, username, password_hash)| Account {
            id,
            username,
            password_hash,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{check_new_password, check_new_username, normalize_username};

    #[test]
    fn usernames_are_trimmed_and_lower_cased() {
        assert_eq!(normalize_username("  Ada.L \t"), "ada.l");
    }

    #[test]
    fn usernames_have_three_to_thirty_two_plain_characters() {
        assert!(check_new_username("ada").is_ok());
        assert!(check_new_username("ada_lovelace-1815.x").is_ok());
        assert!(check_new_username(&"a".repeat(32)).is_ok());
        for refused in [
            "",
            "ab",
            "ada lovelace",
            "ådа",
            "ada<script>",
            &"a".repeat(33),
        ] {
            assert!(check_new_username(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn passwords_have_eight_to_one_hundred_twenty_eight_characters() {
        assert!(check_new_password("12345678").is_ok());
        assert!(check_new_password(&"é".repeat(128)).is_ok());
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password(&"x".repeat(129)).is_err());
    }
}
