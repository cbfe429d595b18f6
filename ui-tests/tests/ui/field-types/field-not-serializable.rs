use narvik::SessionData;

struct Permissions {
    admin: bool,
}

#[derive(SessionData)]
struct AppData {
    username: String,
    permissions: Permissions,
}

fn main() {}
