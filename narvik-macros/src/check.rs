//! Rules that span several fields, attributes or the generics.

use std::collections::HashMap;

use syn::{GenericParam, Type};

use crate::ast::{Field, Input, NameOrigin};
use crate::ctxt::Ctxt;

/// The keys of the session object itself; a custom field stored under one of
/// them would overwrite it in every flat encoding.
const CORE_FIELDS: [&str; 5] = [
    "id",
    "user_id",
    "expires_at",
    "issued_at",
    "authenticated_at",
];

/// The core fields narvik 0.2 added: a data struct of 0.1 may hold one, and its
/// error says how to move on.
const CORE_FIELDS_SINCE_0_2: [&str; 2] = ["issued_at", "authenticated_at"];

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
    let since_0_2 = CORE_FIELDS_SINCE_0_2.contains(&stored.name.as_str());
    match stored.origin {
        NameOrigin::Ident(ident) if since_0_2 => cx.error_spanned_by(
            ident,
            format_args!(
                "field `{0}` is a core session field since narvik 0.2, which records \
                 it itself as `session.{0}`; rename the field (to `signed_in_at`, say) \
                 and make it an `Option` or `#[session(default)]`, so sessions stored \
                 before the rename still decode",
                stored.name,
            ),
        ),
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
