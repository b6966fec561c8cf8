//! The one "did you mean" of semtrace: the macros use it for option names, enum
//! values, span kinds and levels; the runtime for config keys and values.

/// Similarity (Jaro-Winkler, case-insensitive) below which nothing is suggested.
pub const THRESHOLD: f64 = 0.8;

/// The candidate most similar to `given`, if any is similar enough.
///
/// ```
/// use semtrace_semconv::suggest::closest;
/// assert_eq!(closest("gprc", ["grpc", "http/protobuf"]), Some("grpc"));
/// assert_eq!(closest("Get", ["GET", "POST"]), Some("GET"));
/// assert_eq!(closest("zzz", ["grpc", "http/protobuf"]), None);
/// ```
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (crate::similarity(&given, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
