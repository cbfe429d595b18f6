//! Sessions stored by an older version of the data type: fields added since then
//! decode by their rules, and a session that no longer decodes is deleted with a
//! warning naming the field, never an error for the user.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use narvik::codec::encode_data;
use narvik::store::callbacks::AllCallbacks;
use narvik::{CallbackStore, Narvik, Session, SessionData, SessionId, SessionToken};
use narvik_tests::{validate, JsonRows, StoredRow, START};
use time::Duration;

/// The data type as the first release stored it.
#[derive(SessionData, Clone, Debug, PartialEq)]
struct V1 {
    username: String,
    visits: u32,
}

fn v1() -> V1 {
    V1 {
        username: "johnsmith".to_owned(),
        visits: 3,
    }
}

/// Plants a session as the first release stored it; returns its token.
fn plant_v1_session(rows: &JsonRows) -> SessionToken {
    plant(
        rows,
        encode_data(&v1()).unwrap_or_else(|error| panic!("encode: {error}")),
    )
}

fn plant(rows: &JsonRows, data: String) -> SessionToken {
    let token = SessionToken::generate();
    rows.insert(
        token.session_id(),
        StoredRow {
            user_id: "123".to_owned(),
            expires_at: START + Duration::days(30),
            issued_at: START,
            authenticated_at: START,
            data,
            data_version: 0,
        },
    );
    token
}

/// Narvik over a store of JSON rows of data type `D`.
type NarvikOver<D> = Narvik<CallbackStore<D, AllCallbacks>>;

fn narvik_over<D: SessionData + Clone>(rows: &JsonRows) -> NarvikOver<D> {
    narvik_tests::narvik_over(rows.store::<D>()).0
}

/// The session the first release stored, as data type `D` reads it; `why` says
/// why it must still be valid.
async fn v1_session_read_as<D: SessionData + Clone>(why: &str) -> Session<D> {
    let rows = JsonRows::new();
    let token = plant_v1_session(&rows);
    let narvik = narvik_over::<D>(&rows);
    validate(&narvik, &token)
        .await
        .unwrap_or_else(|| panic!("{why}"))
}

/// A `tracing` writer into memory, to read what was logged.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// Checks that a warning was logged, naming each of `named`; returns the logs.
    #[track_caller]
    fn assert_warned(&self, named: &[&str]) -> String {
        let logs = self.contents();
        assert!(logs.contains("WARN"), "no warning: {logs:?}");
        for name in named {
            assert!(
                logs.contains(name),
                "the warning does not name {name:?}: {logs:?}"
            );
        }
        logs
    }
}

impl io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Checks that `token` validates to `None` as data type `D`, not to an error.
async fn assert_invalid_as<D: SessionData + Clone>(rows: &JsonRows, token: &SessionToken) {
    let validated = narvik_over::<D>(rows)
        .validate_session(token.as_str())
        .await;
    match validated {
        Ok(session) => assert!(session.is_none(), "an undecodable session validated"),
        Err(error) => panic!("an undecodable session is not an error: {error}"),
    }
}

/// Logs of this thread go to the returned buffer until the guard drops.
fn capture_logs() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .without_time()
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn stored_data_without_an_option_field_decodes_as_none() {
    #[derive(SessionData, Clone, Debug, PartialEq)]
    struct WithOptionAdded {
        username: String,
        visits: u32,
        display: Option<String>,
    }

    let session = v1_session_read_as::<WithOptionAdded>(
        "an added Option field does not invalidate old sessions",
    )
    .await;
    assert_eq!(
        session.data,
        WithOptionAdded {
            username: "johnsmith".to_owned(),
            visits: 3,
            display: None,
        }
    );
}

fn default_theme() -> String {
    "light".to_owned()
}

#[tokio::test]
async fn stored_data_without_a_defaulted_field_decodes_with_the_default() {
    #[derive(SessionData, Clone, Debug, PartialEq)]
    struct WithDefaultsAdded {
        username: String,
        visits: u32,
        #[session(default)]
        logins: u64,
        #[session(default)]
        roles: Vec<String>,
        #[session(default = default_theme)]
        theme: String,
    }

    let session = v1_session_read_as::<WithDefaultsAdded>(
        "added defaulted fields do not invalidate old sessions",
    )
    .await;
    assert_eq!(session.logins, 0);
    assert!(session.roles.is_empty());
    assert_eq!(session.theme, "light", "the default function is called");
    assert_eq!(session.username, "johnsmith");
}

#[tokio::test]
async fn renamed_field_reads_its_old_stored_name() {
    #[derive(SessionData, Clone, Debug, PartialEq)]
    struct WithRenamedField {
        #[session(rename = "username")]
        login: String,
        visits: u32,
    }

    let session =
        v1_session_read_as::<WithRenamedField>("a renamed field does not invalidate old sessions")
            .await;
    assert_eq!(session.login, "johnsmith");
}

#[tokio::test]
async fn stored_field_removed_from_the_type_is_ignored() {
    #[derive(SessionData, Clone, Debug, PartialEq)]
    struct WithFieldRemoved {
        username: String,
    }

    let session =
        v1_session_read_as::<WithFieldRemoved>("a removed field does not invalidate old sessions")
            .await;
    assert_eq!(session.username, "johnsmith");
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct WithRequiredAdded {
    username: String,
    visits: u32,
    tenant_id: String,
}

/// Rows with two sessions of user "123", one stored before `tenant_id` was added
/// and one after; narvik reading them as [`WithRequiredAdded`]; the tokens of the
/// session before and of the one after.
fn tenant_id_added() -> (
    JsonRows,
    NarvikOver<WithRequiredAdded>,
    SessionToken,
    SessionToken,
) {
    let rows = JsonRows::new();
    let before = plant_v1_session(&rows);
    let after = plant(
        &rows,
        r#"{"username": "jane", "visits": 1, "tenant_id": "acme"}"#.to_owned(),
    );
    let narvik = narvik_over(&rows);
    (rows, narvik, before, after)
}

#[tokio::test]
async fn stored_data_without_a_required_field_is_deleted_with_a_warning_naming_it() {
    let (rows, narvik, before, after) = tenant_id_added();
    let (logs, _guard) = capture_logs();
    let validated = narvik.validate_session(before.as_str()).await;
    assert!(validated
        .expect("an undecodable session is not an error")
        .is_none());
    assert!(
        rows.get(&before.session_id()).is_none(),
        "the undecodable session was kept"
    );
    assert!(rows.get(&after.session_id()).is_some());

    // The field and the session.
    let logs = logs.assert_warned(&["tenant_id", before.session_id().as_str()]);
    assert!(
        !logs.contains(before.as_str()),
        "the warning leaked the token: {logs:?}"
    );

    // The session that does decode still works.
    let session = validate(&narvik, &after).await.expect("valid");
    assert_eq!(session.tenant_id, "acme");
}

#[tokio::test]
async fn listing_leaves_out_a_session_without_a_required_field_with_a_warning() {
    let (rows, narvik, before, after) = tenant_id_added();
    let (logs, _guard) = capture_logs();
    let listed = narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("an undecodable session does not fail the listing");
    let listed: Vec<SessionId> = listed.iter().map(|session| session.id).collect();
    assert_eq!(listed, [after.session_id()]);

    logs.assert_warned(&["tenant_id", before.session_id().as_str()]);
    assert_eq!(
        rows.len(),
        2,
        "only validation deletes undecodable sessions"
    );
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct WithTypeChanged {
    username: String,
    visits: String,
}

#[tokio::test]
async fn stored_field_of_another_type_makes_the_session_invalid_and_deleted() {
    let rows = JsonRows::new();
    let token = plant_v1_session(&rows);
    let (logs, _guard) = capture_logs();
    assert_invalid_as::<WithTypeChanged>(&rows, &token).await;
    assert!(rows.is_empty());
    // The warning names the mistyped field, not the value stored in it.
    logs.assert_warned(&["invalid value at `visits`"]);
}

#[tokio::test]
async fn stored_data_that_is_not_json_is_deleted() {
    let rows = JsonRows::new();
    let token = plant(&rows, "not json".to_owned());
    assert_invalid_as::<V1>(&rows, &token).await;
    assert!(rows.is_empty());
}
