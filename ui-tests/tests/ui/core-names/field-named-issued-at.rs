use narvik::SessionData;

// A data struct of narvik 0.1 that kept its own sign-in time.
#[derive(SessionData)]
struct AppData {
    username: String,
    issued_at: narvik::time::OffsetDateTime,
}

fn main() {}
