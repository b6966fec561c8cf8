#[semtrace::traced(aspnetcore.user.is_authenticated = flag)]
fn check(flag: &str) {
    let _ = flag;
}

fn main() {
    check("yes");
}
