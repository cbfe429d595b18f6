use narvik::SessionData;

#[derive(SessionData)]
#[session(rename = "app")]
struct AppData {
    username: String,
}

fn main() {}
