#[semtrace::traced(aws.dynamodb.consistent_read = ?consistent)]
fn read(consistent: bool) {
    let _ = consistent;
}

fn main() {
    read(true);
}
