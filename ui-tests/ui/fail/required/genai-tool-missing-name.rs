#[semtrace::traced_genai(operation = "execute_tool")]
fn get_weather() {}

fn main() {
    get_weather();
}
