use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    id: String,
    #[session(optional)]
    nickname: Option<String>,
    #[session(skip, rename = "cache")]
    cached_roles: Vec<String>,
}

fn main() {}
