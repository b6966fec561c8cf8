//! What can go wrong when telemetry starts or stops.

use std::fmt;
use std::path::PathBuf;

/// Why [`init`](crate::init) or [`TelemetryBuilder::init`](crate::TelemetryBuilder::init)
/// failed. Every message names the setting (a config key such as `otlp.endpoint`, an
/// environment variable such as `OTEL_TRACES_SAMPLER_ARG`, or a builder method), the
/// offending value and what is allowed. Header values are never part of a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A key in the config file that semtrace does not know.
    #[error("unknown key `{path}` in {origin}{}", did_you_mean(suggestion.as_deref()))]
    UnknownKey {
        /// Dotted path of the key, e.g. `otlp.endpont`.
        path: String,
        /// Closest valid key, if one is close enough.
        suggestion: Option<String>,
        /// Where the key was read from.
        origin: String,
    },
    /// A value that is not allowed for its setting.
    #[error("invalid value `{value}` for {key}: {allowed}")]
    InvalidValue {
        /// The setting: `` `otlp.sampler.ratio` in config file ``, `` `OTEL_TRACES_SAMPLER` ``, …
        key: String,
        /// The value as given (never a header value).
        value: String,
        /// What is allowed instead.
        allowed: String,
    },
    /// `${VAR}` without a default names a variable that is not set.
    #[error(
        "environment variable `{var}` used in `{key}` is not set; set it or give a default with `${{{var}:-default}}`"
    )]
    UnsetVariable {
        /// The variable.
        var: String,
        /// The config key whose value referenced it.
        key: String,
    },
    /// The config file could not be read.
    #[error("cannot read config file `{}`: {source}", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or a value has the wrong type.
    #[error("invalid config file {origin}: {message}")]
    ParseConfig {
        /// Where the text came from.
        origin: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A setting needs a cargo feature that this build of semtrace leaves out.
    #[error("{what} needs the `{feature}` feature of semtrace, which this build leaves out")]
    FeatureDisabled {
        /// The setting that asked for it.
        what: String,
        /// The cargo feature to enable.
        feature: &'static str,
    },
    /// The log directory could not be set up.
    #[error("cannot write log files in `{}`: {message}", path.display())]
    FileOutput {
        /// The directory.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A span exporter (OTLP, Zipkin) could not be built.
    #[error("cannot build the span exporter for `{endpoint}`: {message}")]
    Exporter {
        /// The endpoint it was built for.
        endpoint: String,
        /// The exporter's message.
        message: String,
    },
    /// The admin listener could not bind its address.
    #[error("cannot listen for admin requests on `{listen}`: {source}")]
    AdminListen {
        /// The address from `admin.listen`.
        listen: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Prometheus endpoint could not bind its address.
    #[error("cannot serve metrics on `{listen}` (`metrics.prometheus.listen`): {source}")]
    MetricsListen {
        /// The address from `metrics.prometheus.listen`.
        listen: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A small Tokio runtime of semtrace's (the span or metric exporter's, a
    /// listener's) could not start.
    #[error("cannot start a background runtime of semtrace's exporters: {0}")]
    Runtime(#[source] std::io::Error),
    /// Another logger of the `log` crate was installed before semtrace's bridge,
    /// which the settings ask for explicitly (`logs.bridge = true`,
    /// `SEMTRACE_LOG_BRIDGE=true` or [`TelemetryBuilder::log_bridge`](crate::TelemetryBuilder::log_bridge)).
    #[error(
        "another logger of the `log` crate is installed, so its records cannot become semtrace's events; `logs.bridge` asks for them: drop the other logger, or set `logs.bridge = false`"
    )]
    LogBridge,
    /// [`TelemetryBuilder::build_layer`](crate::TelemetryBuilder::build_layer) was
    /// called on a builder given layers with
    /// [`with_layer`](crate::TelemetryBuilder::with_layer): the layer goes into a
    /// subscriber of the caller's, where those layers belong too.
    #[error(
        "`build_layer()` makes a layer for your own subscriber, so the {count} layer(s) given to `with_layer()` would not be in it: add them to your subscriber (`tracing_subscriber::registry().with(your_layer).with(semtrace_layer)`) and drop the `with_layer()` calls"
    )]
    LayersWithBuildLayer {
        /// How many layers `with_layer` was given.
        count: usize,
    },
    /// A global `tracing` subscriber is already installed.
    #[error("a global tracing subscriber is already installed; call `semtrace::init()` once")]
    AlreadyInitialized,
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

impl InitError {
    pub(crate) fn invalid(
        key: impl Into<String>,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        Self::InvalidValue {
            key: key.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}
