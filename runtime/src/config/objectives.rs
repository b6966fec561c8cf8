//! `[[slo]]` and [`TelemetryBuilder::slo`](crate::TelemetryBuilder::slo): the
//! service's objectives, checked as far as they can be before a request is served
//! (whether a route is the service's is known when the rules are written).

use super::file::SloConfig;
use super::values::{file_duration, file_key};
use crate::catalogue::{Slo, SloError};
use crate::error::InitError;

/// The objectives: the builder's when it declared any, else the config file's.
pub(super) fn resolve(builder: Option<&[Slo]>, file: &[SloConfig]) -> Result<Vec<Slo>, InitError> {
    if let Some(slos) = builder {
        crate::catalogue::validate_slos(slos).map_err(|e| {
            InitError::invalid("`TelemetryBuilder::slo`", DisplaySlo(&e), e.to_string())
        })?;
        return Ok(slos.to_vec());
    }
    let mut slos: Vec<Slo> = Vec::with_capacity(file.len());
    for (i, entry) in file.iter().enumerate() {
        let key = |field: &str| file_key(&format!("slo[{i}]{field}"));
        let mut slo = entry
            .route
            .as_ref()
            .map_or_else(Slo::every_route, Slo::route);
        if let Some(percent) = entry.availability {
            slo = slo.availability(percent);
        }
        if let Some(latency) = &entry.latency {
            let under = file_duration(&key(".latency.under"), &latency.under)?;
            slo = slo.latency(under, latency.percent);
        }
        slos.push(slo);
        crate::catalogue::validate_slos(&slos).map_err(|e| invalid(&key, entry, &e))?;
    }
    Ok(slos)
}

/// The error of entry `entry` as the key, the value and what is allowed.
fn invalid(key: &dyn Fn(&str) -> String, entry: &SloConfig, e: &SloError) -> InitError {
    let allowed = e.to_string();
    match e {
        SloError::UnknownRoute { route, .. } => InitError::invalid(
            key(".route"),
            route,
            "a route as `http.route` spells it, beginning with `/` (`/api/tasks/{id}`)",
        ),
        SloError::Duplicate { .. } => InitError::invalid(
            key(".route"),
            entry.route.as_deref().unwrap_or("(none: every route)"),
            format!("{allowed}: one objective per route, and one without `route`"),
        ),
        SloError::Percent {
            objective, percent, ..
        } => InitError::invalid(
            key(if *objective == "availability" {
                ".availability"
            } else {
                ".latency.percent"
            }),
            percent,
            allowed,
        ),
        SloError::Threshold { threshold, .. } => {
            InitError::invalid(key(".latency.under"), format!("{threshold:?}"), allowed)
        }
        SloError::Empty { .. } => InitError::invalid(
            key(""),
            "an entry with neither `availability` nor `latency`",
            "at least one of them",
        ),
    }
}

/// The objective an error is about, for the builder's error.
struct DisplaySlo<'a>(&'a SloError);

impl std::fmt::Display for DisplaySlo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            SloError::UnknownRoute { route, .. } => write!(f, "route `{route}`"),
            SloError::Percent { route, .. }
            | SloError::Threshold { route, .. }
            | SloError::Empty { route }
            | SloError::Duplicate { route } => f.write_str(route),
        }
    }
}
