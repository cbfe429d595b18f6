//! What the cookie and configuration tests share: one token as a client sends it
//! back, a builder over an empty store, and the cookie it makes.

use narvik::{Cookie, MemoryStore, Narvik, NarvikBuilder, SessionToken};

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

/// The cookie of [`TOKEN`] under the settings of `builder`, which must be valid.
#[track_caller]
pub fn cookie_of(builder: NarvikBuilder<MemoryStore<()>>) -> Cookie {
    match builder.build() {
        Ok(narvik) => narvik.create_cookie(&token()),
        Err(error) => panic!("expected valid settings: {error}"),
    }
}
