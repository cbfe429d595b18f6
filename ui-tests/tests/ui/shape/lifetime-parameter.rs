use narvik::SessionData;

#[derive(SessionData)]
struct AppData<'a> {
    username: std::borrow::Cow<'a, str>,
}

fn assert_session_data<D: SessionData>() {}

fn main() {
    // No follow-on error: the impl emitted beside the error is for `'static`.
    assert_session_data::<AppData<'static>>();
}
