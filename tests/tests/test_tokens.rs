//! Tokens and session ids: the original's reference pair, the shape checks that keep
//! malformed tokens away from the store and out of cookies, the session id as a
//! value (text, serde), and the redaction of tokens in `Debug`.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use narvik::token::{is_well_formed, InvalidSessionId, InvalidSessionToken};
use narvik::{
    CallbackStore, MemoryStore, Narvik, Session, SessionId, SessionStore, SessionTimes,
    SessionToken,
};
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
        move |_session_id: SessionId| {
            fetch.fetch_add(1, Ordering::SeqCst);
            async move { Ok(None) }
        },
        move |_session_id: SessionId, _expires_at| {
            update.fetch_add(1, Ordering::SeqCst);
            async move { Ok(()) }
        },
        move |_session_id: SessionId| {
            delete.fetch_add(1, Ordering::SeqCst);
            async move { Ok(()) }
        },
    )
}

/// Strings that are not tokens narvik issues, each for its own reason.
fn malformed_tokens() -> Vec<String> {
    vec![
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
        // 32 characters that would add a cookie attribute.
        format!("{}; Domain=a", &REFERENCE_TOKEN[..21]),
        REFERENCE_ID.to_owned(),
        "narvik_session=hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j".to_owned(),
    ]
}

#[test]
fn reference_token_hashes_to_the_reference_id() {
    assert_eq!(SessionId::of_token(REFERENCE_TOKEN).as_str(), REFERENCE_ID);
    assert!(is_well_formed(REFERENCE_TOKEN));
    let token: SessionToken = REFERENCE_TOKEN.parse().expect("the reference token parses");
    assert_eq!(token.session_id().as_str(), REFERENCE_ID);
    assert_eq!(token.session_id(), SessionId::of_token(REFERENCE_TOKEN));
}

#[tokio::test]
async fn debug_output_of_the_lifecycle_operations_never_contains_a_token() {
    let narvik = Narvik::builder(MemoryStore::<()>::new())
        .absolute_lifetime(Duration::days(10))
        .max_sessions_per_user(1)
        .session_limit_policy(narvik::SessionLimitPolicy::RefuseNew)
        .build()
        .expect("valid settings");
    let created = narvik.create_session("123", ()).await.expect("create");
    let rotated = narvik
        .rotate_session(&created.session.id)
        .await
        .expect("rotate_session")
        .expect("a live session is rotated");
    let renewed = narvik
        .reauthenticate(&rotated.session.id)
        .await
        .expect("reauthenticate")
        .expect("a live session is re-authenticated");
    let refused = narvik
        .create_session("123", ())
        .await
        .expect_err("the limit of one session refuses a second");

    let tokens = [&created.token, &rotated.token, &renewed.token];
    let debugs = [
        format!("{created:?}"),
        format!("{rotated:?}"),
        format!("{renewed:#?}"),
        format!("{:?}", renewed.session),
        format!("{:?}", renewed.session.times()),
        format!(
            "{:?}",
            narvik.create_cookie(&renewed.token, &renewed.session)
        ),
        format!("{narvik:?}"),
        format!("{refused:?}"),
        format!("{:?}", narvik.store()),
    ];
    for debug in &debugs {
        for token in tokens {
            assert!(!debug.contains(token.as_str()), "a token leaked: {debug}");
        }
    }
    // Rotation changes the token, and each is told apart by its id's start only.
    assert_ne!(created.token, rotated.token);
    let id = renewed.session.id.as_str();
    assert!(format!("{renewed:?}").contains(&format!("SessionId({}…)", &id[..8])));
    assert!(!format!("{renewed:?}").contains(id));
    assert!(format!("{narvik:?}").contains("absolute_lifetime: Some("));
}

#[tokio::test]
async fn session_stored_under_the_reference_id_validates_with_the_reference_token() {
    let clock = narvik::ManualClock::new(START);
    let narvik = Narvik::builder(MemoryStore::<()>::new())
        .clock(clock)
        .build()
        .expect("valid settings");
    // As a session the TypeScript original stored: only the id, never the token.
    let reference_id: SessionId = REFERENCE_ID.parse().expect("the reference id parses");
    let times = SessionTimes::issued(START, START + Duration::days(30));
    let mut session = Session::new(reference_id, "123", times, ());
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
    assert_eq!(validated.id.as_str(), REFERENCE_ID);
    assert_eq!(validated.user_id, "123");
}

#[tokio::test]
async fn created_session_is_stored_under_the_hash_of_its_token() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let created = narvik.create_session("123", ()).await.expect("create");
    assert_eq!(
        created.session.id,
        SessionId::of_token(created.token.as_str())
    );
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
    // The token itself can never be a key in the store: it is no session id.
    assert_ne!(created.session.id.as_str(), created.token.as_str());
    let error: InvalidSessionId = match created.token.as_str().parse::<SessionId>() {
        Ok(parsed) => panic!("a token parsed as the session id {parsed:?}"),
        Err(error) => error,
    };
    assert!(error.to_string().contains("not a session id"), "{error}");
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
    for token in &malformed_tokens() {
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

#[test]
fn parsing_refuses_malformed_tokens_without_repeating_them() {
    for token in &malformed_tokens() {
        let error: InvalidSessionToken = match token.parse::<SessionToken>() {
            Ok(_) => panic!("{token:?} parsed as a token"),
            Err(error) => error,
        };
        let message = error.to_string();
        assert_eq!(
            message,
            "not a session token: expected 32 characters of `a-z` and `2-7`"
        );
        assert!(
            token.len() < 4 || !message.contains(token.as_str()),
            "the error repeats the refused string: {message}"
        );
    }
}

#[test]
fn parsing_accepts_every_issued_token_as_itself() {
    for _ in 0..100 {
        let issued = SessionToken::generate();
        let parsed: SessionToken = issued
            .as_str()
            .parse()
            .unwrap_or_else(|error| panic!("{}: {error}", issued.as_str()));
        assert_eq!(parsed, issued);
        assert_eq!(parsed.as_str(), issued.as_str());
        assert_eq!(parsed.session_id(), issued.session_id());
    }
}

#[tokio::test]
async fn a_cookie_carries_a_parsed_token_and_nothing_else() {
    let narvik = Narvik::new(MemoryStore::<()>::new());
    let created = narvik.create_session("123", ()).await.expect("create");

    // The token comes back from the client as text: parsed, it makes the same
    // cookie, and validates.
    let from_request: SessionToken = created
        .token
        .as_str()
        .parse()
        .expect("an issued token parses");
    let cookie = narvik.create_cookie(&from_request, &created.session);
    assert_eq!(cookie.value, created.token.as_str());
    assert_eq!(
        cookie.to_string(),
        narvik
            .create_cookie(&created.token, &created.session)
            .to_string()
    );
    assert!(narvik
        .validate_session(&cookie.value)
        .await
        .expect("validate")
        .is_some());

    // What would add an attribute to `Set-Cookie` never becomes a token, so it
    // cannot reach `create_cookie`.
    for injected in [
        "x; Domain=evil.example",
        "hhwnvr2c6hbvvtcipmsfazyi2c; Path=/",
        "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j\r\nSet-Cookie: a=b",
    ] {
        assert!(injected.parse::<SessionToken>().is_err(), "{injected:?}");
    }
}

#[test]
fn session_ids_round_trip_through_text_and_serde() {
    let session_id: SessionId = REFERENCE_ID.parse().expect("parses");
    assert_eq!(session_id.to_string(), REFERENCE_ID);
    assert_eq!(session_id.as_str(), REFERENCE_ID);
    assert_eq!(AsRef::<str>::as_ref(&session_id), REFERENCE_ID);
    assert_eq!(
        session_id.to_string().parse::<SessionId>(),
        Ok(session_id),
        "Display and FromStr are inverses"
    );

    let json = serde_json::to_string(&session_id).expect("serialize");
    assert_eq!(json, format!("\"{REFERENCE_ID}\""), "a plain JSON string");
    let back: SessionId = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, session_id);
    let in_a_struct: Vec<SessionId> =
        serde_json::from_str(&format!("[\"{REFERENCE_ID}\"]")).expect("deserialize");
    assert_eq!(in_a_struct, [session_id]);

    for generated in (0..20).map(|_| SessionToken::generate().session_id()) {
        assert_eq!(generated.to_string().parse::<SessionId>(), Ok(generated));
        let json = serde_json::to_string(&generated).expect("serialize");
        assert_eq!(
            serde_json::from_str::<SessionId>(&json).expect("deserialize"),
            generated
        );
    }
}

#[test]
fn session_ids_refuse_anything_but_64_lower_case_hex() {
    let upper = REFERENCE_ID.to_uppercase();
    let not_hex = REFERENCE_ID.replace('c', "g");
    let long = format!("{REFERENCE_ID}0");
    let padded = format!(" {}", &REFERENCE_ID[1..]);
    let refused = [
        "",
        &REFERENCE_ID[..63],
        long.as_str(),
        upper.as_str(),
        not_hex.as_str(),
        REFERENCE_TOKEN,
        padded.as_str(),
    ];
    for text in refused {
        assert!(text.parse::<SessionId>().is_err(), "{text:?} parsed");
        let json = serde_json::to_string(text).expect("serialize");
        let error = serde_json::from_str::<SessionId>(&json).expect_err("refused by serde");
        assert!(error.to_string().contains("not a session id"), "{error}");
    }
    assert!(
        serde_json::from_str::<SessionId>("42").is_err(),
        "a number is no session id"
    );
}

#[test]
fn session_ids_compare_hash_and_order_as_their_text() {
    let ids: Vec<SessionId> = (0..50)
        .map(|_| SessionToken::generate().session_id())
        .collect();
    let hashed: HashSet<SessionId> = ids.iter().copied().collect();
    assert_eq!(hashed.len(), ids.len());
    let ordered: Vec<String> = ids
        .iter()
        .copied()
        .collect::<BTreeSet<SessionId>>()
        .iter()
        .map(SessionId::to_string)
        .collect();
    let mut texts: Vec<String> = ids.iter().map(SessionId::to_string).collect();
    texts.sort();
    assert_eq!(ordered, texts);
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
        format!(
            "{:?}",
            narvik.create_cookie(&created.token, &created.session)
        ),
        format!(
            "{:#?}",
            narvik.create_cookie(&created.token, &created.session)
        ),
        format!("{:?}", created.session),
    ] {
        assert!(!debug.contains(token), "the token leaked: {debug}");
    }
    // The session is named by the start of its id, not the whole id: the id is
    // what ends the session.
    let id = created.session.id.as_str();
    assert!(format!("{created:?}").contains(&format!("SessionId({}…)", &id[..8])));
    assert!(!format!("{created:?}").contains(id));
}
