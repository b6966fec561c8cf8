#[semtrace::traced_graphql(operation = "query", operation_name = "findBookById")]
async fn find_book(id: u64) -> Result<String, String> {
    if id == 0 {
        return Err("no book 0".to_owned());
    }
    Ok(format!("book {id}"))
}

#[semtrace::traced_graphql(operation = %kind, operation_name = %name, document = %document)]
fn execute(kind: &str, name: &str, document: &str) -> usize {
    kind.len() + name.len() + document.len()
}

#[semtrace::traced_graphql]
fn unknown_type() {}

fn main() {
    drop(find_book(1));
    assert_eq!(execute("query", "q", "{ a }"), 11);
    unknown_type();
}
