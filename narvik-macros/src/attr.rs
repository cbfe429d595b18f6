//! Parses the `#[session(...)]` attributes of fields.

use quote::ToTokens;
use syn::{Attribute, ExprPath, LitStr, Path, Token};

use crate::ctxt::Ctxt;

/// The `#[session(...)]` attributes of one field. Each keeps its keyword so a later
/// rule can point at it.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) default: Option<DefaultValue>,
    pub(crate) rename: Option<Rename>,
    pub(crate) skip: Option<Path>,
}

/// `#[session(default)]` or `#[session(default = path::to_fn)]`.
pub(crate) enum DefaultValue {
    /// `default`: the field's `Default::default()`.
    Trait,
    /// `default = path::to_fn`: a call of that function.
    Path(ExprPath),
}

/// `#[session(rename = "name")]`.
pub(crate) struct Rename {
    pub(crate) keyword: Path,
    pub(crate) name: LitStr,
}

const EXPECTED: &str = "expected `default`, `default = path::to_fn`, `rename = \"...\"` or `skip`";

/// Reads every `#[session(...)]` of a field. A malformed attribute is recorded and
/// the rest of that attribute skipped; the others are still read.
pub(crate) fn field_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut parsed = FieldAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("session")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                let default = if meta.input.peek(Token![=]) {
                    let value = meta.value()?;
                    if value.peek(LitStr) {
                        let quoted: LitStr = value.parse()?;
                        return Err(syn::Error::new(
                            quoted.span(),
                            "expected a path without quotes: `#[session(default = path::to_fn)]`",
                        ));
                    }
                    DefaultValue::Path(value.parse()?)
                } else {
                    DefaultValue::Trait
                };
                if parsed.default.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate `#[session(default)]` attribute");
                } else {
                    parsed.default = Some(default);
                }
            } else if meta.path.is_ident("rename") {
                let value = meta.value()?;
                let name = if value.peek(LitStr) {
                    value.parse::<LitStr>()?
                } else {
                    return Err(
                        value.error("expected a string literal: `#[session(rename = \"...\")]`")
                    );
                };
                if name.value().is_empty() {
                    cx.error_spanned_by(&name, "the stored name must not be empty");
                }
                if parsed.rename.is_some() {
                    cx.error_spanned_by(
                        &meta.path,
                        "duplicate `#[session(rename = \"...\")]` attribute",
                    );
                } else {
                    parsed.rename = Some(Rename {
                        keyword: meta.path.clone(),
                        name,
                    });
                }
            } else if meta.path.is_ident("skip") {
                if meta.input.peek(Token![=]) {
                    return Err(meta.error("`#[session(skip)]` takes no value"));
                }
                if parsed.skip.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate `#[session(skip)]` attribute");
                } else {
                    parsed.skip = Some(meta.path.clone());
                }
            } else {
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                return Err(meta.error(format_args!(
                    "unknown `#[session({key})]` attribute; {EXPECTED}",
                )));
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    parsed
}

/// Records an error for each `#[session(...)]` on the struct itself: every
/// attribute belongs on a field.
pub(crate) fn reject_container_attrs(cx: &mut Ctxt, attrs: &[Attribute]) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("session")) {
        cx.error_spanned_by(
            attr,
            "`#[session(...)]` goes on fields; the struct itself takes no session attributes",
        );
    }
}
