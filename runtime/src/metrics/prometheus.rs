//! The Prometheus text endpoint (feature `prometheus`): the OpenTelemetry project's
//! Prometheus reader collects when the endpoint is scraped, and the `prometheus`
//! crate writes the text format. Names follow the OpenTelemetry-to-Prometheus rules
//! (`http.server.request.duration` in `s` becomes
//! `http_server_request_duration_seconds`).

use std::net::SocketAddr;
use std::sync::Arc;

use opentelemetry_sdk::metrics::MeterProviderBuilder;

use crate::config::Settings;
use crate::error::InitError;
use crate::shutdown::Shutdown;

/// Adds the reader the text endpoint reads through; returns the builder and the text.
pub(super) fn with_reader(
    builder: MeterProviderBuilder,
) -> Result<(MeterProviderBuilder, Text), InitError> {
    let (reader, text) = Text::new()?;
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
}

impl Text {
    /// A reader for the meter provider, and the text it will be read through.
    fn new() -> Result<(opentelemetry_prometheus::PrometheusExporter, Self), InitError> {
        let registry = prometheus::Registry::new();
        let reader = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .build()
            .map_err(|e| InitError::Exporter {
                endpoint: "prometheus".to_owned(),
                message: e.to_string(),
            })?;
        Ok((reader, Self { registry }))
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
        get(move || {
            let text = std::sync::Arc::clone(&text);
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    text.render(),
                )
            }
        }),
    );
    crate::listener::start(listen, app, "semtrace-metrics-http")
        .map_err(|source| InitError::MetricsListen { listen, source })
}
