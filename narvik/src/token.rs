//! Session tokens and the session ids derived from them.
//!
//! A token is 20 bytes from a cryptographically secure generator, written as
//! lower-case RFC 4648 base32 without padding (32 characters of `a-z2-7`). Only its
//! SHA-256, as 64 lower-case hex characters, is stored as the session id: a leaked
//! session table does not let anyone sign in.
//!
//! The two are distinct types, so one cannot stand in for the other: a
//! [`SessionToken`] goes into the cookie, a [`SessionId`] names a stored session
//! (to end it, or to list it).

use std::fmt;
use std::str::FromStr;

use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token.
const TOKEN_BYTES: usize = 20;
/// Characters in an encoded token: 20 bytes are exactly 160 bits, 32 base32 digits.
pub(crate) const TOKEN_LEN: usize = 32;
/// Characters in a session id: SHA-256 as hex.
pub(crate) const SESSION_ID_LEN: usize = 64;
/// Bytes of a SHA-256 digest.
pub(crate) const DIGEST_LEN: usize = 32;
/// Characters of a session id that its `Debug` shows.
const SESSION_ID_DEBUG_LEN: usize = 8;

/// The secret a client presents: put it in the session cookie, never in logs.
///
/// `Debug` prints `SessionToken(<redacted>)`; there is no `Display`, so the token
/// only leaves through an explicit [`as_str`](Self::as_str). Parse one with
/// [`str::parse`], which checks its shape:
///
/// ```
/// use narvik::SessionToken;
///
/// let token: SessionToken = "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j".parse()?;
/// assert_eq!(
///     token.session_id().as_str(),
///     "c6d162efa639d80d1057dbf171ba8ba5392a293548b95e8d1886020fdb84741f"
/// );
/// assert!("abc; Domain=evil.example".parse::<SessionToken>().is_err());
/// # Ok::<(), narvik::token::InvalidSessionToken>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionToken([u8; TOKEN_LEN]);

impl SessionToken {
    /// A fresh token of 20 bytes from the operating system's CSPRNG.
    ///
    /// From the OS, not a user-space generator seeded once: a user-space state
    /// copied by `fork` would hand the parent's next tokens to the child too. The
    /// OS is asked for several tokens' bytes at a time (a system call costs more
    /// than the rest of `create_session` together), each byte is handed out once,
    /// and a process that finds its buffer filled by another process id (a child
    /// after `fork`) draws afresh. In the unheard-of case that the OS refuses, the
    /// thread-local CSPRNG (ChaCha, seeded by the OS) draws them instead of a
    /// panic.
    pub fn generate() -> Self {
        let bytes = os_random::token_bytes();
        let mut encoded = [0u8; TOKEN_LEN];
        BASE32_NOPAD.encode_mut(&bytes, &mut encoded);
        encoded.make_ascii_lowercase();
        Self(encoded)
    }

    /// The token's 32 characters.
    pub fn as_str(&self) -> &str {
        ascii_str(&self.0)
    }

    /// The token as an owned string.
    pub fn into_string(self) -> String {
        self.as_str().to_owned()
    }

    /// The id under which the session of this token is stored.
    pub fn session_id(&self) -> SessionId {
        SessionId::of_token(self.as_str())
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl FromStr for SessionToken {
    type Err = InvalidSessionToken;

    /// A token of the shape narvik issues: 32 characters of `a-z2-7`.
    fn from_str(token: &str) -> Result<Self, Self::Err> {
        if !is_well_formed(token) {
            return Err(InvalidSessionToken(()));
        }
        let mut bytes = [0u8; TOKEN_LEN];
        bytes.copy_from_slice(token.as_bytes());
        Ok(Self(bytes))
    }
}

/// A string that is not a session token: not 32 characters of `a-z2-7`. The
/// refused string is not kept, so the error is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a session token: expected 32 characters of `a-z` and `2-7`")]
pub struct InvalidSessionToken(());

/// The id of a stored session: the SHA-256 of its token as 64 lower-case hex
/// characters, the same as the TypeScript original computes.
///
/// It lives on the stack (no allocation), compares and hashes as its text, and is
/// a string in serde formats. `Display` and [`as_str`](Self::as_str) give the whole
/// id; `Debug` shows its first eight characters, enough to tell sessions apart in
/// logs without writing the handle that ends a session into them.
///
/// ```
/// use narvik::SessionId;
///
/// let id: SessionId = "c6d162efa639d80d1057dbf171ba8ba5392a293548b95e8d1886020fdb84741f".parse()?;
/// assert_eq!(format!("{id:?}"), "SessionId(c6d162ef…)");
/// assert!("C6D162EF".parse::<SessionId>().is_err());
/// # Ok::<(), narvik::token::InvalidSessionId>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; SESSION_ID_LEN]);

impl SessionId {
    /// The id of the session that `token` opens, for any string: the SHA-256 of
    /// its bytes as hex.
    pub fn of_token(token: &str) -> Self {
        Self::of_digest(&Sha256::digest(token.as_bytes()).into())
    }

    /// The id of a SHA-256 digest: its hex.
    pub(crate) fn of_digest(digest: &[u8; DIGEST_LEN]) -> Self {
        let mut hex = [0u8; SESSION_ID_LEN];
        // `const-hex` rather than `data_encoding` here: it encodes with vector
        // instructions, about 15 ns less on every validation. 32 bytes are exactly
        // 64 hex digits, so the one error it has (a buffer of the wrong size)
        // cannot happen; it is mapped all the same, not asserted.
        if const_hex::encode_to_slice(digest, &mut hex).is_err() {
            data_encoding::HEXLOWER.encode_mut(digest, &mut hex);
        }
        Self(hex)
    }

    /// The SHA-256 digest the id is the hex of: half the bytes, for a map's key.
    pub(crate) fn digest(&self) -> [u8; DIGEST_LEN] {
        let mut digest = [0u8; DIGEST_LEN];
        // Lower-case hex by construction, so decoding cannot fail; should it, the
        // digest of the id's text is as unique a key. (A plain arithmetic loop
        // without the check measured slower than `const-hex`'s vector decoder.)
        if const_hex::decode_to_slice(self.0, &mut digest).is_err() {
            digest = Sha256::digest(self.0).into();
        }
        digest
    }

    /// The id's 64 characters.
    #[inline]
    pub fn as_str(&self) -> &str {
        ascii_str(&self.0)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({}…)", &self.as_str()[..SESSION_ID_DEBUG_LEN])
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl FromStr for SessionId {
    type Err = InvalidSessionId;

    /// 64 characters of `0-9a-f`.
    fn from_str(session_id: &str) -> Result<Self, Self::Err> {
        let bytes = session_id.as_bytes();
        let well_formed = bytes.len() == SESSION_ID_LEN
            && bytes
                .iter()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte));
        if !well_formed {
            return Err(InvalidSessionId(()));
        }
        let mut hex = [0u8; SESSION_ID_LEN];
        hex.copy_from_slice(bytes);
        Ok(Self(hex))
    }
}

impl serde::Serialize for SessionId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SessionId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SessionId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a session id: 64 lower-case hex characters")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<SessionId, E> {
                value.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A string that is not a session id: not 64 characters of `0-9a-f`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a session id: expected 64 lower-case hex characters")]
pub struct InvalidSessionId(());

/// Whether `token` has the shape of a token narvik issues: 32 characters of `a-z2-7`.
///
/// A token of any other shape cannot have a session, so validation answers `None`
/// without asking the store.
#[inline]
pub fn is_well_formed(token: &str) -> bool {
    // Every byte is checked, without stopping at the first bad one: the loop then
    // has no branch and compiles to a few vector instructions.
    token.len() == TOKEN_LEN
        && token.bytes().fold(true, |well_formed, byte| {
            well_formed & is_base32_digit(byte)
        })
}

/// Whether `byte` is one of `a-z2-7`.
#[inline]
fn is_base32_digit(byte: u8) -> bool {
    (byte.wrapping_sub(b'a') < 26) | (byte.wrapping_sub(b'2') < 6)
}

/// Token bytes from the operating system, drawn several tokens at a time.
mod os_random {
    use std::cell::RefCell;

    use rand::{RngCore, TryRngCore};

    use super::TOKEN_BYTES;

    /// Tokens one draw from the OS serves.
    const TOKENS_PER_DRAW: usize = 32;

    /// Bytes from the OS, each handed out once, and the process that drew them.
    struct Drawn {
        process_id: u32,
        bytes: [u8; TOKEN_BYTES * TOKENS_PER_DRAW],
        /// Where the bytes not yet handed out start; `bytes.len()` when none is left.
        next: usize,
    }

    thread_local! {
        static DRAWN: RefCell<Drawn> = const {
            RefCell::new(Drawn {
                process_id: 0,
                bytes: [0; TOKEN_BYTES * TOKENS_PER_DRAW],
                next: TOKEN_BYTES * TOKENS_PER_DRAW,
            })
        };
    }

    /// The bytes of one token.
    pub(super) fn token_bytes() -> [u8; TOKEN_BYTES] {
        let mut token = [0u8; TOKEN_BYTES];
        let served = DRAWN
            .try_with(|drawn| match drawn.try_borrow_mut() {
                Ok(mut drawn) => drawn.serve(&mut token),
                Err(_) => false,
            })
            .unwrap_or(false);
        // No buffer (the thread is ending) or the OS refused to fill it: one
        // direct draw, else the thread-local CSPRNG.
        if !served && rand::rngs::OsRng.try_fill_bytes(&mut token).is_err() {
            rand::rng().fill_bytes(&mut token);
        }
        token
    }

    impl Drawn {
        /// Fills `token` from the buffer, drawing it anew when it is used up or
        /// was drawn by another process (this one is a child of a `fork`);
        /// `false` when the OS refused.
        fn serve(&mut self, token: &mut [u8; TOKEN_BYTES]) -> bool {
            let process_id = std::process::id();
            if self.process_id != process_id || self.next == self.bytes.len() {
                if rand::rngs::OsRng.try_fill_bytes(&mut self.bytes).is_err() {
                    return false;
                }
                self.process_id = process_id;
                self.next = 0;
            }
            let end = self.next + TOKEN_BYTES;
            token.copy_from_slice(&self.bytes[self.next..end]);
            // Handed out once: not left behind in memory either.
            self.bytes[self.next..end].fill(0);
            self.next = end;
            true
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_buffer_drawn_by_another_process_is_drawn_again() {
            let mut drawn = Drawn {
                process_id: std::process::id().wrapping_add(1),
                bytes: [7; TOKEN_BYTES * TOKENS_PER_DRAW],
                next: 0,
            };
            let mut token = [0u8; TOKEN_BYTES];
            assert!(drawn.serve(&mut token));
            assert_eq!(drawn.process_id, std::process::id());
            assert_ne!(
                token, [7; TOKEN_BYTES],
                "the parent's bytes were handed out"
            );
        }

        #[test]
        fn each_byte_is_handed_out_once_then_the_buffer_is_drawn_again() {
            let mut drawn = Drawn {
                process_id: 0,
                bytes: [0; TOKEN_BYTES * TOKENS_PER_DRAW],
                next: TOKEN_BYTES * TOKENS_PER_DRAW,
            };
            let mut tokens = std::collections::HashSet::new();
            for _ in 0..TOKENS_PER_DRAW * 3 {
                let mut token = [0u8; TOKEN_BYTES];
                assert!(drawn.serve(&mut token));
                assert!(tokens.insert(token), "a token's bytes came twice");
                assert!(drawn.bytes[..drawn.next].iter().all(|&byte| byte == 0));
            }
        }
    }
}

/// The text of an array that only ever holds ASCII (checked or encoded so on the
/// way in); the empty fallback is unreachable.
#[inline]
fn ascii_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
// A failed unwrap is how a test reports the failure.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TOKEN: &str = "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j";
    const ID: &str = "c6d162efa639d80d1057dbf171ba8ba5392a293548b95e8d1886020fdb84741f";

    #[test]
    fn session_id_matches_the_original() {
        assert_eq!(SessionId::of_token(TOKEN).as_str(), ID);
        let token: SessionToken = TOKEN.parse().unwrap();
        assert_eq!(token.session_id().to_string(), ID);
    }

    #[test]
    fn an_id_and_its_digest_convert_both_ways() {
        let session_id = SessionId::of_token(TOKEN);
        assert_eq!(SessionId::of_digest(&session_id.digest()), session_id);
        assert_eq!(
            session_id.digest(),
            <[u8; DIGEST_LEN]>::from(Sha256::digest(TOKEN.as_bytes()))
        );
        // Every byte value, through its two hex digits and back.
        for first in (0..=255u8).step_by(DIGEST_LEN) {
            let digest: [u8; DIGEST_LEN] = std::array::from_fn(|index| first + index as u8);
            assert_eq!(SessionId::of_digest(&digest).digest(), digest);
        }
        // And parsed ids, the other way in.
        let parsed: SessionId = "0123456789abcdef".repeat(4).parse().unwrap();
        assert_eq!(
            parsed.digest()[..8],
            [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        );
    }

    #[test]
    fn session_ids_are_lower_case_hex_of_sha256() {
        for token in ["", "a", TOKEN, "\u{e9}t\u{e9}"] {
            let expected = data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()));
            assert_eq!(SessionId::of_token(token).as_str(), expected);
        }
    }

    #[test]
    fn every_byte_is_checked_for_the_alphabet() {
        for byte in 0..=255u8 {
            let mut token = *b"hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j";
            for position in [0, 17, TOKEN_LEN - 1] {
                token[position] = byte;
                let expected = byte.is_ascii_lowercase() || (b'2'..=b'7').contains(&byte);
                match std::str::from_utf8(&token) {
                    Ok(token) => {
                        assert_eq!(is_well_formed(token), expected, "{token}");
                        assert_eq!(token.parse::<SessionToken>().is_ok(), expected);
                    }
                    Err(_) => assert!(!expected),
                }
                token[position] = b'a';
            }
        }
    }

    #[test]
    fn generated_tokens_are_well_formed_and_distinct() {
        let first = SessionToken::generate();
        let second = SessionToken::generate();
        assert!(is_well_formed(first.as_str()), "{}", first.as_str());
        assert_ne!(first, second);
        assert_eq!(first.as_str().parse::<SessionToken>().unwrap(), first);
    }

    #[test]
    fn debug_redacts_the_token_and_shortens_the_id() {
        let token = SessionToken::generate();
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.as_str()));
        assert_eq!(debug, "SessionToken(<redacted>)");
        let session_id = token.session_id();
        assert_eq!(
            format!("{session_id:?}"),
            format!("SessionId({}…)", &session_id.as_str()[..8])
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for token in [
            "",
            "HHWNVR2C6HBVVTCIPMSFAZYI2CM7LF5J",
            "hhwnvr2c6hbvvtcipmsfazyi2cm7lf51",
            "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5",
            "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5jj",
            "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5é",
            "abc; Domain=evil.example",
        ] {
            assert!(!is_well_formed(token), "{token}");
            let error = token.parse::<SessionToken>().unwrap_err();
            assert!(!error.to_string().contains(token) || token.is_empty());
        }
    }

    #[test]
    fn session_ids_parse_only_from_64_lower_case_hex() {
        assert_eq!(ID.parse::<SessionId>().unwrap().as_str(), ID);
        let upper = ID.to_ascii_uppercase();
        let short = &ID[..63];
        let long = format!("{ID}0");
        let not_hex = ID.replace('c', "g");
        for refused in [
            "",
            upper.as_str(),
            short,
            long.as_str(),
            not_hex.as_str(),
            TOKEN,
        ] {
            let error = refused.parse::<SessionId>().unwrap_err();
            assert_eq!(
                error.to_string(),
                "not a session id: expected 64 lower-case hex characters"
            );
        }
    }

    #[test]
    fn session_ids_are_strings_in_serde() {
        let session_id: SessionId = ID.parse().unwrap();
        let json = serde_json::to_string(&session_id).unwrap();
        assert_eq!(json, format!("\"{ID}\""));
        assert_eq!(
            serde_json::from_str::<SessionId>(&json).unwrap(),
            session_id
        );
        let error = serde_json::from_str::<SessionId>("\"abc\"").unwrap_err();
        assert!(error.to_string().contains("not a session id"), "{error}");
    }
}
