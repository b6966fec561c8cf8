//! Load runs of semtrace's span pipeline against a real collector (rotel, on
//! loopback), bounded in count and time.
//!
//! ```text
//! cargo run --release -p semtrace-load -- [--protocol grpc|http] [--rate SPANS_PER_S]
//!     [--seconds S] [--threads N] [--queue SPANS] [--batch SPANS] [--in-flight N]
//!     [--down-after S --down-for S]
//! ```
//!
//! `--rate 0` runs flat out. `--down-after`/`--down-for` stop the collector for a
//! while and start it again on the same ports. The run prints the spans created,
//! exported and dropped (from `SpanStats`), what the collector received, the call
//! latency (p50, p99, overall and while the collector was down), and the peak RSS.
#![allow(clippy::print_stdout)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use semtrace::config::Protocol;
use semtrace_tests::collector::Collector;

use semtrace_tests::failure::Failure;

/// What a service's task looks like: one span, three attributes, fails 1 in 100.
#[semtrace::traced_task(task.id = %id, task.type = "load", task.priority = 2)]
fn work(id: u64) -> Result<u64, Failure> {
    if id % 100 == 99 {
        Err(Failure)
    } else {
        Ok(id.wrapping_mul(31))
    }
}

/// The collector's debug output, one line per received batch.
const COUNTING: &[&str] = &["--debug-log", "traces", "--debug-log-verbosity", "basic"];

#[derive(Debug, Clone)]
struct Options {
    protocol: Protocol,
    rate: u64,
    seconds: u64,
    threads: u64,
    queue: Option<usize>,
    batch: Option<usize>,
    in_flight: Option<usize>,
    down: Option<(u64, u64)>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        protocol: Protocol::Grpc,
        rate: 100_000,
        seconds: 10,
        threads: 1,
        queue: None,
        batch: None,
        in_flight: None,
        down: None,
    };
    let mut down_after = None;
    let mut down_for = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("`{flag}` needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("`{flag}`: expected a whole number, got `{v}`"))
        };
        match flag.as_str() {
            "--protocol" => {
                o.protocol = match value()?.as_str() {
                    "grpc" => Protocol::Grpc,
                    "http" | "http/protobuf" => Protocol::HttpProtobuf,
                    other => {
                        return Err(format!(
                            "`--protocol`: expected `grpc` or `http`, got `{other}`"
                        ));
                    }
                };
            }
            "--rate" => o.rate = number(value()?)?,
            "--seconds" => o.seconds = number(value()?)?.clamp(1, 600),
            "--threads" => o.threads = number(value()?)?.clamp(1, 64),
            "--queue" => o.queue = Some(usize::try_from(number(value()?)?).unwrap_or(usize::MAX)),
            "--batch" => o.batch = Some(usize::try_from(number(value()?)?).unwrap_or(usize::MAX)),
            "--in-flight" => {
                o.in_flight = Some(usize::try_from(number(value()?)?).unwrap_or(usize::MAX));
            }
            "--down-after" => down_after = Some(number(value()?)?),
            "--down-for" => down_for = Some(number(value()?)?),
            other => return Err(format!("unknown option `{other}`; see the crate docs")),
        }
    }
    o.down = match (down_after, down_for) {
        (Some(a), Some(f)) => Some((a, f)),
        (None, None) => None,
        _ => return Err("`--down-after` and `--down-for` go together".into()),
    };
    Ok(o)
}

/// Call latencies: 10 ns buckets up to 100 µs, then 10 µs buckets up to 100 ms.
struct Histogram(Vec<u64>);

impl Histogram {
    const FINE: usize = 10_000;
    const COARSE: usize = 10_000;

    fn new() -> Self {
        Self(vec![0; Self::FINE + Self::COARSE + 1])
    }

    fn record(&mut self, d: Duration) {
        let ns = usize::try_from(d.as_nanos()).unwrap_or(usize::MAX);
        let i = if ns < Self::FINE * 10 {
            ns / 10
        } else {
            (Self::FINE + ns / 10_000).min(self.0.len() - 1)
        };
        self.0[i] += 1;
    }

    fn merge(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    fn quantile(&self, q: f64) -> Duration {
        let total: u64 = self.0.iter().sum();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((total as f64) * q).ceil() as u64;
        let mut seen = 0;
        for (i, n) in self.0.iter().enumerate() {
            seen += n;
            if seen >= rank.max(1) {
                let ns = if i < Self::FINE {
                    i * 10
                } else {
                    (i - Self::FINE) * 10_000
                };
                return Duration::from_nanos(ns as u64);
            }
        }
        Duration::ZERO
    }

    fn count(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// Peak resident memory of this process, from the kernel's account.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("semtrace-load: {e}");
            std::process::exit(2);
        }
    };
    let collector =
        Collector::start_with(COUNTING).expect("rotel starts (run scripts/install-rotel)");
    let endpoint = match o.protocol {
        Protocol::Grpc => collector.grpc_endpoint(),
        _ => collector.http_endpoint(),
    };
    let mut builder = semtrace::Telemetry::builder("semtrace-load")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(endpoint)
        .otlp_protocol(o.protocol)
        .shutdown_timeout(Duration::from_secs(30));
    if let Some(q) = o.queue {
        builder = builder.max_queue_size(q);
    }
    if let Some(b) = o.batch {
        builder = builder.max_export_batch_size(b);
    }
    if let Some(n) = o.in_flight {
        builder = builder.max_concurrent_exports(n);
    }
    let guard = builder.init().expect("semtrace::init");

    // The collector, also across an outage: (the one running, and those before it).
    let collectors: Collectors = Arc::new(Mutex::new((Some(collector), Vec::new())));
    let down = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let controller = o
        .down
        .map(|(after, length)| outage(after, length, &collectors, &down, start));
    let (all, while_down) = drive(&o, start, &down);
    let ran = start.elapsed();
    if let Some(c) = controller {
        c.join().expect("controller");
    }
    let stats = match guard.shutdown() {
        Ok(stats) => stats,
        Err(e) => {
            println!("shutdown: {e}");
            e.stats()
        }
    };
    let (current, earlier) = std::mem::take(&mut *collectors.lock().unwrap());
    let received: usize = current
        .iter()
        .chain(earlier.iter())
        .map(|c| c.wait_received_settled(Duration::from_secs(5)))
        .sum();

    report(&o, ran, stats, received, &all, &while_down);
}

/// Runs the annotated calls on `o.threads` threads at the target rate until the
/// run's time is up; returns the latencies, overall and while the collector was down.
fn drive(o: &Options, start: Instant, down: &Arc<AtomicBool>) -> (Histogram, Histogram) {
    let per_thread = o.rate / o.threads;
    let workers: Vec<_> = (0..o.threads)
        .map(|t| {
            let down = Arc::clone(down);
            let seconds = o.seconds;
            std::thread::spawn(move || {
                let (mut all, mut while_down) = (Histogram::new(), Histogram::new());
                let end = start + Duration::from_secs(seconds);
                let mut i = 0_u64;
                loop {
                    let now = Instant::now();
                    if now >= end {
                        break;
                    }
                    let due = if per_thread == 0 {
                        i + 1000
                    } else {
                        let elapsed = now.duration_since(start).as_secs_f64();
                        #[allow(
                            clippy::cast_possible_truncation,
                            clippy::cast_sign_loss,
                            clippy::cast_precision_loss
                        )]
                        let due = (elapsed * per_thread as f64) as u64;
                        due
                    };
                    if i >= due {
                        std::thread::sleep(Duration::from_micros(200));
                        continue;
                    }
                    let is_down = down.load(Ordering::Relaxed);
                    while i < due {
                        let t0 = Instant::now();
                        let _ = std::hint::black_box(work(t * 1_000_000_000 + i));
                        let d = t0.elapsed();
                        all.record(d);
                        if is_down {
                            while_down.record(d);
                        }
                        i += 1;
                    }
                }
                (all, while_down)
            })
        })
        .collect();
    let (mut all, mut while_down) = (Histogram::new(), Histogram::new());
    for w in workers {
        let (a, d) = w.join().expect("worker");
        all.merge(&a);
        while_down.merge(&d);
    }
    (all, while_down)
}

type Collectors = Arc<Mutex<(Option<Collector>, Vec<Collector>)>>;

/// Stops the collector `after` seconds into the run and starts it again on the same
/// ports `length` seconds later.
fn outage(
    after: u64,
    length: u64,
    collectors: &Collectors,
    down: &Arc<AtomicBool>,
    start: Instant,
) -> std::thread::JoinHandle<()> {
    let collectors = Arc::clone(collectors);
    let down = Arc::clone(down);
    let addrs = collectors
        .lock()
        .unwrap()
        .0
        .as_ref()
        .map(Collector::addrs)
        .expect("a running collector");
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(after));
        let old = collectors.lock().unwrap().0.take();
        // Keep what it received: the count is read from its output at the end.
        if let Some(mut old) = old {
            old.stop();
            collectors.lock().unwrap().1.push(old);
        }
        down.store(true, Ordering::SeqCst);
        println!("collector down at {:?}", start.elapsed());
        std::thread::sleep(Duration::from_secs(length));
        let back = Collector::restart_at(COUNTING, addrs.0, addrs.1).expect("rotel restarts");
        collectors.lock().unwrap().0 = Some(back);
        down.store(false, Ordering::SeqCst);
        println!("collector back at {:?}", start.elapsed());
    })
}

fn report(
    o: &Options,
    ran: Duration,
    stats: semtrace::SpanStats,
    received: usize,
    all: &Histogram,
    while_down: &Histogram,
) {
    println!(
        "protocol {:?}, {} thread(s), target {} spans/s for {} s (ran {:.1?})",
        o.protocol,
        o.threads,
        if o.rate == 0 {
            "max".to_owned()
        } else {
            o.rate.to_string()
        },
        o.seconds,
        ran
    );
    println!(
        "created {}, exported {}, sampled out {}, dropped {} (queue full {}, export failed {}, rejected {}, shutdown {}, unfinished {})",
        stats.started,
        stats.exported,
        stats.sampled_out,
        stats.dropped,
        stats.dropped_by.queue_full,
        stats.dropped_by.export_failed,
        stats.dropped_by.rejected,
        stats.dropped_by.shutdown,
        stats.dropped_by.unfinished
    );
    #[allow(clippy::cast_precision_loss)]
    let per_second = stats.exported as f64 / ran.as_secs_f64();
    println!("collector received {received}; exported {per_second:.0} spans/s");
    println!(
        "call latency p50 {:?}, p99 {:?} over {} calls",
        all.quantile(0.5),
        all.quantile(0.99),
        all.count()
    );
    if while_down.count() > 0 {
        println!(
            "  while the collector was down: p50 {:?}, p99 {:?} over {} calls",
            while_down.quantile(0.5),
            while_down.quantile(0.99),
            while_down.count()
        );
    }
    if let Some(kib) = peak_rss_kib() {
        #[allow(clippy::cast_precision_loss)]
        let mib = kib as f64 / 1024.0;
        println!("peak RSS {mib:.1} MiB");
    }
}
