// A bad option on an async method: the method still exists for its callers.
struct Repo;

impl Repo {
    #[semtrace::traced_db(system = "postgresql", operaton = "SELECT")]
    async fn load(&self, id: u64) -> Option<u64> {
        Some(id)
    }
}

async fn caller(repo: &Repo) -> u64 {
    repo.load(1).await.unwrap_or_default()
}

fn main() {
    let _ = caller(&Repo);
}
