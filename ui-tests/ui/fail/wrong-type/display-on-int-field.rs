#[semtrace::traced(server.port = %port)]
fn connect(port: u16) {
    let _ = port;
}

fn main() {
    connect(80);
}
