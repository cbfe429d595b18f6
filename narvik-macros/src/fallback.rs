//! What the derive emits beside its errors: a do-nothing impl, so the user sees
//! the real mistake and not "`SessionData` is not implemented" wherever the type
//! is used.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{DeriveInput, GenericParam, Lifetime, TypeParamBound};

/// `error` as `compile_error!`s, plus an impl of `SessionData` that is never run.
pub(crate) fn expand(input: &DeriveInput, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let ident = &input.ident;

    // Lifetime parameters are an error of their own; the impl is for `'static`,
    // which is the only lifetime session data could have anyway. Type and const
    // parameters keep their inline bounds but for lifetimes; a where clause may name
    // the lifetimes, so it is left out when there are any.
    let has_lifetimes = input.generics.lifetimes().next().is_some();
    let impl_params = input
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Lifetime(_) => None,
            GenericParam::Type(param) => {
                let mut param = param.clone();
                param.eq_token = None;
                param.default = None;
                param.bounds = param
                    .bounds
                    .into_iter()
                    .filter(|bound| {
                        !matches!(bound, TypeParamBound::Lifetime(lifetime) if lifetime.ident != "static")
                    })
                    .collect();
                Some(quote!(#param))
            }
            GenericParam::Const(param) => {
                let mut param = param.clone();
                param.eq_token = None;
                param.default = None;
                Some(quote!(#param))
            }
        });
    let static_lifetime = Lifetime::new("'static", Span::call_site());
    let type_args = input.generics.params.iter().map(|param| match param {
        GenericParam::Lifetime(_) => quote!(#static_lifetime),
        GenericParam::Type(param) => {
            let ident = &param.ident;
            quote!(#ident)
        }
        GenericParam::Const(param) => {
            let ident = &param.ident;
            quote!(#ident)
        }
    });
    let self_ty = if input.generics.params.is_empty() {
        quote!(#ident)
    } else {
        quote!(#ident<#(#type_args),*>)
    };
    let where_predicates = input
        .generics
        .where_clause
        .iter()
        .filter(|_| !has_lifetimes)
        .flat_map(|where_clause| &where_clause.predicates)
        .map(|predicate| quote!(#predicate,));

    // `for<'__w>` keeps a bound that may not hold (a field that is not `Send`)
    // from being an error of its own: the impl just goes unused. Trivially false
    // bounds are otherwise rejected (rust-lang/rust#48214).
    quote! {
        #error

        const _: () = {
            #[automatically_derived]
            impl<#(#impl_params),*> ::narvik::SessionData for #self_ty
            where
                #(#where_predicates)*
                for<'__w> #self_ty: ::core::marker::Send + ::core::marker::Sync + 'static,
            {
                fn __serialize_fields<__M: ::narvik::__private::ser::SerializeMap>(
                    &self,
                    _: &mut __M,
                ) -> ::core::result::Result<(), __M::Error> {
                    ::core::unreachable!()
                }

                fn __deserialize<'de, __De: ::narvik::__private::de::Deserializer<'de>>(
                    _: __De,
                ) -> ::core::result::Result<Self, __De::Error> {
                    ::core::unreachable!()
                }
            }
        };
    }
}
