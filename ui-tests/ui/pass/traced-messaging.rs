use std::collections::{HashMap, VecDeque};

/// A message type of one's own, carrying trace context in its headers.
struct Envelope {
    headers: Vec<(String, String)>,
}

impl semtrace::propagation::Carrier for Envelope {
    fn get(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn set(&mut self, key: &str, value: String) {
        self.headers.retain(|(k, _)| k != key);
        self.headers.push((key.to_owned(), value));
    }
}

// A `&mut` argument, reborrowed: the body still uses it.
#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders", carrier = headers)]
fn send(headers: &mut HashMap<String, String>, payload: &[u8]) -> Result<usize, String> {
    headers.insert("content-type".to_owned(), "application/json".to_owned());
    Ok(payload.len())
}

// An owned header list (Kafka's shape), borrowed mutably; a run-time destination.
#[semtrace::traced_messaging(system = "kafka", operation = "publish", destination = %topic, carrier = &mut headers)]
fn publish(topic: &str, mut headers: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    headers.push(("k".to_owned(), b"v".to_vec()));
    headers
}

#[semtrace::traced_messaging(system = "rabbitmq", operation = "process", destination_template = "orders.{region}", destination = %queue, carrier = headers)]
async fn handle(queue: String, headers: http::HeaderMap) -> Result<(), std::io::Error> {
    let _ = (queue, headers.len());
    Ok(())
}

#[semtrace::traced_messaging(system = "kafka", operation = "receive", destination = "orders", carrier = batch, messaging.batch.message_count = count)]
fn poll(batch: &[HashMap<String, String>], count: i64) -> usize {
    let _ = count;
    batch.len()
}

#[semtrace::traced_messaging(system = "kafka", operation = "poll", destination = "orders", carrier = batch)]
fn poll_vec(batch: Vec<Vec<(String, Vec<u8>)>>) -> Vec<Vec<(String, Vec<u8>)>> {
    batch
}

#[semtrace::traced_messaging(system = "aws_sqs", operation = "receive", destination = "jobs", carrier = one)]
fn receive_one(one: &HashMap<String, String>) {
    let _ = one;
}

#[semtrace::traced_messaging(system = "aws_sqs", operation = "ack", messaging.message.id = %id, carrier = pending)]
fn ack(id: &str, pending: &VecDeque<HashMap<String, String>>) {
    let _ = (id, pending);
}

#[semtrace::traced_messaging(system = "rabbitmq", operation = "create", destination = "jobs", carrier = envelope, level = "debug")]
fn create(envelope: &mut Envelope) {
    let _ = envelope.headers.len();
}

#[semtrace::traced_messaging(system = "kafka", operation = "consume", destination = "orders", messaging.consumer.group.name = "billing")]
fn consume() {}

fn main() {
    let mut headers = HashMap::new();
    assert_eq!(send(&mut headers, b"{}"), Ok(2));
    assert_eq!(publish("orders", Vec::new()).len(), 1);
    drop(handle("orders.eu".to_owned(), http::HeaderMap::new()));
    assert_eq!(poll(&[HashMap::new(), HashMap::new()], 2), 2);
    assert_eq!(poll_vec(vec![Vec::new()]).len(), 1);
    receive_one(&HashMap::new());
    ack("m-1", &VecDeque::new());
    create(&mut Envelope { headers: Vec::new() });
    consume();
}
