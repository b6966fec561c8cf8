//! Retries as the OTLP specification's failure rules ask: exponential backoff with
//! jitter for transient failures, the collector's own delay when it throttles, all
//! within the export timeout.

use std::future::Future;
use std::hash::BuildHasher as _;
use std::time::{Duration, Instant};

/// Retries after the first attempt, as `opentelemetry-otlp`'s recommended policy.
const MAX_RETRIES: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_millis(1600);
const MAX_JITTER_MS: u64 = 100;
/// The longest throttle a collector's `RetryInfo` or `Retry-After` is followed for.
pub(crate) const MAX_THROTTLE: Duration = Duration::from_secs(600);

/// What a failed attempt allows, per the OTLP specification's failure rules.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    Never,
    Backoff,
    /// The collector said when (gRPC `RetryInfo`, HTTP `Retry-After`).
    After(Duration),
}

impl Retry {
    /// A throttle the collector asked for, or else `otherwise`.
    pub(crate) fn after(throttle: Option<Duration>, otherwise: Self) -> Self {
        match throttle.filter(|d| !d.is_zero()) {
            Some(d) => Self::After(d.min(MAX_THROTTLE)),
            None => otherwise,
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, runs out of retries, or the
/// next wait would end past `timeout` from the first attempt.
pub(crate) async fn with_retries<T, E, F, Fut>(timeout: Duration, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, (E, Retry)>>,
{
    let start = Instant::now();
    let mut delay = FIRST_DELAY;
    let mut retries = 0;
    loop {
        let (error, retry) = match attempt().await {
            Ok(done) => return Ok(done),
            Err(failed) => failed,
        };
        let wait = match retry {
            Retry::After(throttle) => throttle,
            Retry::Backoff if retries < MAX_RETRIES => {
                let wait = (delay + jitter()).min(MAX_DELAY);
                delay = (delay * 2).min(MAX_DELAY);
                wait
            }
            // Not retryable, or out of retries.
            Retry::Never | Retry::Backoff => return Err(error),
        };
        retries += 1;
        if start.elapsed() + wait >= timeout {
            return Err(error);
        }
        tokio::time::sleep(wait).await;
    }
}

/// Up to [`MAX_JITTER_MS`] more, so exporters that failed together do not retry
/// together.
fn jitter() -> Duration {
    // Each `RandomState` has keys of its own: a random number without a generator.
    let random = std::collections::hash_map::RandomState::new().hash_one(());
    Duration::from_millis(random % (MAX_JITTER_MS + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_its_bound() {
        let spread: std::collections::HashSet<Duration> = (0..200).map(|_| jitter()).collect();
        assert!(
            spread
                .iter()
                .all(|d| *d <= Duration::from_millis(MAX_JITTER_MS))
        );
        assert!(spread.len() > 1, "the jitter varies");
    }
}
