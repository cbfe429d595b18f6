use narvik::SessionData;

#[derive(SessionData)]
enum Role {
    Admin,
    Member { team: String },
}

fn assert_session_data<D: SessionData>() {}

fn main() {
    // No follow-on "`SessionData` is not implemented" error.
    assert_session_data::<Role>();
}
