use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(default = "default_theme")]
    theme: String,
}

fn default_theme() -> String {
    "light".to_owned()
}

fn main() {}
