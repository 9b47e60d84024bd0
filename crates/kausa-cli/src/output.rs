//! Printing a command's `--json` result, and remembering its digest for the audit
//! record: the BLAKE3 hash of the result with every timing (a key containing
//! `seconds`) removed, so a replay can check that it computes the same result.

use std::sync::Mutex;

static RESULT: Mutex<Option<String>> = Mutex::new(None);

/// The value without timing keys (`seconds`, `model_load_seconds`, …), at any depth.
pub(crate) fn without_timings(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter().filter(|(k, _)| !k.contains("seconds")).map(|(k, v)| (k.clone(), without_timings(v))).collect(),
        ),
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(without_timings).collect()),
        other => other.clone(),
    }
}

/// The digest of a result.
pub(crate) fn digest(v: &serde_json::Value) -> String {
    let bytes = serde_json::to_vec(&without_timings(v)).expect("a JSON value serialises");
    blake3::hash(&bytes).to_hex().to_string()
}

/// Prints `v` as pretty JSON on standard output and keeps its digest.
pub(crate) fn json(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    *RESULT.lock().unwrap_or_else(|e| e.into_inner()) = Some(digest(v));
    Ok(())
}

/// The digest of the result this command printed, if it printed one.
pub(crate) fn result_digest() -> Option<String> {
    RESULT.lock().unwrap_or_else(|e| e.into_inner()).clone()
}
