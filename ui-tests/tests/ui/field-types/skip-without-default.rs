use narvik::SessionData;

struct Connection;

#[derive(SessionData)]
struct AppData {
    username: String,
    #[session(skip)]
    connection: Option<Connection>,
    #[session(skip)]
    handle: Connection,
}

fn main() {}
