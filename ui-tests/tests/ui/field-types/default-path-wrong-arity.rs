use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(default = default_theme)]
    theme: String,
}

fn default_theme(user_agent: &str) -> String {
    if user_agent.contains("Dark") {
        "dark"
    } else {
        "light"
    }
    .to_owned()
}

fn main() {}
