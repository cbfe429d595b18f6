//! `narvik-redis` against a real Redis (`NARVIK_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`): the conformance suite, then what only a Redis store
//! has: keys that expire by themselves, the per-user index, round trips on the
//! wire, outages, stored data that no longer decodes, and two app servers sharing
//! one Redis.
//!
//! Each test puts its keys under a prefix of its own and deletes them at the end,
//! panic or not. Without a server the tests print a notice and pass, except under
//! `CI=true`, where they fail.

#![allow(
    clippy::expect_used,
    reason = "the helpers fail the test by panicking with a message, as the tests do"
)]

#[allow(
    unreachable_pub,
    reason = "the shared support module is `pub` for every test binary that includes it"
)]
mod support;

use std::error::Error as _;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use narvik::{testing, Error, ManualClock, Narvik, SessionData, SessionStore};
use narvik_redis::redis::{self, FromRedisValue};
use narvik_redis::RedisStore;
use support::proxy::CountingProxy;
use time::{Duration, OffsetDateTime};

const URL_VAR: &str = "NARVIK_TEST_REDIS_URL";
const DEFAULT_URL: &str = "redis://127.0.0.1:6379";
/// No test may take longer: a hung connection fails the test instead of the run.
const TEST_TIMEOUT: StdDuration = StdDuration::from_secs(60);

#[derive(SessionData, Clone, Debug, PartialEq)]
struct AppData {
    username: String,
    theme: Option<String>,
    #[session(default)]
    visits: u32,
}

fn alice() -> AppData {
    AppData {
        username: "alice".into(),
        theme: Some("dark".into()),
        visits: 3,
    }
}

// ---------------------------------------------------------------------------
// The conformance suite.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_passes_the_conformance_suite() {
    with_server(|server| async move {
        let stores_made = AtomicUsize::new(0);
        testing::run_conformance(|| {
            // A fresh, empty store per check: a prefix of its own under the test's.
            let prefix = format!(
                "{}{}:",
                server.prefix,
                stores_made.fetch_add(1, Ordering::Relaxed)
            );
            let url = server.url.clone();
            async move {
                connect::<testing::TestData>(&url)
                    .await
                    .with_key_prefix(prefix)
            }
        })
        .await;
    })
    .await;
}

// ---------------------------------------------------------------------------
// Round trips.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn validate_without_extension_costs_one_round_trip() {
    with_server(|server| async move {
        let proxy = CountingProxy::start(&support::host_port(&server.url)).await;
        let (narvik, _clock) = narvik_over(server.store_via(&proxy).await);
        let created = create(&narvik, "user-1").await;
        validate(&narvik, created.token.as_str()).await; // warm-up

        proxy.reset();
        let session = validate(&narvik, created.token.as_str()).await;
        assert!(!session.is_extended());
        assert_eq!(proxy.round_trips(), 1, "a plain validation is one GET");
    })
    .await;
}

#[tokio::test]
async fn validate_with_extension_costs_at_most_two_round_trips() {
    with_server(|server| async move {
        let proxy = CountingProxy::start(&support::host_port(&server.url)).await;
        let (narvik, clock) = narvik_over(server.store_via(&proxy).await);
        let created = create(&narvik, "user-1").await;
        validate(&narvik, created.token.as_str()).await; // warm-up
        clock.advance(Duration::days(16)); // less than half of 30 days left

        proxy.reset();
        let session = validate(&narvik, created.token.as_str()).await;
        assert!(session.is_extended());
        let round_trips = proxy.round_trips();
        assert!(
            round_trips <= 2,
            "an extending validation took {round_trips} round trips (GET + EVALSHA is 2)"
        );

        let stored = fetch(&narvik, &created.session.id).await;
        assert_eq!(
            stored.map(|stored| stored.expires_at),
            Some(session.expires_at)
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// Outages.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unreachable_redis_is_a_store_error_and_the_store_recovers_by_itself() {
    with_server(|server| async move {
        let proxy = CountingProxy::start(&support::host_port(&server.url)).await;
        let (narvik, _clock) = narvik_over(server.store_via(&proxy).await);
        let created = create(&narvik, "user-1").await;
        validate(&narvik, created.token.as_str()).await;

        proxy.cut();
        for attempt in 0..3 {
            let started = std::time::Instant::now();
            let result = narvik.validate_session(created.token.as_str()).await;
            let error = result.expect_err("validation with Redis down must fail, not sign out");
            assert_redis_store_error(&error, &format!("validation {attempt} during the outage"));
            // The default timeouts and two reconnection retries: well under a second
            // here, never the minutes of a connection left to hang.
            assert!(
                started.elapsed() < StdDuration::from_secs(5),
                "validation {attempt} took {:?} to fail",
                started.elapsed()
            );
        }
        let error = narvik
            .create_session("user-1", alice())
            .await
            .expect_err("creating with Redis down must fail");
        assert_redis_store_error(&error, "create_session during the outage");

        proxy.restore();
        // The same store, not a new one: its connection manager reconnects by
        // itself. A request already under way when Redis came back may still fail.
        let mut failures_after_restore = 0;
        let session = loop {
            match narvik.validate_session(created.token.as_str()).await {
                Ok(session) => break session,
                Err(error) => {
                    assert_redis_store_error(&error, "validation after the restore");
                    failures_after_restore += 1;
                    assert!(
                        failures_after_restore < 20,
                        "the store did not recover: {error}"
                    );
                    tokio::time::sleep(StdDuration::from_millis(100)).await;
                }
            }
        };
        assert_eq!(
            session.map(|session| session.id),
            Some(created.session.id),
            "the session survived the outage"
        );
        create(&narvik, "user-1").await;
    })
    .await;
}

#[tokio::test]
async fn connecting_to_a_server_that_is_not_there_is_a_store_error() {
    let free_port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        listener.local_addr().expect("its address").port()
    };
    let url = format!("redis://127.0.0.1:{free_port}");
    let connecting = RedisStore::<AppData>::connect(&url);
    let result = tokio::time::timeout(TEST_TIMEOUT, connecting)
        .await
        .expect("connect must give up, not hang");
    let error = result.expect_err("nothing listens there");
    assert_redis_store_error(&error, "connect");
    assert!(
        error.to_string().starts_with("session store failed"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------
// Stored data that no longer decodes.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn session_missing_a_required_field_is_deleted_by_validation() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, _clock) = narvik_over(store.clone());
        let created = create(&narvik, "user-1").await;
        let session_key = store.session_key(&created.session.id);
        // Stored before `username` existed.
        let expires_at_ms = unix_ms(created.session.expires_at);
        server
            .replace_value(
                &session_key,
                frame(expires_at_ms, "user-1", r#"{"theme":"dark"}"#),
            )
            .await;

        let error = narvik
            .store()
            .fetch_session(&created.session.id)
            .await
            .expect_err("data without a required field does not decode");
        assert_decode_error(&error, &created.session.id, "username");
        let listed = narvik
            .fetch_sessions_for_user("user-1")
            .await
            .expect("a listing leaves out a session that does not decode");
        assert!(listed.is_empty(), "{listed:?}");

        let validated = narvik
            .validate_session(created.token.as_str())
            .await
            .expect("an undecodable session is no store failure");
        assert!(validated.is_none());
        assert!(!server.exists(&session_key).await, "validation deletes it");
        assert!(
            server.index_members(&store, "user-1").await.is_empty(),
            "and its index member"
        );
    })
    .await;
}

#[tokio::test]
async fn session_missing_an_optional_field_reads_its_default() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, _clock) = narvik_over(store.clone());
        let created = create(&narvik, "user-1").await;
        // Stored before `theme` and `visits` existed.
        server
            .replace_value(
                &store.session_key(&created.session.id),
                frame(
                    unix_ms(created.session.expires_at),
                    "user-1",
                    r#"{"username":"alice","removed_since":true}"#,
                ),
            )
            .await;

        let session = validate(&narvik, created.token.as_str()).await;
        assert_eq!(
            session.data,
            AppData {
                username: "alice".into(),
                theme: None,
                visits: 0,
            }
        );
    })
    .await;
}

/// How a test spoils a stored session. Values replace the stored one, keeping the
/// key's expiry; `{exp}` in them stands for the session's expires_at in Unix ms.
enum Corruption {
    /// A value whose frame the scripts read (they never look at the data), but
    /// Rust refuses.
    Readable(&'static [u8]),
    /// A value the scripts cannot read either.
    Unreadable(&'static [u8]),
    /// A hash instead of a string (the layout before this one).
    Hash,
}

#[tokio::test]
async fn malformed_stored_sessions_are_decode_errors_that_validation_deletes() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, clock) = narvik_over(store.clone());
        // Each case: what is wrong, how it is made so, and what the error must mention.
        let cases: [(&str, Corruption, &str); 10] = [
            (
                "data that is not JSON",
                Corruption::Readable(b"{exp}:6:user-1{not json"),
                "line 1",
            ),
            (
                "data of the wrong type",
                Corruption::Readable(br#"{exp}:6:user-1{"username":7}"#),
                "invalid type",
            ),
            (
                "data that is not UTF-8",
                Corruption::Readable(b"{exp}:6:user-1{\"username\":\"\xff\"}"),
                "data is not UTF-8",
            ),
            (
                "no frame at all, a bare JSON object",
                Corruption::Unreadable(br#"{"username":"alice"}"#),
                "expires_at is not a Unix time",
            ),
            (
                "no separator at all",
                Corruption::Unreadable(b"alice"),
                "no `:` after its expires_at",
            ),
            (
                "an expiry that is no number",
                Corruption::Unreadable(br#"soon:6:user-1{"username":"alice"}"#),
                "`soon`",
            ),
            (
                "no separator after the user id length",
                Corruption::Unreadable(b"{exp}:6"),
                "no `:` after its user id length",
            ),
            (
                "a user id length that is no number",
                Corruption::Unreadable(br#"{exp}:six:user-1{"username":"alice"}"#),
                "`six`",
            ),
            (
                "a user id length past the end",
                Corruption::Unreadable(b"{exp}:99:user-1{}"),
                "runs past its end",
            ),
            (
                "a hash instead of a string",
                Corruption::Hash,
                "not a string",
            ),
        ];
        for (what, corruption, mentioned) in cases {
            let created = create(&narvik, "user-1").await;
            let session_key = store.session_key(&created.session.id);
            match &corruption {
                Corruption::Readable(template) | Corruption::Unreadable(template) => {
                    let expires_at_ms = unix_ms(created.session.expires_at).to_string();
                    let value = replace_bytes(template, b"{exp}", expires_at_ms.as_bytes());
                    server.replace_value(&session_key, value).await;
                }
                Corruption::Hash => {
                    server
                        .query::<()>(redis::cmd("DEL").arg(&session_key))
                        .await;
                    server
                        .query::<()>(
                            redis::cmd("HSET")
                                .arg(&session_key)
                                .arg("user_id")
                                .arg("user-1"),
                        )
                        .await;
                }
            }
            let stored = server.dump(&session_key).await;

            let error = narvik
                .store()
                .fetch_session(&created.session.id)
                .await
                .expect_err(what);
            assert_decode_error(&error, &created.session.id, mentioned);

            // An extension never fails; it rewrites the leading expires_at of a frame
            // it reads, and nothing it cannot read.
            let later = clock_now(&clock) + Duration::days(40);
            narvik
                .store()
                .update_session_expiry(&created.session.id, later)
                .await
                .unwrap_or_else(|error| panic!("{what}: update_session_expiry: {error}"));
            if let Corruption::Readable(template) = corruption {
                let expires_at_ms = unix_ms(later).to_string();
                let expected = replace_bytes(template, b"{exp}", expires_at_ms.as_bytes());
                let after_expiry = |value: &[u8]| {
                    value
                        .iter()
                        .position(|&byte| byte == b':')
                        .map(|colon| value[colon..].to_vec())
                };
                let stored: Vec<u8> = server.query(redis::cmd("GET").arg(&session_key)).await;
                assert_eq!(
                    after_expiry(&stored),
                    after_expiry(&expected),
                    "{what}: more than the expiry rewritten"
                );
            } else {
                assert_eq!(server.dump(&session_key).await, stored, "{what}: rewritten");
            }

            let validated = narvik.validate_session(created.token.as_str()).await;
            assert!(matches!(validated, Ok(None)), "{what}: {validated:?}");
            assert!(!server.exists(&session_key).await, "{what}: not deleted");
        }
        // Deleting a value without a readable user id, or a hash, cannot tell whose
        // index lists it; the next look at the index drops the member.
        let listed = narvik
            .fetch_sessions_for_user("user-1")
            .await
            .expect("fetch");
        assert!(listed.is_empty(), "{listed:?}");
        assert!(server.index_members(&store, "user-1").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_expiry_out_of_range_does_not_decode_yet_the_session_stays_its_users() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, _clock) = narvik_over(store.clone());
        // Only Rust checks the range of expires_at; the scripts still read the
        // frame, so the session stays indexed as user-1's and goes with their
        // others, but a listing leaves it out.
        let value = frame(i64::MAX, "user-1", r#"{"username":"alice"}"#).replacen(
            &i64::MAX.to_string(),
            "99999999999999999999",
            1,
        );
        let kept = create(&narvik, "user-1").await;
        let spoiled = create(&narvik, "user-1").await;
        let spoiled_key = store.session_key(&spoiled.session.id);
        server.replace_value(&spoiled_key, &value).await;
        let listed = narvik
            .fetch_sessions_for_user("user-1")
            .await
            .expect("a listing leaves out what does not decode");
        let listed: Vec<&str> = listed.iter().map(|session| session.id.as_str()).collect();
        assert_eq!(listed, [kept.session.id.as_str()]);
        assert_eq!(server.index_members(&store, "user-1").await.len(), 2);
        narvik
            .delete_sessions_for_user("user-1")
            .await
            .expect("delete for user");
        assert!(
            server.keys().await.is_empty(),
            "deleted with the user's others"
        );

        let spoiled = create(&narvik, "user-1").await;
        let spoiled_key = store.session_key(&spoiled.session.id);
        server.replace_value(&spoiled_key, &value).await;
        let error = narvik
            .store()
            .fetch_session(&spoiled.session.id)
            .await
            .expect_err("an expiry beyond i64 does not decode");
        assert_decode_error(&error, &spoiled.session.id, "`99999999999999999999`");
        assert!(validate_none(&narvik, spoiled.token.as_str()).await);
        assert!(
            server.keys().await.is_empty(),
            "validation deletes it and its member"
        );
    })
    .await;
}

#[tokio::test]
async fn a_session_whose_frame_names_another_user_is_neither_listed_nor_deleted() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, _clock) = narvik_over(store.clone());
        let kept = create(&narvik, "user-1").await;
        let spoiled = create(&narvik, "user-1").await;
        let spoiled_key = store.session_key(&spoiled.session.id);
        // A length one too long reaches into the data: the user id reads `user-1{`.
        let value = frame(unix_ms(spoiled.session.expires_at), "user-1", "{}");
        server
            .replace_value(&spoiled_key, value.replacen(":6:", ":7:", 1))
            .await;

        let listed = narvik
            .fetch_sessions_for_user("user-1")
            .await
            .expect("fetch");
        assert_eq!(
            listed
                .iter()
                .map(|session| session.id.clone())
                .collect::<Vec<_>>(),
            std::slice::from_ref(&kept.session.id)
        );
        narvik
            .delete_sessions_for_user("user-1")
            .await
            .expect("delete for user");
        assert!(validate_none(&narvik, kept.token.as_str()).await);
        assert!(
            server.exists(&spoiled_key).await,
            "a session naming another user id is not deleted as user-1's"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// Two app servers over one Redis.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn two_app_servers_over_one_redis_see_each_others_changes_at_once() {
    with_server(|server| async move {
        // Separate connections, as two processes would have.
        let (first, _) = narvik_over(server.store().await);
        let (second, _) = narvik_over(server.store().await);

        let created = create(&first, "user-1").await;
        let seen = validate(&second, created.token.as_str()).await;
        assert_eq!(seen.id, created.session.id);
        assert_eq!(seen.data, alice());

        second
            .invalidate_session(&created.session.id)
            .await
            .expect("invalidate");
        assert!(validate_none(&first, created.token.as_str()).await);

        let laptop = create(&first, "user-1").await;
        let phone = create(&first, "user-1").await;
        let other_user = create(&first, "user-2").await;
        let listed = second
            .fetch_sessions_for_user("user-1")
            .await
            .expect("fetch");
        assert_eq!(listed.len(), 2);
        second
            .delete_sessions_for_user("user-1")
            .await
            .expect("delete for user");
        assert!(validate_none(&first, laptop.token.as_str()).await);
        assert!(validate_none(&first, phone.token.as_str()).await);
        validate(&first, other_user.token.as_str()).await;
        let listed = first
            .fetch_sessions_for_user("user-1")
            .await
            .expect("fetch");
        assert!(listed.is_empty());
    })
    .await;
}

// ---------------------------------------------------------------------------
// Expiry, by Redis's own clock.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn session_key_expires_by_itself_and_leaves_the_user_index() {
    with_server(|server| async move {
        let store = server.store().await;
        // The real clock: Redis expires keys by its own, which a ManualClock cannot move.
        let short = Narvik::<AppData, _>::builder(store.clone())
            .session_expires_in(Duration::seconds(1))
            .build()
            .expect("valid settings");
        let long = Narvik::<AppData, _>::new(store.clone());
        let short_lived = create(&short, "user-1").await;
        let long_lived = create(&long, "user-1").await;
        let only_session = create(&short, "user-2").await;
        let session_key = store.session_key(&short_lived.session.id);
        let time_to_live: i64 = server.query(redis::cmd("PTTL").arg(&session_key)).await;
        assert!(
            (1..=1_000).contains(&time_to_live),
            "the key expires with the session: PTTL {time_to_live}"
        );

        tokio::time::sleep(StdDuration::from_millis(1_200)).await;
        assert!(
            !server.exists(&session_key).await,
            "Redis deleted the key by itself"
        );
        assert_eq!(
            server.index_members(&store, "user-1").await.len(),
            2,
            "the member stays in the index until a script next reads it"
        );
        let listed = long.fetch_sessions_for_user("user-1").await.expect("fetch");
        assert_eq!(
            listed
                .iter()
                .map(|session| session.id.clone())
                .collect::<Vec<_>>(),
            std::slice::from_ref(&long_lived.session.id),
            "fetch_sessions_for_user never lists a session that expired by itself"
        );
        assert_eq!(
            server.index_members(&store, "user-1").await,
            std::slice::from_ref(&long_lived.session.id),
            "and drops its member from the index"
        );

        // An index goes by itself with its latest session.
        assert!(
            !server
                .exists(&store.session_key(&only_session.session.id))
                .await
        );
        assert!(!server.exists(&store.user_index_key("user-2")).await);
        long.invalidate_session(&long_lived.session.id)
            .await
            .expect("invalidate");
        assert!(server.keys().await.is_empty(), "nothing is left behind");
    })
    .await;
}

// ---------------------------------------------------------------------------
// The key layout and the scripts.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn each_session_is_one_string_that_expires_with_it_and_each_user_a_sorted_set() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, _clock) = narvik_over(store.clone());
        let created = create(&narvik, "user-1").await;
        let session_key = store.session_key(&created.session.id);
        assert_eq!(
            session_key,
            format!("{}session:{}", server.prefix, created.session.id)
        );
        let index_key = store.user_index_key("user-1");
        assert_eq!(index_key, format!("{}user:user-1", server.prefix));

        let expires_at_ms = unix_ms(created.session.expires_at);
        let kind: String = server.query(redis::cmd("TYPE").arg(&session_key)).await;
        assert_eq!(kind, "string");
        assert_eq!(
            server.value(&session_key).await,
            frame(
                expires_at_ms,
                "user-1",
                r#"{"username":"alice","theme":"dark","visits":3}"#
            )
        );
        assert_expires_at(&server, &session_key, expires_at_ms).await;
        let score: i64 = server
            .query(
                redis::cmd("ZSCORE")
                    .arg(&index_key)
                    .arg(&created.session.id),
            )
            .await;
        assert_eq!(score, expires_at_ms);
        assert_expires_at(&server, &index_key, expires_at_ms).await;

        // A session that ends sooner leaves the index expiring with the latest one.
        let short = Narvik::<AppData, _>::builder(store.clone())
            .session_expires_in(Duration::hours(1))
            .build()
            .expect("valid settings");
        create(&short, "user-1").await;
        assert_expires_at(&server, &index_key, expires_at_ms).await;
        assert!(
            !format!("{store:?}").contains("127.0.0.1"),
            "Debug shows no URL"
        );
    })
    .await;
}

#[tokio::test]
async fn saving_drops_the_members_whose_session_expired() {
    with_server(|server| async move {
        let store = server.store().await;
        // The real clock: Redis expires keys by its own.
        let short = Narvik::<AppData, _>::builder(store.clone())
            .session_expires_in(Duration::seconds(1))
            .build()
            .expect("valid settings");
        let long = Narvik::<AppData, _>::new(store.clone());
        let kept = create(&long, "user-1").await;
        for _ in 0..3 {
            create(&short, "user-1").await;
        }
        assert_eq!(server.index_members(&store, "user-1").await.len(), 4);

        tokio::time::sleep(StdDuration::from_millis(1_200)).await;
        let created = create(&long, "user-1").await;
        let mut expected = vec![kept.session.id, created.session.id];
        let mut members = server.index_members(&store, "user-1").await;
        expected.sort();
        members.sort();
        assert_eq!(members, expected, "the expired members are gone");
    })
    .await;
}

#[tokio::test]
async fn saving_or_extending_to_a_past_expiry_leaves_nothing_behind() {
    with_server(|server| async move {
        let store = server.store().await;
        let now = OffsetDateTime::now_utc();
        for expires_at in [
            now - Duration::seconds(1),
            OffsetDateTime::UNIX_EPOCH - Duration::days(1),
        ] {
            let mut session = narvik::Session::new("0000past", "user-1", expires_at, alice());
            store.save_session(&mut session).await.expect("save");
            assert!(server.keys().await.is_empty(), "saved at {expires_at}");
        }

        let (narvik, _clock) = narvik_over(store.clone());
        let created = create(&narvik, "user-1").await;
        store
            .update_session_expiry(&created.session.id, now - Duration::seconds(1))
            .await
            .expect("update to the past");
        assert!(fetch(&narvik, &created.session.id).await.is_none());
        assert!(server.index_members(&store, "user-1").await.is_empty());
        assert!(server.keys().await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn extending_rewrites_only_the_expiry_and_keeps_the_data_byte_for_byte() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, clock) = narvik_over(store.clone());
        // A user id of separators and digits; data with an integer beyond 2^53 (a float
        // in Lua's cjson), escapes and a field the app no longer has.
        let user_id = "7:user:12:";
        let created = create(&narvik, user_id).await;
        let session_key = store.session_key(&created.session.id);
        let data = r#"{"username":"al:1:ice \"q\" \u00e9","visits":7,"gone":18446744073709551615}"#;
        server
            .replace_value(
                &session_key,
                frame(unix_ms(created.session.expires_at), user_id, data),
            )
            .await;

        clock.advance(Duration::days(16));
        let extended = validate(&narvik, created.token.as_str()).await;
        assert!(extended.is_extended());
        assert_eq!(extended.user_id, user_id);
        assert_eq!(extended.data.username, "al:1:ice \"q\" é");
        let new_ms = unix_ms(extended.expires_at);
        assert_eq!(
            server.value(&session_key).await,
            frame(new_ms, user_id, data)
        );
        assert_expires_at(&server, &session_key, new_ms).await;
        let listed = narvik
            .fetch_sessions_for_user(user_id)
            .await
            .expect("fetch");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].expires_at, extended.expires_at);
    })
    .await;
}

#[tokio::test]
async fn update_session_expiry_moves_the_key_expiry_the_stored_expiry_and_the_index() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, clock) = narvik_over(store.clone());
        let created = create(&narvik, "user-1").await;
        let other = create(&narvik, "user-1").await;
        clock.advance(Duration::days(16));
        let extended = validate(&narvik, created.token.as_str()).await;
        assert!(extended.is_extended());

        let new_ms = unix_ms(extended.expires_at);
        let session_key = store.session_key(&created.session.id);
        assert_eq!(
            server.value(&session_key).await,
            frame(
                new_ms,
                "user-1",
                r#"{"username":"alice","theme":"dark","visits":3}"#
            ),
            "only the leading expires_at changed"
        );
        assert_expires_at(&server, &session_key, new_ms).await;
        let index_key = store.user_index_key("user-1");
        let score: i64 = server
            .query(
                redis::cmd("ZSCORE")
                    .arg(&index_key)
                    .arg(&created.session.id),
            )
            .await;
        assert_eq!(score, new_ms);
        assert_expires_at(&server, &index_key, new_ms).await;
        let fetched = fetch(&narvik, &created.session.id).await;
        assert_eq!(
            fetched.map(|session| session.expires_at),
            Some(extended.expires_at)
        );

        // Its data and the other session are untouched.
        assert_eq!(
            validate(&narvik, created.token.as_str()).await.data,
            alice()
        );
        assert_eq!(
            fetch(&narvik, &other.session.id)
                .await
                .map(|session| session.expires_at),
            Some(other.session.expires_at)
        );
    })
    .await;
}

#[tokio::test]
async fn update_session_expiry_of_a_gone_session_writes_nothing() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, clock) = narvik_over(store.clone());
        let created = create(&narvik, "user-1").await;
        narvik
            .invalidate_session(&created.session.id)
            .await
            .expect("invalidate");
        assert!(server.keys().await.is_empty(), "invalidation leaves no key");

        let later = clock_now(&clock) + Duration::days(30);
        store
            .update_session_expiry(&created.session.id, later)
            .await
            .expect("update of a deleted session");
        store
            .update_session_expiry("never-stored", later)
            .await
            .expect("update of a session never stored");
        assert!(
            server.keys().await.is_empty(),
            "update_session_expiry wrote a key for a session that is gone"
        );
    })
    .await;
}

#[tokio::test]
async fn user_operations_skip_stale_members_and_never_touch_another_users_session() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, _clock) = narvik_over(store.clone());
        let mine = create(&narvik, "alice").await;
        let bobs = create(&narvik, "bob").await;
        let alice_index = store.user_index_key("alice");
        // A member whose session is gone, and one naming Bob's session: neither may be
        // listed as Alice's, and Bob's session must survive deleting Alice's.
        let far_future = unix_ms(mine.session.expires_at);
        server
            .query::<()>(
                redis::cmd("ZADD")
                    .arg(&alice_index)
                    .arg(far_future)
                    .arg("0000gone")
                    .arg(far_future)
                    .arg(&bobs.session.id),
            )
            .await;

        let listed = narvik
            .fetch_sessions_for_user("alice")
            .await
            .expect("fetch");
        assert_eq!(
            listed
                .iter()
                .map(|session| session.id.clone())
                .collect::<Vec<_>>(),
            std::slice::from_ref(&mine.session.id)
        );
        assert_eq!(
            server.index_members(&store, "alice").await,
            std::slice::from_ref(&mine.session.id),
            "stale and foreign members are dropped"
        );

        server
            .query::<()>(
                redis::cmd("ZADD")
                    .arg(&alice_index)
                    .arg(far_future)
                    .arg(&bobs.session.id),
            )
            .await;
        narvik
            .delete_sessions_for_user("alice")
            .await
            .expect("delete for user");
        assert!(validate_none(&narvik, mine.token.as_str()).await);
        validate(&narvik, bobs.token.as_str()).await;
        assert!(!server.exists(&alice_index).await);
    })
    .await;
}

#[tokio::test]
async fn delete_all_expired_sessions_walks_every_index_page_by_page() {
    with_server(|server| async move {
        let store = server.store().await;
        let (narvik, clock) = narvik_over(store.clone());
        // More users than one SCAN page holds.
        const USERS: usize = 250;
        for user in 0..USERS {
            create(&narvik, &format!("user-{user}")).await;
        }
        clock.advance(Duration::days(20));
        let survivor = create(&narvik, "user-0").await;
        // A stale member of an index with no live session by the app's clock.
        server
            .query::<()>(
                redis::cmd("ZADD")
                    .arg(store.user_index_key("user-1"))
                    .arg(1)
                    .arg("0000gone"),
            )
            .await;
        assert_eq!(server.keys().await.len(), 2 * USERS + 1);

        // Past the first sessions' expiry by narvik's clock; Redis's is still a month
        // behind, so the keys are there until this deletes them.
        clock.advance(Duration::days(11));
        narvik
            .delete_all_expired_sessions()
            .await
            .expect("delete expired");

        let mut left = server.keys().await;
        left.sort();
        let mut expected = vec![
            store.session_key(&survivor.session.id),
            store.user_index_key("user-0"),
        ];
        expected.sort();
        assert_eq!(
            left, expected,
            "only the live session and its index are left"
        );
        assert_eq!(
            server.index_members(&store, "user-0").await,
            std::slice::from_ref(&survivor.session.id)
        );
        validate(&narvik, survivor.token.as_str()).await;
    })
    .await;
}

#[tokio::test]
async fn key_prefixes_keep_stores_on_one_server_apart() {
    with_server(|server| async move {
        let (first, first_clock) = narvik_over(server.store().await);
        let second_store = server
            .store()
            .await
            .with_key_prefix(format!("{}other:", server.prefix));
        let (second, second_clock) = narvik_over(second_store);
        let created = create(&first, "user-1").await;
        create(&second, "user-1").await;

        assert!(validate_none(&second, created.token.as_str()).await);
        second
            .delete_sessions_for_user("user-1")
            .await
            .expect("delete for user");
        second_clock.advance(Duration::days(365));
        second
            .delete_all_expired_sessions()
            .await
            .expect("delete expired");
        assert!(second
            .fetch_sessions_for_user("user-1")
            .await
            .expect("fetch")
            .is_empty());

        first_clock.advance(Duration::days(1));
        validate(&first, created.token.as_str()).await;
        assert_eq!(
            first
                .fetch_sessions_for_user("user-1")
                .await
                .expect("fetch")
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn store_works_over_a_connection_made_by_the_app() {
    with_server(|server| async move {
        let client = redis::Client::open(server.url.as_str()).expect("valid URL");
        let config = RedisStore::<AppData>::default_connection_config();
        let manager = redis::aio::ConnectionManager::new_with_config(client.clone(), config)
            .await
            .expect("connect");
        let store = RedisStore::<AppData>::from_connection(manager).with_key_prefix(&server.prefix);
        store.load_scripts().await.expect("load scripts");
        assert_eq!(store.key_prefix(), server.prefix);
        let (narvik, _clock) = narvik_over(store);
        let created = create(&narvik, "user-1").await;

        // A plain multiplexed connection works too.
        let multiplexed = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect");
        let store =
            RedisStore::<AppData, _>::from_connection(multiplexed).with_key_prefix(&server.prefix);
        let (other, _clock) = narvik_over(store);
        assert_eq!(validate(&other, created.token.as_str()).await.data, alice());
    })
    .await;
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

/// A reachable server and this test's key prefix; deletes the prefix's keys when
/// dropped, also after a panic.
struct Server {
    url: String,
    /// Unique to the test, ending in `:`.
    prefix: String,
    raw: redis::aio::MultiplexedConnection,
}

/// Runs `test` against the server, within [`TEST_TIMEOUT`]; skips (or fails under
/// `CI=true`) when there is no server.
async fn with_server<F, Fut>(test: F)
where
    F: FnOnce(Server) -> Fut,
    Fut: Future<Output = ()>,
{
    let url = support::server_url(URL_VAR, DEFAULT_URL);
    if !support::require_server("Redis", &support::host_port(&url)).await {
        return;
    }
    let raw = redis::Client::open(url.as_str())
        .expect("a valid NARVIK_TEST_REDIS_URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a raw connection to the test server");
    let server = Server {
        url,
        prefix: format!("{}:", support::unique_name("narvik_test_redis")),
        raw,
    };
    tokio::time::timeout(TEST_TIMEOUT, test(server))
        .await
        .expect("the test hung");
}

impl Server {
    /// A new store, on a connection of its own, under the test's prefix.
    async fn store(&self) -> RedisStore<AppData> {
        connect(&self.url).await.with_key_prefix(&self.prefix)
    }

    /// A new store under the test's prefix that reaches Redis through `proxy`.
    async fn store_via(&self, proxy: &CountingProxy) -> RedisStore<AppData> {
        let url = self
            .url
            .replacen(&support::host_port(&self.url), &proxy.host_port(), 1);
        connect(&url).await.with_key_prefix(&self.prefix)
    }

    async fn query<T: FromRedisValue>(&self, command: &redis::Cmd) -> T {
        let mut raw = self.raw.clone();
        command
            .query_async(&mut raw)
            .await
            .unwrap_or_else(|error| panic!("{command:?} failed: {error}"))
    }

    /// Replaces the value at `key` with `value`, keeping the key's expiry.
    async fn replace_value(&self, key: &str, value: impl AsRef<[u8]>) {
        self.query::<()>(
            redis::cmd("SET")
                .arg(key)
                .arg(value.as_ref())
                .arg("KEEPTTL"),
        )
        .await;
    }

    /// The string at `key`.
    async fn value(&self, key: &str) -> String {
        self.query(redis::cmd("GET").arg(key)).await
    }

    /// Whatever is at `key`, in Redis's serialization (any type).
    async fn dump(&self, key: &str) -> Vec<u8> {
        self.query(redis::cmd("DUMP").arg(key)).await
    }

    async fn exists(&self, key: &str) -> bool {
        self.query::<bool>(redis::cmd("EXISTS").arg(key)).await
    }

    /// The members of `user_id`'s index, soonest to expire first.
    async fn index_members(&self, store: &RedisStore<AppData>, user_id: &str) -> Vec<String> {
        self.query(
            redis::cmd("ZRANGE")
                .arg(store.user_index_key(user_id))
                .arg(0)
                .arg(-1),
        )
        .await
    }

    /// Every key under the test's prefix.
    async fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut cursor = 0_u64;
        loop {
            let (next, page): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(format!("{}*", self.prefix))
                        .arg("COUNT")
                        .arg(1_000),
                )
                .await;
            keys.extend(page);
            if next == 0 {
                keys.sort();
                keys.dedup();
                return keys;
            }
            cursor = next;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Blocking, and best effort: a test that leaves keys behind does no harm but
        // clutter (its sessions expire by themselves in time).
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut connection) = client.get_connection_with_timeout(StdDuration::from_secs(2))
        else {
            return;
        };
        let pattern = format!("{}*", self.prefix);
        let mut cursor = 0_u64;
        loop {
            let page: redis::RedisResult<(u64, Vec<String>)> = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1_000)
                .query(&mut connection);
            let Ok((next, keys)) = page else { return };
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(&keys).query(&mut connection);
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }
}

async fn connect<D>(url: &str) -> RedisStore<D> {
    RedisStore::connect(url)
        .await
        .unwrap_or_else(|error| panic!("connect to {url}: {error}"))
}

/// Narvik over `store` with a [`ManualClock`] at the real time: Redis sets each
/// key's expiry from `expires_at` by its own clock, so a clock far from it would
/// make keys expire at once (or never). Cut to the millisecond, the precision the
/// store keeps.
fn narvik_over<S: SessionStore<AppData>>(store: S) -> (Narvik<AppData, S>, ManualClock) {
    let now = OffsetDateTime::now_utc();
    let clock = ManualClock::new(
        now.replace_millisecond(now.millisecond())
            .expect("a whole millisecond"),
    );
    let narvik = Narvik::builder(store)
        .clock(clock.clone())
        .build()
        .expect("valid settings");
    (narvik, clock)
}

fn clock_now(clock: &ManualClock) -> OffsetDateTime {
    narvik::Clock::now(clock)
}

async fn create<S: SessionStore<AppData>>(
    narvik: &Narvik<AppData, S>,
    user_id: &str,
) -> narvik::CreatedSession<AppData> {
    narvik
        .create_session(user_id, alice())
        .await
        .expect("create_session")
}

async fn validate<S: SessionStore<AppData>>(
    narvik: &Narvik<AppData, S>,
    token: &str,
) -> narvik::Session<AppData> {
    narvik
        .validate_session(token)
        .await
        .expect("validate_session")
        .expect("a live session")
}

async fn validate_none<S: SessionStore<AppData>>(narvik: &Narvik<AppData, S>, token: &str) -> bool {
    narvik
        .validate_session(token)
        .await
        .expect("validate_session")
        .is_none()
}

async fn fetch<S: SessionStore<AppData>>(
    narvik: &Narvik<AppData, S>,
    session_id: &str,
) -> Option<narvik::Session<AppData>> {
    narvik
        .store()
        .fetch_session(session_id)
        .await
        .expect("fetch_session")
}

/// A session value as the crate documents it:
/// `{expires_at}:{user_id_len}:{user_id}{data}`, written out here independently of
/// the store's encoder.
fn frame(expires_at_ms: i64, user_id: &str, data: &str) -> String {
    format!("{expires_at_ms}:{}:{user_id}{data}", user_id.len())
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

fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).expect("within i64")
}

/// The key expires at `expires_at_ms`: its TTL is that far from now, give or take
/// the test's own run time.
async fn assert_expires_at(server: &Server, key: &str, expires_at_ms: i64) {
    let time_to_live: i64 = server.query(redis::cmd("PTTL").arg(key)).await;
    let expected = expires_at_ms - unix_ms(OffsetDateTime::now_utc());
    assert!(
        (expected..=expected + 5_000).contains(&time_to_live),
        "{key} expires in {time_to_live} ms, not about {expected} ms"
    );
}

#[track_caller]
fn assert_redis_store_error(error: &Error, what: &str) {
    assert!(
        matches!(error, Error::Store { .. }),
        "{what}: expected a store error, got {error:?}"
    );
    let source = error.source();
    assert!(
        source.is_some_and(|source| source.is::<redis::RedisError>()),
        "{what}: the redis error must be the source, got {source:?}"
    );
}

#[track_caller]
fn assert_decode_error(error: &Error, expected_session_id: &str, field: &str) {
    let Error::Decode { session_id, source } = error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(session_id, expected_session_id);
    assert!(
        source.to_string().contains(field),
        "the error should name `{field}`: {source}"
    );
}
