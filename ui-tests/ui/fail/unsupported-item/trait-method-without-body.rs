trait Store {
    #[semtrace::traced]
    fn load(&self) -> u64;
}

fn main() {}
