//! The input as the derive sees it, borrowed from the syn tree so that every error
//! can point at the user's own tokens.

use quote::quote;
use syn::ext::IdentExt;
use syn::{
    Data, DataEnum, DataStruct, DataUnion, DeriveInput, ExprPath, Fields, GenericArgument,
    Generics, Ident, LitStr, PathArguments, Type,
};

use crate::attr::{self, DefaultValue, FieldAttrs};
use crate::ctxt::Ctxt;

/// A struct with named fields, the one shape the derive accepts.
pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field of the struct with its parsed `#[session(...)]` attributes.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
}

/// The key a field is stored under, and the tokens that chose it.
pub(crate) struct StoredName<'a> {
    pub(crate) name: String,
    pub(crate) origin: NameOrigin<'a>,
}

/// Where a stored name comes from, for spans and messages.
pub(crate) enum NameOrigin<'a> {
    /// The field's own name.
    Ident(&'a Ident),
    /// `#[session(rename = "...")]`.
    Rename(&'a LitStr),
}

/// What a field becomes when the stored data lacks it.
pub(crate) enum WhenMissing<'a> {
    /// A required field: the data does not decode.
    Fail,
    /// An `Option` field without a default attribute.
    None,
    /// `#[session(default)]`, and every `#[session(skip)]` field without a path.
    DefaultTrait,
    /// `#[session(default = path::to_fn)]`.
    Call(&'a ExprPath),
}

impl<'a> Input<'a> {
    /// The struct's fields and attributes; any other shape is an error, and there
    /// is nothing more to check then.
    pub(crate) fn from_syn(cx: &mut Ctxt, node: &'a DeriveInput) -> syn::Result<Self> {
        let ident = &node.ident;
        let named = match &node.data {
            Data::Struct(DataStruct {
                fields: Fields::Named(named),
                ..
            }) => named,
            Data::Struct(DataStruct {
                fields: Fields::Unnamed(unnamed),
                ..
            }) => {
                return Err(syn::Error::new_spanned(
                    unnamed,
                    "`#[derive(SessionData)]` needs named fields, not a tuple struct: \
                     each field is stored under its name",
                ));
            }
            Data::Struct(DataStruct {
                struct_token,
                fields: Fields::Unit,
                ..
            }) => {
                return Err(syn::Error::new_spanned(
                    quote!(#struct_token #ident),
                    "`#[derive(SessionData)]` needs named fields, not a unit struct; \
                     sessions without custom fields use `()` as their data",
                ));
            }
            Data::Enum(DataEnum { enum_token, .. }) => {
                return Err(syn::Error::new_spanned(
                    quote!(#enum_token #ident),
                    "`#[derive(SessionData)]` supports structs with named fields, not enums",
                ));
            }
            Data::Union(DataUnion { union_token, .. }) => {
                return Err(syn::Error::new_spanned(
                    quote!(#union_token #ident),
                    "`#[derive(SessionData)]` supports structs with named fields, not unions",
                ));
            }
        };

        attr::reject_container_attrs(cx, &node.attrs);
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                // Named fields always have an ident; `filter_map` spares an unwrap.
                let ident = field.ident.as_ref()?;
                Some(Field {
                    ident,
                    ty: &field.ty,
                    attrs: attr::field_attrs(cx, &field.attrs),
                })
            })
            .collect();
        Ok(Input {
            ident,
            generics: &node.generics,
            fields,
        })
    }
}

impl Field<'_> {
    /// The key the field is stored under; `None` for a `#[session(skip)]` field.
    pub(crate) fn stored_name(&self) -> Option<StoredName<'_>> {
        if self.attrs.skip.is_some() {
            return None;
        }
        Some(match &self.attrs.rename {
            Some(rename) => StoredName {
                name: rename.name.value(),
                origin: NameOrigin::Rename(&rename.name),
            },
            None => StoredName {
                name: self.ident.unraw().to_string(),
                origin: NameOrigin::Ident(self.ident),
            },
        })
    }

    /// What the field becomes when the stored data lacks it (always, when skipped).
    pub(crate) fn when_missing(&self) -> WhenMissing<'_> {
        match &self.attrs.default {
            Some(DefaultValue::Path(path)) => WhenMissing::Call(path),
            Some(DefaultValue::Trait) => WhenMissing::DefaultTrait,
            None if self.attrs.skip.is_some() => WhenMissing::DefaultTrait,
            None if is_option(self.ty) => WhenMissing::None,
            None => WhenMissing::Fail,
        }
    }
}

/// Whether `ty` is spelled as an `Option` (`Option<T>`, `std::option::Option<T>`,
/// ...). A type alias of an `Option` is not recognized: a macro sees only tokens.
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|segment| {
                segment.ident == "Option"
                    && matches!(
                        &segment.arguments,
                        PathArguments::AngleBracketed(arguments)
                            if arguments.args.len() == 1
                                && matches!(arguments.args.first(), Some(GenericArgument::Type(_)))
                    )
            })
        }
        _ => false,
    }
}
