use std::collections::HashMap;

#[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", parent = headers)]
async fn say_hello(headers: &http::HeaderMap, name: String) -> Result<String, String> {
    let _ = headers;
    Ok(format!("hello {name}"))
}

#[semtrace::traced_rpc(client, system = "grpc", method = "helloworld.Greeter/SayHello", carrier = metadata, server.address = "localhost", server.port = 50051)]
fn call(metadata: &mut HashMap<String, String>) -> Result<(), String> {
    let _ = metadata.len();
    Ok(())
}

#[semtrace::traced_rpc(system = "jsonrpc", method = %method)]
fn dispatch(method: &str) -> usize {
    method.len()
}

#[semtrace::traced_rpc(client, system = "connectrpc", method = "_OTHER", name = "fallback")]
fn other() {}

fn main() {
    drop(say_hello(&http::HeaderMap::new(), "x".to_owned()));
    assert!(call(&mut HashMap::new()).is_ok());
    assert_eq!(dispatch("Echo/Echo"), 9);
    other();
}
