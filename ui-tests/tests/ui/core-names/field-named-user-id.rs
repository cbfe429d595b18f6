use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    username: String,
    user_id: String,
}

fn main() {}
