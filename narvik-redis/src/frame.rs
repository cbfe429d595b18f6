//! The value of a session key: one string, framed as
//! `{expires_at}:{user_id_len}:{user_id}{data}`.
//!
//! - `expires_at`: Unix milliseconds in decimal, `-?[0-9]+`;
//! - `user_id_len`: the user id's length in bytes, in decimal, `[0-9]+`;
//! - `user_id`: exactly that many bytes, UTF-8, anything allowed (`:` and digits
//!   too: the length, not a separator, ends it);
//! - `data`: the rest, the custom fields as JSON.
//!
//! For example `1767225600000:2:u1{"username":"x"}`.
//!
//! Why this shape: `fetch_session` reads the whole session with one `GET`, and the
//! scripts (`lua/common.lua`, `parse_frame`) find the user id and the expiry with
//! `string.match` alone. Extending a session rewrites only the leading
//! `expires_at` and copies the rest as stored, so the application's JSON is never
//! decoded or re-encoded in Lua (whose cjson would turn large integers into
//! floats). A value always starts with a digit or `-`, so a later format can be
//! told apart by a leading letter.
//!
//! [`parse`] and the scripts' `parse_frame` must read the same frames: a value only
//! Rust read would validate but never be extended or listed. The scripts check the
//! frame only; Rust also checks that the user id and the data are UTF-8, that
//! `expires_at` is within `i64` and `time`'s range, and decodes the data. Such a
//! value does not validate (validation deletes it), yet the scripts still count it
//! as its user's: listing the user's sessions leaves it out (with a warning),
//! deleting them deletes it.

use std::fmt::Write as _;
use std::str;

use crate::DecodeError;

/// The separator after `expires_at` and after the user id length.
const SEPARATOR: u8 = b':';

/// A session value split into its parts, borrowing from the stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    /// Unix milliseconds.
    pub(crate) expires_at_ms: i64,
    pub(crate) user_id: &'a str,
    /// The custom fields as JSON, not checked here.
    pub(crate) data: &'a str,
}

/// The stored value of a session.
pub(crate) fn encode(expires_at_ms: i64, user_id: &str, data: &str) -> String {
    // Both numbers take at most 20 characters, and two separators.
    let mut value = String::with_capacity(42 + user_id.len() + data.len());
    // Writing to a `String` never fails.
    let _ = write!(value, "{expires_at_ms}:{}:", user_id.len());
    value.push_str(user_id);
    value.push_str(data);
    value
}

/// The parts of a stored value, or which one is malformed.
pub(crate) fn parse(value: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let (expires_at, rest) = split_at_separator(value, "expires_at")?;
    let expires_at_ms = parse_expires_at(expires_at)?;
    let (length, rest) = split_at_separator(rest, "user id length")?;
    let length = parse_length(length)?;
    if length > rest.len() {
        return Err(DecodeError::UserIdPastEnd {
            length,
            remaining: rest.len(),
        });
    }
    let (user_id, data) = rest.split_at(length);
    let user_id = str::from_utf8(user_id).map_err(|_| DecodeError::NotUtf8 { part: "user id" })?;
    let data = str::from_utf8(data).map_err(|_| DecodeError::NotUtf8 { part: "data" })?;
    Ok(Frame {
        expires_at_ms,
        user_id,
        data,
    })
}

/// What comes before the first separator, and what after it.
fn split_at_separator<'a>(
    value: &'a [u8],
    after: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DecodeError> {
    let position = value
        .iter()
        .position(|&byte| byte == SEPARATOR)
        .ok_or(DecodeError::MissingSeparator { after })?;
    Ok((&value[..position], &value[position + 1..]))
}

/// `-?[0-9]+` within `i64`. Checked by hand: `i64::from_str` also takes a leading
/// `+`, which the scripts' pattern does not.
fn parse_expires_at(text: &[u8]) -> Result<i64, DecodeError> {
    let invalid = || DecodeError::InvalidExpiresAt { length: text.len() };
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    if !all_digits(digits) {
        return Err(invalid());
    }
    // ASCII digits and a `-`: always UTF-8.
    str::from_utf8(text)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(invalid)
}

/// `[0-9]+` within `usize`.
fn parse_length(text: &[u8]) -> Result<usize, DecodeError> {
    let invalid = || DecodeError::InvalidUserIdLength { length: text.len() };
    if !all_digits(text) {
        return Err(invalid());
    }
    str::from_utf8(text)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(invalid)
}

/// At least one byte, and every one an ASCII digit.
fn all_digits(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn encode_writes_the_documented_frame() {
        assert_eq!(
            encode(1_767_225_600_000, "u1", r#"{"username":"x"}"#),
            r#"1767225600000:2:u1{"username":"x"}"#
        );
        assert_eq!(encode(-1, "", "{}"), "-1:0:{}");
    }

    #[test]
    fn the_length_not_a_separator_ends_the_user_id() {
        let value = encode(5, "7:user:é", r#"{"a":"1:2:"}"#);
        assert_eq!(
            parse(value.as_bytes()).ok(),
            Some(Frame {
                expires_at_ms: 5,
                user_id: "7:user:é",
                data: r#"{"a":"1:2:"}"#,
            })
        );
    }

    #[test]
    fn parse_takes_the_extremes_of_i64_and_an_empty_user_id_and_data() {
        for expires_at_ms in [i64::MIN, -1, 0, i64::MAX] {
            let value = encode(expires_at_ms, "", "");
            let frame = parse(value.as_bytes()).ok();
            assert_eq!(
                frame,
                Some(Frame {
                    expires_at_ms,
                    user_id: "",
                    data: "",
                })
            );
        }
    }

    #[test]
    fn parse_takes_leading_zeros_as_the_scripts_do() {
        assert_eq!(
            parse(b"007:02:u1{}").ok(),
            Some(Frame {
                expires_at_ms: 7,
                user_id: "u1",
                data: "{}",
            })
        );
    }

    /// Each malformed value and the start of its error message.
    #[test]
    fn parse_names_what_is_malformed() {
        let cases: [(&[u8], &str); 17] = [
            (b"", "the stored session has no `:` after its expires_at"),
            (b"1767225600000", "no `:` after its expires_at"),
            (
                br#"{"username":"x"}"#,
                "expires_at is not a Unix time in milliseconds (11 bytes before",
            ),
            (
                b":2:u1{}",
                "expires_at is not a Unix time in milliseconds (0 bytes before",
            ),
            (b"soon:2:u1{}", "not a Unix time in milliseconds (4 bytes"),
            (b"+1:2:u1{}", "not a Unix time in milliseconds (2 bytes"),
            (b"-:2:u1{}", "not a Unix time in milliseconds (1 bytes"),
            (b"1.5:2:u1{}", "not a Unix time in milliseconds (3 bytes"),
            (b"99999999999999999999:2:u1{}", "milliseconds (20 bytes"),
            (b"1:2", "no `:` after its user id length"),
            (
                b"1::u1{}",
                "user id length is not a number of bytes (0 bytes",
            ),
            (
                b"1:-2:u1{}",
                "user id length is not a number of bytes (2 bytes",
            ),
            (
                b"1:two:u1{}",
                "user id length is not a number of bytes (3 bytes",
            ),
            (
                b"1:99999999999999999999999:u1",
                "not a number of bytes (23 bytes",
            ),
            (
                b"1:5:u1{}",
                "user id length, 5 bytes, runs past its end (4 bytes left)",
            ),
            (
                b"1:2:\xff\xfe{}",
                "the stored session's user id is not UTF-8",
            ),
            (b"1:2:u1{\xff}", "the stored session's data is not UTF-8"),
        ];
        for (value, expected) in cases {
            let message = parse(value)
                .map(|_| ())
                .err()
                .map(|error| error.to_string());
            assert!(
                message
                    .as_deref()
                    .is_some_and(|message| message.contains(expected)),
                "{:?}: {message:?} should contain {expected:?}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn a_user_id_cut_inside_a_character_is_not_utf8() {
        // `é` is two bytes; a length of 1 ends the user id inside it.
        let error = parse("1:1:é{}".as_bytes()).err();
        assert!(
            matches!(error, Some(DecodeError::NotUtf8 { part: "user id" })),
            "{error:?}"
        );
    }

    #[test]
    fn errors_never_show_the_stored_bytes() {
        let secret = "ya29.secret-oauth-token";
        let value = format!("{secret}:0:{{}}");
        let message = parse(value.as_bytes()).err().map(|error| error.to_string());
        assert_eq!(
            message.as_deref(),
            Some(
                "the stored session's expires_at is not a Unix time in milliseconds \
                 (23 bytes before the first `:`)"
            )
        );
        let value = format!("1:{secret}:u1{{}}");
        let message = parse(value.as_bytes()).err().map(|error| error.to_string());
        assert!(message.is_some_and(|message| !message.contains("secret")));
    }

    proptest! {
        #[test]
        fn parse_reads_back_what_encode_wrote(
            expires_at_ms in any::<i64>(),
            user_id in any::<String>(),
            data in any::<String>(),
        ) {
            let value = encode(expires_at_ms, &user_id, &data);
            let frame = parse(value.as_bytes());
            prop_assert_eq!(
                frame.ok(),
                Some(Frame { expires_at_ms, user_id: &user_id, data: &data })
            );
        }

        #[test]
        fn parse_never_panics(value in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&value);
        }

        #[test]
        fn parse_never_panics_on_near_frames(
            expires_at in "-?[0-9]{0,21}",
            length in "[0-9+-]{0,25}",
            rest in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut value = format!("{expires_at}:{length}:").into_bytes();
            value.extend(rest);
            let _ = parse(&value);
        }
    }
}
