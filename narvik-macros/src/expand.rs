//! Code generation: the `SessionData` impl of a checked input.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{parse_quote, DeriveInput, ExprPath, Generics, Ident, LitStr, Type};

use crate::ast::{Field, Input, WhenMissing};
use crate::check;
use crate::ctxt::Ctxt;

/// The impl for `node`, or every mistake found in it.
pub(crate) fn derive(node: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let input = Input::from_syn(&mut cx, node)?;
    check::check(&mut cx, &input);
    cx.check()?;
    Ok(impl_session_data(&input))
}

/// ```text
/// const _: () = {
///     impl SessionData for AppData {
///         fn __serialize_fields(..) { map.serialize_entry("username", &self.username)?; .. }
///         fn __deserialize(..) { let stored = __Stored::deserialize(..)?; Ok(Self { .. }) }
///     }
///     #[derive(Deserialize)]
///     struct __Stored { #[serde(default, rename = "username")] __field0: MaybeMissing<String>, .. }
/// };
/// ```
///
/// Deserialization goes through a private helper so serde's derive does the key
/// matching (unknown keys, the core fields among them, are ignored); every stored
/// field is a `MaybeMissing` there, so a missing key is told apart from `null` and
/// the rules of the field decide what it becomes.
fn impl_session_data(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let generics = bounded_generics(input);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let mut serialize_entries = Vec::new();
    let mut helper_fields = Vec::new();
    let mut field_values = Vec::new();
    for field in &input.fields {
        let member = field.ident;
        let Some(stored) = field.stored_name() else {
            let value = skipped_value(field);
            field_values.push(quote!(#member: #value));
            continue;
        };
        let name = LitStr::new(&stored.name, member.span());
        // Numbered, so slots collide neither with each other nor with the marker.
        let slot = format_ident!("__field{}", helper_fields.len(), span = member.span());
        serialize_entries.push(serialize_entry(field, &name));
        helper_fields.push(helper_field(field, &name, &slot));
        let when_missing = missing_value(field, &name);
        field_values.push(quote! {
            #member: match __stored.#slot {
                ::narvik::__private::MaybeMissing::Present(__value) => __value,
                ::narvik::__private::MaybeMissing::Missing => #when_missing,
            }
        });
    }

    // Every type parameter must appear in the helper, even one only skipped fields use.
    let type_params: Vec<&Ident> = generics.type_params().map(|param| &param.ident).collect();
    let marker = (!type_params.is_empty()).then(|| {
        quote! {
            #[serde(skip)]
            __marker: ::core::marker::PhantomData<fn() -> (#(#type_params,)*)>,
        }
    });
    // serde's messages name the helper ("expected struct AppData").
    let container_name = ident.unraw().to_string();

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::narvik::SessionData for #ident #ty_generics #where_clause {
                fn __serialize_fields<__M: ::narvik::__private::ser::SerializeMap>(
                    &self,
                    __map: &mut __M,
                ) -> ::core::result::Result<(), __M::Error> {
                    #(#serialize_entries)*
                    ::core::result::Result::Ok(())
                }

                fn __deserialize<'de, __De: ::narvik::__private::de::Deserializer<'de>>(
                    __deserializer: __De,
                ) -> ::core::result::Result<Self, __De::Error> {
                    let __stored = <__Stored #ty_generics as ::narvik::__private::de::Deserialize>::deserialize(
                        __deserializer,
                    )?;
                    ::core::result::Result::Ok(Self {
                        #(#field_values,)*
                    })
                }
            }

            #[derive(::narvik::__private::serde::Deserialize)]
            #[serde(crate = "::narvik::__private::serde", rename = #container_name, bound = "")]
            struct __Stored #impl_generics #where_clause {
                #(#helper_fields)*
                #marker
            }
        };
    }
}

/// `map.serialize_entry("name", &self.field)?;`, spanned on the field's type so a
/// type that is not `Serialize` is reported there and nowhere else.
fn serialize_entry(field: &Field<'_>, name: &LitStr) -> TokenStream {
    let span = field.ty.span();
    let mut member = field.ident.clone();
    member.set_span(span);
    quote_spanned! {span=>
        __map.serialize_entry(#name, &self.#member)?;
    }
}

/// The helper's slot for a stored field. Its type is spanned on the field's type:
/// serde's derive reports a type that is not `Deserialize` at the slot's type, so
/// the user sees their own field.
fn helper_field(field: &Field<'_>, name: &LitStr, slot: &Ident) -> TokenStream {
    let ty = field.ty;
    let slot_ty = quote_spanned!(ty.span()=> ::narvik::__private::MaybeMissing<#ty>);
    quote! {
        #[serde(default, rename = #name)]
        #slot: #slot_ty,
    }
}

/// The value of a stored field whose key the stored data lacks.
fn missing_value(field: &Field<'_>, name: &LitStr) -> TokenStream {
    match field.when_missing() {
        WhenMissing::Fail => quote! {
            return ::core::result::Result::Err(
                <__De::Error as ::narvik::__private::de::Error>::missing_field(#name),
            )
        },
        WhenMissing::None => quote!(::core::option::Option::None),
        WhenMissing::DefaultTrait => default_trait(field.ty),
        WhenMissing::Call(path) => call_default(field.ty, path),
    }
}

/// The value of a `#[session(skip)]` field.
fn skipped_value(field: &Field<'_>) -> TokenStream {
    match field.when_missing() {
        WhenMissing::Call(path) => call_default(field.ty, path),
        _ => default_trait(field.ty),
    }
}

/// A call of `path`, spanned on it so a wrong arity is reported there, and bound to
/// a `let` of the field's type so a wrong return type reads "expected `ty`, found
/// ...", pointing at the path and at the field's type.
fn call_default(ty: &Type, path: &ExprPath) -> TokenStream {
    let call = quote_spanned!(path.span()=> #path());
    quote! {{
        let __default: #ty = #call;
        __default
    }}
}

/// `Default::default()` of `ty`, spanned on `ty` so a type without `Default` is
/// reported at the field.
fn default_trait(ty: &Type) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as ::core::default::Default>::default())
}

/// The struct's generics plus what the impl needs of each type parameter, and
/// `Default` of each defaulted field type that mentions one.
fn bounded_generics(input: &Input<'_>) -> Generics {
    let mut generics = input.generics.clone();
    let type_params: Vec<Ident> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    if type_params.is_empty() {
        return generics;
    }
    let where_clause = generics.make_where_clause();
    for param in &type_params {
        where_clause.predicates.push(parse_quote! {
            #param: ::narvik::__private::ser::Serialize
                + ::narvik::__private::de::DeserializeOwned
                + ::core::marker::Send
                + ::core::marker::Sync
                + 'static
        });
    }
    for field in &input.fields {
        let uses_default = matches!(field.when_missing(), WhenMissing::DefaultTrait);
        if uses_default && mentions_any(field.ty, &type_params) {
            let ty = field.ty;
            where_clause
                .predicates
                .push(parse_quote!(#ty: ::core::default::Default));
        }
    }
    generics
}

/// Whether the tokens of `ty` name one of `params`.
fn mentions_any(ty: &Type, params: &[Ident]) -> bool {
    fn walk(tokens: TokenStream, params: &[Ident]) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => params.contains(&ident),
            TokenTree::Group(group) => walk(group.stream(), params),
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        })
    }
    walk(quote!(#ty), params)
}
