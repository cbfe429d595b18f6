//! A [`Session`] to and from the value of its key (framed as [`crate::frame`]
//! describes), with its times in Unix milliseconds, the unit of `PXAT`.

use narvik::{codec, Session, SessionData, SessionId, SessionTimes, UNKNOWN_TIME};
use time::OffsetDateTime;

use crate::frame::{self, Stamps};
use crate::DecodeError;

/// `at` as Unix milliseconds, rounded down: a key then expires no later than its
/// session.
pub(crate) fn unix_ms(at: OffsetDateTime) -> i64 {
    let millis = at.unix_timestamp_nanos().div_euclid(1_000_000);
    // `time` spans at most ±999,999 years, about ±2^55 ms: always within `i64`.
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

/// The value to store for `session`, in the current layout.
pub(crate) fn encode<D: SessionData>(session: &Session<D>) -> narvik::Result<String> {
    let data = codec::encode_data(&session.data)?;
    let stamps = Stamps {
        issued_at_ms: unix_ms(session.issued_at),
        authenticated_at_ms: unix_ms(session.authenticated_at),
    };
    Ok(frame::encode(
        unix_ms(session.expires_at),
        stamps,
        session.data_version(),
        &session.user_id,
        &data,
    ))
}

/// The session `session_id` from the value of its key.
///
/// A frame of 0.1 reads both stamps as [`UNKNOWN_TIME`], which is what it says,
/// and data version 0;
/// the store rewrites such a frame (see `frame::is_0_1_frame`) before it
/// decodes it, so no session it returns carries that `issued_at`.
pub(crate) fn decode<D: SessionData>(
    session_id: &SessionId,
    value: &[u8],
) -> narvik::Result<Session<D>> {
    let fail = |error: DecodeError| narvik::Error::decode(session_id, error);
    let frame = frame::parse(value).map_err(fail)?;
    let expires_at = from_unix_ms(frame.expires_at_ms, "expires_at").map_err(fail)?;
    let (issued_at, authenticated_at) = match frame.stamps {
        Some(stamps) => (
            from_unix_ms(stamps.issued_at_ms, "issued_at").map_err(fail)?,
            from_unix_ms(stamps.authenticated_at_ms, "authenticated_at").map_err(fail)?,
        ),
        None => (UNKNOWN_TIME, UNKNOWN_TIME),
    };
    let data: D = codec::decode_data(session_id, frame.data)?;
    let times = SessionTimes {
        issued_at,
        authenticated_at,
        expires_at,
    };
    Ok(Session::new(*session_id, frame.user_id, times, data).with_data_version(frame.data_version))
}

/// A session a listing found: its id as the user's index holds it, and the value
/// of its key. An id that is not a session id (only a hand-written member can be)
/// is a decode error of that entry, so the listing leaves it out instead of
/// failing.
pub(crate) fn decode_listed<D: SessionData>(
    session_id: &[u8],
    value: &[u8],
) -> narvik::Result<Session<D>> {
    let session_id = String::from_utf8_lossy(session_id);
    let parsed: SessionId = session_id
        .parse()
        .map_err(|error| narvik::Error::decode(&session_id, error))?;
    decode(&parsed, value)
}

/// The time `part` of a frame, `millis` after the Unix epoch.
fn from_unix_ms(millis: i64, part: &'static str) -> Result<OffsetDateTime, DecodeError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| DecodeError::invalid_time(part, millis.to_string().len()))
}

#[cfg(test)]
mod tests {
    use narvik::SessionData;
    use time::macros::datetime;

    use super::*;

    #[derive(SessionData, Clone, Debug, PartialEq)]
    struct Data {
        name: String,
        big: Option<u64>,
    }

    /// The id of every session here.
    fn id() -> SessionId {
        SessionId::of_token("token")
    }

    /// Three different times, so that a mix-up shows.
    fn times() -> SessionTimes {
        SessionTimes {
            issued_at: datetime!(2025-12-01 0:00:00.456 UTC),
            authenticated_at: datetime!(2025-12-02 0:00:00.789 UTC),
            expires_at: datetime!(2026-01-01 0:00:00.123 UTC),
        }
    }

    fn session(user_id: &str, data: Data) -> Session<Data> {
        Session::new(id(), user_id, times(), data)
    }

    #[test]
    fn unix_ms_rounds_down_to_the_millisecond() {
        assert_eq!(unix_ms(datetime!(1970-01-01 0:00:01.0019 UTC)), 1_001);
        assert_eq!(unix_ms(datetime!(1969-12-31 23:59:59.9995 UTC)), -1);
    }

    #[test]
    fn encode_frames_the_expiry_the_user_id_and_the_data() -> narvik::Result<()> {
        let value = encode(&session(
            "u1",
            Data {
                name: "x".into(),
                big: None,
            },
        ))?;
        assert_eq!(
            value,
            r#"v2:1767225600123:1764547200456:1764633600789:0:2:u1{"name":"x","big":null}"#
        );
        Ok(())
    }

    #[test]
    fn decode_reads_back_what_encode_wrote() -> narvik::Result<()> {
        let stored = session(
            "user:1:ü",
            Data {
                name: "a \"quoted\" 🦀 name: 3:".into(),
                big: Some(u64::MAX),
            },
        )
        .with_data_version(41);
        let decoded: Session<Data> = decode(&id(), encode(&stored)?.as_bytes())?;
        assert_eq!(decoded.id, id());
        assert_eq!(decoded.user_id, stored.user_id);
        assert_eq!(decoded.times(), stored.times());
        assert_eq!(decoded.data, stored.data);
        assert_eq!(decoded.data_version(), 41);
        Ok(())
    }

    #[test]
    fn decode_reads_a_frame_of_0_1_with_unknown_stamps() -> narvik::Result<()> {
        let decoded: Session<Data> = decode(&id(), br#"1767225600123:2:u1{"name":"x"}"#)?;
        assert_eq!(decoded.user_id, "u1");
        assert_eq!(decoded.expires_at, times().expires_at);
        assert_eq!(decoded.issued_at, UNKNOWN_TIME);
        assert_eq!(decoded.authenticated_at, UNKNOWN_TIME);
        assert_eq!(decoded.data.name, "x");
        assert_eq!(decoded.data_version(), 0);
        Ok(())
    }

    #[test]
    fn decode_names_the_session_and_the_malformed_part() {
        let error = decode::<()>(&id(), b"tomorrow:2:u1{}").err();
        assert!(
            matches!(&error, Some(narvik::Error::Decode { session_id, source })
                if session_id == id().as_str() && source.to_string().contains("(8 bytes before")),
            "{error:?}"
        );
    }

    #[test]
    fn decode_refuses_a_time_outside_times_range() {
        let max = i64::MAX;
        let cases = [
            (format!("{max}:2:u1{{}}"), "expires_at"),
            (format!("v2:{max}:1:1:0:2:u1{{}}"), "expires_at"),
            (format!("v2:1:{max}:1:0:2:u1{{}}"), "issued_at"),
            (format!("v2:1:1:{max}:0:2:u1{{}}"), "authenticated_at"),
        ];
        for (value, part) in cases {
            let error = decode::<()>(&id(), value.as_bytes()).err();
            let expected = format!("{part} is not a Unix time in milliseconds (19 bytes");
            assert!(
                matches!(&error, Some(narvik::Error::Decode { source, .. })
                    if source.to_string().contains(&expected)),
                "{value}: {error:?}"
            );
        }
    }

    #[test]
    fn decode_refuses_data_that_is_not_json_or_does_not_fit() {
        for value in [
            &b"1:2:u1{"[..],
            b"1:2:u1",
            br#"1:2:u1{"name":7}"#,
            br#"v2:1:1:1:0:2:u1{"name":7}"#,
        ] {
            let error = decode::<Data>(&id(), value).err();
            assert!(
                matches!(&error, Some(narvik::Error::Decode { session_id, .. })
                    if session_id == id().as_str()),
                "{error:?}"
            );
        }
    }

    #[test]
    fn decode_listed_reads_a_session_under_a_well_formed_id() -> narvik::Result<()> {
        let stored = session(
            "u1",
            Data {
                name: "x".into(),
                big: None,
            },
        );
        let value = encode(&stored)?;
        let listed: Session<Data> = decode_listed(id().as_str().as_bytes(), value.as_bytes())?;
        assert_eq!(listed.id, id());
        assert_eq!(listed.data, stored.data);
        Ok(())
    }

    /// A member written by hand: not hex, upper case, too short, not UTF-8.
    #[test]
    fn decode_listed_refuses_an_id_that_is_no_session_id_as_a_decode_error() {
        let upper = id().as_str().to_uppercase();
        let ids: [&[u8]; 4] = [b"not-an-id", upper.as_bytes(), b"abc", b"\xff\xfe"];
        for session_id in ids {
            let error = decode_listed::<()>(session_id, b"1:2:u1{}").err();
            assert!(
                matches!(&error, Some(narvik::Error::Decode { source, .. })
                    if source.is::<narvik::token::InvalidSessionId>()),
                "{:?}: {error:?}",
                String::from_utf8_lossy(session_id)
            );
        }
    }
}
