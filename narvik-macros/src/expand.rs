//! Code generation: the `SessionData` impl of a checked input.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    parse_quote, DeriveInput, ExprPath, GenericParam, Generics, Ident, LitByteStr, LitStr, Type,
};

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
///         fn __deserialize(..) { deserializer.deserialize_struct("AppData", &["username", ..], __Visitor) }
///     }
///     enum __Key { __field0, .., __ignore }   // the stored names, and any other key
///     impl Visitor for __Visitor {
///         fn visit_map(..) {
///             let mut __field0: Option<String> = None; ..
///             while let Some(key) = map.next_key::<__Key>()? {
///                 match key { __Key::__field0 => __field0 = Some(map.next_value::<String>()?), .. }
///             }
///             Ok(AppData { username: match __field0 { Some(v) => v, None => /* missing */ }, .. })
///         }
///     }
/// };
/// ```
///
/// The decoder is written here rather than left to serde's derive on a helper
/// struct: that derive reads each field in both `visit_seq` and `visit_map`, so a
/// field type that is not `Deserialize` was reported twice. Here each field's type
/// is read at exactly one call site, spanned on the user's field. Stored data is
/// always a map (`__serialize_fields` writes one), so `visit_map` is all it needs.
/// Each stored field is an `Option` while reading: `None` is a missing key, told
/// apart from a stored `null` (`Some(None)` for an `Option` field), and the rules
/// of the field decide what a missing one becomes.
fn impl_session_data(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let generics = bounded_generics(input);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let mut serialize_entries = Vec::new();
    let mut stored_names = Vec::new();
    let mut slots = Vec::new();
    let mut slot_decls = Vec::new();
    let mut slot_reads = Vec::new();
    let mut field_values = Vec::new();
    for field in &input.fields {
        let member = field.ident;
        let Some(stored) = field.stored_name() else {
            let value = skipped_value(field);
            field_values.push(quote!(#member: #value));
            continue;
        };
        let name = LitStr::new(&stored.name, member.span());
        // Numbered, so slots collide neither with each other nor with `__ignore`.
        let slot = format_ident!("__field{}", slots.len(), span = member.span());
        let ty = field.ty;
        serialize_entries.push(serialize_entry(field, &name));
        slot_decls.push(quote! {
            let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;
        });
        slot_reads.push(read_value(field, &name, &slot));
        let when_missing = missing_value(field, &name);
        field_values.push(quote! {
            #member: match #slot {
                ::core::option::Option::Some(__value) => __value,
                ::core::option::Option::None => #when_missing,
            }
        });
        stored_names.push(name);
        slots.push(slot);
    }

    let stored_bytes = stored_names
        .iter()
        .map(|name| LitByteStr::new(name.value().as_bytes(), name.span()));
    let visitor_generics = visitor_generics(&generics);
    let (visitor_impl_generics, _, _) = visitor_generics.split_for_impl();
    // serde's messages name the struct ("expected struct AppData").
    let container_name = ident.unraw().to_string();
    let expecting = format!("struct {container_name}");

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
                    // A struct, as serde's derive asks for it: a flattening caller
                    // (a whole session as one object) then hands over only the
                    // keys listed here.
                    ::narvik::__private::de::Deserializer::deserialize_struct(
                        __deserializer,
                        #container_name,
                        &[#(#stored_names),*],
                        __Visitor::<#ident #ty_generics>(::core::marker::PhantomData),
                    )
                }
            }

            // The stored keys this struct reads, and any other. The variants are
            // named as the slots they fill, which are not camel case.
            #[allow(non_camel_case_types)]
            enum __Key {
                #(#slots,)*
                __ignore,
            }

            #[automatically_derived]
            impl<'de> ::narvik::__private::de::Deserialize<'de> for __Key {
                fn deserialize<__D: ::narvik::__private::de::Deserializer<'de>>(
                    __deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    ::narvik::__private::de::Deserializer::deserialize_identifier(
                        __deserializer,
                        __KeyVisitor,
                    )
                }
            }

            struct __KeyVisitor;

            #[automatically_derived]
            impl<'de> ::narvik::__private::de::Visitor<'de> for __KeyVisitor {
                type Value = __Key;

                fn expecting(
                    &self,
                    __formatter: &mut ::core::fmt::Formatter<'_>,
                ) -> ::core::fmt::Result {
                    __formatter.write_str("field identifier")
                }

                fn visit_str<__E>(self, __key: &str) -> ::core::result::Result<__Key, __E> {
                    ::core::result::Result::Ok(match __key {
                        #(#stored_names => __Key::#slots,)*
                        _ => __Key::__ignore,
                    })
                }

                fn visit_bytes<__E>(self, __key: &[u8]) -> ::core::result::Result<__Key, __E> {
                    ::core::result::Result::Ok(match __key {
                        #(#stored_bytes => __Key::#slots,)*
                        _ => __Key::__ignore,
                    })
                }
            }

            // Generic over the value it builds, not over the struct's parameters:
            // the struct's bounds and a marker for each parameter then live only
            // on the impl below.
            struct __Visitor<__T>(::core::marker::PhantomData<fn() -> __T>);

            #[automatically_derived]
            impl #visitor_impl_generics ::narvik::__private::de::Visitor<'de>
                for __Visitor<#ident #ty_generics> #where_clause
            {
                type Value = #ident #ty_generics;

                fn expecting(
                    &self,
                    __formatter: &mut ::core::fmt::Formatter<'_>,
                ) -> ::core::fmt::Result {
                    __formatter.write_str(#expecting)
                }

                fn visit_map<__A: ::narvik::__private::de::MapAccess<'de>>(
                    self,
                    mut __map: __A,
                ) -> ::core::result::Result<Self::Value, __A::Error> {
                    #(#slot_decls)*
                    while let ::core::option::Option::Some(__key) =
                        ::narvik::__private::de::MapAccess::next_key::<__Key>(&mut __map)?
                    {
                        match __key {
                            #(#slot_reads)*
                            __Key::__ignore => {
                                let _ = ::narvik::__private::de::MapAccess::next_value::<
                                    ::narvik::__private::de::IgnoredAny,
                                >(&mut __map)?;
                            }
                        }
                    }
                    ::core::result::Result::Ok(#ident {
                        #(#field_values,)*
                    })
                }
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

/// The match arm that reads a stored field's value: a second entry of one key is
/// an error, as serde's derive makes it. The read is the one place the field's
/// type must be `Deserialize`, spanned on that type so a type that is not is
/// reported there, once.
fn read_value(field: &Field<'_>, name: &LitStr, slot: &Ident) -> TokenStream {
    let ty = field.ty;
    let read = quote_spanned! {ty.span()=>
        ::narvik::__private::de::MapAccess::next_value::<#ty>(&mut __map)
    };
    quote! {
        __Key::#slot => {
            if ::core::option::Option::is_some(&#slot) {
                return ::core::result::Result::Err(
                    <__A::Error as ::narvik::__private::de::Error>::duplicate_field(#name),
                );
            }
            #slot = ::core::option::Option::Some(#read?);
        }
    }
}

/// The value of a stored field whose key the stored data lacks.
fn missing_value(field: &Field<'_>, name: &LitStr) -> TokenStream {
    match field.when_missing() {
        WhenMissing::Fail => quote! {
            return ::core::result::Result::Err(
                <__A::Error as ::narvik::__private::de::Error>::missing_field(#name),
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

/// `generics` with the deserializer's lifetime `'de` in front, for the visitor's
/// impl.
fn visitor_generics(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    generics
        .params
        .insert(0, GenericParam::Lifetime(parse_quote!('de)));
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
