use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(rename = 5)]
    username: String,
}

fn main() {}
