use narvik::SessionData;

// The fallback impl beside the error must hold for any `T`, so using the type adds
// no "`T` cannot be sent between threads safely" or "not implemented" errors.
#[derive(SessionData)]
struct Tagged<T> {
    #[session(skip = true)]
    tag: T,
}

fn assert_session_data<D: SessionData>() {}

fn main() {
    assert_session_data::<Tagged<String>>();
}
