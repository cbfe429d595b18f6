use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(rename = "theme")]
    color_scheme: String,
    theme: String,
}

fn main() {}
