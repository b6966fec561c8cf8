#[semtrace::traced_db(system = "sqlite", 5)]
fn numbered() {}

fn main() {
    numbered();
}
