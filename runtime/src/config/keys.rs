//! The config file's known keys, read off the serde model itself: deserializing
//! [`Config`](super::Config) from a [`Collector`] walks every struct of the model and
//! records the field names serde would accept at each table path. A field added to
//! the model is a known key at once; no list is kept beside it.

use std::sync::OnceLock;

use serde::Deserialize as _;
use serde::de::value::{Error, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer as _, Visitor};

use super::file::Config;
use crate::error::InitError;

/// Reports the first key of the parsed file `table` that the model does not know,
/// with the closest valid key; `origin` names the file.
pub(super) fn check(table: &toml::Table, origin: &str) -> Result<(), InitError> {
    check_table(table, "", origin)
}

/// Table paths (`""`, `otlp`, `otlp.batch`, …) and the keys each accepts. Tables that
/// are not listed (`resource`, `otlp.headers`, a rule's `match`) take any key.
pub(crate) fn schema() -> &'static [(String, &'static [&'static str])] {
    static SCHEMA: OnceLock<Vec<(String, &'static [&'static str])>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut tables = Vec::new();
        Config::deserialize(Collector {
            path: String::new(),
            tables: &mut tables,
        })
        .expect("the config model deserializes from its own field names");
        tables
    })
}

/// A deserializer that answers every struct with its own field names (each field's
/// value is another collector, one level down) and every other type with a
/// placeholder value of that type.
struct Collector<'a> {
    path: String,
    tables: &'a mut Vec<(String, &'static [&'static str])>,
}

impl Collector<'_> {
    fn below(&mut self, key: &str) -> Collector<'_> {
        let path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        Collector {
            path,
            tables: self.tables,
        }
    }
}

impl<'de> Deserializer<'de> for Collector<'_> {
    type Error = Error;

    /// Untagged enums (`DurationValue`) buffer their input through here: a number
    /// fits one of their variants.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(false)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i64(0)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(0)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(0.0)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str("")
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str("")
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    /// An array of tables (`[[sampling.rules]]`): one entry, at the array's path.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(One(Some(self)))
    }

    /// A free-form table: any key, so none recorded.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(de::value::MapDeserializer::new(std::iter::empty::<(
            &str,
            &str,
        )>()))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.tables.push((self.path.clone(), fields));
        visitor.visit_map(StructFields {
            parent: self,
            fields: fields.iter(),
            current: "",
        })
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u128 f32 char bytes byte_buf unit unit_struct
        tuple tuple_struct enum identifier ignored_any
    }
}

/// A struct's fields, each with a collector for its value.
struct StructFields<'a> {
    parent: Collector<'a>,
    fields: std::slice::Iter<'static, &'static str>,
    current: &'static str,
}

impl<'de> de::MapAccess<'de> for StructFields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(field) = self.fields.next() else {
            return Ok(None);
        };
        self.current = field;
        let key: StrDeserializer<'_, Error> = field.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(self.parent.below(self.current))
    }
}

/// A sequence of one element.
struct One<'a>(Option<Collector<'a>>);

impl<'de> de::SeqAccess<'de> for One<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.take().map(|c| seed.deserialize(c)).transpose()
    }
}

/// Reports the first key of `table` (at `path`) that the model does not know,
/// with the closest valid key.
fn check_table(table: &toml::Table, path: &str, origin: &str) -> Result<(), InitError> {
    let Some((_, allowed)) = schema().iter().find(|(p, _)| p == path) else {
        return Ok(()); // a free-form table
    };
    for (key, value) in table {
        let full = join_path(path, key);
        if !allowed.contains(&key.as_str()) {
            return Err(InitError::UnknownKey {
                suggestion: closest_key(path, key),
                path: full,
                origin: format!("config file {origin}"),
            });
        }
        match value {
            toml::Value::Table(inner) => check_table(inner, &full, origin)?,
            // Arrays of tables (`[[sampling.rules]]`) are checked per entry.
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(inner) = item {
                        check_table(inner, &full, origin)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The most similar valid key: same table first, then any table (for a key written in
/// the wrong section).
fn closest_key(path: &str, key: &str) -> Option<String> {
    let keys = |same_table: bool| {
        schema()
            .iter()
            .filter(move |(p, _)| !same_table || p == path)
            .flat_map(|(p, keys)| keys.iter().map(move |k| (p.as_str(), *k)))
    };
    let best = |same_table: bool| {
        let leaf = semtrace_semconv::suggest::closest(key, keys(same_table).map(|(_, k)| k))?;
        let (table, _) = keys(same_table).find(|(_, k)| *k == leaf)?;
        Some(join_path(table, leaf))
    };
    best(true).or_else(|| best(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Option<Vec<&'static str>> {
        let mut found = schema().iter().filter(|(p, _)| p == path);
        let (_, keys) = found.next()?;
        assert!(found.next().is_none(), "`{path}` is listed once");
        Some(keys.to_vec())
    }

    #[test]
    fn every_table_of_the_model_is_read_off_it() {
        assert_eq!(
            keys("sampling.rules"),
            Some(vec!["match", "rate", "duration"])
        );
        assert_eq!(
            keys("exporters.zipkin"),
            Some(vec!["endpoint", "timeout_ms"])
        );
        assert_eq!(keys("otlp.sampler"), Some(vec!["kind", "ratio"]));
        assert!(keys("").unwrap().contains(&"shutdown_timeout_ms"));
        // Free-form tables take any key.
        for free in ["resource", "otlp.headers", "sampling.rules.match"] {
            assert_eq!(keys(free), None, "{free}");
        }
        // Each table once (checked by `keys`), every table of the model there.
        for table in [
            "service",
            "otlp.batch",
            "sampling.tail",
            "metrics.prometheus",
            "logs",
            "genai",
            "traces.limits",
        ] {
            assert!(keys(table).is_some(), "{table}");
        }
    }

    #[test]
    fn an_unknown_key_is_named_with_the_closest_known_one() {
        let table: toml::Table = toml::from_str("[otlp.batch]\nmax_queue = 3").unwrap();
        match check(&table, "`app.toml`") {
            Err(InitError::UnknownKey {
                path, suggestion, ..
            }) => {
                assert_eq!(path, "otlp.batch.max_queue");
                assert_eq!(suggestion.as_deref(), Some("otlp.batch.max_queue_size"));
            }
            other => panic!("{other:?}"),
        }
        let table: toml::Table = toml::from_str("[resource]\nanything = \"x\"").unwrap();
        assert!(check(&table, "`app.toml`").is_ok());
    }
}
