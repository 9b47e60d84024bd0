use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs kausa, recording into one audit log per test run (in the temporary
/// folder, so tests never write the user's own log; many tests in parallel also
/// exercise concurrent appends).
pub(crate) fn kausa(args: &[&str]) -> Output {
    kausa_command(args).output().expect("run kausa")
}

/// The kausa command with the test run's audit log.
pub(crate) fn kausa_command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kausa"));
    c.args(args).env("KAUSA_AUDIT", test_audit_log());
    c
}

/// The audit log of this test run.
pub(crate) fn test_audit_log() -> PathBuf {
    std::env::temp_dir().join(format!("kausa-it-{}-audit.sqlite", std::process::id()))
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary directory for one test.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kausa-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A JSON file, parsed.
pub(crate) fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The repository root.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The shared data folder: `$KAUSA_DATA`, or `../shared/data` beside the repository.
/// `None` (and a note on stderr) when it is absent, as in a stranger's clone.
pub(crate) fn data_root(test: &str) -> Option<PathBuf> {
    let p = std::env::var_os("KAUSA_DATA").map(PathBuf::from).unwrap_or_else(|| repo_root().join("../shared/data"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped {test}: shared data folder {} not found (set KAUSA_DATA)", p.display());
        None
    }
}

/// The edges of a graph JSON document as `"from type to"`, in the document's (canonical) order:
/// symmetric edges already list `from` before `to` in node order.
pub(crate) fn edge_strings(graph: &serde_json::Value) -> Vec<String> {
    graph["edges"]
        .as_array()
        .expect("an edge list")
        .iter()
        .map(|e| {
            format!("{} {} {}", e["from"].as_str().unwrap(), e["type"].as_str().unwrap(), e["to"].as_str().unwrap())
        })
        .collect()
}
