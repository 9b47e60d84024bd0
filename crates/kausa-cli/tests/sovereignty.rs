//! Data never leave the machine: the commands work in a network namespace with
//! no usable interface, and under `strace` they open no internet socket at all.

use std::path::Path;
use std::process::Command;

use crate::util::{temp_dir, write};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A pipeline touching every kind of command: simulate, discover, fit, query, estimate, audit.
fn pipeline(dir: &Path) -> Vec<Vec<String>> {
    let sem = write(
        dir,
        "sem.json",
        r#"{"nodes":["a","b","c"],"edges":[{"from":"a","to":"b","type":"-->","weight":1.5},{"from":"b","to":"c","type":"-->","weight":-0.7}]}"#,
    );
    let (data, truth, model) = (dir.join("data.csv"), dir.join("truth.json"), dir.join("m.kausa"));
    let row = write(dir, "row.csv", "a,b,c\n3,5,-2\n");
    [
        vec!["sample", s(&sem), "--n", "400", "--out", s(&data)],
        vec!["graph", s(&sem), "--kind", "dag", "--out", s(&truth)],
        vec!["discover", s(&data), "--method", "pc"],
        vec!["discover", s(&data), "--method", "ges"],
        vec!["identify", "--graph", s(&truth), "--treatment", "a", "--outcome", "c"],
        vec!["estimate", "--graph", s(&truth), "--data", s(&data), "--treatment", "a", "--outcome", "c"],
        vec!["fit", "--graph", s(&truth), "--data", s(&data), "--out", s(&model)],
        vec!["effect", s(&model), "--do", "a=1", "--target", "c", "--data", s(&data), "--bootstrap", "10"],
        vec!["counterfactual", s(&model), "--rows", s(&row), "--do", "a=0"],
        vec!["attribute", "anomaly", s(&model), "--target", "c", "--rows", s(&row)],
        vec!["validate", s(&model), s(&data)],
        vec!["audit", "verify"],
    ]
    .iter()
    .map(|c| c.iter().map(|x| x.to_string()).collect())
    .collect()
}

/// Runs `wrapper… kausa args…`, or `None` when the wrapper itself cannot start.
fn wrapped(wrapper: &[&str], args: &[String], log: &Path) -> Option<std::process::Output> {
    let o = Command::new(wrapper[0])
        .args(&wrapper[1..])
        .arg(env!("CARGO_BIN_EXE_kausa"))
        .args(args)
        .env("KAUSA_AUDIT", log)
        .output()
        .ok()?;
    Some(o)
}

#[test]
fn every_command_works_without_a_network() {
    let dir = temp_dir("offline");
    let log = dir.join("audit.sqlite");
    // A fresh network namespace has only a loopback interface, and it is down.
    let wrapper = ["unshare", "-n"];
    let wrapper = if Command::new("unshare").args(["-n", "true"]).status().is_ok_and(|s| s.success()) {
        wrapper.to_vec()
    } else if Command::new("unshare").args(["-rn", "true"]).status().is_ok_and(|s| s.success()) {
        vec!["unshare", "-rn"]
    } else {
        eprintln!("skipped every_command_works_without_a_network: cannot create a network namespace (unshare -n)");
        return;
    };
    for args in pipeline(&dir) {
        let o = wrapped(&wrapper, &args, &log).expect("unshare runs");
        assert!(o.status.success(), "offline: kausa {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn no_command_opens_an_internet_socket() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped no_command_opens_an_internet_socket: strace is not installed");
        return;
    }
    let dir = temp_dir("strace");
    let log = dir.join("audit.sqlite");
    for (k, args) in pipeline(&dir).into_iter().enumerate() {
        let trace = dir.join(format!("trace{k}.txt"));
        let o = wrapped(&["strace", "-f", "-e", "trace=network", "-o", s(&trace)], &args, &log).expect("strace runs");
        assert!(o.status.success(), "kausa {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        let calls = std::fs::read_to_string(&trace).unwrap();
        let internet: Vec<&str> = calls.lines().filter(|l| l.contains("AF_INET") || l.contains("AF_NETLINK")).collect();
        assert!(internet.is_empty(), "kausa {args:?} touched the network:\n{}", internet.join("\n"));
    }
}
