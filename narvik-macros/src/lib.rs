//! placeholder
use proc_macro::TokenStream;
/// placeholder
#[proc_macro_derive(SessionData, attributes(session))]
pub fn derive_session_data(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
