//! The value of a session key: one string, framed. Two layouts:
//!
//! - the current one,
//!   `v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:{user_id_len}:{user_id}{data}`,
//!   for example `v2:1767225600000:1764633600000:1764633600000:0:2:u1{"username":"x"}`;
//! - that of 0.1, `{expires_at}:{user_id_len}:{user_id}{data}`, for example
//!   `1767225600000:2:u1{"username":"x"}`, which kept no time stamps nor data
//!   version. It still decodes (with no [`Stamps`], data version 0); the store
//!   rewrites it in the current layout on its first read (see the crate docs,
//!   "Upgrading from 0.1").
//!
//! The parts:
//!
//! - `v2:`: the layout's mark. A frame of 0.1 starts with a digit or `-`, so a
//!   leading `v` tells the layouts apart, and a later layout can be marked `v3:`;
//! - `expires_at`, `issued_at`, `authenticated_at`: Unix milliseconds in decimal,
//!   `-?[0-9]+`;
//! - `data_version`: how many times the data was updated in place
//!   (`update_session_data`), in decimal, `[0-9]+` within `u64`;
//! - `user_id_len`: the user id's length in bytes, in decimal, `[0-9]+`;
//! - `user_id`: exactly that many bytes, UTF-8, anything allowed (`:` and digits
//!   too: the length, not a separator, ends it);
//! - `data`: the rest, the custom fields as JSON.
//!
//! Why this shape: `fetch_session` reads the whole session with one `GET`, and the
//! scripts (`lua/common.lua`, `parse_frame`) find the user id and the times with
//! `string.match` alone. Extending a session rewrites only `expires_at`, which
//! comes first, and copies the rest as stored; updating its data rewrites only
//! `data_version` and the data, which Rust encoded; so the application's JSON is
//! never decoded or re-encoded in Lua (whose cjson would turn large integers into
//! floats).
//!
//! [`parse`] and the scripts' `parse_frame` must read the same frames: a value only
//! Rust read would validate but never be extended or listed. The scripts check the
//! frame only; Rust also checks that the user id and the data are UTF-8, that the
//! times are within `i64` and `time`'s range, and decodes the data. Such a value
//! does not validate (validation deletes it), yet the scripts still count it as
//! its user's: listing the user's sessions leaves it out (with a warning),
//! deleting them deletes it.

use std::fmt::Write as _;
use std::str;

use crate::DecodeError;

/// The separator after each number.
const SEPARATOR: u8 = b':';

/// What a frame of the current layout starts with.
pub(crate) const CURRENT_MARK: &[u8] = b"v2:";

/// A session value split into its parts, borrowing from the stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    /// Unix milliseconds.
    pub(crate) expires_at_ms: i64,
    /// `None` in a frame of 0.1, which kept no time stamps.
    pub(crate) stamps: Option<Stamps>,
    /// 0 in a frame of 0.1, which kept no data version.
    pub(crate) data_version: u64,
    pub(crate) user_id: &'a str,
    /// The custom fields as JSON, not checked here.
    pub(crate) data: &'a str,
}

/// The time stamps a frame of the current layout carries beside `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamps {
    /// Unix milliseconds.
    pub(crate) issued_at_ms: i64,
    /// Unix milliseconds.
    pub(crate) authenticated_at_ms: i64,
}

/// The stored value of a session, in the current layout.
pub(crate) fn encode(
    expires_at_ms: i64,
    stamps: Stamps,
    data_version: u64,
    user_id: &str,
    data: &str,
) -> String {
    // The mark, five numbers of at most 20 characters, and five separators.
    let mut value = String::with_capacity(108 + user_id.len() + data.len());
    // Writing to a `String` never fails.
    let _ = write!(
        value,
        "v2:{expires_at_ms}:{}:{}:{data_version}:{}:",
        stamps.issued_at_ms,
        stamps.authenticated_at_ms,
        user_id.len()
    );
    value.push_str(user_id);
    value.push_str(data);
    value
}

/// Whether `value` is a well-formed frame of 0.1, which the store rewrites in the
/// current layout before it decodes it. Costs a comparison of three bytes for a
/// value of the current layout: validation's path.
pub(crate) fn is_0_1_frame(value: &[u8]) -> bool {
    !value.starts_with(CURRENT_MARK) && parse(value).is_ok_and(|frame| frame.stamps.is_none())
}

/// The parts of a stored value, of either layout, or which one is malformed.
pub(crate) fn parse(value: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let (expires_at_ms, stamps, data_version, rest) = match value.strip_prefix(CURRENT_MARK) {
        Some(rest) => {
            let (expires_at_ms, rest) = parse_time(rest, "expires_at")?;
            let (issued_at_ms, rest) = parse_time(rest, "issued_at")?;
            let (authenticated_at_ms, rest) = parse_time(rest, "authenticated_at")?;
            let (data_version, rest) = split_at_separator(rest, "data version")?;
            let data_version = parse_data_version(data_version)?;
            let stamps = Stamps {
                issued_at_ms,
                authenticated_at_ms,
            };
            (expires_at_ms, Some(stamps), data_version, rest)
        }
        // The mark of a layout this version does not know, written by a later one.
        None if value.first() == Some(&b'v') => {
            return Err(DecodeError::UnknownLayout);
        }
        None => {
            let (expires_at_ms, rest) = parse_time(value, "expires_at")?;
            (expires_at_ms, None, 0, rest)
        }
    };
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
        stamps,
        data_version,
        user_id,
        data,
    })
}

/// The time `part` that starts `value`, and what follows its separator.
fn parse_time<'a>(value: &'a [u8], part: &'static str) -> Result<(i64, &'a [u8]), DecodeError> {
    let (text, rest) = split_at_separator(value, part)?;
    Ok((parse_millis(text, part)?, rest))
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
fn parse_millis(text: &[u8], part: &'static str) -> Result<i64, DecodeError> {
    let invalid = || DecodeError::invalid_time(part, text.len());
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

/// `[0-9]+` within `u64`.
fn parse_data_version(text: &[u8]) -> Result<u64, DecodeError> {
    let invalid = || DecodeError::InvalidDataVersion { length: text.len() };
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

    /// Two different stamps, so that a mix-up shows.
    const STAMPS: Stamps = Stamps {
        issued_at_ms: 1_764_633_600_000,
        authenticated_at_ms: 1_764_634_000_000,
    };

    /// A value of 0.1: `{expires_at}:{user_id_len}:{user_id}{data}`.
    fn frame_of_0_1(expires_at_ms: i64, user_id: &str, data: &str) -> String {
        format!("{expires_at_ms}:{}:{user_id}{data}", user_id.len())
    }

    #[test]
    fn encode_writes_the_documented_frame() {
        assert_eq!(
            encode(1_767_225_600_000, STAMPS, 7, "u1", r#"{"username":"x"}"#),
            r#"v2:1767225600000:1764633600000:1764634000000:7:2:u1{"username":"x"}"#
        );
        let negative = Stamps {
            issued_at_ms: -2,
            authenticated_at_ms: 0,
        };
        assert_eq!(encode(-1, negative, 0, "", "{}"), "v2:-1:-2:0:0:0:{}");
        assert_eq!(
            encode(1, negative, u64::MAX, "", "{}"),
            "v2:1:-2:0:18446744073709551615:0:{}"
        );
    }

    #[test]
    fn parse_reads_a_frame_of_0_1_without_stamps() {
        let value = frame_of_0_1(1_767_225_600_000, "u1", r#"{"username":"x"}"#);
        assert_eq!(
            parse(value.as_bytes()).ok(),
            Some(Frame {
                expires_at_ms: 1_767_225_600_000,
                stamps: None,
                data_version: 0,
                user_id: "u1",
                data: r#"{"username":"x"}"#,
            })
        );
        assert!(is_0_1_frame(value.as_bytes()));
    }

    #[test]
    fn only_a_well_formed_frame_of_0_1_is_one() {
        let current = encode(5, STAMPS, 0, "u1", "{}");
        for value in [
            current.as_bytes(),
            b"",
            b"soon:2:u1{}",
            b"1:5:u1{}",
            b"v3:1:2:u1",
        ] {
            assert!(
                !is_0_1_frame(value),
                "{:?} is no frame of 0.1",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn the_length_not_a_separator_ends_the_user_id() {
        for value in [
            encode(5, STAMPS, 3, "7:user:é", r#"{"a":"1:2:"}"#),
            frame_of_0_1(5, "7:user:é", r#"{"a":"1:2:"}"#),
        ] {
            let frame = parse(value.as_bytes()).ok();
            assert_eq!(frame.map(|frame| frame.user_id), Some("7:user:é"));
            assert_eq!(frame.map(|frame| frame.data), Some(r#"{"a":"1:2:"}"#));
            assert_eq!(frame.map(|frame| frame.expires_at_ms), Some(5));
        }
    }

    #[test]
    fn parse_takes_the_extremes_of_i64_and_an_empty_user_id_and_data() {
        for millis in [i64::MIN, -1, 0, i64::MAX] {
            let stamps = Stamps {
                issued_at_ms: millis,
                authenticated_at_ms: millis,
            };
            let value = encode(millis, stamps, millis.unsigned_abs(), "", "");
            let frame = parse(value.as_bytes()).ok();
            assert_eq!(
                frame,
                Some(Frame {
                    expires_at_ms: millis,
                    stamps: Some(stamps),
                    data_version: millis.unsigned_abs(),
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
                stamps: None,
                data_version: 0,
                user_id: "u1",
                data: "{}",
            })
        );
        assert_eq!(
            parse(b"v2:007:08:09:010:02:u1{}").ok(),
            Some(Frame {
                expires_at_ms: 7,
                stamps: Some(Stamps {
                    issued_at_ms: 8,
                    authenticated_at_ms: 9,
                }),
                data_version: 10,
                user_id: "u1",
                data: "{}",
            })
        );
    }

    /// Each malformed value and the start of its error message.
    #[test]
    fn parse_names_what_is_malformed() {
        let cases: [(&[u8], &str); 32] = [
            (b"", "the stored session has no `:` after its expires_at"),
            (b"1767225600000", "no `:` after its expires_at"),
            (
                br#"{"username":"x"}"#,
                "expires_at is not a Unix time in milliseconds (11 bytes before its `:`)",
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
            // The current layout.
            (b"v2:", "no `:` after its expires_at"),
            (b"v2:1:", "no `:` after its issued_at"),
            (b"v2:1:2:", "no `:` after its authenticated_at"),
            (b"v2:1:2:3:", "no `:` after its data version"),
            (b"v2:1:2:3:0:", "no `:` after its user id length"),
            (b"v2:x:2:3:0:2:u1{}", "expires_at is not a Unix time"),
            (
                b"v2:1:+2:3:0:2:u1{}",
                "issued_at is not a Unix time in milliseconds (2 bytes before its `:`)",
            ),
            (
                b"v2:1:2::0:2:u1{}",
                "authenticated_at is not a Unix time in milliseconds (0 bytes",
            ),
            (
                b"v2:1:2:3::2:u1{}",
                "data version is not a number (0 bytes before its `:`)",
            ),
            (
                b"v2:1:2:3:-1:2:u1{}",
                "data version is not a number (2 bytes before its `:`)",
            ),
            (
                b"v2:1:2:3:18446744073709551616:2:u1{}",
                "data version is not a number (20 bytes before its `:`)",
            ),
            (
                // The layout before the data version: its user id length is read
                // as the version, and its user id where the length should be.
                b"v2:1:2:3:2:u1{}",
                "no `:` after its user id length",
            ),
            (
                b"v2:1:2:3:0:9:u1{}",
                "9 bytes, runs past its end (4 bytes left)",
            ),
            (b"v3:1:2:3:4:u1{}", "a layout this version does not read"),
            (b"v", "a layout this version does not read"),
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
        for value in ["1:1:é{}", "v2:1:2:3:0:1:é{}"] {
            let error = parse(value.as_bytes()).err();
            assert!(
                matches!(error, Some(DecodeError::NotUtf8 { part: "user id" })),
                "{error:?}"
            );
        }
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
                 (23 bytes before its `:`)"
            )
        );
        for value in [
            format!("1:{secret}:u1{{}}"),
            format!("v2:1:{secret}:3:0:2:u1{{}}"),
            format!("v2:1:2:{secret}:0:2:u1{{}}"),
            format!("v2:1:2:3:{secret}:2:u1{{}}"),
            format!("v2:1:2:3:0:{secret}:u1{{}}"),
            format!("v{secret}:1:2:3:0:2:u1{{}}"),
        ] {
            let message = parse(value.as_bytes()).err().map(|error| error.to_string());
            assert!(
                message
                    .as_deref()
                    .is_some_and(|message| !message.contains("secret")),
                "{message:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn parse_reads_back_what_encode_wrote(
            expires_at_ms in any::<i64>(),
            issued_at_ms in any::<i64>(),
            authenticated_at_ms in any::<i64>(),
            data_version in any::<u64>(),
            user_id in any::<String>(),
            data in any::<String>(),
        ) {
            let stamps = Stamps { issued_at_ms, authenticated_at_ms };
            let value = encode(expires_at_ms, stamps, data_version, &user_id, &data);
            let frame = parse(value.as_bytes());
            prop_assert_eq!(
                frame.ok(),
                Some(Frame {
                    expires_at_ms,
                    stamps: Some(stamps),
                    data_version,
                    user_id: &user_id,
                    data: &data,
                })
            );
            prop_assert!(!is_0_1_frame(value.as_bytes()));
        }

        #[test]
        fn parse_reads_back_a_frame_of_0_1(
            expires_at_ms in any::<i64>(),
            user_id in any::<String>(),
            data in any::<String>(),
        ) {
            let value = frame_of_0_1(expires_at_ms, &user_id, &data);
            let frame = parse(value.as_bytes());
            prop_assert_eq!(
                frame.ok(),
                Some(Frame {
                    expires_at_ms,
                    stamps: None,
                    data_version: 0,
                    user_id: &user_id,
                    data: &data,
                })
            );
            prop_assert!(is_0_1_frame(value.as_bytes()));
        }

        #[test]
        fn parse_never_panics(value in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&value);
        }

        #[test]
        fn parse_never_panics_on_near_frames(
            mark in "(v2:)?",
            expires_at in "-?[0-9]{0,21}",
            stamps in "(-?[0-9]{0,21}:-?[0-9]{0,21}:[0-9+-]{0,21}:)?",
            length in "[0-9+-]{0,25}",
            rest in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut value = format!("{mark}{expires_at}:{stamps}{length}:").into_bytes();
            value.extend(rest);
            let _ = parse(&value);
        }
    }
}
