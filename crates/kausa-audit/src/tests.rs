//! The chain detects every kind of tampering; bad files are refused by name.

use super::*;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kausa-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("audit.sqlite")
}

fn record(i: u64) -> Record {
    Record {
        time: rfc3339(1_764_408_600_000 + u128::from(i)),
        user: "tester".into(),
        host: "box".into(),
        kausa_version: "0.1.0".into(),
        command: vec!["discover".into(), format!("data{i}.csv")],
        cwd: "/work".into(),
        inputs: vec![FileHash {
            path: format!("data{i}.csv"),
            absolute: None,
            blake3: "ab".repeat(32),
            bytes: 10,
            kind: "data".into(),
        }],
        outputs: Vec::new(),
        result_blake3: None,
        seed: Some(i),
        rng: "xoshiro256++/splitmix64".into(),
        threads: None,
        duration_ms: 1.5,
        outcome: Outcome { status: "success".into(), exit_code: 0, error: None },
        unaudited_runs_before: 0,
    }
}

fn log_with(name: &str, n: u64) -> AuditLog {
    let mut log = AuditLog::open(&temp(name)).unwrap();
    for i in 1..=n {
        assert_eq!(log.append(&record(i)).unwrap(), i);
    }
    log
}

#[test]
fn a_clean_chain_verifies_and_reads_back() {
    let log = log_with("clean", 5);
    let v = log.verify().unwrap();
    assert_eq!((v.records, v.first_bad.clone()), (5, None));
    assert_eq!(v.head, log.get(5).unwrap().hash);
    assert_eq!(log.get(3).unwrap().record, record(3));
    assert_eq!(log.list(2).unwrap().iter().map(|s| s.id).collect::<Vec<_>>(), vec![4, 5]);
    assert_eq!(log.list(0).unwrap().len(), 5);
    assert!(matches!(log.get(9), Err(AuditError::NoRecord(9))));
    // Reopening keeps everything.
    let again = AuditLog::open(log.path()).unwrap();
    assert_eq!(again.verify().unwrap(), v);
}

#[test]
fn edits_deletions_and_reorderings_are_found() {
    let bad = |name: &str, sql: &str| -> (u64, String) {
        let log = log_with(name, 5);
        log.execute_raw(sql).unwrap();
        log.verify().unwrap().first_bad.unwrap_or_else(|| panic!("{name}: not detected"))
    };
    let (id, why) = bad("edit", "UPDATE records SET body = replace(body, 'data3.csv', 'other.csv') WHERE id = 3");
    assert_eq!((id, why.contains("changed")), (3, true), "{why}");
    // Editing the hash too breaks the link to the next record.
    let (id, _) =
        bad("edit-hash", "UPDATE records SET body = replace(body, 'data3.csv', 'other.csv'), hash = 'ff' WHERE id = 3");
    assert_eq!(id, 3);
    let (id, why) = bad("delete", "DELETE FROM records WHERE id = 2");
    assert_eq!((id, why.contains("missing")), (2, true), "{why}");
    let (id, why) = bad("delete-last", "DELETE FROM records WHERE id = 5");
    assert_eq!((id, why.contains("head")), (5, true), "{why}");
    let (id, _) = bad(
        "swap",
        "UPDATE records SET id = 100 WHERE id = 2; UPDATE records SET id = 2 WHERE id = 3; UPDATE records SET id = 3 WHERE id = 100;",
    );
    assert_eq!(id, 2);
    // Renumbering after a deletion does not hide it.
    let (id, _) = bad("renumber", "DELETE FROM records WHERE id = 2; UPDATE records SET id = id - 1 WHERE id > 2;");
    assert_eq!(id, 2);
}

#[test]
fn unaudited_runs_show_in_the_next_record() {
    let mut log = log_with("unaudited", 1);
    log.note_unaudited("2026-11-29T10:00:00.000Z").unwrap();
    log.note_unaudited("2026-11-29T10:01:00.000Z").unwrap();
    log.append(&record(2)).unwrap();
    log.append(&record(3)).unwrap();
    assert_eq!(log.get(2).unwrap().record.unaudited_runs_before, 2);
    assert_eq!(log.get(3).unwrap().record.unaudited_runs_before, 0);
    assert_eq!(log.verify().unwrap().first_bad, None);
}

#[test]
fn other_files_are_refused_by_name() {
    let path = temp("text");
    std::fs::write(&path, "hello, not a database\n").unwrap();
    let e = AuditLog::open(&path).err().unwrap().to_string();
    assert!(e.contains("audit.sqlite") && e.contains("not an SQLite database"), "{e}");
    let path = temp("other-db");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE orders (id INTEGER)").unwrap();
    }
    let e = AuditLog::open(&path).err().unwrap().to_string();
    assert!(e.contains("not a kausa audit log") && e.contains("orders"), "{e}");
    let log = log_with("version", 1);
    log.execute_raw("UPDATE kausa_audit_meta SET value = '9' WHERE key = 'version'").unwrap();
    let e = AuditLog::open(log.path()).err().unwrap().to_string();
    assert!(e.contains("schema version 9"), "{e}");
    // A damaged file (its header kept, the rest overwritten).
    let log = log_with("damaged", 3);
    let path = log.path().to_path_buf();
    drop(log);
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0x5a;
    }
    std::fs::write(&path, bytes).unwrap();
    let _ = std::fs::remove_file(path.with_extension("sqlite-wal"));
    match AuditLog::open(&path) {
        Err(e) => assert!(e.to_string().contains("audit.sqlite"), "{e}"),
        Ok(log) => assert!(log.verify().is_err() || log.verify().unwrap().first_bad.is_some()),
    }
}

#[test]
fn times_are_rfc3339_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
    assert_eq!(rfc3339(1_764_408_645_678), "2025-11-29T09:30:45.678Z");
}
