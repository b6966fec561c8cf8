#[semtrace::traced(aws.dynamodb.table_names = "users")]
fn scan() {}

fn main() {
    scan();
}
