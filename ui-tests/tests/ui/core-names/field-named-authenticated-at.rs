use narvik::SessionData;

// A data struct of narvik 0.1 that kept its own "last password check".
#[derive(SessionData)]
struct AppData {
    username: String,
    authenticated_at: Option<narvik::time::OffsetDateTime>,
}

fn main() {}
