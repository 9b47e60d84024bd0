//! The audit log: one hash-chained record per `kausa` command, in an embedded
//! SQLite database.
//!
//! ```text
//!  kausa_audit_meta  format = kausa-audit, version = 1, head = hash of the last record, records = count
//!  records           id (1, 2, 3, … without gaps) · body (the record as JSON) · prev_hash · hash
//!                    hash = BLAKE3(prev_hash ‖ "\n" ‖ body); the first prev_hash is 64 zeros
//!  unaudited         how many commands ran with --no-audit since the last record
//! ```
//!
//! Each append is one `BEGIN IMMEDIATE` transaction in WAL mode with full
//! synchronisation: concurrent processes queue for the write lock, and a process
//! killed at any moment leaves either the whole record or none. [`AuditLog::verify`]
//! recomputes every hash and names the first record that was edited, deleted,
//! inserted or moved; the head in the meta table catches a deleted last record.
//! A consistent rewrite of the whole file cannot be detected from inside it:
//! anchor the head hash elsewhere (a report, a ticket) to close that gap.
//!
//! This crate touches the file system (the database); it is an edge crate like `kausa-io`.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// The `format` value of the meta table.
pub const FORMAT: &str = "kausa-audit";
/// The schema version this kausa writes and reads.
pub const VERSION: u32 = 1;
/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why the audit log cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The file is not an SQLite database, or not kausa's.
    #[error("{}: {message}", path.display())]
    NotAuditLog {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        message: String,
    },
    /// A database error.
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The folder of the log cannot be created.
    #[error("{}: {source}", path.display())]
    Io {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// No record with this id.
    #[error("no audit record {0}")]
    NoRecord(u64),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, AuditError>;

/// A file a command read or wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    /// The path as given on the command line.
    pub path: String,
    /// The absolute path, when it could be resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absolute: Option<String>,
    /// BLAKE3 of the bytes, hex.
    pub blake3: String,
    /// Size in bytes.
    pub bytes: u64,
    /// `model` for a kausa model file, `data` otherwise.
    pub kind: String,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// `success` or `error`.
    pub status: String,
    /// The process exit code.
    pub exit_code: i32,
    /// The error message, for an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One command, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Start time, UTC, RFC 3339 with milliseconds.
    pub time: String,
    /// The operating-system user.
    pub user: String,
    /// The machine.
    pub host: String,
    /// The kausa version.
    pub kausa_version: String,
    /// The arguments after the program name.
    pub command: Vec<String>,
    /// The working directory.
    pub cwd: String,
    /// Files read (their content before the command ran).
    pub inputs: Vec<FileHash>,
    /// Files written.
    pub outputs: Vec<FileHash>,
    /// BLAKE3 of the `--json` result the command printed, timings removed (see `kausa audit replay`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_blake3: Option<String>,
    /// The seed given on the command line (`None`: the command's default).
    pub seed: Option<u64>,
    /// The random generator.
    pub rng: String,
    /// Worker threads asked for (`None`: all cores).
    pub threads: Option<usize>,
    /// Wall-clock duration.
    pub duration_ms: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// Commands run with `--no-audit` since the previous record (set by [`AuditLog::append`]).
    #[serde(default)]
    pub unaudited_runs_before: u64,
}

/// A record as stored: its id and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// 1-based position in the chain.
    pub id: u64,
    /// The record.
    pub record: Record,
    /// The previous record's hash.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// The result of [`AuditLog::verify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Records checked.
    pub records: u64,
    /// The hash of the last record (the head to anchor elsewhere).
    pub head: String,
    /// The first bad record's id (or the position where one is missing) and what is wrong.
    pub first_bad: Option<(u64, String)>,
}

/// An open audit log.
pub struct AuditLog {
    path: PathBuf,
    conn: Connection,
}

fn chain_hash(prev: &str, body: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    h.finalize().to_hex().to_string()
}

impl AuditLog {
    /// Opens the log at `path`, creating it (and its folder) when absent. A file
    /// that is not SQLite, or an SQLite database that is not a kausa audit log (or
    /// of another schema version), is an error that says so.
    pub fn open(path: &Path) -> Result<AuditLog> {
        let sql = |source| AuditError::Sqlite { path: path.to_path_buf(), source };
        let not_log = |message: &str| AuditError::NotAuditLog { path: path.to_path_buf(), message: message.into() };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| AuditError::Io { path: dir.to_path_buf(), source })?;
        }
        if let Ok(meta) = std::fs::metadata(path)
            && meta.len() > 0
        {
            let mut head = [0u8; 16];
            use std::io::Read;
            let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
            if &head[..n.min(16)] != b"SQLite format 3\0" {
                return Err(not_log("not a kausa audit log (not an SQLite database)"));
            }
        }
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(sql)?;
        // Switching to WAL needs a moment of exclusive access, which SQLite reports as
        // busy without waiting when another process is creating the same log: retry.
        let mut tries = 0;
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::NotADatabase => {
                    return Err(not_log("not a kausa audit log (the file is damaged or not an SQLite database)"));
                }
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::DatabaseBusy && tries < 300 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(sql(e)),
            }
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
        let log = AuditLog { path: path.to_path_buf(), conn };
        log.init()?;
        Ok(log)
    }

    fn sql(&self, source: rusqlite::Error) -> AuditError {
        AuditError::Sqlite { path: self.path.clone(), source }
    }

    fn init(&self) -> Result<()> {
        let tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.sql(e))?;
        let not_log = |message: String| AuditError::NotAuditLog { path: self.path.clone(), message };
        if tables.is_empty() {
            // Another process may be creating it now: take the write lock, then look again.
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
                .map_err(|e| self.sql(e))?;
            let exists: bool = tx
                .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'kausa_audit_meta'", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(|e| self.sql(e))?
                > 0;
            if exists {
                tx.commit().map_err(|e| self.sql(e))?;
                return self.init();
            }
            tx.execute_batch(
                "CREATE TABLE kausa_audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE records (id INTEGER PRIMARY KEY, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
                 CREATE TABLE unaudited (id INTEGER PRIMARY KEY CHECK (id = 1), runs INTEGER NOT NULL, last_time TEXT);",
            )
            .map_err(|e| self.sql(e))?;
            for (k, v) in [
                ("format", FORMAT.to_string()),
                ("version", VERSION.to_string()),
                ("head", GENESIS.into()),
                ("records", "0".into()),
            ] {
                tx.execute("INSERT INTO kausa_audit_meta (key, value) VALUES (?1, ?2)", params![k, v])
                    .map_err(|e| self.sql(e))?;
            }
            tx.commit().map_err(|e| self.sql(e))?;
            return Ok(());
        }
        if !tables.iter().any(|t| t == "kausa_audit_meta") {
            return Err(not_log(format!(
                "an SQLite database, but not a kausa audit log (its tables: {})",
                tables.join(", ")
            )));
        }
        let format = self.meta("format")?;
        if format.as_deref() != Some(FORMAT) {
            return Err(not_log("an SQLite database, but not a kausa audit log".into()));
        }
        let version = self.meta("version")?;
        if version.as_deref() != Some(&VERSION.to_string()) {
            return Err(not_log(format!(
                "audit log schema version {} (this kausa reads version {VERSION})",
                version.unwrap_or_else(|| "unknown".into())
            )));
        }
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM kausa_audit_meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` (its `unaudited_runs_before` set from the counter, which is
    /// reset) as one transaction, and returns its id.
    pub fn append(&mut self, record: &Record) -> Result<u64> {
        let path = self.path.clone();
        let sql = |source| AuditError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
        let last: Option<(i64, String)> = tx
            .query_row("SELECT id, hash FROM records ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql)?;
        let unaudited: i64 = tx
            .query_row("SELECT runs FROM unaudited WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(sql)?
            .unwrap_or(0);
        let mut record = record.clone();
        record.unaudited_runs_before = unaudited.max(0) as u64;
        let body = serde_json::to_string(&record).expect("a record serialises");
        let (id, prev) = match last {
            Some((id, hash)) => (id + 1, hash),
            None => (1i64, GENESIS.to_string()),
        };
        let hash = chain_hash(&prev, &body);
        tx.execute(
            "INSERT INTO records (id, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4)",
            params![id, body, prev, hash],
        )
        .map_err(sql)?;
        tx.execute("UPDATE kausa_audit_meta SET value = ?1 WHERE key = 'head'", [&hash]).map_err(sql)?;
        tx.execute("UPDATE kausa_audit_meta SET value = ?1 WHERE key = 'records'", [id.to_string()]).map_err(sql)?;
        tx.execute("DELETE FROM unaudited", []).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id as u64)
    }

    /// Counts one command run with `--no-audit`; the next record shows the count.
    pub fn note_unaudited(&mut self, time: &str) -> Result<()> {
        let path = self.path.clone();
        let sql = |source| AuditError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
        tx.execute(
            "INSERT INTO unaudited (id, runs, last_time) VALUES (1, 1, ?1)
             ON CONFLICT(id) DO UPDATE SET runs = runs + 1, last_time = ?1",
            [time],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// Recomputes the chain and names the first bad record.
    pub fn verify(&self) -> Result<Verification> {
        let mut stmt =
            self.conn.prepare("SELECT id, body, prev_hash, hash FROM records ORDER BY id").map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })
            .map_err(|e| self.sql(e))?;
        let mut prev = GENESIS.to_string();
        let mut expected_id = 1u64;
        let mut count = 0u64;
        let mut first_bad = None;
        for row in rows {
            let (id, body, prev_hash, hash) = row.map_err(|e| self.sql(e))?;
            count += 1;
            if first_bad.is_some() {
                continue;
            }
            let id = id.max(0) as u64;
            if id != expected_id {
                first_bad = Some((expected_id, format!("record {expected_id} is missing (the next one is {id})")));
            } else if prev_hash != prev {
                first_bad = Some((
                    id,
                    "it does not follow the record before it (deleted, inserted or reordered records)".into(),
                ));
            } else if chain_hash(&prev_hash, &body) != hash {
                first_bad = Some((id, "its content was changed after it was written".into()));
            } else if serde_json::from_str::<Record>(&body).is_err() {
                first_bad = Some((id, "its content is not a valid record".into()));
            }
            prev = hash;
            expected_id = id + 1;
        }
        let head = self.meta("head")?.unwrap_or_default();
        if first_bad.is_none() && head != prev {
            first_bad = Some((
                expected_id,
                "the log's head does not match its last record (the last records were deleted)".into(),
            ));
        }
        Ok(Verification { records: count, head: prev, first_bad })
    }

    /// The last `n` records (all when `n` is 0), oldest first.
    pub fn list(&self, n: usize) -> Result<Vec<Stored>> {
        let limit = if n == 0 { -1 } else { n as i64 };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, body, prev_hash, hash FROM (SELECT * FROM records ORDER BY id DESC LIMIT ?1) ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, prev_hash, hash) = row.map_err(|e| self.sql(e))?;
            let record = serde_json::from_str(&body).map_err(|e| AuditError::NotAuditLog {
                path: self.path.clone(),
                message: format!("record {id} is not a valid record ({e}); run `kausa audit verify`"),
            })?;
            out.push(Stored { id: id as u64, record, prev_hash, hash });
        }
        Ok(out)
    }

    /// Record `id`.
    pub fn get(&self, id: u64) -> Result<Stored> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row("SELECT body, prev_hash, hash FROM records WHERE id = ?1", [id as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(|e| self.sql(e))?;
        let (body, prev_hash, hash) = row.ok_or(AuditError::NoRecord(id))?;
        let record = serde_json::from_str(&body).map_err(|e| AuditError::NotAuditLog {
            path: self.path.clone(),
            message: format!("record {id} is not a valid record ({e}); run `kausa audit verify`"),
        })?;
        Ok(Stored { id, record, prev_hash, hash })
    }

    /// Runs raw SQL on the log (for tests that tamper with it).
    #[doc(hidden)]
    pub fn execute_raw(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(|e| self.sql(e))
    }
}

/// UTC time `unix_ms` (milliseconds since 1970) as RFC 3339, e.g. `2026-11-29T09:30:00.123Z`.
pub fn rfc3339(unix_ms: u128) -> String {
    let secs = (unix_ms / 1000) as i64;
    let ms = (unix_ms % 1000) as u32;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

#[cfg(test)]
mod tests;
