// The field and option shapes of tracing-attributes' `tests/fields.rs`,
// `tests/names.rs`, `tests/levels.rs`, `tests/targets.rs` and `tests/instrument.rs`,
// written with semantic fields and semtrace's options.

#[semtrace::traced(app.jank.threshold = 1.5, messaging.destination.anonymous = true, server.port = 1)]
fn literals() {}

#[semtrace::traced(server.address = "localhost")]
fn literal_and_unused_param(param: u32) -> u32 {
    param
}

#[semtrace::traced(server.address = "localhost", db.collection.name)]
fn declared_empty() {
    semtrace::record!(db.collection.name = "users");
}

#[semtrace::traced(http.request.body.size = s.len())]
fn expression_field(s: &str) -> usize {
    s.len()
}

#[semtrace::traced(url.full = %s, http.request.body.size = s.len())]
fn display_and_expression(s: &str) -> usize {
    s.len()
}

#[semtrace::traced(url.full = &s)]
fn borrowed_owned(s: String) -> String {
    s
}

#[semtrace::traced("http.request.header.x-request-id" = ["abc"])]
fn string_key() {}

struct HasField {
    port: u16,
}

impl HasField {
    #[semtrace::traced(server.port = self.port)]
    fn self_field(&self) -> u16 {
        self.port
    }
}

#[semtrace::traced(name = "my_name")]
fn custom_name() {}

#[semtrace::traced(level = "trace")]
fn trace() {}

#[semtrace::traced(level = "Debug")]
fn debug() {}

#[semtrace::traced(level = "INFO")]
fn info() {}

#[semtrace::traced(level = "WARn")]
fn warn() {}

#[semtrace::traced(level = "eRrOr")]
fn error() {}

mod my_mod {
    #[semtrace::traced]
    pub fn in_a_module() {}
}

// A local module named `tracing` does not capture the generated code's paths.
#[semtrace::traced(db.collection.name)]
fn local_tracing_module() {
    assert_eq!(tracing::other(), "local");
}

mod tracing {
    pub fn other() -> &'static str {
        "local"
    }
}

fn main() {
    literals();
    assert_eq!(literal_and_unused_param(1), 1);
    declared_empty();
    assert_eq!(expression_field("ab"), 2);
    assert_eq!(display_and_expression("abc"), 3);
    assert_eq!(borrowed_owned("s".to_owned()), "s");
    string_key();
    assert_eq!(HasField { port: 8 }.self_field(), 8);
    custom_name();
    trace();
    debug();
    info();
    warn();
    error();
    my_mod::in_a_module();
    local_tracing_module();
}
