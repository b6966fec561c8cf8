#[semtrace::traced_graphql(operation = "querry")]
fn find_book() {}

fn main() {}
