//! Serde glue between [`SessionData`], [`Session`] and a store's encoding.
//!
//! Stores that keep the custom data in one JSON column use [`encode_data`] and
//! [`decode_data`]; stores that keep the whole session as one document use
//! [`encode_session`] and [`decode_session`] (a flat object: `id`, `user_id`,
//! `expires_at` as RFC 3339, then the custom fields). Other formats can use the
//! serde adapters [`DataRef`] and [`DataOwned`] directly.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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
/// Fails with [`Error::Decode`] (naming the field) when it no longer fits `D`.
pub fn decode_data<D: SessionData>(session_id: &str, json: &str) -> Result<D> {
    serde_json::from_str::<DataOwned<D>>(json)
        .map(|DataOwned(data)| data)
        .map_err(|source| Error::decode(session_id, source))
}

/// The whole session as one flat JSON object.
pub fn encode_session<D: SessionData>(session: &Session<D>) -> Result<String> {
    serde_json::to_string(session).map_err(Error::encode)
}

/// A whole session from one flat JSON object; `session_id` names it in the error.
pub fn decode_session<D: SessionData>(session_id: &str, json: &str) -> Result<Session<D>> {
    serde_json::from_str(json).map_err(|source| Error::decode(session_id, source))
}

impl<D: SessionData> Serialize for Session<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("user_id", &self.user_id)?;
        map.serialize_entry("expires_at", &Rfc3339(self.expires_at))?;
        self.data.__serialize_fields(&mut map)?;
        map.end()
    }
}

impl<'de, D: SessionData> Deserialize<'de> for Session<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "")]
        struct Flat<D: SessionData> {
            id: String,
            user_id: String,
            #[serde(with = "time::serde::rfc3339")]
            expires_at: OffsetDateTime,
            #[serde(flatten)]
            data: DataOwned<D>,
        }
        let flat = Flat::<D>::deserialize(deserializer)?;
        Ok(Session::new(
            flat.id,
            flat.user_id,
            flat.expires_at,
            flat.data.0,
        ))
    }
}

struct Rfc3339(OffsetDateTime);

impl Serialize for Rfc3339 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(&self.0, serializer)
    }
}

/// A visitor that accepts any map and keeps nothing; used by generated code for
/// data types without stored fields.
#[doc(hidden)]
pub struct IgnoreMap<T>(pub PhantomData<T>);

impl<'de, T: Default> Visitor<'de> for IgnoreMap<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map of session data")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(T::default())
    }
}
