//! Sessions stored by an older version of the data type: fields added since then
//! decode by their rules, and a session that no longer decodes is deleted with a
//! warning naming the field, never an error for the user.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use narvik::codec::encode_data;
use narvik::store::callbacks::Provided;
use narvik::{CallbackStore, ManualClock, Narvik, SessionData, SessionId, SessionToken};
use narvik_tests::{JsonRows, StoredRow, START};
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
            data,
        },
    );
    token
}

fn narvik_over<D: SessionData + Clone>(
    rows: &JsonRows,
) -> Narvik<CallbackStore<D, Provided, Provided, Provided>> {
    Narvik::builder(rows.store::<D>())
        .clock(ManualClock::new(START))
        .build()
        .unwrap_or_else(|error| panic!("valid settings: {error}"))
}

/// A `tracing` writer into memory, to read what was logged.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
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

#[derive(SessionData, Clone, Debug, PartialEq)]
struct WithOptionAdded {
    username: String,
    visits: u32,
    display: Option<String>,
}

#[tokio::test]
async fn stored_data_without_an_option_field_decodes_as_none() {
    let rows = JsonRows::new();
    let token = plant_v1_session(&rows);
    let session = narvik_over::<WithOptionAdded>(&rows)
        .validate_session(token.as_str())
        .await
        .expect("validate")
        .expect("an added Option field does not invalidate old sessions");
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

#[tokio::test]
async fn stored_data_without_a_defaulted_field_decodes_with_the_default() {
    let rows = JsonRows::new();
    let token = plant_v1_session(&rows);
    let session = narvik_over::<WithDefaultsAdded>(&rows)
        .validate_session(token.as_str())
        .await
        .expect("validate")
        .expect("added defaulted fields do not invalidate old sessions");
    assert_eq!(session.logins, 0);
    assert!(session.roles.is_empty());
    assert_eq!(session.theme, "light", "the default function is called");
    assert_eq!(session.username, "johnsmith");
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct WithRenamedField {
    #[session(rename = "username")]
    login: String,
    visits: u32,
}

#[tokio::test]
async fn renamed_field_reads_its_old_stored_name() {
    let rows = JsonRows::new();
    let token = plant_v1_session(&rows);
    let session = narvik_over::<WithRenamedField>(&rows)
        .validate_session(token.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert_eq!(session.login, "johnsmith");
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct WithFieldRemoved {
    username: String,
}

#[tokio::test]
async fn stored_field_removed_from_the_type_is_ignored() {
    let rows = JsonRows::new();
    let token = plant_v1_session(&rows);
    let session = narvik_over::<WithFieldRemoved>(&rows)
        .validate_session(token.as_str())
        .await
        .expect("validate")
        .expect("a removed field does not invalidate old sessions");
    assert_eq!(session.username, "johnsmith");
}

#[derive(SessionData, Clone, Debug, PartialEq)]
struct WithRequiredAdded {
    username: String,
    visits: u32,
    tenant_id: String,
}

/// Two sessions of user "123": one stored before `tenant_id` was added, one after.
fn plant_before_and_after_tenant_id(rows: &JsonRows) -> (SessionToken, SessionToken) {
    let before = plant_v1_session(rows);
    let after = plant(
        rows,
        r#"{"username": "jane", "visits": 1, "tenant_id": "acme"}"#.to_owned(),
    );
    (before, after)
}

#[tokio::test]
async fn stored_data_without_a_required_field_is_deleted_with_a_warning_naming_it() {
    let rows = JsonRows::new();
    let (token, other) = plant_before_and_after_tenant_id(&rows);
    let narvik = narvik_over::<WithRequiredAdded>(&rows);

    let (logs, _guard) = capture_logs();
    let validated = narvik
        .validate_session(token.as_str())
        .await
        .expect("an undecodable session is not an error");
    assert!(validated.is_none());
    assert!(
        rows.get(&token.session_id()).is_none(),
        "the undecodable session was kept"
    );
    assert!(rows.get(&other.session_id()).is_some());

    let logs = logs.contents();
    assert!(logs.contains("WARN"), "no warning: {logs:?}");
    assert!(
        logs.contains("tenant_id"),
        "the warning does not name the field: {logs:?}"
    );
    assert!(
        logs.contains(token.session_id().as_str()),
        "the warning does not name the session: {logs:?}"
    );
    assert!(
        !logs.contains(token.as_str()),
        "the warning leaked the token: {logs:?}"
    );

    // The session that does decode still works.
    let session = narvik
        .validate_session(other.as_str())
        .await
        .expect("validate")
        .expect("valid");
    assert_eq!(session.tenant_id, "acme");
}

#[tokio::test]
async fn listing_leaves_out_a_session_without_a_required_field_with_a_warning() {
    let rows = JsonRows::new();
    let (old, current) = plant_before_and_after_tenant_id(&rows);
    let narvik = narvik_over::<WithRequiredAdded>(&rows);

    let (logs, _guard) = capture_logs();
    let listed = narvik
        .fetch_sessions_for_user("123")
        .await
        .expect("an undecodable session does not fail the listing");
    let listed: Vec<SessionId> = listed.iter().map(|session| session.id).collect();
    assert_eq!(listed, [current.session_id()]);

    let logs = logs.contents();
    assert!(logs.contains("WARN"), "no warning: {logs:?}");
    assert!(logs.contains("tenant_id"), "{logs:?}");
    assert!(logs.contains(old.session_id().as_str()), "{logs:?}");
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
    assert!(narvik_over::<WithTypeChanged>(&rows)
        .validate_session(token.as_str())
        .await
        .expect("an undecodable session is not an error")
        .is_none());
    assert!(rows.is_empty());
    // The warning names the mistyped field, not the value stored in it.
    let logs = logs.contents();
    assert!(logs.contains("WARN"), "no warning: {logs:?}");
    assert!(logs.contains("invalid value at `visits`"), "{logs:?}");
}

#[tokio::test]
async fn stored_data_that_is_not_json_is_deleted() {
    let rows = JsonRows::new();
    let token = plant(&rows, "not json".to_owned());
    assert!(narvik_over::<V1>(&rows)
        .validate_session(token.as_str())
        .await
        .expect("an undecodable session is not an error")
        .is_none());
    assert!(rows.is_empty());
}
