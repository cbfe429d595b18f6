//! Tokens and session ids: the original's reference pair, the shape checks that keep
//! malformed tokens away from the store, and the redaction of tokens in `Debug`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use narvik::token::{is_well_formed, session_id};
use narvik::{CallbackStore, MemoryStore, Narvik, Session, SessionStore, SessionToken};
use narvik_tests::START;
use time::Duration;

const REFERENCE_TOKEN: &str = "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j";
const REFERENCE_ID: &str = "c6d162efa639d80d1057dbf171ba8ba5392a293548b95e8d1886020fdb84741f";

/// A store that counts every call and holds nothing.
fn counting_store(calls: Arc<AtomicUsize>) -> CallbackStore<()> {
    let (save, fetch, update, delete) = (calls.clone(), calls.clone(), calls.clone(), calls);
    CallbackStore::new(
        move |session: Session<()>| {
            save.fetch_add(1, Ordering::SeqCst);
            async move { Ok(session) }
        },
        move |_session_id: String| {
            fetch.fetch_add(1, Ordering::SeqCst);
            async move { Ok(None) }
        },
        move |_session_id: String, _expires_at| {
            update.fetch_add(1, Ordering::SeqCst);
            async move { Ok(()) }
        },
        move |_session_id: String| {
            delete.fetch_add(1, Ordering::SeqCst);
            async move { Ok(()) }
        },
    )
}

#[test]
fn reference_token_hashes_to_the_reference_id() {
    assert_eq!(session_id(REFERENCE_TOKEN), REFERENCE_ID);
    assert!(is_well_formed(REFERENCE_TOKEN));
}

#[tokio::test]
async fn session_stored_under_the_reference_id_validates_with_the_reference_token() {
    let clock = narvik::ManualClock::new(START);
    let narvik = Narvik::builder(MemoryStore::<()>::new())
        .clock(clock)
        .build()
        .expect("valid settings");
    // As a session the TypeScript original stored: only the id, never the token.
    let mut session = Session::new(REFERENCE_ID, "123", START + Duration::days(30), ());
    narvik
        .store()
        .save_session(&mut session)
        .await
        .expect("save");

    let validated = narvik
        .validate_session(REFERENCE_TOKEN)
        .await
        .expect("validate")
        .expect("the reference token finds the session stored under the reference id");
    assert_eq!(validated.id, REFERENCE_ID);
    assert_eq!(validated.user_id, "123");
}

#[tokio::test]
async fn created_session_is_stored_under_the_hash_of_its_token() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let created = narvik.create_session("123", ()).await.expect("create");
    assert_eq!(created.session.id, session_id(created.token.as_str()));
    assert_eq!(created.session.id, created.token.session_id());
    let stored = narvik
        .store()
        .fetch_session(&created.session.id)
        .await
        .expect("fetch");
    assert!(
        stored.is_some(),
        "the session is stored under the token's hash"
    );
    assert!(
        narvik
            .store()
            .fetch_session(created.token.as_str())
            .await
            .expect("fetch")
            .is_none(),
        "the token itself is never a key in the store"
    );
}

#[test]
fn generated_tokens_are_well_formed_and_distinct() {
    let first = SessionToken::generate();
    let second = SessionToken::generate();
    assert_eq!(first.as_str().len(), 32);
    assert!(is_well_formed(first.as_str()), "{}", first.as_str());
    assert!(is_well_formed(second.as_str()), "{}", second.as_str());
    assert_ne!(first, second);
    assert_ne!(first.session_id(), second.session_id());
    let text = first.as_str().to_owned();
    assert_eq!(first.into_string(), text);
}

#[tokio::test]
async fn malformed_tokens_return_none_without_touching_the_store() {
    let calls = Arc::new(AtomicUsize::new(0));
    let narvik = Narvik::new(counting_store(calls.clone()));
    let malformed = [
        String::new(),
        "a".to_owned(),
        REFERENCE_TOKEN[..31].to_owned(),
        format!("{REFERENCE_TOKEN}a"),
        REFERENCE_TOKEN.to_uppercase(),
        format!("H{}", &REFERENCE_TOKEN[1..]),
        format!("{}0", &REFERENCE_TOKEN[..31]),
        format!("{}1", &REFERENCE_TOKEN[..31]),
        format!("{}8", &REFERENCE_TOKEN[..31]),
        format!("{}9", &REFERENCE_TOKEN[..31]),
        // 32 bytes, but not ASCII.
        format!("{}é", &REFERENCE_TOKEN[..30]),
        // 32 characters, but more bytes.
        format!("{}é", &REFERENCE_TOKEN[..31]),
        format!("{}=", &REFERENCE_TOKEN[..31]),
        format!(" {}", &REFERENCE_TOKEN[..31]),
        format!("{}\0", &REFERENCE_TOKEN[..31]),
        REFERENCE_ID.to_owned(),
        "narvik_session=hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j".to_owned(),
    ];
    for token in &malformed {
        assert!(!is_well_formed(token), "{token:?} passed as well formed");
        let validated = narvik.validate_session(token).await.expect("validate");
        assert!(validated.is_none(), "{token:?} validated");
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a malformed token reached the store"
    );

    // A well-formed token does ask the store: the counter works.
    assert!(narvik
        .validate_session(REFERENCE_TOKEN)
        .await
        .expect("validate")
        .is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn debug_output_never_contains_the_token() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let created = narvik.create_session("123", ()).await.expect("create");
    let token = created.token.as_str();

    let token_debug = format!("{:?}", created.token);
    assert_eq!(token_debug, "SessionToken(<redacted>)");

    for debug in [
        format!("{created:?}"),
        format!("{created:#?}"),
        format!("{:?}", narvik.create_cookie(token)),
        format!("{:#?}", narvik.create_cookie(token)),
        format!("{:?}", created.session),
    ] {
        assert!(!debug.contains(token), "the token leaked: {debug}");
    }
    assert!(format!("{created:?}").contains(&created.session.id));
}
