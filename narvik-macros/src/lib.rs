//! The `#[derive(SessionData)]` macro of [narvik](https://docs.rs/narvik).
//!
//! Use it through `narvik::SessionData`, not from this crate: the generated code
//! names private paths of `narvik` (`::narvik::__private`), so the two crates are
//! always released together.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod fallback;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `narvik::SessionData` for a struct with named fields: the custom fields
/// kept in each session beside `id`, `user_id` and `expires_at`.
///
/// Each stored field's type must implement serde's `Serialize` and `Deserialize`;
/// the struct needs no serde attributes and the application no serde dependency
/// of its own. The struct may still derive `Serialize`/`Deserialize` itself: the
/// derive never touches those impls.
///
/// What a field becomes when the stored data lacks it (data stored before the
/// field existed):
///
/// | field | missing in stored data |
/// | --- | --- |
/// | `field: T` | the session does not decode; the error names the field |
/// | `field: Option<T>` | `None` |
/// | `#[session(default)] field: T` | `Default::default()` |
/// | `#[session(default = path::to_fn)] field: T` | `path::to_fn()` |
///
/// A stored `null` is a value, not a missing field: an `Option` field decodes it
/// as `None` whatever its default.
///
/// `#[session(rename = "name")]` stores the field under `name`;
/// `#[session(skip)]` never stores it, and it comes back as `Default::default()`
/// (or as `path::to_fn()` with `#[session(skip, default = path::to_fn)]`).
/// `#[session(default)]` on an `Option` or a skipped field is accepted and changes
/// nothing. An `Option` is recognized by its spelling (`Option<T>`,
/// `std::option::Option<T>`); through a type alias it counts as a required field.
///
/// Rejected at compile time, pointing at the offending tokens: enums, unions,
/// tuple and unit structs; lifetime parameters and reference fields (session data
/// is stored, so it owns its fields); a stored name equal to a core field (`id`,
/// `user_id`, `expires_at`); two fields with one stored name; `skip` with
/// `rename`; unknown, repeated or malformed attributes. Type and const parameters
/// are supported; each type parameter gets the bounds
/// `Serialize + DeserializeOwned + Send + Sync + 'static`.
///
/// ```ignore
/// // Tested as the example of `narvik::SessionData`.
/// use narvik::SessionData;
///
/// #[derive(SessionData, Clone, Debug)]
/// struct AppData {
///     username: String,
///     created_at: Option<time::OffsetDateTime>,
///     #[session(default)]
///     visits: u32,
///     #[session(default = default_theme)]
///     theme: String,
///     #[session(rename = "ua")]
///     user_agent: Option<String>,
///     #[session(skip)]
///     cached_permissions: Vec<String>,
/// }
///
/// fn default_theme() -> String {
///     "light".to_owned()
/// }
/// ```
#[proc_macro_derive(SessionData, attributes(session))]
pub fn derive_session_data(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(|error| fallback::expand(&input, error))
        .into()
}
