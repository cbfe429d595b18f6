use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(rename = "user_id")]
    account: String,
}

fn main() {}
