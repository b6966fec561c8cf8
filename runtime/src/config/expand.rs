//! `${VAR}` and `${VAR:-default}` in the config file's text values.

use super::file::{Config, EnvLookup};
use crate::error::InitError;

impl Config {
    /// Expands `${VAR}` in every text value of the file.
    pub(super) fn expand(&mut self, env: EnvLookup<'_>) -> Result<(), InitError> {
        let s = &mut self.service;
        for (key, value) in [
            ("service.name", &mut s.name),
            ("service.version", &mut s.version),
            ("service.namespace", &mut s.namespace),
            ("service.instance_id", &mut s.instance_id),
            ("service.environment", &mut s.environment),
            ("console.level", &mut self.console.level),
            ("console.format", &mut self.console.format),
            ("console.ansi", &mut self.console.ansi),
            ("file.path", &mut self.file.path),
            ("file.prefix", &mut self.file.prefix),
            ("file.rotation", &mut self.file.rotation),
            ("file.level", &mut self.file.level),
            ("file.format", &mut self.file.format),
            ("otlp.endpoint", &mut self.otlp.endpoint),
            ("otlp.protocol", &mut self.otlp.protocol),
            ("otlp.compression", &mut self.otlp.compression),
            ("otlp.level", &mut self.otlp.level),
            ("sampling.mode", &mut self.sampling.mode),
            ("admin.listen", &mut self.admin.listen),
            ("admin.token", &mut self.admin.token),
            ("metrics.endpoint", &mut self.metrics.endpoint),
            ("metrics.protocol", &mut self.metrics.protocol),
            (
                "metrics.prometheus.listen",
                &mut self.metrics.prometheus.listen,
            ),
            ("exporters.console.path", &mut self.exporters.console.path),
            (
                "exporters.zipkin.endpoint",
                &mut self.exporters.zipkin.endpoint,
            ),
        ] {
            if let Some(v) = value {
                *v = expand(v, key, env)?;
            }
        }
        if let Some(sampler) = &mut self.otlp.sampler {
            sampler.kind = expand(&sampler.kind, "otlp.sampler.kind", env)?;
        }
        for (name, value) in &mut self.otlp.headers.0 {
            *value = expand(value, &format!("otlp.headers.{name}"), env)?;
        }
        for (name, value) in &mut self.resource {
            *value = expand(value, &format!("resource.{name}"), env)?;
        }
        Ok(())
    }
}

/// Expands `${VAR}` and `${VAR:-default}` in `value`; `key` names the setting in errors.
pub(crate) fn expand(value: &str, key: &str, env: EnvLookup<'_>) -> Result<String, InitError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(InitError::invalid(
                format!("`{key}`"),
                value,
                "`${` must be closed by `}`, as in `${VAR}` or `${VAR:-default}`",
            ));
        };
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((var, default)) => (var, Some(default)),
            None => (inner, None),
        };
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(InitError::invalid(
                format!("`{key}`"),
                value,
                "a variable name has only letters, digits and `_`, as in `${APP_VERSION}`",
            ));
        }
        match (env(var).filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(InitError::UnsetVariable {
                    var: var.to_owned(),
                    key: key.to_owned(),
                });
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_forms() {
        let env = |name: &str| (name == "SET").then(|| "yes".to_owned());
        assert_eq!(expand("a${SET}b", "k", &env).unwrap(), "ayesb");
        assert_eq!(expand("${UNSET:-d}", "k", &env).unwrap(), "d");
        assert_eq!(expand("${SET:-d}", "k", &env).unwrap(), "yes");
        assert_eq!(expand("${UNSET:-}", "k", &env).unwrap(), "");
        assert_eq!(expand("no vars", "k", &env).unwrap(), "no vars");
    }
}
