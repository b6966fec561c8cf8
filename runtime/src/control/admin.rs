//! The run-time control as HTTP endpoints (cargo feature `admin`).
//!
//! [`router`] returns an axum [`Router`] to mount in a service's own server;
//! `[admin] listen = "127.0.0.1:PORT"` (or `SEMTRACE_ADMIN_LISTEN`) starts a
//! listener of semtrace's own with the same routes, checking
//! `Authorization: Bearer <token>` when `admin.token` is set.
//!
//! | request | answer |
//! |---------|--------|
//! | `GET /tracing/status` | 200, the [`Status`](super::Status) as JSON |
//! | `GET /tracing/rules` | 200, the live rules |
//! | `POST /tracing/rules` `{"match": {"task.type": "import"}, "rate": 1.0, "duration": "10m"}` | 201 `{"id", "match", "rate", "expires_at", …}` |
//! | `DELETE /tracing/rules/{id}` | 204; 404 for an unknown id |
//! | `PUT /tracing/mode` `{"mode": "off" \| "ratio" \| "full", "ratio": 0.1}` | 200, the mode and ratio |
//! | `PUT /tracing/levels` `{"console": "info,my_crate=debug", "file": …, "traces": …, "logs": …}` | 200, the filters |
//! | `GET /tracing/catalogue` | 200, `{"semconv_version", "entries"}`: the [telemetry catalogue](crate::catalogue()) as JSON |
//! | `GET /tracing/dashboard` | 200, a [Grafana dashboard](crate::catalogue::grafana_dashboard) of the catalogue's metrics; `?tempo=<uid>` or `?jaeger=<uid>` links its panels to a trace data source, `?title=` names it |
//! | `GET /tracing/registry` | 200, the catalogue as a [Weaver-format registry](crate::catalogue::to_registry_yaml) (YAML) |
//! | `GET /tracing/prometheus-rules` | 200, the [SLO alert rules](crate::catalogue::prometheus_rules) for the declared objectives (`[[slo]]`, [`TelemetryBuilder::slo`](crate::TelemetryBuilder::slo)); 404 when none are declared; 409 `{"error", …}` when an objective names a route the catalogue lacks |
//! | `GET /metrics` | 200, the metrics in the Prometheus text format (with the `prometheus` metrics exporter on); 404 otherwise |
//!
//! Bad input (malformed JSON, an unknown field or query parameter, an unknown mode,
//! a rate outside 0–1, a duration outside 1 s–24 h, a filter that does not parse)
//! is answered 400 with `{"error", "field", "value", "allowed"}` and changes
//! nothing; a missing or wrong token is answered 401.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{delete, get, put};
use serde_json::{Map, Value, json};

use super::{Control, ControlError};
use crate::config::SamplingMode;
use crate::config::rules;
use crate::error::InitError;

/// The admin routes, without authentication (mount them behind your own).
pub fn router(control: Control) -> Router {
    router_with_token(control, None)
}

/// The admin routes; with a token, every request must carry
/// `Authorization: Bearer <token>` or is answered 401.
pub fn router_with_token(control: Control, token: Option<String>) -> Router {
    let routes = Router::new()
        .route("/tracing/status", get(status))
        .route("/tracing/rules", get(rules).post(add_rule))
        .route("/tracing/rules/{id}", delete(remove_rule))
        .route("/tracing/mode", put(set_mode))
        .route("/tracing/levels", put(set_levels))
        .route("/tracing/catalogue", get(catalogue))
        .route("/tracing/dashboard", get(dashboard))
        .route("/tracing/registry", get(registry))
        .route("/tracing/prometheus-rules", get(prometheus_rules))
        .route("/metrics", get(metrics))
        .with_state(control);
    match token {
        Some(token) => routes.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let ok = bearer_matches(req.headers(), &token);
                async move {
                    if ok {
                        next.run(req).await
                    } else {
                        unauthorized()
                    }
                }
            },
        )),
        None => routes,
    }
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    // Compare in time independent of where the first difference is.
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(json!({
            "error": "missing or wrong bearer token",
            "field": "Authorization",
            "allowed": "`Authorization: Bearer <admin.token>`",
        })),
    )
        .into_response()
}

/// A 400 answer naming the field, the value and what is allowed.
fn bad(e: &ControlError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "error": e.to_string(),
            "field": e.field,
            "value": e.value,
            "allowed": e.allowed,
        })),
    )
        .into_response()
}

/// The body as a JSON object with only `allowed` keys.
fn object(body: &Bytes, allowed: &[&str]) -> Result<Map<String, Value>, ControlError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ControlError::new(
            "body",
            String::from_utf8_lossy(body)
                .chars()
                .take(200)
                .collect::<String>(),
            format!("a JSON object ({e})"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ControlError::new("body", value, "a JSON object"));
    };
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        let hint = semtrace_semconv::suggest::closest(key, allowed.iter().copied())
            .map(|best| format!("; did you mean `{best}`?"))
            .unwrap_or_default();
        return Err(ControlError::new(
            key.clone(),
            &map[key],
            format!(
                "only the fields {}{hint}",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(map)
}

async fn status(State(control): State<Control>) -> Response {
    Json(control.status()).into_response()
}

/// `GET /tracing/catalogue`: every annotated function linked into the program.
async fn catalogue() -> Response {
    Json(json!({
        "semconv_version": semtrace_semconv::SEMCONV_VERSION,
        "entries": crate::catalogue(),
    }))
    .into_response()
}

/// `GET /tracing/dashboard`: the catalogue's Grafana dashboard; `?tempo=<uid>` or
/// `?jaeger=<uid>` names the trace data source, `?title=` the dashboard's title.
async fn dashboard(axum::extract::RawQuery(query): axum::extract::RawQuery) -> Response {
    match dashboard_options(query.as_deref().unwrap_or("")) {
        Ok(options) => (
            [(header::CONTENT_TYPE, "application/json")],
            crate::catalogue::grafana_dashboard(&options),
        )
            .into_response(),
        Err(e) => bad(&e),
    }
}

/// The dashboard's options from a query string (percent-decoded); an unknown
/// parameter, a repeated one, or both trace data sources is an error.
fn dashboard_options(query: &str) -> Result<crate::catalogue::DashboardOptions, ControlError> {
    const ALLOWED: [&str; 3] = ["tempo", "jaeger", "title"];
    let mut options = crate::catalogue::DashboardOptions::default();
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if !ALLOWED.contains(&key.as_ref()) {
            return Err(ControlError::new(
                key.as_ref(),
                &value,
                "only the parameters `tempo` (a Tempo data source's uid), `jaeger` (a Jaeger data source's uid) and `title`",
            ));
        }
        let trace_source = key == "tempo" || key == "jaeger";
        if seen
            .iter()
            .any(|k| *k == key || (trace_source && (k == "tempo" || k == "jaeger")))
        {
            return Err(ControlError::new(
                key.as_ref(),
                &value,
                "once, and one trace data source: `tempo` or `jaeger`",
            ));
        }
        if value.is_empty() {
            return Err(ControlError::new(key.as_ref(), "", "a non-empty value"));
        }
        options = match key.as_ref() {
            "tempo" => options.tempo(value.as_ref()),
            "jaeger" => options.jaeger(value.as_ref()),
            _ => options.title(value.as_ref()),
        };
        seen.push(key.into_owned());
    }
    Ok(options)
}

/// `GET /tracing/registry`: the catalogue as a Weaver-format registry (YAML).
async fn registry() -> Response {
    (
        [(header::CONTENT_TYPE, "application/yaml")],
        crate::catalogue::to_registry_yaml(),
    )
        .into_response()
}

/// `GET /tracing/prometheus-rules`: the SLO alert rules for the declared
/// objectives; 404 without objectives, 409 when they do not fit the catalogue.
async fn prometheus_rules(State(control): State<Control>) -> Response {
    match control.prometheus_rules() {
        Some(Ok(rules)) => ([(header::CONTENT_TYPE, "application/yaml")], rules).into_response(),
        Some(Err(e)) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": e.to_string(),
                "field": "slo",
                "allowed": "objectives on routes of the catalogue (`GET /tracing/catalogue`)",
            })),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": "no objectives declared",
                "field": "slo",
                "allowed": "`[[slo]]` entries in the config file, or `TelemetryBuilder::slo`",
            })),
        )
            .into_response(),
    }
}

async fn rules(State(control): State<Control>) -> Response {
    Json(json!({ "rules": control.rules() })).into_response()
}

/// A rule's duration: text with units, or a number of seconds. Any JSON number or
/// string is either a duration or an error naming the field.
fn parse_duration(value: &Value) -> Result<Duration, ControlError> {
    let checked = match value {
        Value::String(s) => rules::duration_from_text(s),
        Value::Number(n) => match n.as_f64() {
            Some(seconds) => rules::duration_from_seconds(seconds),
            None => Err(rules::RuleError::new(
                "duration",
                n,
                rules::DURATION_ALLOWED,
            )),
        },
        other => Err(rules::RuleError::new(
            "duration",
            other,
            rules::DURATION_ALLOWED,
        )),
    };
    checked.map_err(|mut e| {
        // The value as the request spelled it.
        e.value = value.to_string();
        ControlError::from(e)
    })
}

/// A rule request: conditions, rate, duration.
type RuleRequest = (Vec<(String, String)>, f64, Duration);

fn parse_rule(body: &Bytes) -> Result<RuleRequest, ControlError> {
    let map = object(body, &["match", "rate", "duration"])?;
    let conditions = match map.get("match") {
        Some(Value::Object(m)) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => {
                        return Err(ControlError::new(
                            format!("match.{k}"),
                            other,
                            rules::CONDITION_ALLOWED,
                        ));
                    }
                };
                Ok((k.clone(), text))
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => {
            return Err(ControlError::new(
                "match",
                other.map_or_else(|| "(missing)".to_owned(), ToString::to_string),
                rules::MATCH_ALLOWED,
            ));
        }
    };
    let rate = match map.get("rate") {
        None => 1.0,
        // The range is the rule check's (in `Control::add_rule`).
        Some(v) => v
            .as_f64()
            .ok_or_else(|| ControlError::new("rate", v, rules::RATE_ALLOWED))?,
    };
    let duration = match map.get("duration") {
        Some(v) => parse_duration(v)?,
        None => {
            return Err(ControlError::new(
                "duration",
                "(missing)",
                rules::DURATION_ALLOWED,
            ));
        }
    };
    Ok((conditions, rate, duration))
}

async fn add_rule(State(control): State<Control>, body: Bytes) -> Response {
    let added = parse_rule(&body)
        .and_then(|(conditions, rate, duration)| control.add_rule(conditions, rate, duration));
    match added {
        Ok(rule) => (StatusCode::CREATED, Json(rule)).into_response(),
        Err(e) => bad(&e),
    }
}

async fn remove_rule(State(control): State<Control>, Path(id): Path<String>) -> Response {
    if control.remove_rule(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": format!("no active rule has the id `{id}`"),
                "field": "id",
                "value": id,
                "allowed": "the id of an active rule (see `GET /tracing/rules`)",
            })),
        )
            .into_response()
    }
}

async fn set_mode(State(control): State<Control>, body: Bytes) -> Response {
    let parsed = (|| {
        let map = object(&body, &["mode", "ratio"])?;
        let mode = match map.get("mode") {
            Some(Value::String(m)) => m.parse::<SamplingMode>().map_err(|()| {
                let hint = semtrace_semconv::suggest::closest(m, ["off", "ratio", "full"])
                    .map(|best| format!("; did you mean `{best}`?"))
                    .unwrap_or_default();
                ControlError::new("mode", m, format!("`off`, `ratio` or `full`{hint}"))
            })?,
            other => {
                return Err(ControlError::new(
                    "mode",
                    other.map_or_else(|| "(missing)".to_owned(), ToString::to_string),
                    "`off`, `ratio` or `full`",
                ));
            }
        };
        let ratio = match map.get("ratio") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| ControlError::new("ratio", v, "a number from 0.0 to 1.0"))?,
            ),
        };
        Ok((mode, ratio))
    })();
    match parsed.and_then(|(mode, ratio)| control.set_mode(mode, ratio)) {
        Ok(()) => {
            let status = control.status();
            Json(json!({ "mode": status.mode, "ratio": status.ratio })).into_response()
        }
        Err(e) => bad(&e),
    }
}

async fn set_levels(State(control): State<Control>, body: Bytes) -> Response {
    let parsed = (|| {
        let map = object(&body, &["console", "file", "traces", "logs"])?;
        let mut out: BTreeMap<&str, String> = BTreeMap::new();
        for (key, value) in &map {
            let Value::String(s) = value else {
                return Err(ControlError::new(
                    key.clone(),
                    value,
                    "a filter string such as \"info,my_crate=debug\"",
                ));
            };
            out.insert(key.as_str(), s.clone());
        }
        if out.is_empty() {
            return Err(ControlError::new(
                "body",
                "{}",
                "at least one of `console`, `file`, `traces`, `logs`",
            ));
        }
        let get = |k: &str| out.get(k).cloned();
        Ok((get("console"), get("file"), get("traces"), get("logs")))
    })();
    let applied = parsed.and_then(|(console, file, traces, logs)| {
        control.set_every_level(
            console.as_deref(),
            file.as_deref(),
            traces.as_deref(),
            logs.as_deref(),
        )
    });
    match applied {
        Ok(()) => Json(control.status().levels).into_response(),
        Err(e) => bad(&e),
    }
}

/// Binds `settings.listen` now (so a taken port is an error of `init`) and serves
/// the routes on a thread of its own.
pub(crate) fn start(
    settings: &crate::config::AdminSettings,
    control: Control,
) -> Result<crate::listener::Listener, InitError> {
    let listen = settings.listen;
    let app = router_with_token(control, settings.token.clone());
    crate::listener::start(listen, app, "semtrace-admin")
        .map_err(|source| InitError::AdminListen { listen, source })
}

/// `GET /metrics`: the Prometheus text (OpenMetrics, with exemplars, when the
/// scraper asks for it), when that metrics exporter is on.
async fn metrics(State(control): State<Control>, headers: axum::http::HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    match control.metrics_response(accept) {
        Some((content_type, text)) => {
            ([(header::CONTENT_TYPE, content_type)], text).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": "metrics are not exported in the Prometheus format here",
                "field": "metrics.exporters",
                "allowed": "add `prometheus` (or set OTEL_METRICS_EXPORTER=prometheus)",
            })),
        )
            .into_response(),
    }
}
