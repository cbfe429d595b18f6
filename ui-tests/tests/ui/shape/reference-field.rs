use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    username: &'static str,
}

fn main() {}
