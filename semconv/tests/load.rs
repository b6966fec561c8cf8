//! The Weaver-format loader on inline registries, good and broken.

use std::path::{Path, PathBuf};

use semtrace_semconv::load::{self, LoadError};
use semtrace_semconv::{AttrType, DeprecationReason, Stability, ValueType};

fn parse(yaml: &str) -> Result<Vec<semtrace_semconv::Attribute>, LoadError> {
    load::parse_str(yaml, Path::new("semconv/app.yaml"))
}

fn parse_err(yaml: &str) -> String {
    match parse(yaml) {
        Ok(attrs) => panic!("expected an error, got {attrs:?}"),
        Err(e) => e.to_string(),
    }
}

/// A fresh directory under the target dir, removed first if a previous run left it.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const GROUPS: &str = "
groups:
  - id: registry.app
    type: attribute_group
    brief: Application attributes.
    attributes:
      - id: app.user.tier
        type:
          members:
            - id: free
              value: free
              stability: development
            - id: legacy
              value: gold
              stability: development
              deprecated:
                reason: obsoleted
        stability: release_candidate
        brief: The user's tier.
        examples: [free]
      - id: app.request.header
        type: template[string[]]
        stability: stable
        brief: Request headers.
      - id: app.retries
        type: int
        stability: experimental
        deprecated:
          reason: renamed
          renamed_to: app.retry.count
          note: >
            Replaced by
            `app.retry.count`.
      - id: app.old
        type: boolean
        stability: development
        deprecated: Removed, no replacement.
  - id: app.span
    type: span
    brief: A span that only refers to attributes.
    attributes:
      - ref: app.user.tier
        requirement_level: required
";

#[test]
fn groups_format() {
    let attrs = parse(GROUPS).unwrap();
    let keys: Vec<_> = attrs.iter().map(|a| a.key).collect();
    assert_eq!(
        keys,
        [
            "app.old",
            "app.request.header",
            "app.retries",
            "app.user.tier"
        ]
    );

    let tier = &attrs[3];
    assert_eq!(tier.stability, Stability::ReleaseCandidate);
    let AttrType::Enum { base, members } = tier.ty else {
        panic!("not an enum: {tier:?}")
    };
    assert_eq!(base, ValueType::String);
    assert_eq!(members.len(), 2);
    assert_eq!((members[1].id, members[1].value), ("legacy", "gold"));
    assert!(!members[0].deprecated);
    assert!(members[1].deprecated);

    let header = &attrs[1];
    assert!(header.template);
    assert_eq!(header.ty, AttrType::Value(ValueType::StringArray));

    let retries = &attrs[2];
    assert_eq!(retries.stability, Stability::Development);
    let d = retries.deprecated.unwrap();
    assert_eq!(d.reason, DeprecationReason::Renamed);
    assert_eq!(d.renamed_to, Some("app.retry.count"));
    assert_eq!(d.note, "Replaced by `app.retry.count`.");

    // The older free-text style.
    let old = attrs[0].deprecated.unwrap();
    assert_eq!(old.reason, DeprecationReason::Uncategorized);
    assert_eq!(old.note, "Removed, no replacement.");
}

#[test]
fn definition_2_format() {
    let attrs = parse(
        "
file_format: definition/2
attributes:
  - key: peer.address
    stability: stable
    type: string
    brief: Peer address.
  - key: peer.port
    stability: stable
    type: int
attribute_groups:
  - id: peer
    visibility: public
    attributes:
      - ref: peer.address
",
    )
    .unwrap();
    assert_eq!(attrs.len(), 2);
    assert_eq!(attrs[0].key, "peer.address");
    assert_eq!(attrs[1].ty, AttrType::Value(ValueType::Int));
    assert!(attrs.iter().all(|a| a.stability == Stability::Stable));
}

#[test]
fn numeric_enums() {
    let attrs = parse(
        "
groups:
  - id: registry.n
    type: attribute_group
    attributes:
      - id: n.code
        stability: development
        type:
          members:
            - {id: ok, value: 0, stability: development}
            - {id: bad, value: 2, stability: development}
      - id: n.ratio
        stability: development
        type:
          members:
            - {id: half, value: 0.5, stability: development}
            - {id: one, value: 1, stability: development}
",
    )
    .unwrap();
    let AttrType::Enum { base, members } = attrs[0].ty else {
        panic!()
    };
    assert_eq!(base, ValueType::Int);
    assert_eq!(members[1].value, "2");
    // An int among doubles makes a double enum.
    assert_eq!(attrs[1].ty.value_type(), ValueType::Double);
}

#[test]
fn empty_file_defines_nothing() {
    assert_eq!(parse("# nothing yet\n").unwrap(), []);
}

#[test]
fn bad_yaml_syntax_names_file_and_position() {
    let msg = parse_err("groups:\n  - id: registry.app\n    type: [attribute_group\n");
    assert_eq!(
        msg,
        "semconv/app.yaml:4:1: did not find expected ',' or ']', while parsing a flow sequence at line 3 column 11"
    );
    let msg = parse_err("- not\n- a registry\n");
    assert_eq!(
        msg,
        "semconv/app.yaml:1:1: invalid type: sequence, expected a registry (a mapping with `groups:` or `attributes:`)"
    );
    let err = parse("groups: [\n").unwrap_err();
    assert_eq!(err.file(), Path::new("semconv/app.yaml"));
    assert!(err.location().is_some(), "{err}");
}

#[test]
fn unknown_type() {
    let msg = parse_err(
        "
groups:
  - id: registry.app
    type: attribute_group
    attributes:
      - id: app.user.tier
        type: strng
        stability: development
",
    );
    assert_eq!(
        msg,
        "semconv/app.yaml:6:9: unknown attribute type `strng` for `app.user.tier`; expected one of \
         string, int, double, boolean, any, string[], int[], double[], boolean[], template[...], or an enum"
    );
    let msg = parse_err(
        "
file_format: definition/2
attributes:
  - key: app.x
    type: template[strng]
",
    );
    assert!(
        msg.starts_with(
            "semconv/app.yaml:4:5: unknown attribute type `template[strng]` for `app.x`"
        ),
        "{msg}"
    );
}

#[test]
fn missing_id_or_type() {
    let msg = parse_err(
        "
groups:
  - id: registry.app
    type: attribute_group
    attributes:
      - type: string
        stability: development
",
    );
    assert_eq!(
        msg,
        "semconv/app.yaml:6:9: attribute has no `id` (or `key` in `definition/2` files)"
    );
    let msg = parse_err("file_format: definition/2\nattributes:\n  - key: app.x\n");
    assert_eq!(msg, "semconv/app.yaml:3:5: attribute `app.x` has no `type`");
}

#[test]
fn bad_stability_and_deprecation() {
    let msg = parse_err(
        "file_format: definition/2\nattributes:\n  - key: app.x\n    type: int\n    stability: stabel\n",
    );
    assert_eq!(
        msg,
        "semconv/app.yaml:3:5: unknown stability `stabel` for `app.x`; expected stable, release_candidate or development"
    );
    let msg = parse_err(
        "file_format: definition/2\nattributes:\n  - key: app.x\n    type: int\n    deprecated: {reason: gone}\n",
    );
    assert!(
        msg.contains("unknown deprecation reason `gone` for `app.x`"),
        "{msg}"
    );
}

#[test]
fn duplicate_key_in_one_file() {
    let msg = parse_err(
        "file_format: definition/2\nattributes:\n  - {key: app.x, type: int}\n  - {key: app.x, type: string}\n",
    );
    assert_eq!(msg, "semconv/app.yaml: attribute `app.x` is defined twice");
}

#[test]
fn load_dir_sorts_recurses_and_lists_files() {
    let dir = scratch_dir("load-dir-ok");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        "file_format: definition/2\nattributes:\n  - {key: b.one, type: int}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("nested/a.yml"),
        "file_format: definition/2\nattributes:\n  - {key: a.one, type: string}\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a registry").unwrap();
    let loaded = load::load_dir(&dir).unwrap();
    let keys: Vec<_> = loaded.attributes.iter().map(|a| a.key).collect();
    assert_eq!(keys, ["a.one", "b.one"]);
    assert_eq!(loaded.files, [dir.join("b.yaml"), dir.join("nested/a.yml")]);
}

#[test]
fn load_dir_rejects_a_key_defined_in_two_files() {
    let dir = scratch_dir("load-dir-duplicate");
    let yaml = "file_format: definition/2\nattributes:\n  - {key: app.x, type: int}\n";
    std::fs::write(dir.join("a.yaml"), yaml).unwrap();
    std::fs::write(dir.join("b.yaml"), yaml).unwrap();
    let err = load::load_dir(&dir).unwrap_err();
    assert_eq!(err.file(), dir.join("b.yaml"));
    assert_eq!(
        err.message(),
        format!(
            "attribute `app.x` is already defined in {}",
            dir.join("a.yaml").display()
        )
    );
}

#[test]
fn load_dir_names_the_broken_file() {
    let dir = scratch_dir("load-dir-broken");
    std::fs::write(
        dir.join("ok.yaml"),
        "file_format: definition/2\nattributes:\n  - {key: app.x, type: int}\n",
    )
    .unwrap();
    std::fs::write(dir.join("broken.yaml"), "groups:\n  - id: [\n").unwrap();
    let err = load::load_dir(&dir).unwrap_err();
    assert_eq!(err.file(), dir.join("broken.yaml"));
    assert!(
        err.to_string()
            .starts_with(&format!("{}:", dir.join("broken.yaml").display()))
    );

    let missing = load::load_dir(&dir.join("absent")).unwrap_err();
    assert!(
        missing.message().starts_with("cannot read directory"),
        "{missing}"
    );
    assert!(std::error::Error::source(&missing).is_some());
}
