use narvik::SessionData;

#[derive(SessionData)]
struct AppData<'a, T: Clone + 'a> {
    roles: std::borrow::Cow<'a, [T]>,
}

fn assert_session_data<D: SessionData>() {}

fn main() {
    // No follow-on error from the impl emitted beside the error.
    assert_session_data::<AppData<'static, String>>();
}
