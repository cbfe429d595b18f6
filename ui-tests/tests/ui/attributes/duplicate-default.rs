use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    #[session(default)]
    #[session(default = default_visits)]
    visits: u32,
}

fn default_visits() -> u32 {
    1
}

fn main() {}
