use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(optional)]
    nickname: String,
}

fn main() {}
