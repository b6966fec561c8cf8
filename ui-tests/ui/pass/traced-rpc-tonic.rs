// gRPC with tonic (the `tonic` feature): a handler's `Result<Response<_>, Status>`.
#[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", parent = request)]
async fn say_hello(
    request: tonic::Request<String>,
) -> Result<tonic::Response<String>, tonic::Status> {
    let name = request.into_inner();
    if name.is_empty() {
        return Err(tonic::Status::invalid_argument("empty name"));
    }
    Ok(tonic::Response::new(format!("hello {name}")))
}

#[semtrace::traced_rpc(client, system = "grpc", method = "helloworld.Greeter/SayHello", carrier = request.metadata_mut())]
fn call(mut request: tonic::Request<String>) -> Result<String, tonic::Status> {
    Ok(request.get_mut().clone())
}

#[semtrace::traced_rpc(client, system = "grpc", method = "helloworld.Greeter/SayHello", carrier = request)]
fn call_request(request: &mut tonic::Request<()>) -> tonic::Code {
    let _ = request;
    tonic::Code::Ok
}

fn main() {
    drop(say_hello(tonic::Request::new("x".to_owned())));
    assert!(call(tonic::Request::new("x".to_owned())).is_ok());
    assert_eq!(call_request(&mut tonic::Request::new(())), tonic::Code::Ok);
}
