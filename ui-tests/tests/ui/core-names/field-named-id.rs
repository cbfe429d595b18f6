use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    id: u64,
    username: String,
}

fn main() {}
