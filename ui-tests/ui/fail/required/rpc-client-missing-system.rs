#[semtrace::traced_rpc(client, method = "helloworld.Greeter/SayHello")]
fn say_hello() {}

fn main() {
    say_hello();
}
