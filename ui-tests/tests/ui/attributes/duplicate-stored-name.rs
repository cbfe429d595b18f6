use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(rename = "name")]
    username: String,
    #[session(rename = "name")]
    display_name: String,
}

fn main() {}
