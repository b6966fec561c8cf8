use std::collections::HashMap;

#[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", carrier = metadata)]
fn say_hello(metadata: &mut HashMap<String, String>) {
    let _ = metadata;
}

fn main() {
    say_hello(&mut HashMap::new());
}
