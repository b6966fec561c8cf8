//! The one check of an on-demand sampling rule. The config file
//! (`[[sampling.rules]]`), [`Control::add_rule`](crate::Control::add_rule) and the
//! admin endpoint `POST /tracing/rules` all use it, so the same mistake gets the same
//! message wherever it is made. A leaf: each caller wraps [`RuleError`] in its own
//! error type with its own key (`sampling.rules[0].rate`, `rate`).

use std::time::Duration;

/// The shortest and longest an on-demand rule may last.
pub(crate) const RULE_DURATIONS: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(24 * 3600));

/// What `match` allows.
pub(crate) const MATCH_ALLOWED: &str = "at least one condition: an attribute name, `span.name` or a baggage key, and its value, e.g. {\"task.type\": \"import\"}";
/// What a condition's value allows.
pub(crate) const CONDITION_ALLOWED: &str = "a string, number or boolean";
/// What `rate` allows.
pub(crate) const RATE_ALLOWED: &str = "a number from 0.0 to 1.0";
/// What `duration` allows.
pub(crate) const DURATION_ALLOWED: &str =
    "a duration from `1s` to `24h`, e.g. `30s`, `10m`, `1h` (a number is seconds)";

/// A field of a rule that is not allowed. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleError {
    /// `match`, `match.KEY`, `rate` or `duration`.
    pub(crate) field: String,
    /// The value as given.
    pub(crate) value: String,
    /// What is allowed instead.
    pub(crate) allowed: &'static str,
}

impl RuleError {
    pub(crate) fn new(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: &'static str,
    ) -> Self {
        Self {
            field: field.into(),
            value: value.to_string(),
            allowed,
        }
    }
}

/// Checks a rule's conditions, rate and duration (`None`: a rule of the config
/// file that lasts while the file lists it).
pub(crate) fn check(
    conditions: &[(String, String)],
    rate: f64,
    duration: Option<Duration>,
) -> Result<(), RuleError> {
    if conditions.is_empty() {
        return Err(RuleError::new("match", "{}", MATCH_ALLOWED));
    }
    if let Some((k, _)) = conditions.iter().find(|(k, _)| k.trim().is_empty()) {
        return Err(RuleError::new("match", format!("{k:?}"), MATCH_ALLOWED));
    }
    check_rate(rate)?;
    if let Some(d) = duration {
        check_duration(d)?;
    }
    Ok(())
}

/// A rate from 0.0 to 1.0.
fn check_rate(rate: f64) -> Result<f64, RuleError> {
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(RuleError::new("rate", rate, RATE_ALLOWED))
    }
}

/// A duration within [`RULE_DURATIONS`].
pub(crate) fn check_duration(d: Duration) -> Result<Duration, RuleError> {
    let (min, max) = RULE_DURATIONS;
    if d < min || d > max {
        return Err(RuleError::new(
            "duration",
            humantime::format_duration(d),
            DURATION_ALLOWED,
        ));
    }
    Ok(d)
}

/// A duration given as text with units (`"10m"`), checked.
pub(crate) fn duration_from_text(text: &str) -> Result<Duration, RuleError> {
    humantime::parse_duration(text.trim())
        .map_err(|_| RuleError::new("duration", text, DURATION_ALLOWED))
        .and_then(check_duration)
}

/// A duration given as a number of seconds, checked: any number, however large,
/// small, negative or not finite, is either a duration or an error. (The admin
/// endpoint's; the config file takes whole milliseconds.)
#[cfg(any(feature = "admin", test))]
pub(crate) fn duration_from_seconds(seconds: f64) -> Result<Duration, RuleError> {
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| RuleError::new("duration", seconds, DURATION_ALLOWED))
        .and_then(check_duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_number_of_seconds_is_a_duration_or_an_error() {
        for s in [
            1e308,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -1.0,
            -0.0,
            0.0,
            0.5,
            86_400.000_001,
            1e-300,
        ] {
            let e = duration_from_seconds(s).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.allowed),
                ("duration", DURATION_ALLOWED)
            );
        }
        assert_eq!(duration_from_seconds(1.0), Ok(Duration::from_secs(1)));
        assert_eq!(
            duration_from_seconds(86_400.0),
            Ok(Duration::from_secs(86_400))
        );
    }

    #[test]
    fn text_durations_share_the_bounds_and_the_message() {
        assert_eq!(duration_from_text(" 10m "), Ok(Duration::from_secs(600)));
        for bad in ["soon", "0s", "25h", "", "99999999999999999999999h"] {
            let e = duration_from_text(bad).unwrap_err();
            assert_eq!(e.allowed, DURATION_ALLOWED, "{bad}");
        }
    }

    #[test]
    fn conditions_and_rate() {
        let c = |k: &str| vec![(k.to_owned(), "v".to_owned())];
        assert!(check(&c("task.type"), 0.5, Some(Duration::from_secs(60))).is_ok());
        assert!(check(&c("task.type"), 1.0, None).is_ok());
        assert_eq!(check(&[], 1.0, None).unwrap_err().field, "match");
        assert_eq!(check(&c("  "), 1.0, None).unwrap_err().field, "match");
        for rate in [-0.1, 1.1, f64::NAN] {
            assert_eq!(
                check(&c("a"), rate, None).unwrap_err().allowed,
                RATE_ALLOWED
            );
        }
    }
}
