//! Paths used by the code `#[derive(SessionData)]` generates. Not public API: it
//! changes without notice.

pub use serde;
pub use serde::de;
pub use serde::ser;

/// A stored field as the generated decoder reads it: present (even as `null`) or
/// missing from the stored map. The field's attributes decide what a missing one
/// becomes; telling `null` apart keeps a required field whose value encodes as
/// `null` (a `()`, a `serde_json::Value::Null`) decodable.
///
/// `Missing` is the `Default`: serde's `#[serde(default)]` uses it for a key the
/// map lacks.
#[derive(Debug, Default)]
pub enum MaybeMissing<T> {
    /// The stored map has no entry for the field.
    #[default]
    Missing,
    /// The stored value.
    Present(T),
}

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for MaybeMissing<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::Present)
    }
}
