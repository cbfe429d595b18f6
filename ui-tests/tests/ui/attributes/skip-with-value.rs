use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(skip = true)]
    cache: Vec<String>,
}

fn main() {}
