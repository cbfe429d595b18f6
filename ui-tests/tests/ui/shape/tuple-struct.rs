use narvik::SessionData;

#[derive(SessionData)]
struct AppData(String, u32);

fn main() {}
