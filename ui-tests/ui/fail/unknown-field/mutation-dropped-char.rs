// From the round trip's mutation sample: `process.owner` with a letter dropped.
fn inspect() {
    semtrace::record!(process.ower = "root");
}

fn main() {
    inspect();
}
