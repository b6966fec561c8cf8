//! The Prometheus text endpoint without the `prometheus` feature: the same
//! functions as `prometheus.rs`, refusing the exporter, and a text that cannot
//! exist, so the code around needs no `cfg`.

use std::net::SocketAddr;
use std::sync::Arc;

use opentelemetry_sdk::metrics::MeterProviderBuilder;

use crate::config::Settings;
use crate::error::InitError;
use crate::shutdown::Shutdown;

/// No text without the feature: no value of this type exists.
#[derive(Debug)]
pub(crate) enum Text {}

impl Text {
    pub(crate) fn render(&self) -> String {
        match *self {}
    }

    pub(crate) fn render_openmetrics(&self) -> String {
        match *self {}
    }

    pub(crate) fn respond(&self, _accept: Option<&str>) -> (&'static str, String) {
        match *self {}
    }
}

/// The Prometheus exporter needs the `prometheus` feature.
pub(super) fn with_reader(
    _builder: MeterProviderBuilder,
    _exemplars: super::recorder::ExemplarSource,
) -> Result<(MeterProviderBuilder, Text), InitError> {
    Err(InitError::FeatureDisabled {
        what: "the Prometheus metrics endpoint".to_owned(),
        feature: "prometheus",
    })
}

/// A listener for the guard to stop, and its address.
type Listening = (Box<dyn Shutdown>, SocketAddr);

pub(super) fn own_listener(
    _settings: &Settings,
    text: &Arc<Text>,
) -> Result<Option<Listening>, InitError> {
    match **text {}
}
