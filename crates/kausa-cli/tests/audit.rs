//! The audit log end to end: what a record holds, `--no-audit`, tampering found
//! by `kausa audit verify`, and a log that survives SIGKILL and concurrent writers.

use std::path::{Path, PathBuf};
use std::process::Command;

use kausa_audit::AuditLog;

use crate::util::{kausa, stderr, stdout, temp_dir, write};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// kausa with an explicit audit log.
fn run(log: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--audit", s(log)];
    all.extend_from_slice(args);
    kausa(&all)
}

/// A small linear SEM and data drawn from it.
fn small_data(dir: &Path, log: &Path) -> (PathBuf, PathBuf) {
    let sem = write(
        dir,
        "sem.json",
        r#"{"nodes":["a","b","c"],"edges":[{"from":"a","to":"b","type":"-->","weight":1.5},{"from":"b","to":"c","type":"-->","weight":-0.7}]}"#,
    );
    let data = dir.join("data.csv");
    let o = run(log, &["sample", s(&sem), "--n", "500", "--seed", "4", "--out", s(&data)]);
    assert!(o.status.success(), "{}", stderr(&o));
    (sem, data)
}

#[test]
fn records_hold_inputs_outputs_and_outcome() {
    let dir = temp_dir("audit-records");
    let log = dir.join("audit.sqlite");
    let (sem, data) = small_data(&dir, &log);
    let graph = dir.join("graph.json");
    assert!(
        run(&log, &["discover", s(&data), "--alpha", "0.01", "--out", s(&graph), "--threads", "1"]).status.success()
    );
    let bad = run(&log, &["discover", s(&dir.join("missing.csv"))]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(run(&log, &["--no-audit", "discover", s(&data)]).status.success());
    assert!(run(&log, &["--no-audit", "graph", s(&sem)]).status.success());
    assert!(run(&log, &["graph", s(&sem)]).status.success());
    let audit = AuditLog::open(&log).unwrap();
    let records = audit.list(0).unwrap();
    assert_eq!(records.len(), 4, "sample, discover, failed discover, graph");
    let sample = &records[0].record;
    assert_eq!(sample.command[..3], ["--audit", s(&log), "sample"], "the command line as given");
    assert_eq!(sample.seed, Some(4));
    assert_eq!(sample.inputs.len(), 1);
    assert_eq!(sample.inputs[0].path, s(&sem));
    assert_eq!(sample.inputs[0].blake3, blake3::hash(&std::fs::read(&sem).unwrap()).to_hex().to_string());
    assert_eq!(sample.outputs.len(), 1);
    assert_eq!(sample.outputs[0].blake3, blake3::hash(&std::fs::read(&data).unwrap()).to_hex().to_string());
    let discover = &records[1].record;
    assert_eq!((discover.threads, discover.outcome.status.as_str()), (Some(1), "success"));
    assert_eq!(discover.inputs[0].blake3, sample.outputs[0].blake3, "the data file links the two records");
    let failed = &records[2].record;
    assert_eq!((failed.outcome.status.as_str(), failed.outcome.exit_code), ("error", 2));
    assert!(failed.outcome.error.as_deref().unwrap().contains("missing.csv"));
    assert_eq!(records[3].record.unaudited_runs_before, 2, "--no-audit runs are counted in the next record");
    assert!(!records[3].record.user.is_empty() && records[3].record.duration_ms > 0.0);
    // `audit list`, `show` and `verify` read it; the audit commands themselves are not recorded.
    let list = run(&log, &["audit", "list"]);
    assert!(stdout(&list).contains("(+2 unaudited before)"), "{}", stdout(&list));
    let show = run(&log, &["audit", "show", "2"]);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&show)).unwrap();
    assert_eq!(shown["record"]["command"][2], "discover");
    let verify = run(&log, &["audit", "verify"]);
    assert!(verify.status.success() && stdout(&verify).contains("4 records, chain intact"), "{}", stdout(&verify));
    assert_eq!(AuditLog::open(&log).unwrap().list(0).unwrap().len(), 4);
}

#[test]
fn verify_names_the_first_tampered_record() {
    let dir = temp_dir("audit-tamper");
    let log = dir.join("audit.sqlite");
    let (sem, _) = small_data(&dir, &log);
    for _ in 0..4 {
        assert!(run(&log, &["graph", s(&sem)]).status.success());
    }
    AuditLog::open(&log)
        .unwrap()
        .execute_raw("UPDATE records SET body = replace(body, 'graph', 'grapH') WHERE id = 3")
        .unwrap();
    let o = run(&log, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("record 3") && stderr(&o).contains("changed"), "{}", stderr(&o));
    AuditLog::open(&log).unwrap().execute_raw("DELETE FROM records WHERE id = 2").unwrap();
    let o = run(&log, &["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["ok"].as_bool(), v["first_bad"]["id"].as_u64()), (Some(false), Some(2)), "{v}");
}

#[test]
fn foreign_or_broken_logs_stop_commands_with_a_clear_message() {
    let dir = temp_dir("audit-foreign");
    let text = write(&dir, "notes.txt", "not a database\n");
    let o = kausa(&["--audit", s(&text), "graph", s(&dir.join("x.json"))]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("notes.txt") && e.contains("not a kausa audit log") && e.contains("--no-audit"), "{e}");
    // --no-audit is the way out (with a warning that the run was not counted).
    let sem = write(&dir, "sem.json", r#"{"nodes":["a","b"],"edges":[{"from":"a","to":"b","type":"-->","weight":1}]}"#);
    let o = kausa(&["--audit", s(&text), "--no-audit", "graph", s(&sem)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning") && stderr(&o).contains("not counted"), "{}", stderr(&o));
    let o = kausa(&["--audit", s(&dir.join("none.sqlite")), "audit", "verify"]);
    assert!(stderr(&o).contains("no audit log here yet"), "{}", stderr(&o));
}

#[test]
fn sigkill_at_any_moment_leaves_a_verifiable_log() {
    let dir = temp_dir("audit-kill");
    let log = dir.join("audit.sqlite");
    let (sem, _) = small_data(&dir, &log);
    let out = dir.join("big.csv");
    let mut finished = 1; // small_data's sample
    for i in 0..30u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kausa"))
            .args(["--audit", s(&log), "sample", s(&sem), "--n", "200000", "--seed", &i.to_string(), "--out", s(&out)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill somewhere between start-up and the end of the run (about 60-150 ms here).
        std::thread::sleep(std::time::Duration::from_millis((i * 37) % 160));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        }
        let v = AuditLog::open(&log).unwrap().verify().unwrap();
        assert_eq!(v.first_bad, None, "after kill {i}");
    }
    let records = AuditLog::open(&log).unwrap().list(0).unwrap();
    // Every finished run is recorded; a killed run leaves a whole record or none.
    assert!(records.len() >= finished, "{} records, {finished} finished", records.len());
    assert!(records.iter().all(|r| r.record.outcome.status == "success"));
}

#[test]
fn concurrent_commands_lose_no_record() {
    let dir = temp_dir("audit-concurrent");
    let log = dir.join("audit.sqlite");
    let (sem, _) = small_data(&dir, &log);
    let children: Vec<_> = (0..12)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_kausa"))
                .args(["--audit", s(&log), "graph", s(&sem)])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let audit = AuditLog::open(&log).unwrap();
    assert_eq!(audit.verify().unwrap().first_bad, None);
    assert_eq!(audit.list(0).unwrap().len(), 13);
}

/// `kausa audit replay` reproduces discovery, fitting, estimation, model what-ifs
/// and supply-chain what-if runs byte for byte, recorded and replayed with one
/// thread or two; a changed file in an export folder is caught like a changed file.
#[test]
fn replays_reproduce_outputs_byte_for_byte() {
    let dir = temp_dir("audit-replay");
    let log = dir.join("audit.sqlite");
    let (sem, data) = small_data(&dir, &log);
    let truth = dir.join("truth.json");
    assert!(run(&log, &["graph", s(&sem), "--kind", "dag", "--out", s(&truth)]).status.success());
    let model = dir.join("m.kausa");
    let export = dir.join("export");
    assert!(run(&log, &["supply", "example", s(&export)]).status.success());
    let scenario = crate::util::repo_root().join("examples/pl-strike.toml");
    let mut commands: Vec<Vec<String>> = Vec::new();
    for t in ["1", "2"] {
        let own = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        commands.push(own(&[
            "discover",
            s(&data),
            "--alpha",
            "0.01",
            "--out",
            s(&dir.join(format!("g{t}.json"))),
            "--threads",
            t,
        ]));
        commands.push(own(&["fit", "--graph", s(&truth), "--data", s(&data), "--out", s(&model), "--threads", t]));
        commands.push(own(&[
            "estimate",
            "--graph",
            s(&truth),
            "--data",
            s(&data),
            "--treatment",
            "a",
            "--outcome",
            "c",
            "--bootstrap",
            "50",
            "--json",
            "--threads",
            t,
        ]));
        commands.push(own(&[
            "effect",
            s(&model),
            "--do",
            "a=1",
            "--target",
            "c",
            "--data",
            s(&data),
            "--bootstrap",
            "20",
            "--json",
            "--threads",
            t,
        ]));
        commands.push(own(&[
            "sample",
            s(&model),
            "--n",
            "20000",
            "--shift",
            "b*1.1",
            "--out",
            s(&dir.join(format!("w{t}.csv"))),
            "--threads",
            t,
        ]));
        commands.push(own(&["supply", "whatif", s(&export), s(&scenario), "--json", "--threads", t]));
    }
    let first = AuditLog::open(&log).unwrap().list(0).unwrap().len() as u64 + 1;
    for c in &commands {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        let o = run(&log, &args);
        assert!(o.status.success(), "{c:?}: {}", stderr(&o));
    }
    for (k, c) in commands.iter().enumerate() {
        let id = (first + k as u64).to_string();
        // Replay once as recorded and once with the other thread count.
        let other = if c.last().map(String::as_str) == Some("1") { "2" } else { "1" };
        for extra in [&[][..], &["--threads", other][..]] {
            let mut args = vec!["audit", "replay", id.as_str(), "--json"];
            args.extend_from_slice(extra);
            let o = run(&log, &args);
            assert!(o.status.success(), "replay {id} {extra:?} of {c:?}: {}", stderr(&o));
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(v["identical"], true, "{v}");
            assert!(!v["checks"].as_array().unwrap().is_empty());
        }
    }
    // A what-if record holds every file of the export folder; changing one blocks its replay.
    let whatif_id = first + 5;
    let record = AuditLog::open(&log).unwrap().get(whatif_id).unwrap().record;
    assert!(record.inputs.iter().any(|f| f.path.ends_with("sourcing.csv")), "{:?} {:?}", record.command, record.inputs);
    let sourcing = export.join("sourcing.csv");
    std::fs::write(&sourcing, std::fs::read_to_string(&sourcing).unwrap().replace(",1,", ",1.0,")).unwrap();
    let o = run(&log, &["audit", "replay", &whatif_id.to_string()]);
    assert!(stderr(&o).contains("sourcing.csv") && stderr(&o).contains("changed since record"), "{}", stderr(&o));
    // Changed inputs and failed records are refused with a reason.
    std::fs::write(&data, std::fs::read_to_string(&data).unwrap() + "1,2,3\n").unwrap();
    let o = run(&log, &["audit", "replay", &first.to_string()]);
    assert!(stderr(&o).contains("changed since record") && stderr(&o).contains("data.csv"), "{}", stderr(&o));
    assert!(!run(&log, &["discover", s(&dir.join("nope.csv"))]).status.success());
    let last = AuditLog::open(&log).unwrap().verify().unwrap().records;
    let o = run(&log, &["audit", "replay", &last.to_string()]);
    assert!(stderr(&o).contains("ended in an error"), "{}", stderr(&o));
    let o = run(&log, &["audit", "replay", "99999"]);
    assert!(stderr(&o).contains("no audit record 99999"), "{}", stderr(&o));
}

/// Without `--audit` or `$KAUSA_AUDIT`, the config file decides; without it, the user's data directory.
#[test]
fn the_log_location_follows_flag_environment_config_and_data_directory() {
    let dir = temp_dir("audit-where");
    let sem = write(&dir, "sem.json", r#"{"nodes":["a","b"],"edges":[{"from":"a","to":"b","type":"-->","weight":1}]}"#);
    let config_home = dir.join("config");
    std::fs::create_dir_all(config_home.join("kausa")).unwrap();
    let configured = dir.join("configured.sqlite");
    write(&config_home.join("kausa"), "config.toml", &format!("audit = {:?}\n", s(&configured)));
    let run_with = |config: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kausa"));
        c.args(["graph", s(&sem)]).env_remove("KAUSA_AUDIT").env("HOME", &dir).env("XDG_DATA_HOME", dir.join("data"));
        if config {
            c.env("XDG_CONFIG_HOME", &config_home);
        } else {
            c.env("XDG_CONFIG_HOME", dir.join("no-config"));
        }
        assert!(c.output().unwrap().status.success());
    };
    run_with(true);
    assert_eq!(AuditLog::open(&configured).unwrap().list(0).unwrap().len(), 1);
    run_with(false);
    let default = dir.join("data/kausa/audit.sqlite");
    assert_eq!(AuditLog::open(&default).unwrap().list(0).unwrap().len(), 1);
    // The flag wins over the environment variable.
    let flagged = dir.join("flag.sqlite");
    let o = Command::new(env!("CARGO_BIN_EXE_kausa"))
        .args(["--audit", s(&flagged), "graph", s(&sem)])
        .env("KAUSA_AUDIT", dir.join("env.sqlite"))
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(flagged.exists() && !dir.join("env.sqlite").exists());
}

/// Many processes starting on a log that does not exist yet create it once and all record.
#[test]
fn concurrent_first_use_creates_one_log() {
    let dir = temp_dir("audit-first");
    let log = dir.join("fresh.sqlite");
    let sem = write(&dir, "sem.json", r#"{"nodes":["a","b"],"edges":[{"from":"a","to":"b","type":"-->","weight":1}]}"#);
    let children: Vec<_> = (0..10)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_kausa"))
                .args(["--audit", s(&log), "graph", s(&sem)])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let audit = AuditLog::open(&log).unwrap();
    assert_eq!((audit.list(0).unwrap().len(), audit.verify().unwrap().first_bad), (10, None));
}
