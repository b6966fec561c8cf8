#[semtrace::traced_http(route = "/api/tasks")]
fn list_tasks() {}

fn main() {
    list_tasks();
}
