//! Stored sessions spoiled every way a value can be: each fetch is a decode error
//! that names what is wrong, an extension rewrites no more than it can read, and
//! validation deletes the session.

use narvik::{SessionStore, SessionTimes};
use narvik_tests::sessions_of;
use time::Duration;

use crate::app::{clock_now, create, store_and_narvik};
use crate::asserts::{assert_fetch_does_not_decode, assert_validation_deletes};
use crate::frame::unix_ms;
use crate::server::Server;

/// Values whose frame the scripts read (they never look at the data), but Rust
/// refuses: what is wrong, the value (`{head}` stands for the session's
/// `v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:`, its times in
/// Unix ms, data version 0), and
/// what the error must mention.
const READABLE: [(&str, &[u8], &str); 3] = [
    (
        "data that is not JSON",
        b"{head}6:user-1{not json",
        "line 1",
    ),
    (
        "data of the wrong type",
        br#"{head}6:user-1{"username":7}"#,
        "invalid value at `username`",
    ),
    (
        "data that is not UTF-8",
        b"{head}6:user-1{\"username\":\"\xff\"}",
        "data is not UTF-8",
    ),
];

/// Values the scripts cannot read either, as [`READABLE`] gives them (`{exp}`
/// stands for the session's expires_at alone).
const UNREADABLE: [(&str, &[u8], &str); 11] = [
    (
        "no frame at all, a bare JSON object",
        br#"{"username":"alice"}"#,
        "expires_at is not a Unix time",
    ),
    (
        "no separator at all",
        b"alice",
        "no `:` after its expires_at",
    ),
    (
        "an expiry that is no number",
        br#"soon:6:user-1{"username":"alice"}"#,
        "not a Unix time in milliseconds (4 bytes",
    ),
    (
        "no separator after the user id length",
        b"{head}6",
        "no `:` after its user id length",
    ),
    (
        "a user id length that is no number",
        br#"{head}six:user-1{"username":"alice"}"#,
        "not a number of bytes (3 bytes",
    ),
    (
        "a user id length past the end",
        b"{head}99:user-1{}",
        "runs past its end",
    ),
    (
        "an issued_at that is no number",
        br#"v2:{exp}:yesterday:0:0:6:user-1{"username":"alice"}"#,
        "issued_at is not a Unix time in milliseconds (9 bytes",
    ),
    (
        "an authenticated_at that is no number",
        br#"v2:{exp}:0:+1:0:6:user-1{"username":"alice"}"#,
        "authenticated_at is not a Unix time in milliseconds (2 bytes",
    ),
    (
        "a data version that is no number",
        br#"v2:{exp}:0:0:one:6:user-1{"username":"alice"}"#,
        "data version is not a number (3 bytes",
    ),
    (
        "the mark of a later layout",
        br#"v3:{exp}:0:0:0:6:user-1{"username":"alice"}"#,
        "a layout this version does not read",
    ),
    (
        "a frame of 0.1 cut short",
        b"{exp}:6",
        "no `:` after its user id length",
    ),
];

/// How a check spoils a stored session. Values replace the stored one, keeping the
/// key's expiry.
#[derive(Clone, Copy)]
enum Corruption {
    /// A value of [`READABLE`].
    Readable(&'static [u8]),
    /// A value of [`UNREADABLE`].
    Unreadable(&'static [u8]),
    /// A hash instead of a string (the layout before this one).
    Hash,
}

/// Each spoiled session is a decode error naming what is wrong; an extension
/// rewrites only the expiry of a frame it reads and nothing it cannot read;
/// validation deletes the session, and the next look at the index its member.
pub(crate) async fn malformed_stored_sessions_are_decode_errors_that_validation_deletes(
    server: Server,
) {
    let (store, narvik, clock) = store_and_narvik(&server).await;
    let readable =
        READABLE.map(|(what, value, mentioned)| (what, Corruption::Readable(value), mentioned));
    let unreadable =
        UNREADABLE.map(|(what, value, mentioned)| (what, Corruption::Unreadable(value), mentioned));
    let hash = (
        "a hash instead of a string",
        Corruption::Hash,
        "not a string",
    );
    for (what, corruption, mentioned) in readable.into_iter().chain(unreadable).chain([hash]) {
        let created = create(&narvik, "user-1").await;
        let session_key = store.session_key(&created.session.id);
        match corruption {
            Corruption::Readable(template) | Corruption::Unreadable(template) => {
                let value = with_times(template, created.session.times());
                server.replace_value(&session_key, value).await;
            }
            Corruption::Hash => {
                server
                    .replace_with_hash(&session_key, "user_id", "user-1")
                    .await;
            }
        }
        let stored = server.dump(&session_key).await;

        assert_fetch_does_not_decode(&narvik, &created.session.id, mentioned, what).await;

        // An extension never fails; it rewrites the leading expires_at of a frame
        // it reads, and nothing it cannot read.
        let later = clock_now(&clock) + Duration::days(40);
        narvik
            .store()
            .update_session_expiry(&created.session.id, later)
            .await
            .unwrap_or_else(|error| panic!("{what}: update_session_expiry: {error}"));
        if let Corruption::Readable(template) = corruption {
            let times = SessionTimes {
                expires_at: later,
                ..created.session.times()
            };
            let expected = with_times(template, times);
            let stored = server.value_bytes(&session_key).await;
            assert_eq!(
                after_expiry(&stored),
                after_expiry(&expected),
                "{what}: more than the expiry rewritten"
            );
        } else {
            assert_eq!(server.dump(&session_key).await, stored, "{what}: rewritten");
        }

        assert_validation_deletes(&server, &narvik, &created, what).await;
    }
    // Deleting a value without a readable user id, or a hash, cannot tell whose
    // index lists it; the next look at the index drops the member.
    let listed = sessions_of(&narvik, "user-1").await;
    assert!(listed.is_empty(), "{listed:?}");
    assert!(server.index_members(&store, "user-1").await.is_empty());
}

/// `template` with each `{head}` replaced by the head of a frame of `times` (see
/// [`READABLE`]), and each `{exp}` by their expires_at, in Unix ms.
fn with_times(template: &[u8], times: SessionTimes) -> Vec<u8> {
    let expires_at_ms = unix_ms(times.expires_at).to_string();
    let head = format!(
        "v2:{expires_at_ms}:{}:{}:0:",
        unix_ms(times.issued_at),
        unix_ms(times.authenticated_at)
    );
    let value = replace_bytes(template, b"{head}", head.as_bytes());
    replace_bytes(&value, b"{exp}", expires_at_ms.as_bytes())
}

/// What follows the expires_at of a value of the current layout: from the `:`
/// after it on.
fn after_expiry(value: &[u8]) -> Option<Vec<u8>> {
    let times = value.strip_prefix(b"v2:")?;
    times
        .iter()
        .position(|&byte| byte == b':')
        .map(|colon| times[colon..].to_vec())
}

/// `bytes` with each `from` replaced by `to`.
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut replaced = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            replaced.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            replaced.push(rest[0]);
            rest = &rest[1..];
        }
    }
    replaced
}
