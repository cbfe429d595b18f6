use narvik::SessionData;

#[derive(SessionData)]
struct NoData;

fn main() {}
