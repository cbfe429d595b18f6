//! Why a stored session does not decode.

/// Why the value of a session key does not decode: the source of a
/// [`narvik::Error::Decode`]. Data that does not fit the session data type
/// carries [`narvik::codec::DataError`] instead, which names the field, never the value.
///
/// A session key holds one string framed as
/// `v2:{expires_at}:{issued_at}:{authenticated_at}:{data_version}:{user_id_len}:{user_id}{data}`,
/// or, written by 0.1, `{expires_at}:{user_id_len}:{user_id}{data}` (see the
/// [crate docs](crate#key-layout)); each variant but [`NotAString`](Self::NotAString)
/// names the part of that frame that is wrong.
///
/// [`Narvik::validate_session`](narvik::Narvik::validate_session) deletes such a
/// session and answers `Ok(None)`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The value ends before the `:` that closes one of its times, its data
    /// version or its user id length.
    #[error("the stored session has no `:` after its {after}")]
    MissingSeparator {
        /// The part the separator should follow: `expires_at`, `issued_at`,
        /// `authenticated_at`, `data version` or `user id length`.
        after: &'static str,
    },

    /// `expires_at` is not a Unix time in milliseconds within `time`'s range.
    ///
    /// Like every variant, it says where the value is wrong, never what it holds:
    /// a value of another layout (a bare JSON object, say) would put session data
    /// into logs.
    #[error(
        "the stored session's expires_at is not a Unix time in milliseconds \
         ({length} bytes before its `:`)"
    )]
    InvalidExpiresAt {
        /// How many bytes stand where the expiry should.
        length: usize,
    },

    /// `issued_at` or `authenticated_at` is not a Unix time in milliseconds within
    /// `time`'s range.
    #[error(
        "the stored session's {part} is not a Unix time in milliseconds \
         ({length} bytes before its `:`)"
    )]
    InvalidTimeStamp {
        /// The time stamp: `issued_at` or `authenticated_at`.
        part: &'static str,
        /// How many bytes stand where the time stamp should.
        length: usize,
    },

    /// The data version is not a decimal number within `u64`.
    #[error(
        "the stored session's data version is not a number \
         ({length} bytes before its `:`)"
    )]
    InvalidDataVersion {
        /// How many bytes stand where the data version should.
        length: usize,
    },

    /// The user id length is not a decimal number of bytes.
    #[error(
        "the stored session's user id length is not a number of bytes \
         ({length} bytes before its `:`)"
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

    /// The value starts with the mark of a layout this version does not read
    /// (`v` but not `v2:`): written by a later version of this crate, say.
    #[error("the stored session is framed in a layout this version does not read")]
    UnknownLayout,

    /// The session key holds another Redis type than a string.
    #[error("the session key is not a string but another Redis type")]
    NotAString,
}

impl DecodeError {
    /// The error for the time `part` (`expires_at`, `issued_at` or
    /// `authenticated_at`) that is not a Unix time in milliseconds, `length`
    /// bytes long as stored.
    pub(crate) fn invalid_time(part: &'static str, length: usize) -> Self {
        if part == "expires_at" {
            Self::InvalidExpiresAt { length }
        } else {
            Self::InvalidTimeStamp { part, length }
        }
    }
}
