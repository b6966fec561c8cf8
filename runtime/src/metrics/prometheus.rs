//! The Prometheus text endpoint (feature `prometheus`): the OpenTelemetry project's
//! Prometheus reader collects when the endpoint is scraped, and the `prometheus`
//! crate writes the text format. Names follow the OpenTelemetry-to-Prometheus rules
//! (`http.server.request.duration` in `s` becomes
//! `http_server_request_duration_seconds`).
//!
//! A scraper that asks for OpenMetrics (`Accept: application/openmetrics-text`,
//! as Prometheus does) gets that format, with the histograms' exemplars on their
//! `_bucket` lines (see `openmetrics`); others get the text format unchanged.

use std::net::SocketAddr;
use std::sync::Arc;

use opentelemetry_sdk::metrics::MeterProviderBuilder;

use super::exemplars::{Series, fingerprint, merged};
use super::recorder::ExemplarSource;
use crate::config::Settings;
use crate::error::InitError;
use crate::shutdown::Shutdown;

/// Adds the reader the text endpoint reads through; returns the builder and the text.
pub(super) fn with_reader(
    builder: MeterProviderBuilder,
    exemplars: ExemplarSource,
) -> Result<(MeterProviderBuilder, Text), InitError> {
    let (reader, text) = Text::new(exemplars)?;
    Ok((builder.with_reader(reader), text))
}

/// A listener for the guard to stop, and its address.
type Listening = (Box<dyn Shutdown>, SocketAddr);

/// Serves `text` on a listener of its own when asked for, or when there is no admin
/// listener to serve `/metrics` on (then on the exporter's conventional port);
/// returns the listener and its address.
pub(super) fn own_listener(
    settings: &Settings,
    text: &Arc<Text>,
) -> Result<Option<Listening>, InitError> {
    let listen = settings.metrics.prometheus_listen.or_else(|| {
        settings
            .admin
            .is_none()
            .then(|| SocketAddr::from(([127, 0, 0, 1], 9464)))
    });
    let Some(listen) = listen else {
        return Ok(None);
    };
    let listener = serve(listen, Arc::clone(text))?;
    let address = listener.address;
    Ok(Some((Box::new(listener), address)))
}

/// The registry the reader fills on each scrape.
#[derive(Debug)]
pub(crate) struct Text {
    registry: prometheus::Registry,
    exemplars: ExemplarSource,
}

impl Text {
    /// A reader for the meter provider, and the text it will be read through.
    fn new(
        exemplars: ExemplarSource,
    ) -> Result<(opentelemetry_prometheus::PrometheusExporter, Self), InitError> {
        let registry = prometheus::Registry::new();
        let reader = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .build()
            .map_err(|e| InitError::Exporter {
                endpoint: "prometheus".to_owned(),
                message: e.to_string(),
            })?;
        Ok((
            reader,
            Self {
                registry,
                exemplars,
            },
        ))
    }

    /// Collects now and renders the text format.
    pub(crate) fn render(&self) -> String {
        use prometheus::Encoder as _;
        let mut out = Vec::new();
        let families = self.registry.gather();
        if let Err(e) = prometheus::TextEncoder::new().encode(&families, &mut out) {
            return format!("# semtrace: encoding the metrics failed: {e}\n");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Collects now and renders the OpenMetrics format, with exemplars.
    pub(crate) fn render_openmetrics(&self) -> String {
        let families = self.registry.gather();
        let by_point = merged(self.exemplars.series(), prometheus_key);
        let mut key = (String::new(), Vec::new());
        super::openmetrics::encode(&families, |name, labels| {
            key.0.clear();
            key.0.push_str(name);
            key.1 = fingerprint(
                labels
                    .iter()
                    .filter(|l| !l.name().starts_with("otel_scope_"))
                    .map(|l| (l.name().to_owned(), l.value().to_owned())),
            );
            by_point.get(&key).map(Vec::as_slice)
        })
    }

    /// The format `accept` asks for: its content type and the collected text.
    pub(crate) fn respond(&self, accept: Option<&str>) -> (&'static str, String) {
        if accept.is_some_and(wants_openmetrics) {
            (super::openmetrics::CONTENT_TYPE, self.render_openmetrics())
        } else {
            (TEXT_CONTENT_TYPE, self.render())
        }
    }
}

/// The content type of the text format.
pub(crate) const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether an `Accept` header lists OpenMetrics (with a weight above 0).
fn wants_openmetrics(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let kind = parts.next().unwrap_or_default();
        kind.eq_ignore_ascii_case("application/openmetrics-text")
            && parts.all(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_none_or(|q| q > 0.0)
            })
    })
}

/// A series' family name and labels as the Prometheus exporter writes them
/// (`http.server.request.duration` in `s`: `http_server_request_duration_seconds`);
/// `None` for units other than a duration's.
fn prometheus_key(s: &Series) -> Option<(String, Vec<(String, String)>)> {
    let suffix = match s.unit {
        "s" => "seconds",
        "ms" => "milliseconds",
        _ => return None,
    };
    let sanitize = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == ':' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let name = format!("{}_{suffix}", sanitize(s.name));
    let labels = s
        .attributes
        .iter()
        .map(|kv| (sanitize(kv.key.as_str()), kv.value.to_string()));
    Some((name, fingerprint(labels)))
}

/// Serves `GET /metrics` on `listen`, on a thread of its own.
fn serve(
    listen: std::net::SocketAddr,
    text: std::sync::Arc<Text>,
) -> Result<crate::listener::Listener, InitError> {
    use axum::http::header;
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/metrics",
        get(move |headers: axum::http::HeaderMap| {
            let text = std::sync::Arc::clone(&text);
            async move {
                let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
                let (content_type, body) = text.respond(accept);
                ([(header::CONTENT_TYPE, content_type)], body)
            }
        }),
    );
    crate::listener::start(listen, app, "semtrace-metrics-http")
        .map_err(|source| InitError::MetricsListen { listen, source })
}
