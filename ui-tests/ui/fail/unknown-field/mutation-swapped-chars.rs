// From the round trip's mutation sample: `k8s.cluster.name` with two letters swapped.
#[semtrace::traced(k8s.cluster.naem = "prod")]
fn deploy() {}

fn main() {
    deploy();
}
