use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(default = default_visits)]
    visits: u32,
}

fn default_visits() -> String {
    "1".to_owned()
}

fn main() {}
