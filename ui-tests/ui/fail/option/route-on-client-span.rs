#[semtrace::traced_http(client, method = "GET", route = "/api/tasks")]
fn fetch_tasks() {}

fn main() {
    fetch_tasks();
}
