//! Why a stored session does not decode.

/// Why the hash of a session does not decode: the source of a
/// [`narvik::Error::Decode`]. Data that does not fit the session data type
/// carries `serde_json`'s error instead, which names the field.
///
/// [`Narvik::validate_session`](narvik::Narvik::validate_session) deletes such a
/// session and answers `Ok(None)`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The hash lacks one of `user_id`, `expires_at` and `data`.
    #[error("the session hash lacks the field `{field}`")]
    MissingField {
        /// The missing field.
        field: &'static str,
    },

    /// A field holds bytes that are not UTF-8.
    #[error("the session hash field `{field}` is not UTF-8")]
    NotUtf8 {
        /// The field.
        field: &'static str,
    },

    /// `expires_at` is not a Unix time in milliseconds within `time`'s range.
    #[error("the session hash field `expires_at` is not a Unix time in milliseconds: `{value}`")]
    InvalidExpiresAt {
        /// The stored value.
        value: String,
    },

    /// The session key holds another Redis type than a hash.
    #[error("the session key is not a hash but another Redis type")]
    NotAHash,
}
