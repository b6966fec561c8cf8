#[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", parent = request_id)]
fn say_hello(request_id: u64) {
    let _ = request_id;
}

fn main() {
    say_hello(7);
}
