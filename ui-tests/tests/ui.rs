//! Compile-fail and compile-pass cases of `#[derive(SessionData)]` and of the
//! store API's compile-time checks. Each `.stderr` follows this machine's one
//! toolchain; regenerate with `TRYBUILD=overwrite` and read the result.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/shape/*.rs");
    cases.compile_fail("tests/ui/core-names/*.rs");
    cases.compile_fail("tests/ui/attributes/*.rs");
    cases.compile_fail("tests/ui/field-types/*.rs");
    cases.compile_fail("tests/ui/store-api/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
