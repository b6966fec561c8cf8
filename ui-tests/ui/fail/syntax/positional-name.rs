// `#[instrument("name")]` names its span; here the name is an option like any other.
#[semtrace::traced("my_name")]
fn named() {}

fn main() {
    named();
}
