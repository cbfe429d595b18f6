use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    username: String,
    #[session(skip, skip)]
    cache: Vec<String>,
}

fn main() {}
