//! Compile-fail and compile-pass cases of `#[derive(SessionData)]` and of the
//! store API's compile-time checks. Each `.stderr` follows this machine's one
//! toolchain; regenerate with `TRYBUILD=overwrite` and read the result.
//!
//! trybuild compares the whole compiler output, so each `.stderr` also pins how
//! many errors a mistake produces: one mistake, one `error[...]` (a field type
//! without serde's traits gives one per missing trait). A snapshot that grows a
//! second error for the same mistake fails here.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/shape/*.rs");
    cases.compile_fail("tests/ui/core-names/*.rs");
    cases.compile_fail("tests/ui/attributes/*.rs");
    cases.compile_fail("tests/ui/field-types/*.rs");
    cases.compile_fail("tests/ui/store-api/*.rs");
    cases.compile_fail("tests/ui/typed-ids/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
