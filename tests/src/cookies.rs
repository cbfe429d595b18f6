//! What the cookie and configuration tests share: one token as a client sends it
//! back, a builder over an empty store, and the cookie it makes.

use narvik::time::OffsetDateTime;
use narvik::{
    Cookie, MemoryStore, Narvik, NarvikBuilder, Session, SessionTimes, SessionToken,
    DEFAULT_SESSION_EXPIRES_IN,
};

/// A token as a client sends it back in its cookie.
pub const TOKEN: &str = "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j";

/// [`TOKEN`], parsed as `create_cookie` takes it.
pub fn token() -> SessionToken {
    TOKEN
        .parse()
        .unwrap_or_else(|error| panic!("{TOKEN} is a well-formed token: {error}"))
}

/// A builder of the default settings over an empty [`MemoryStore`] of sessions
/// without custom data.
pub fn builder() -> NarvikBuilder<MemoryStore<()>> {
    Narvik::builder(MemoryStore::new())
}

/// A session of [`TOKEN`] issued at `issued_at`, as `create_cookie` takes it.
pub fn session_issued_at(issued_at: OffsetDateTime) -> Session<()> {
    let times = SessionTimes::issued(issued_at, issued_at + DEFAULT_SESSION_EXPIRES_IN);
    Session::new(token().session_id(), "123", times, ())
}

/// A session of [`TOKEN`] issued now.
pub fn session() -> Session<()> {
    session_issued_at(OffsetDateTime::now_utc())
}

/// The cookie of [`TOKEN`], for a session issued now, under the settings of
/// `builder`, which must be valid.
#[track_caller]
pub fn cookie_of(builder: NarvikBuilder<MemoryStore<()>>) -> Cookie {
    match builder.build() {
        Ok(narvik) => narvik.create_cookie(&token(), &session()),
        Err(error) => panic!("expected valid settings: {error}"),
    }
}
