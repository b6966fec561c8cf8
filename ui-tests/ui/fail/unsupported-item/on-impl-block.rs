struct Worker;

#[semtrace::traced_task]
impl Worker {
    fn run(&self) {}
}

fn main() {
    Worker.run();
}
