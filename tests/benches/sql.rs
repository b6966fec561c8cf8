//! What sanitizing and summarizing a run-time query costs, per query length, next to
//! the dialect-blind scanner it replaced (kept below only as the baseline).
//!
//! The ratio is what to read: the machine is shared and noisy.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use semtrace_semconv::sql::{Dialect, sanitize_and_summarize};

/// The scanner before issue 11: one pass, no dialect, no summary.
fn baseline(query: &str) -> String {
    let bytes = query.as_bytes();
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push('?');
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'0'..=b'9'
                if !(i > 0
                    && (bytes[i - 1].is_ascii_alphanumeric()
                        || matches!(bytes[i - 1], b'_' | b'$' | b'"'))) =>
            {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                out.push('?');
            }
            _ => {
                let ch = query[i..].chars().next().unwrap_or('\u{fffd}');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// A realistic query of about `len` bytes: a join, literals, a comment, an IN list.
fn query(len: usize) -> String {
    let mut q = String::from(
        "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON o.cid = c.id \
         WHERE c.email = 'someone@example.com' AND o.total > 42.5 /* hot path */ AND o.id IN (",
    );
    let mut n = 0;
    while q.len() < len {
        if n > 0 {
            q.push_str(", ");
        }
        q.push_str(&(1000 + n).to_string());
        n += 1;
    }
    q.push(')');
    q
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("sql");
    for len in [64, 256, 1024, 4096] {
        let q = query(len);
        group.throughput(Throughput::Bytes(q.len() as u64));
        group.bench_with_input(BenchmarkId::new("baseline_sanitize", len), &q, |b, q| {
            b.iter(|| baseline(black_box(q)));
        });
        for dialect in [Dialect::PostgreSql, Dialect::Other] {
            let name = format!("sanitize_summarize_{dialect:?}");
            group.bench_with_input(BenchmarkId::new(name, len), &q, |b, q| {
                b.iter(|| {
                    let mut text = String::with_capacity(q.len());
                    let mut summary = String::new();
                    sanitize_and_summarize(dialect, black_box(q), Some(&mut text), &mut summary);
                    (text, summary)
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
