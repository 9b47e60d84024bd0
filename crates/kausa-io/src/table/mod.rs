//! Reading a data table: CSV (plain or gzip) and Parquet into a [`Dataset`].
//!
//! Both formats first produce a [`RawTable`] (numbers or labels per column, which
//! rows have a missing value and where the first one is); [`finish`] then applies
//! the missing-value policy, settles each column's kind and checks for constant
//! columns, so the two formats follow one set of rules.

mod delimited;
mod parquet_file;

use std::path::Path;

use kausa_core::{Column, Dataset, DatasetError, Par};

use crate::{Error, Result};

/// What to do with missing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Refuse the file, naming the first missing value.
    #[default]
    Error,
    /// Drop every row with a missing value.
    DropRows,
}

/// How to read a table.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Field delimiter of a text file; detected from the header when `None`.
    pub delimiter: Option<u8>,
    /// Numbers use a decimal comma (`3,14`), as in German exports.
    pub decimal_comma: bool,
    /// Columns forced to be discrete.
    pub discrete: Vec<String>,
    /// Columns forced to be continuous.
    pub continuous: Vec<String>,
    /// Columns left out (identifiers, time stamps, free text).
    pub ignore: Vec<String>,
    /// When given, only these columns are read (each must exist), with those of
    /// `also` that exist; the rest are left out as if ignored.
    pub only: Option<Vec<String>>,
    /// With `only`: columns read when the file has them.
    pub also: Vec<String>,
    /// Accept constant columns (rows to be scored or explained, not data to learn from).
    pub allow_constant: bool,
    /// Missing-value policy.
    pub missing: Missing,
    /// A numeric column whose values are all integers with at most this many
    /// distinct values is inferred discrete (default 10 when `None`).
    pub max_discrete_levels: Option<usize>,
    /// Threads for parsing large text files; the result does not depend on it.
    pub par: Par,
}

/// The file format a table was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text, with the delimiter used.
    Csv {
        /// The field delimiter.
        delimiter: u8,
    },
    /// Apache Parquet.
    Parquet,
}

/// A table read from a file: the data and how it was read.
#[derive(Debug, Clone)]
pub struct Table {
    /// The data.
    pub data: Dataset,
    /// The format detected.
    pub format: Format,
    /// Rows dropped for missing values.
    pub dropped_rows: usize,
}

/// Where a cell is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum At {
    /// A 1-based line of a text file.
    Line(u64),
    /// A 1-based data row of a columnar file.
    Row(usize),
}

/// One column as read, before its kind is settled.
#[derive(Debug)]
pub(crate) enum RawData {
    /// Numbers; a missing cell holds NaN.
    Numbers(Vec<f64>),
    /// Text labels; a missing cell holds an empty string.
    Labels(Vec<String>),
}

/// A table as read, before the missing-value policy and kind inference.
#[derive(Debug)]
pub(crate) struct RawTable {
    pub(crate) names: Vec<String>,
    /// Each column's 0-based position in the file (ignored columns count).
    pub(crate) positions: Vec<usize>,
    pub(crate) columns: Vec<RawData>,
    pub(crate) rows: usize,
    /// Rows with a missing value, ascending.
    pub(crate) missing_rows: Vec<usize>,
    /// The first missing value: where, which column (index into `columns`), and how to show it
    /// (`"NA"`, `an empty cell`, `null`).
    pub(crate) first_missing: Option<(At, usize, String)>,
}

/// Cell texts treated as missing values (`NaN` included: pandas writes it for missing).
pub(crate) fn is_missing(s: &str) -> bool {
    matches!(s, "" | "NA" | "N/A" | "NaN" | "nan" | "NAN" | "null" | "NULL" | "?" | "#N/A")
}

/// `"x" (column 3)`: how messages name a column.
pub(crate) fn column_label(name: &str, j: usize) -> String {
    format!("{name:?} (column {})", j + 1)
}

/// The error for a bad cell, placed by line (text) or row (columnar).
pub(crate) fn cell_error(path: &Path, at: At, column: String, message: String) -> Error {
    match at {
        At::Line(line) => Error::Parse { path: path.into(), line, column: Some(column), message },
        At::Row(row) => Error::Cell { path: path.into(), row, column, message },
    }
}

impl ReadOptions {
    /// Whether the column called `name` is read.
    pub(crate) fn keeps(&self, name: &str) -> bool {
        !self.ignore.iter().any(|i| i == name)
            && self.only.as_ref().is_none_or(|o| o.iter().chain(&self.also).any(|c| c == name))
    }
}

/// Checks that every column named in the options exists; `names` are the file's columns.
pub(crate) fn check_named_columns(path: &Path, names: &[String], opts: &ReadOptions) -> Result<()> {
    for (flag, list) in [("--discrete", &opts.discrete), ("--continuous", &opts.continuous), ("--ignore", &opts.ignore)]
    {
        for wanted in list {
            if !names.contains(wanted) {
                return Err(Error::invalid(
                    path,
                    format!("column {wanted:?} named by {flag} is not in the file's columns"),
                ));
            }
        }
    }
    for wanted in opts.only.iter().flatten() {
        if !names.contains(wanted) {
            return Err(Error::invalid(path, format!("no column {wanted:?}, which is needed here")));
        }
    }
    if let Some(both) = opts.discrete.iter().find(|d| opts.continuous.contains(d)) {
        return Err(Error::invalid(path, format!("column {both:?} is named by both --discrete and --continuous")));
    }
    Ok(())
}

/// Checks column names: none empty, none repeated.
pub(crate) fn check_names(path: &Path, names: &[String], at: At) -> Result<()> {
    let fail = |message: String| match at {
        At::Line(line) => Error::Parse { path: path.into(), line, column: None, message },
        At::Row(_) => Error::invalid(path, message),
    };
    for (j, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(fail(format!("column {} has an empty name", j + 1)));
        }
        if let Some(first) = names[..j].iter().position(|n| n == name) {
            return Err(fail(format!("duplicate column name {name:?} (columns {} and {})", first + 1, j + 1)));
        }
    }
    Ok(())
}

/// Reads a table: Parquet when the file starts with Parquet's magic bytes,
/// delimited text (optionally gzip-compressed) with a header row otherwise.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let bytes = read_file(path, opts.par).map_err(|e| Error::io(path, e))?;
    let is_parquet_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let (raw, format) = if bytes.starts_with(b"PAR1") {
        (parquet_file::read(path, bytes, opts)?, Format::Parquet)
    } else if is_parquet_name && !bytes.is_empty() {
        return Err(Error::invalid(path, "the file is named .parquet but does not start with Parquet's magic bytes"));
    } else {
        let (raw, delimiter) = delimited::read(path, bytes, opts)?;
        (raw, Format::Csv { delimiter })
    };
    let dropped_rows = if opts.missing == Missing::DropRows { raw.missing_rows.len() } else { 0 };
    let data = finish(path, raw, opts)?;
    Ok(Table { data, format, dropped_rows })
}

/// Reads a whole file; large files are read in parallel pieces (the copy from the
/// page cache and the page faults of the buffer then share the threads).
fn read_file(path: &Path, par: Par) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    if let Par::Threads(t) = par {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len() as usize;
        if len >= 8 << 20 {
            let mut buf = vec![0u8; len];
            let piece = len.div_ceil(t.get());
            let results: Vec<std::io::Result<()>> = std::thread::scope(|scope| {
                let handles: Vec<_> = buf
                    .chunks_mut(piece)
                    .enumerate()
                    .map(|(k, chunk)| {
                        let file = &file;
                        scope.spawn(move || file.read_exact_at(chunk, (k * piece) as u64))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(std::io::Error::other("reader thread failed"))))
                    .collect()
            });
            results.into_iter().collect::<std::io::Result<()>>()?;
            return Ok(buf);
        }
    }
    let _ = par;
    std::fs::read(path)
}

/// Whether a column of numbers looks discrete: integers with at most `max_levels` distinct values.
fn looks_discrete(values: &[f64], max_levels: usize) -> bool {
    let mut seen: Vec<f64> = Vec::with_capacity(max_levels + 1);
    for &v in values {
        if v.fract() != 0.0 {
            return false;
        }
        if !seen.contains(&v) {
            if seen.len() == max_levels {
                return false;
            }
            seen.push(v);
        }
    }
    true
}

/// The largest magnitude kausa computes with: squares and products of values up to 1e100
/// stay finite in every statistic (a column of 1e200 made least squares overflow).
const LARGEST: f64 = 1e100;

/// The message for a value beyond [`LARGEST`] (or infinite), if it is.
pub(crate) fn out_of_range(v: f64, cell: &str) -> Option<String> {
    if v.abs() <= LARGEST {
        None
    } else if v.is_infinite() {
        Some(format!("infinite value {cell:?}"))
    } else {
        Some(format!(
            "value {cell:?} is beyond the magnitudes kausa computes with (up to 1e100): change the column's unit"
        ))
    }
}

/// Applies the missing-value policy, settles column kinds and refuses constant columns.
fn finish(path: &Path, raw: RawTable, opts: &ReadOptions) -> Result<Dataset> {
    if raw.rows == 0 {
        return Err(Error::NoRows { path: path.into() });
    }
    if let Some((at, j, shown)) = &raw.first_missing
        && opts.missing == Missing::Error
    {
        return Err(cell_error(
            path,
            *at,
            column_label(&raw.names[*j], raw.positions[*j]),
            format!("missing value ({shown}); use --missing drop-rows to drop rows with missing values"),
        ));
    }
    if raw.missing_rows.len() == raw.rows {
        return Err(Error::invalid(path, "every row has a missing value"));
    }
    let keep: Option<Vec<usize>> = (!raw.missing_rows.is_empty()).then(|| {
        let mut missing = raw.missing_rows.iter().peekable();
        (0..raw.rows)
            .filter(|i| {
                if missing.peek() == Some(&i) {
                    missing.next();
                    false
                } else {
                    true
                }
            })
            .collect()
    });
    let max_levels = opts.max_discrete_levels.unwrap_or(10);
    let mut columns = Vec::with_capacity(raw.columns.len());
    for ((name, data), &position) in raw.names.into_iter().zip(raw.columns).zip(&raw.positions) {
        let label = column_label(&name, position);
        let force_discrete = opts.discrete.contains(&name);
        let force_continuous = opts.continuous.contains(&name);
        let column = match data {
            RawData::Labels(labels) => {
                let kept: Vec<&str> = match &keep {
                    Some(keep) => keep.iter().map(|&i| labels[i].as_str()).collect(),
                    None => labels.iter().map(String::as_str).collect(),
                };
                Column::discrete_from_labels(name, &kept)
            }
            RawData::Numbers(values) => {
                let values = match &keep {
                    Some(keep) => keep.iter().map(|&i| values[i]).collect(),
                    None => values,
                };
                if force_discrete || (!force_continuous && looks_discrete(&values, max_levels)) {
                    Column::discrete_from_values(name, &values)
                } else {
                    Column::Continuous { name, values }
                }
            }
        };
        // A column of only tiny values (1e-200) would look constant once squared. Rows to be
        // scored or explained (`allow_constant`) feed no statistic and are left alone.
        if let Column::Continuous { values, .. } = &column
            && !opts.allow_constant
        {
            let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if largest > 0.0 && largest < 1.0 / LARGEST {
                return Err(Error::invalid(
                    path,
                    format!(
                        "column {label} has only values below 1e-100 in magnitude (the largest is {largest:e}): change its unit"
                    ),
                ));
            }
        }
        if column.is_constant() && !opts.allow_constant {
            let first = match &column {
                Column::Continuous { values, .. } => format!("{}", values[0]),
                Column::Discrete { levels, .. } => levels[0].clone(),
            };
            return Err(Error::invalid(
                path,
                format!("column {label} is constant (every row is {first}): it carries no information"),
            ));
        }
        columns.push(column);
    }
    if columns.is_empty() {
        return Err(Error::invalid(path, "no columns are left to analyse"));
    }
    Dataset::new(columns).map_err(|e| match e {
        DatasetError::NoRows => Error::NoRows { path: path.into() },
        other => Error::invalid(path, other.to_string()),
    })
}

#[cfg(test)]
mod tests;
