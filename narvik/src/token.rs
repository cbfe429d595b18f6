//! Session tokens and the session ids derived from them.
//!
//! A token is 20 bytes from a cryptographically secure generator, written as
//! lower-case RFC 4648 base32 without padding (32 characters of `a-z2-7`). Only its
//! SHA-256, as 64 lower-case hex characters, is stored as the session id: a leaked
//! session table does not let anyone sign in.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token.
const TOKEN_BYTES: usize = 20;
/// Characters in an encoded token: 20 bytes are exactly 160 bits, 32 base32 digits.
pub(crate) const TOKEN_LEN: usize = 32;
/// Characters in a session id: SHA-256 as hex.
pub(crate) const SESSION_ID_LEN: usize = 64;

/// The secret a client presents: put it in the session cookie, never in logs.
///
/// `Debug` prints `SessionToken(<redacted>)`; there is no `Display`, so the token
/// only leaves through an explicit [`as_str`](Self::as_str).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh token from the thread-local CSPRNG (ChaCha, seeded by the OS).
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let mut encoded = BASE32_NOPAD.encode(&bytes);
        encoded.make_ascii_lowercase();
        Self(encoded)
    }

    /// The token's 32 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token, consumed.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The id under which the session of this token is stored.
    pub fn session_id(&self) -> String {
        session_id(&self.0)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

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

/// The session id of `token`: its SHA-256 as 64 lower-case hex characters.
///
/// The same as the TypeScript original computes, so its stored sessions validate.
pub fn session_id(token: &str) -> String {
    SessionIdBuf::of(token).as_str().to_owned()
}

/// A session id on the stack, so the validate path allocates nothing for it.
pub(crate) struct SessionIdBuf([u8; SESSION_ID_LEN]);

impl SessionIdBuf {
    pub(crate) fn of(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        let mut hex = [0u8; SESSION_ID_LEN];
        // `const-hex` rather than `data_encoding` here: it encodes with vector
        // instructions, about 15 ns less on every validation.
        let encoded = const_hex::encode_to_slice(digest, &mut hex);
        debug_assert!(encoded.is_ok(), "64 hex digits for 32 bytes");
        Self(hex)
    }

    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        // Hex digits are ASCII, so this never fails; the fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_matches_the_original() {
        assert_eq!(
            session_id("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j"),
            "c6d162efa639d80d1057dbf171ba8ba5392a293548b95e8d1886020fdb84741f"
        );
    }

    #[test]
    fn session_ids_are_lower_case_hex_of_sha256() {
        for token in ["", "a", "hhwnvr2c6hbvvtcipmsfazyi2cm7lf5j", "\u{e9}t\u{e9}"] {
            let expected = data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()));
            assert_eq!(session_id(token), expected);
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
                    Ok(token) => assert_eq!(is_well_formed(token), expected, "{token}"),
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
    }

    #[test]
    fn debug_redacts_the_token() {
        let token = SessionToken::generate();
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.as_str()));
        assert_eq!(debug, "SessionToken(<redacted>)");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(!is_well_formed(""));
        assert!(!is_well_formed("HHWNVR2C6HBVVTCIPMSFAZYI2CM7LF5J"));
        assert!(!is_well_formed("hhwnvr2c6hbvvtcipmsfazyi2cm7lf51"));
        assert!(!is_well_formed("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5"));
        assert!(!is_well_formed("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5jj"));
        assert!(!is_well_formed("hhwnvr2c6hbvvtcipmsfazyi2cm7lf5é"));
    }
}
