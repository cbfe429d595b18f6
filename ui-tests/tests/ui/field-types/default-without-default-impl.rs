use narvik::SessionData;

#[derive(serde::Serialize, serde::Deserialize)]
enum Theme {
    Light,
    Dark,
}

#[derive(SessionData)]
struct AppData {
    #[session(default)]
    theme: Theme,
}

fn main() {}
