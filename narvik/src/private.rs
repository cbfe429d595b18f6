//! Paths used by the code `#[derive(SessionData)]` generates. Not public API: it
//! changes without notice.

pub use serde::de;
pub use serde::ser;
