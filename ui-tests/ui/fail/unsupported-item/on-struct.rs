#[semtrace::traced]
struct Task {
    id: u64,
}

fn main() {
    let task = Task { id: 1 };
    let _ = task.id;
}
