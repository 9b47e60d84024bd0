//! The audit trail on the command line: every command that reads data or gives
//! a result is recorded (`record_command`), and `kausa audit verify/list/show`
//! read the log.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use kausa_audit::{AuditLog, FileHash, Outcome, Record, rfc3339};

/// Where the log is: `--audit`, else `$KAUSA_AUDIT`, else `audit = "…"` in
/// `$XDG_CONFIG_HOME/kausa/config.toml` (or `~/.config/kausa/config.toml`), else
/// `$XDG_DATA_HOME/kausa/audit.sqlite` (or `~/.local/share/kausa/audit.sqlite`).
pub(crate) fn log_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("KAUSA_AUDIT").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = |xdg: &str, fallback: &str| {
        std::env::var_os(xdg)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(fallback)))
    };
    if let Some(config) = dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("kausa/config.toml"))
        && config.is_file()
    {
        #[derive(serde::Deserialize)]
        struct Config {
            audit: Option<PathBuf>,
        }
        let text = std::fs::read_to_string(&config).with_context(|| format!("cannot read {}", config.display()))?;
        let parsed: Config = toml::from_str(&text).map_err(|e| anyhow!("{}: {}", config.display(), e.message()))?;
        if let Some(p) = parsed.audit {
            return Ok(p);
        }
    }
    dir("XDG_DATA_HOME", ".local/share")
        .map(|d| d.join("kausa/audit.sqlite"))
        .ok_or_else(|| anyhow!("no place for the audit log: set HOME, KAUSA_AUDIT or --audit"))
}

fn now() -> (String, Instant) {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    (rfc3339(ms), Instant::now())
}

/// The user: `$USER`, `$LOGNAME`, or the name of this process's user id in `/etc/passwd`.
fn user() -> String {
    if let Some(u) =
        ["USER", "LOGNAME", "USERNAME"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    {
        return u;
    }
    let uid = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find_map(|l| l.strip_prefix("Uid:").and_then(|r| r.split_whitespace().next().map(String::from)))
    });
    let Some(uid) = uid else { return "unknown".into() };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
            })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

/// Flags whose value is a file the command writes.
const OUTPUT_FLAGS: [&str; 2] = ["--out", "--report"];
/// Flags whose value names a file that is not an input: outputs and the log itself.
const NOT_INPUT_FLAGS: [&str; 3] = ["--out", "--report", "--audit"];

fn hash_file(given: &str, path: &Path) -> Option<FileHash> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut h = blake3::Hasher::new();
    let bytes = std::io::copy(&mut file, &mut h).ok()?;
    let kind = if kausa_io::is_model_file(path) { "model" } else { "data" };
    Some(FileHash {
        path: given.to_string(),
        absolute: std::fs::canonicalize(path).ok().map(|p| p.display().to_string()),
        blake3: h.finalize().to_hex().to_string(),
        bytes,
        kind: kind.to_string(),
    })
}

/// The values of `flag` (as `--flag VALUE` or `--flag=VALUE`).
fn flag_values<'a>(argv: &'a [String], flag: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (i, a) in argv.iter().enumerate() {
        if a == flag {
            if let Some(v) = argv.get(i + 1) {
                out.push(v.as_str());
            }
        } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            out.push(v);
        }
    }
    out
}

/// What is known about a command before it runs.
pub(crate) struct Capture {
    time: String,
    started: Instant,
    argv: Vec<String>,
    inputs: Vec<FileHash>,
    outputs: Vec<String>,
}

impl Capture {
    /// Hashes every argument that names an existing file, except outputs.
    pub(crate) fn before(argv: &[String]) -> Capture {
        let (time, started) = now();
        let outputs: Vec<String> = OUTPUT_FLAGS.iter().flat_map(|f| flag_values(argv, f)).map(String::from).collect();
        let mut inputs = Vec::new();
        for (i, a) in argv.iter().enumerate() {
            if i > 0 && NOT_INPUT_FLAGS.contains(&argv[i - 1].as_str()) {
                continue;
            }
            let value = match a.split_once('=') {
                Some((key, _)) if NOT_INPUT_FLAGS.contains(&key) => continue,
                Some((key, value)) if key.starts_with("--") => value,
                _ => a.as_str(),
            };
            let path = Path::new(value);
            if path.is_file()
                && !inputs.iter().any(|f: &FileHash| f.path == value)
                && let Some(h) = hash_file(value, path)
            {
                inputs.push(h);
            } else if path.is_dir() {
                // A folder input (an ERP export): every file directly in it, in name order.
                let mut names: Vec<PathBuf> = std::fs::read_dir(path)
                    .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
                    .unwrap_or_default();
                names.sort();
                for file in names {
                    let given = Path::new(value).join(file.file_name().unwrap_or_default()).display().to_string();
                    if !inputs.iter().any(|f: &FileHash| f.path == given)
                        && let Some(h) = hash_file(&given, &file)
                    {
                        inputs.push(h);
                    }
                }
            }
        }
        Capture { time, started, argv: argv.to_vec(), inputs, outputs }
    }

    /// The record of the finished command.
    pub(crate) fn finish(self, outcome: Result<(), &anyhow::Error>, exit_code: i32) -> Record {
        let parse = |flag: &str| flag_values(&self.argv, flag).last().and_then(|v| v.parse::<u64>().ok());
        let outputs =
            self.outputs.iter().filter_map(|o| hash_file(o, Path::new(o)).filter(|_| outcome.is_ok())).collect();
        Record {
            time: self.time,
            user: user(),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .or_else(|| std::env::var("HOSTNAME").ok())
                .map_or_else(|| "unknown".into(), |h| h.trim().to_string()),
            kausa_version: env!("CARGO_PKG_VERSION").to_string(),
            command: self.argv.clone(),
            cwd: std::env::current_dir().map_or_else(|_| String::new(), |d| d.display().to_string()),
            inputs: self.inputs,
            outputs,
            result_blake3: crate::output::result_digest(),
            seed: parse("--seed"),
            rng: kausa_core::Rng::NAME.to_string(),
            threads: parse("--threads").map(|t| t as usize),
            duration_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            outcome: match outcome {
                Ok(()) => Outcome { status: "success".into(), exit_code, error: None },
                Err(e) => Outcome { status: "error".into(), exit_code, error: Some(crate::error_message(e)) },
            },
            unaudited_runs_before: 0,
        }
    }
}

/// Opens the log for a command about to run; with `--no-audit`, counts the run
/// in the log instead (so the next record shows it) and returns `None`.
pub(crate) fn open_for_command(flag: Option<&Path>, no_audit: bool) -> Result<Option<AuditLog>> {
    let path = log_path(flag)?;
    let open = || {
        AuditLog::open(&path).map_err(|e| {
            anyhow!(
                "cannot use the audit log: {e}; repair or move it, choose another with --audit, or run with --no-audit"
            )
        })
    };
    if no_audit {
        match open().and_then(|mut log| log.note_unaudited(&now().0).map_err(|e| anyhow!("{e}"))) {
            Ok(()) => {}
            Err(e) => eprintln!("warning: this run was not counted in the audit log: {e:#}"),
        }
        return Ok(None);
    }
    open().map(Some)
}

/// Arguments of `kausa audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    kind: AuditKind,
}

#[derive(Debug, clap::Subcommand)]
enum AuditKind {
    /// Recompute the hash chain and name the first record that was changed, deleted or moved.
    Verify {
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// The most recent records.
    List {
        /// How many (0: all).
        #[arg(long, default_value_t = 20)]
        last: usize,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// One record in full.
    Show {
        /// Its id (from `kausa audit list`).
        id: u64,
    },
    /// Re-run a recorded command on its recorded inputs and check that its outputs
    /// (files written, and the `--json` result without timings) are byte-identical.
    Replay {
        /// The record's id.
        id: u64,
        /// Run with this many threads instead of the recorded setting (results never depend on it).
        #[arg(long)]
        threads: Option<usize>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(args: AuditArgs, flag: Option<&Path>) -> Result<()> {
    let path = log_path(flag)?;
    if !path.exists() {
        bail!("{}: no audit log here yet (kausa creates it with the first recorded command)", path.display());
    }
    let log = AuditLog::open(&path)?;
    match args.kind {
        AuditKind::Verify { json } => {
            let v = log.verify()?;
            if json {
                let out = serde_json::json!({
                    "log": path.display().to_string(), "records": v.records, "head": v.head,
                    "ok": v.first_bad.is_none(),
                    "first_bad": v.first_bad.as_ref().map(|(id, why)| serde_json::json!({"id": id, "reason": why})),
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            match v.first_bad {
                None => {
                    if !json {
                        println!("{}: {} records, chain intact; head {}", path.display(), v.records, v.head);
                    }
                    Ok(())
                }
                Some((id, why)) => bail!("{}: record {id}: {why}", path.display()),
            }
        }
        AuditKind::List { last, json } => {
            let records = log.list(last)?;
            if json {
                let out: Vec<serde_json::Value> = records
                    .iter()
                    .map(|s| serde_json::json!({"id": s.id, "hash": s.hash, "record": s.record}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            println!("{:>6}  {:<24}  {:<10}  {:>9}  {:<7}  command", "id", "time (UTC)", "user", "ms", "outcome");
            for s in &records {
                let r = &s.record;
                let mut cmd = r.command.join(" ");
                if cmd.chars().count() > 80 {
                    cmd = cmd.chars().take(77).collect::<String>() + "...";
                }
                let flag = if r.unaudited_runs_before > 0 {
                    format!(" (+{} unaudited before)", r.unaudited_runs_before)
                } else {
                    String::new()
                };
                println!(
                    "{:>6}  {:<24}  {:<10}  {:>9.1}  {:<7}  {cmd}{flag}",
                    s.id, r.time, r.user, r.duration_ms, r.outcome.status
                );
            }
            Ok(())
        }
        AuditKind::Replay { id, threads, json } => replay(&log, &path, id, threads, json),
        AuditKind::Show { id } => {
            let s = log.get(id)?;
            let out = serde_json::json!({"id": s.id, "prev_hash": s.prev_hash, "hash": s.hash, "record": s.record});
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
    }
}

/// The command line of a record, made to replay: without audit flags, outputs
/// sent to `dir`, threads replaced when asked. Returns it with (recorded output,
/// replayed output) pairs.
fn replay_command(argv: &[String], dir: &Path, threads: Option<usize>) -> (Vec<String>, Vec<(String, PathBuf)>) {
    let mut out = Vec::new();
    let mut outputs = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        let redirect = |value: &str, outputs: &mut Vec<(String, PathBuf)>| {
            let name = Path::new(value).file_name().map_or_else(|| "output".into(), |n| n.to_owned());
            let target = dir.join(format!("{}-{}", outputs.len(), name.to_string_lossy()));
            outputs.push((value.to_string(), target.clone()));
            target.display().to_string()
        };
        match a.as_str() {
            "--no-audit" => {}
            "--audit" | "--threads" => i += 1,
            _ if a.starts_with("--audit=") || a.starts_with("--threads=") => {}
            f if OUTPUT_FLAGS.contains(&f) && i + 1 < argv.len() => {
                out.push(a.clone());
                out.push(redirect(&argv[i + 1], &mut outputs));
                i += 1;
            }
            _ => match a.split_once('=') {
                Some((key, value)) if OUTPUT_FLAGS.contains(&key) => {
                    out.push(format!("{key}={}", redirect(value, &mut outputs)))
                }
                _ => out.push(a.clone()),
            },
        }
        i += 1;
    }
    let recorded_threads = flag_values(argv, "--threads").last().map(|t| t.to_string());
    if let Some(t) = threads.map(|t| t.to_string()).or(recorded_threads) {
        // Global position: clap accepts --threads after the subcommand's other arguments.
        out.push("--threads".into());
        out.push(t);
    }
    (out, outputs)
}

fn replay(log: &AuditLog, log_path: &Path, id: u64, threads: Option<usize>, json: bool) -> Result<()> {
    let stored = log.get(id)?;
    let r = &stored.record;
    if r.outcome.status != "success" {
        bail!("record {id} ended in an error; there is no result to reproduce");
    }
    if r.kausa_version != env!("CARGO_PKG_VERSION") {
        eprintln!(
            "note: record {id} was made by kausa {}, this is kausa {}",
            r.kausa_version,
            env!("CARGO_PKG_VERSION")
        );
    }
    let cwd = PathBuf::from(&r.cwd);
    for input in &r.inputs {
        let path = input.absolute.as_ref().map(PathBuf::from).unwrap_or_else(|| cwd.join(&input.path));
        let Some(now) = hash_file(&input.path, &path) else {
            bail!("record {id} read {}, which is gone", path.display());
        };
        if now.blake3 != input.blake3 {
            bail!(
                "{} changed since record {id} (BLAKE3 {} then, {} now): a replay would not use the recorded inputs",
                path.display(),
                &input.blake3[..16],
                &now.blake3[..16]
            );
        }
    }
    let dir = std::env::temp_dir().join(format!("kausa-replay-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (argv, outputs) = replay_command(&r.command, &dir, threads);
    if outputs.is_empty() && r.result_blake3.is_none() {
        bail!("record {id} wrote no file and printed no --json result: there is nothing to compare");
    }
    let exe = std::env::current_exe().context("cannot find the kausa executable")?;
    let run = std::process::Command::new(exe)
        .arg("--audit")
        .arg(log_path)
        .args(&argv)
        .current_dir(&cwd)
        .output()
        .with_context(|| format!("cannot run the replay in {}", cwd.display()))?;
    let mut checks: Vec<(String, bool)> = Vec::new();
    if run.status.success() {
        for ((given, replayed), recorded) in outputs.iter().zip(&r.outputs) {
            let same = hash_file(given, replayed).is_some_and(|h| h.blake3 == recorded.blake3);
            checks.push((format!("file {given}"), same));
        }
        if let Some(want) = &r.result_blake3 {
            let got = serde_json::from_slice::<serde_json::Value>(&run.stdout).ok().map(|v| crate::output::digest(&v));
            checks.push(("--json result (timings removed)".into(), got.as_deref() == Some(want.as_str())));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !run.status.success() {
        bail!("the replay of record {id} failed: {}", String::from_utf8_lossy(&run.stderr).trim());
    }
    let identical = checks.iter().all(|c| c.1);
    if json {
        let out = serde_json::json!({
            "record": id, "identical": identical,
            "checks": checks.iter().map(|(what, same)| serde_json::json!({"what": what, "identical": same})).collect::<Vec<_>>(),
            "command": argv,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("Replay of record {id}: kausa {}", argv.join(" "));
        for (what, same) in &checks {
            println!("  {what}: {}", if *same { "byte-identical" } else { "DIFFERENT" });
        }
    }
    if !identical {
        bail!("the replay of record {id} did not reproduce its outputs");
    }
    Ok(())
}
