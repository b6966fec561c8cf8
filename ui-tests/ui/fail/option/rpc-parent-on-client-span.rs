use std::collections::HashMap;

#[semtrace::traced_rpc(client, system = "grpc", method = "helloworld.Greeter/SayHello", parent = metadata)]
fn say_hello(metadata: &HashMap<String, String>) {
    let _ = metadata;
}

fn main() {
    say_hello(&HashMap::new());
}
