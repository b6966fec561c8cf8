#[semtrace::traced_http(method = "GETT", route = "/api/tasks/{id}")]
fn get_task() {}

fn main() {
    get_task();
}
