#[semtrace::traced_rpc(system = "grpc", method = "SayHello")]
fn say_hello() {}

fn main() {
    say_hello();
}
