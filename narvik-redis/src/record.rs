//! A session as its hash stores it: `user_id`, `expires_at` (Unix milliseconds,
//! the unit of `PEXPIREAT`) and `data` (the custom fields as JSON).

use narvik::{codec, Session, SessionData};
use time::OffsetDateTime;

use crate::DecodeError;

/// The hash fields, in the order `fetch_session` asks for them.
pub(crate) const FIELDS: [&str; 3] = ["user_id", "expires_at", "data"];

/// `expires_at` as Unix milliseconds, rounded down: the key then expires no later
/// than the session.
pub(crate) fn unix_ms(expires_at: OffsetDateTime) -> i64 {
    let millis = expires_at.unix_timestamp_nanos().div_euclid(1_000_000);
    // `time` spans at most ±999,999 years, about ±2^55 ms: always within `i64`.
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

/// The session `session_id` from its stored fields.
pub(crate) fn decode<D: SessionData>(
    session_id: &str,
    user_id: Option<Vec<u8>>,
    expires_at: Option<Vec<u8>>,
    data: Option<Vec<u8>>,
) -> narvik::Result<Session<D>> {
    let fail = |error: DecodeError| narvik::Error::decode(session_id, error);
    let user_id = text("user_id", user_id).map_err(fail)?;
    let expires_at = text("expires_at", expires_at)
        .and_then(|expires_at| parse_unix_ms(&expires_at))
        .map_err(fail)?;
    let data = text("data", data).map_err(fail)?;
    let data = codec::decode_data(session_id, &data)?;
    Ok(Session::new(session_id, user_id, expires_at, data))
}

fn text(field: &'static str, value: Option<Vec<u8>>) -> Result<String, DecodeError> {
    let bytes = value.ok_or(DecodeError::MissingField { field })?;
    String::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8 { field })
}

fn parse_unix_ms(value: &str) -> Result<OffsetDateTime, DecodeError> {
    let invalid = || DecodeError::InvalidExpiresAt {
        value: value.to_owned(),
    };
    let millis: i64 = value.parse().map_err(|_| invalid())?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn bytes(text: &str) -> Option<Vec<u8>> {
        Some(text.as_bytes().to_vec())
    }

    #[test]
    fn unix_ms_rounds_down_to_the_millisecond() {
        assert_eq!(unix_ms(datetime!(1970-01-01 0:00:01.0019 UTC)), 1_001);
        assert_eq!(unix_ms(datetime!(1969-12-31 23:59:59.9995 UTC)), -1);
    }

    #[test]
    fn decode_reads_every_field() -> narvik::Result<()> {
        let session: Session<()> = decode("id", bytes("u1"), bytes("1001"), bytes("{}"))?;
        assert_eq!(session.id, "id");
        assert_eq!(session.user_id, "u1");
        assert_eq!(session.expires_at, datetime!(1970-01-01 0:00:01.001 UTC));
        Ok(())
    }

    #[test]
    fn decode_names_a_missing_core_field() {
        let error = decode::<()>("id", None, bytes("1"), bytes("{}")).err();
        assert!(
            matches!(&error, Some(narvik::Error::Decode { session_id, source })
                if session_id == "id" && source.to_string().contains("`user_id`")),
            "{error:?}"
        );
    }

    #[test]
    fn decode_refuses_an_expiry_that_is_not_unix_ms() {
        let error = decode::<()>("id", bytes("u1"), bytes("tomorrow"), bytes("{}")).err();
        assert!(
            matches!(&error, Some(narvik::Error::Decode { source, .. })
                if source.to_string().contains("`tomorrow`")),
            "{error:?}"
        );
    }

    #[test]
    fn decode_refuses_data_that_is_not_json() {
        let error = decode::<()>("id", bytes("u1"), bytes("1"), bytes("{")).err();
        assert!(
            matches!(error, Some(narvik::Error::Decode { .. })),
            "{error:?}"
        );
    }
}
