use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(skip, rename = "cache")]
    cached_roles: Vec<String>,
}

fn main() {}
