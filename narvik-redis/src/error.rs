//! Why a stored session does not decode.

/// Why the value of a session key does not decode: the source of a
/// [`narvik::Error::Decode`]. Data that does not fit the session data type
/// carries [`narvik::codec::DataError`] instead, which names the field, never the value.
///
/// A session key holds one string framed as
/// `{expires_at}:{user_id_len}:{user_id}{data}` (see the [crate docs](crate)); each
/// variant but the last names the part of that frame that is wrong.
///
/// [`Narvik::validate_session`](narvik::Narvik::validate_session) deletes such a
/// session and answers `Ok(None)`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The value ends before the `:` that closes its `expires_at` or its user id
    /// length.
    #[error("the stored session has no `:` after its {after}")]
    MissingSeparator {
        /// The part the separator should follow: `expires_at` or `user id length`.
        after: &'static str,
    },

    /// `expires_at` is not a Unix time in milliseconds within `time`'s range.
    ///
    /// Like every variant, it says where the value is wrong, never what it holds:
    /// a value of another layout (a bare JSON object, say) would put session data
    /// into logs.
    #[error(
        "the stored session's expires_at is not a Unix time in milliseconds \
         ({length} bytes before the first `:`)"
    )]
    InvalidExpiresAt {
        /// How many bytes stand where the expiry should.
        length: usize,
    },

    /// The user id length is not a decimal number of bytes.
    #[error(
        "the stored session's user id length is not a number of bytes \
         ({length} bytes before the second `:`)"
    )]
    InvalidUserIdLength {
        /// How many bytes stand where the length should.
        length: usize,
    },

    /// The user id length runs past the end of the value.
    #[error(
        "the stored session's user id length, {length} bytes, runs past its end \
         ({remaining} bytes left)"
    )]
    UserIdPastEnd {
        /// The stored length.
        length: usize,
        /// The bytes the value holds after the length's `:`.
        remaining: usize,
    },

    /// The user id or the data holds bytes that are not UTF-8.
    #[error("the stored session's {part} is not UTF-8")]
    NotUtf8 {
        /// The part: `user id` or `data`.
        part: &'static str,
    },

    /// The session key holds another Redis type than a string.
    #[error("the session key is not a string but another Redis type")]
    NotAString,
}
