#[semtrace::traced_rpc(method = "helloworld.Greeter/SayHello")]
fn say_hello() {}

fn main() {
    say_hello();
}
