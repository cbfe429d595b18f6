use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    expires_at: Option<narvik::time::OffsetDateTime>,
}

fn main() {}
