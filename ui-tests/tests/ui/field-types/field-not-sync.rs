use std::cell::Cell;

use narvik::SessionData;

#[derive(SessionData)]
struct AppData {
    username: String,
    visits: Cell<u32>,
}

fn main() {}
