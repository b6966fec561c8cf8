struct User {
    id: u64,
}

impl User {
    #[semtrace::traced]
    async fn name(&self) -> &str {
        &self.id
    }
}

fn main() {
    drop(User { id: 1 }.name());
}
