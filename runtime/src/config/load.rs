//! Reading the config file: TOML text → unknown-key check → the model → `${VAR}`
//! expansion.

use std::path::Path;

use super::file::{Config, EnvLookup};
use crate::error::InitError;

impl Config {
    /// Reads and parses a config file, expanding `${VAR}` from the process environment.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, InitError> {
        Self::from_file_with_env(path.as_ref(), &|name| std::env::var(name).ok())
    }

    /// Parses TOML text, expanding `${VAR}` from the process environment.
    pub fn from_toml(text: &str) -> Result<Self, InitError> {
        Self::parse(text, "config", &|name| std::env::var(name).ok())
    }

    pub(crate) fn from_file_with_env(path: &Path, env: EnvLookup<'_>) -> Result<Self, InitError> {
        let text = std::fs::read_to_string(path).map_err(|source| InitError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &format!("`{}`", path.display()), env)
    }

    /// Parses TOML text with an injected environment. `origin` names the source in
    /// error messages.
    #[doc(hidden)]
    pub fn parse(
        text: &str,
        origin: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, InitError> {
        let parse_error = |e: toml::de::Error| InitError::ParseConfig {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        };
        let table: toml::Table = toml::from_str(text).map_err(parse_error)?;
        super::keys::check(&table, origin)?;
        let mut config: Self = toml::from_str(text).map_err(parse_error)?;
        config.expand(env)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn schema_lists_every_field() {
        // Each key of the schema deserializes, so the schema and the structs agree.
        let text = r#"
            shutdown_timeout_ms = 1
            [service]
            name = "a"
            version = "b"
            namespace = "c"
            instance_id = "d"
            environment = "e"
            [resource]
            any = "x"
            [console]
            enabled = true
            level = "info"
            format = "json"
            ansi = "never"
            [file]
            enabled = true
            path = "p"
            prefix = "q"
            rotation = "daily"
            max_files = 2
            level = "debug"
            format = "text"
            [otlp]
            enabled = true
            endpoint = "http://h:1"
            protocol = "grpc"
            headers = { k = "v" }
            timeout_ms = 3
            compression = "gzip"
            level = "info"
            sampler = { kind = "always_on", ratio = 1.0 }
            batch = { max_queue_size = 1, scheduled_delay_ms = 2, max_export_batch_size = 1 }
            [traces]
            max_concurrent_exports = 2
            code_attributes = true
            thread_attributes = true
            timing_attributes = true
            [exporters]
            traces = ["otlp", "console"]
            console = { path = "spans.jsonl" }
            [exporters.zipkin]
            endpoint = "http://h:9411/api/v2/spans"
            timeout_ms = 4
            [sampling]
            mode = "ratio"
            ratio = 0.5
            parent_based = false
            max_rules = 10
            [[sampling.rules]]
            match = { "task.type" = "import" }
            rate = 1.0
            duration = "10m"
            [sampling.adaptive]
            latency_threshold = "500ms"
            window = 60000
            sample_rate = 1.0
            cooldown = "5m"
            [sampling.tail]
            keep_errors = true
            keep_slower_than = "2s"
            max_buffered_spans = 100
            [admin]
            listen = "127.0.0.1:9464"
            token = "t"
        "#;
        Config::parse(text, "test", &no_env).unwrap();
    }
}
