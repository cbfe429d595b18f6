use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(rename = "")]
    username: String,
}

fn main() {}
