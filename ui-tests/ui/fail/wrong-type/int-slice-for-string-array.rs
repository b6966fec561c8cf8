#[semtrace::traced(aws.dynamodb.table_names = ids)]
fn scan(ids: &[u64]) {
    let _ = ids;
}

fn main() {
    scan(&[1, 2]);
}
