//! Serde glue between [`SessionData`], [`Session`] and a store's encoding.
//!
//! Stores that keep the custom data in one JSON column use [`encode_data`] and
//! [`decode_data`]; stores that keep the whole session as one document use
//! [`encode_session`] and [`decode_session`] (a flat object: `id`, `user_id`,
//! `expires_at`, `issued_at` and `authenticated_at` as RFC 3339, then the custom
//! fields; a document of narvik 0.1, without the last two, decodes with both at
//! [`UNKNOWN_TIME`](crate::UNKNOWN_TIME)). Other formats can use the
//! serde adapters [`DataRef`] and [`DataOwned`] directly. A store listing many
//! sessions passes its decoded rows through [`decodable_sessions`].

use std::fmt;

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::token::SessionId;
use crate::{Error, Result, Session, SessionData};

/// Serializes the custom fields of a session as a map.
#[derive(Debug)]
pub struct DataRef<'a, D>(pub &'a D);

impl<D: SessionData> Serialize for DataRef<'_, D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.__serialize_fields(&mut map)?;
        map.end()
    }
}

/// Deserializes the custom fields of a session from a map.
#[derive(Debug)]
pub struct DataOwned<D>(pub D);

impl<'de, D: SessionData> Deserialize<'de> for DataOwned<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        D::__deserialize(deserializer).map(DataOwned)
    }
}

/// The custom data as a JSON object.
pub fn encode_data<D: SessionData>(data: &D) -> Result<String> {
    serde_json::to_string(&DataRef(data)).map_err(Error::encode)
}

/// The custom data of session `session_id` from a JSON object.
///
/// Fails with [`Error::Decode`] when it no longer fits `D`; its source is a
/// [`DataError`] naming the field, never the stored value.
pub fn decode_data<D: SessionData>(session_id: impl fmt::Display, json: &str) -> Result<D> {
    from_json::<DataOwned<D>>(json)
        .map(|DataOwned(data)| data)
        .map_err(|source| Error::decode(session_id, source))
}

/// The whole session as one flat JSON object.
pub fn encode_session<D: SessionData>(session: &Session<D>) -> Result<String> {
    serde_json::to_string(session).map_err(Error::encode)
}

/// A whole session from one flat JSON object; `session_id` names it in the error,
/// whose source is a [`DataError`].
pub fn decode_session<D: SessionData>(
    session_id: impl fmt::Display,
    json: &str,
) -> Result<Session<D>> {
    from_json(json).map_err(|source| Error::decode(session_id, source))
}

/// Why stored session data does not decode, told without the stored value: the
/// field and the kind of mistake.
///
/// serde's own messages quote the value they refused ("invalid type: string
/// \"ya29...\", expected u32"), and session data may hold secrets (an OAuth
/// token, say). This is what [`Error::Decode`] carries instead, so neither
/// narvik's `tracing` warnings nor an application that logs the error chain can
/// write a stored value into a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A required field is not in the stored data (added to the struct since).
    #[error("missing field `{field}`")]
    MissingField {
        /// The field's stored name, with the path of the map it is missing from
        /// (`profile.locale`) when that is not the top level.
        field: String,
    },
    /// A field holds a value of the wrong type, or one its type refuses.
    #[error("invalid value at `{path}`")]
    InvalidValue {
        /// Where: the stored name of the field, dotted through nested maps and
        /// indexed through lists (`profile.tags[2]`); `.` for the data itself.
        path: String,
    },
    /// The stored text is not a JSON object: cut short, or not JSON at all.
    #[error("malformed JSON at line {line}, column {column}")]
    Syntax {
        /// The line of the first mistake, from 1.
        line: usize,
        /// The column of the first mistake, from 1.
        column: usize,
    },
}

/// `T` from `json`, the whole text, with a refusal told as a [`DataError`].
fn from_json<'de, T: Deserialize<'de>>(json: &'de str) -> Result<T, DataError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let decoded = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| DataError::at(error.path().to_string(), error.inner()))?;
    // Text after the value is malformed too, as `serde_json::from_str` has it.
    deserializer
        .end()
        .map_err(|error| DataError::at(String::from("."), &error))?;
    Ok(decoded)
}

impl DataError {
    /// The error serde_json reported at `path`, without its message's quotes of
    /// the value.
    fn at(path: String, error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        match error.classify() {
            Category::Data => match missing_field_name(&error.to_string()) {
                Some(name) if path == "." => Self::MissingField {
                    field: name.to_owned(),
                },
                Some(name) => Self::MissingField {
                    field: format!("{path}.{name}"),
                },
                None => Self::InvalidValue { path },
            },
            Category::Syntax | Category::Eof | Category::Io => Self::Syntax {
                line: error.line(),
                column: error.column(),
            },
        }
    }
}

/// The field name of serde's "missing field `name`" message (the wording of
/// `serde::de::Error::missing_field`'s default, which serde_json keeps); a
/// field's name is the application's, never a stored value.
fn missing_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// The sessions of a listing (such as
/// [`fetch_sessions_for_user`](crate::FetchUserSessions::fetch_sessions_for_user))
/// whose stored data still decodes.
///
/// One session whose data no longer fits `D` (a required field added since it was
/// stored) is left out with a `tracing` warning naming it and the field, as
/// [`validate_session`](crate::Narvik::validate_session) treats it as gone, instead
/// of failing the whole listing. Any other error fails the listing.
///
/// # Errors
///
/// The first error that is not [`Error::Decode`].
pub fn decodable_sessions<D, I>(decoded: I) -> Result<Vec<Session<D>>>
where
    I: IntoIterator<Item = Result<Session<D>>>,
{
    let mut sessions = Vec::new();
    for session in decoded {
        match session {
            Ok(session) => sessions.push(session),
            Err(Error::Decode { session_id, source }) => tracing::warn!(
                session_id,
                error = %source,
                "leaving out a session whose stored data no longer decodes"
            ),
            Err(error) => return Err(error),
        }
    }
    Ok(sessions)
}

impl<D: SessionData> Serialize for Session<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("user_id", &self.user_id)?;
        map.serialize_entry("expires_at", &Rfc3339(self.expires_at))?;
        map.serialize_entry("issued_at", &Rfc3339(self.issued_at))?;
        map.serialize_entry("authenticated_at", &Rfc3339(self.authenticated_at))?;
        self.data.__serialize_fields(&mut map)?;
        map.end()
    }
}

impl<'de, D: SessionData> Deserialize<'de> for Session<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "")]
        struct Flat<D: SessionData> {
            id: SessionId,
            user_id: String,
            #[serde(with = "time::serde::rfc3339")]
            expires_at: OffsetDateTime,
            #[serde(with = "time::serde::rfc3339::option", default)]
            issued_at: Option<OffsetDateTime>,
            #[serde(with = "time::serde::rfc3339::option", default)]
            authenticated_at: Option<OffsetDateTime>,
            #[serde(flatten)]
            data: DataOwned<D>,
        }
        let flat = Flat::<D>::deserialize(deserializer)?;
        let times = crate::SessionTimes {
            issued_at: flat.issued_at.unwrap_or(crate::UNKNOWN_TIME),
            authenticated_at: flat.authenticated_at.unwrap_or(crate::UNKNOWN_TIME),
            expires_at: flat.expires_at,
        };
        Ok(Session::new(flat.id, flat.user_id, times, flat.data.0))
    }
}

struct Rfc3339(OffsetDateTime);

impl Serialize for Rfc3339 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(&self.0, serializer)
    }
}

#[cfg(test)]
// A failed unwrap is how a test reports the failure.
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[derive(crate::SessionData, Debug, Clone, PartialEq)]
    struct AppData {
        username: String,
        nickname: Option<String>,
        #[session(default)]
        visits: u32,
        #[session(default = default_theme)]
        theme: String,
        #[session(rename = "ua")]
        user_agent: Option<String>,
        #[session(skip)]
        cached: Vec<String>,
    }

    fn default_theme() -> String {
        "light".to_owned()
    }

    /// The error and its causes, as a chain printer shows them.
    fn chain(error: &Error) -> String {
        let source = std::error::Error::source(error).map(ToString::to_string);
        format!("{error}: {}", source.unwrap_or_default())
    }

    fn sample() -> AppData {
        AppData {
            username: "johnsmith".to_owned(),
            nickname: Some("john".to_owned()),
            visits: 3,
            theme: "dark".to_owned(),
            user_agent: Some("curl".to_owned()),
            cached: vec!["admin".to_owned()],
        }
    }

    #[test]
    fn decodable_sessions_leave_out_only_undecodable_ones() {
        let times = crate::SessionTimes::issued(
            datetime!(2025-12-01 0:00 UTC),
            datetime!(2026-01-01 0:00 UTC),
        );
        let [a, b, c] = ["a", "b", "c"].map(SessionId::of_token);
        let rows = vec![
            Ok(Session::new(a, "u1", times, ())),
            Err(Error::decode(b, "missing field `username`")),
            Ok(Session::new(c, "u1", times, ())),
        ];
        let ids: Vec<SessionId> = decodable_sessions(rows)
            .unwrap()
            .into_iter()
            .map(|session| session.id)
            .collect();
        assert_eq!(ids, [a, c]);
    }

    #[test]
    fn decodable_sessions_fail_on_a_store_error() {
        let rows = vec![
            Err(Error::decode("a", "missing field `username`")),
            Err(Error::store("connection reset")),
        ];
        let error = decodable_sessions::<(), _>(rows).err();
        assert!(matches!(error, Some(Error::Store { .. })), "{error:?}");
    }

    #[test]
    fn encode_data_writes_stored_names_and_leaves_skipped_fields_out() {
        let json = encode_data(&sample()).unwrap();
        assert_eq!(
            json,
            r#"{"username":"johnsmith","nickname":"john","visits":3,"theme":"dark","ua":"curl"}"#
        );
    }

    #[test]
    fn data_round_trips_except_skipped_fields() {
        let json = encode_data(&sample()).unwrap();
        let decoded: AppData = decode_data("s1", &json).unwrap();
        assert_eq!(
            decoded,
            AppData {
                cached: Vec::new(),
                ..sample()
            }
        );
    }

    #[test]
    fn missing_optional_and_defaulted_fields_decode_to_their_defaults() {
        let decoded: AppData = decode_data("s1", r#"{"username":"johnsmith"}"#).unwrap();
        assert_eq!(
            decoded,
            AppData {
                username: "johnsmith".to_owned(),
                nickname: None,
                visits: 0,
                theme: "light".to_owned(),
                user_agent: None,
                cached: Vec::new(),
            }
        );
    }

    #[test]
    fn null_optional_field_decodes_to_none() {
        let decoded: AppData =
            decode_data("s1", r#"{"username":"johnsmith","nickname":null}"#).unwrap();
        assert_eq!(decoded.nickname, None);
    }

    #[test]
    fn missing_required_field_is_a_decode_error_naming_it() {
        let error = decode_data::<AppData>("s1", r#"{"visits":2}"#).unwrap_err();
        assert!(
            matches!(&error, Error::Decode { session_id, .. } if session_id == "s1"),
            "{error:?}"
        );
        assert!(
            chain(&error).contains("missing field `username`"),
            "{error}"
        );
    }

    #[test]
    fn mistyped_field_is_a_decode_error_not_a_panic() {
        let error = decode_data::<AppData>("s1", r#"{"username":5}"#).unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    }

    /// The error (and so every log line made of it) names the field and the kind
    /// of mistake, never the stored value, which may be a secret.
    #[test]
    fn decode_errors_name_the_field_never_the_value() {
        let secret = "ya29.secret-oauth-token";
        let cases = [
            (
                format!(r#"{{"username":"{secret}","visits":"{secret}"}}"#),
                DataError::InvalidValue {
                    path: "visits".to_owned(),
                },
            ),
            (
                format!(r#"{{"visits":1,"nickname":["{secret}"]}}"#),
                DataError::InvalidValue {
                    path: "nickname".to_owned(),
                },
            ),
            (
                format!(r#"{{"nickname":"{secret}"}}"#),
                DataError::MissingField {
                    field: "username".to_owned(),
                },
            ),
            (
                format!(r#"{{"username":"{secret}"}} {secret}"#),
                DataError::Syntax {
                    line: 1,
                    column: 40,
                },
            ),
            (
                format!(r#"{{"username":"{secret}"#),
                DataError::Syntax {
                    line: 1,
                    column: 36,
                },
            ),
        ];
        for (json, expected) in cases {
            let error = decode_data::<AppData>("s1", &json).unwrap_err();
            let source = std::error::Error::source(&error).unwrap();
            assert_eq!(
                source.downcast_ref::<DataError>(),
                Some(&expected),
                "{json}"
            );
            let printed = chain(&error);
            assert!(!printed.contains("secret"), "{printed}");
        }
    }

    #[test]
    fn missing_nested_field_is_named_with_its_path() {
        #[derive(crate::SessionData, Debug)]
        struct Nested {
            profile: Profile,
        }
        #[derive(serde::Deserialize, serde::Serialize, Debug)]
        struct Profile {
            locale: String,
        }
        let error = decode_data::<Nested>("s1", r#"{"profile":{}}"#).unwrap_err();
        assert_eq!(
            chain(&error),
            "stored data of session `s1` does not decode: missing field `profile.locale`"
        );
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let decoded: AppData = decode_data(
            "s1",
            r#"{"id":"x","user_id":"u","expires_at":"y","username":"johnsmith","removed_field":[1,2]}"#,
        )
        .unwrap();
        assert_eq!(decoded.username, "johnsmith");
    }

    #[test]
    fn required_field_stored_as_null_decodes() {
        #[derive(crate::SessionData, Debug, PartialEq)]
        struct UnitField {
            marker: (),
        }
        let json = encode_data(&UnitField { marker: () }).unwrap();
        assert_eq!(json, r#"{"marker":null}"#);
        assert_eq!(
            decode_data::<UnitField>("s1", &json).unwrap(),
            UnitField { marker: () }
        );
        assert!(decode_data::<UnitField>("s1", "{}").is_err());
    }

    #[test]
    fn session_round_trips_as_one_flat_object() {
        let session = Session::new(
            "a".repeat(64).parse().unwrap(),
            "user-1",
            crate::SessionTimes {
                issued_at: datetime!(2030-01-01 00:00:00 UTC),
                authenticated_at: datetime!(2030-01-01 12:30:00 UTC),
                expires_at: datetime!(2030-01-02 03:04:05 UTC),
            },
            sample(),
        );
        let json = encode_session(&session).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"id":"{}","user_id":"user-1","expires_at":"2030-01-02T03:04:05Z","issued_at":"2030-01-01T00:00:00Z","authenticated_at":"2030-01-01T12:30:00Z","username":"johnsmith","nickname":"john","visits":3,"theme":"dark","ua":"curl"}}"#,
                "a".repeat(64)
            )
        );
        let decoded: Session<AppData> = decode_session("s1", &json).unwrap();
        assert_eq!(
            decoded.data,
            AppData {
                cached: Vec::new(),
                ..sample()
            }
        );
        assert_eq!(decoded.id, session.id);
        assert_eq!(decoded.user_id, "user-1");
        assert_eq!(decoded.times(), session.times());
    }

    #[test]
    fn flat_session_applies_defaults_and_names_missing_fields() {
        let decoded: Session<AppData> = decode_session(
            "s1",
            &format!(
                r#"{{"id":"{}","user_id":"u","expires_at":"2030-01-02T03:04:05Z","username":"bob"}}"#,
                "b".repeat(64)
            ),
        )
        .unwrap();
        assert_eq!(decoded.theme, "light");
        assert_eq!(decoded.nickname, None);
        // A document of narvik 0.1 has no stamps: both are unknown.
        assert_eq!(decoded.issued_at, crate::UNKNOWN_TIME);
        assert_eq!(decoded.authenticated_at, crate::UNKNOWN_TIME);

        let error = decode_session::<AppData>(
            "s1",
            &format!(
                r#"{{"id":"{}","user_id":"u","expires_at":"2030-01-02T03:04:05Z"}}"#,
                "b".repeat(64)
            ),
        )
        .unwrap_err();
        assert!(
            chain(&error).contains("missing field `username`"),
            "{error}"
        );
    }

    #[test]
    fn empty_struct_accepts_any_map() {
        #[derive(crate::SessionData, Debug, PartialEq)]
        struct Empty {}
        assert_eq!(encode_data(&Empty {}).unwrap(), "{}");
        assert_eq!(decode_data::<Empty>("s1", r#"{"a":1}"#).unwrap(), Empty {});
    }
}
