//! Rules that span several fields, attributes or the generics.

use std::collections::HashMap;

use syn::{GenericParam, Type};

use crate::ast::{Field, Input, NameOrigin};
use crate::ctxt::Ctxt;

/// The keys of the session object itself; a custom field stored under one of
/// them would overwrite it in every flat encoding.
const CORE_FIELDS: [&str; 3] = ["id", "user_id", "expires_at"];

/// Records every broken rule of `input`.
pub(crate) fn check(cx: &mut Ctxt, input: &Input<'_>) {
    generics(cx, input);
    for field in &input.fields {
        owned_type(cx, field);
        skip_conflicts(cx, field);
        core_names(cx, field);
    }
    unique_stored_names(cx, &input.fields);
}

/// Session data outlives every request, so it cannot borrow.
fn generics(cx: &mut Ctxt, input: &Input<'_>) {
    for param in &input.generics.params {
        if let GenericParam::Lifetime(lifetime) = param {
            cx.error_spanned_by(
                lifetime,
                format_args!(
                    "session data is stored and must own its fields: \
                     lifetime parameter `{}` is not supported",
                    lifetime.lifetime,
                ),
            );
        }
    }
}

fn owned_type(cx: &mut Ctxt, field: &Field<'_>) {
    if let Type::Reference(reference) = field.ty {
        cx.error_spanned_by(
            reference,
            "session data is stored and must own its fields: \
             use an owned type (such as `String`) instead of a reference",
        );
    }
}

fn skip_conflicts(cx: &mut Ctxt, field: &Field<'_>) {
    if let (Some(_), Some(rename)) = (&field.attrs.skip, &field.attrs.rename) {
        cx.error_spanned_by(
            &rename.keyword,
            "`#[session(rename = \"...\")]` conflicts with `#[session(skip)]`: \
             a skipped field is not stored, so it has no stored name",
        );
    }
}

fn core_names(cx: &mut Ctxt, field: &Field<'_>) {
    let Some(stored) = field.stored_name() else {
        return;
    };
    if !CORE_FIELDS.contains(&stored.name.as_str()) {
        return;
    }
    match stored.origin {
        NameOrigin::Ident(ident) => cx.error_spanned_by(
            ident,
            format_args!(
                "field `{}` is a core session field; rename it or use \
                 `#[session(rename = \"...\")]`",
                stored.name,
            ),
        ),
        NameOrigin::Rename(name) => cx.error_spanned_by(
            name,
            format_args!(
                "`{}` is a core session field; choose another stored name",
                stored.name,
            ),
        ),
    }
}

/// Two fields under one key would overwrite each other in storage.
fn unique_stored_names(cx: &mut Ctxt, fields: &[Field<'_>]) {
    let mut owners = HashMap::new();
    for field in fields {
        let Some(stored) = field.stored_name() else {
            continue;
        };
        if CORE_FIELDS.contains(&stored.name.as_str()) {
            continue; // already reported
        }
        if let Some(owner) = owners.get(&stored.name) {
            let message = format!(
                "stored name `{}` is already used by field `{owner}`; \
                 give one of them another `#[session(rename = \"...\")]`",
                stored.name,
            );
            match stored.origin {
                NameOrigin::Ident(ident) => cx.error_spanned_by(ident, message),
                NameOrigin::Rename(name) => cx.error_spanned_by(name, message),
            }
        } else {
            owners.insert(stored.name, field.ident);
        }
    }
}
