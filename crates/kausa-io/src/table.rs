use std::io::Read;
use std::path::{Path, PathBuf};

use kausa_core::{Column, Dataset, DatasetError};

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
    /// Field delimiter; detected from the header when `None`.
    pub delimiter: Option<u8>,
    /// Numbers use a decimal comma (`3,14`), as in German exports.
    pub decimal_comma: bool,
    /// Columns forced to be discrete.
    pub discrete: Vec<String>,
    /// Columns forced to be continuous.
    pub continuous: Vec<String>,
    /// Missing-value policy.
    pub missing: Missing,
    /// A numeric column whose values are all integers with at most this many
    /// distinct values is inferred discrete (default 10 when `None`).
    pub max_discrete_levels: Option<usize>,
}

/// A table read from a file: the data and how it was read.
#[derive(Debug, Clone)]
pub struct Table {
    /// The data.
    pub data: Dataset,
    /// The delimiter used.
    pub delimiter: u8,
    /// Rows dropped for missing values.
    pub dropped_rows: usize,
}

/// Cell texts treated as missing values (`NaN` included: pandas writes it for missing).
fn is_missing(s: &str) -> bool {
    matches!(s, "" | "NA" | "N/A" | "NaN" | "nan" | "NAN" | "null" | "NULL" | "?" | "#N/A")
}

fn parse_number(s: &str, decimal_comma: bool) -> Option<f64> {
    if decimal_comma && s.contains(',') { s.replace('.', "").replace(',', ".").parse().ok() } else { s.parse().ok() }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut raw)).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::invalid(path, format!("cannot decompress gzip data: {e}")))?;
        return Ok(out);
    }
    Ok(raw)
}

fn detect_delimiter(header: &str, decimal_comma: bool) -> u8 {
    let count = |c: char| header.matches(c).count();
    let mut best = (0usize, b',');
    for (c, b) in [(';', b';'), ('\t', b'\t'), (',', b',')] {
        if decimal_comma && c == ',' {
            continue;
        }
        if count(c) > best.0 {
            best = (count(c), b);
        }
    }
    if best.0 == 0 && header.trim().contains(' ') {
        return b' ';
    }
    if best.0 == 0 && decimal_comma {
        return b';';
    }
    best.1
}

struct ColumnBuf {
    name: String,
    numbers: Vec<f64>,
    /// Raw labels, kept for discrete or text columns.
    labels: Option<Vec<String>>,
    force_discrete: bool,
    force_continuous: bool,
}

/// Reads a delimited text file (optionally gzip-compressed) with a header row.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let bytes = read_bytes(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        Error::Parse { path: path.into(), line, column: None, message: "the file is not valid UTF-8 text".into() }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Error::Empty { path: path.into() });
    }
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(header_line, opts.decimal_comma));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let parse_err = |line: u64, column: Option<String>, message: String| Error::Parse {
        path: PathBuf::from(path),
        line,
        column,
        message,
    };
    let headers = reader.headers().map_err(|e| parse_err(1, None, e.to_string()))?.clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim_matches('"').to_string()).collect();
    for (j, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(parse_err(1, Some(format!("{}", j + 1)), "the header has an empty column name".into()));
        }
        if let Some(first) = names[..j].iter().position(|n| n == name) {
            return Err(parse_err(
                1,
                None,
                format!("duplicate column name {name:?} (columns {} and {})", first + 1, j + 1),
            ));
        }
    }
    for wanted in opts.discrete.iter().chain(&opts.continuous) {
        if !names.contains(wanted) {
            return Err(Error::invalid(
                path,
                format!("column {wanted:?} named on the command line is not in the header"),
            ));
        }
    }
    let mut cols: Vec<ColumnBuf> = names
        .iter()
        .map(|n| ColumnBuf {
            name: n.clone(),
            numbers: Vec::new(),
            labels: opts.discrete.contains(n).then(Vec::new),
            force_discrete: opts.discrete.contains(n),
            force_continuous: opts.continuous.contains(n),
        })
        .collect();
    let col_label = |j: usize| format!("{:?} (column {})", names[j], j + 1);
    let mut drop = vec![];
    let mut first_missing: Option<(u64, usize, String)> = None;
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(parse_err(line, None, e.to_string()));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record.get(0) == Some("") {
            continue; // blank line
        }
        if record.len() != names.len() {
            return Err(parse_err(
                line,
                None,
                format!("the row has {} fields but the header has {}", record.len(), names.len()),
            ));
        }
        let mut row_missing = false;
        for (j, cell) in record.iter().enumerate() {
            let cell = cell.trim_matches('"');
            let c = &mut cols[j];
            if is_missing(cell) {
                row_missing = true;
                if first_missing.is_none() {
                    first_missing = Some((line, j, cell.to_string()));
                }
                c.numbers.push(0.0);
                if let Some(l) = c.labels.as_mut() {
                    l.push(String::new());
                }
                continue;
            }
            if let Some(labels) = c.labels.as_mut() {
                labels.push(cell.to_string());
                if !c.force_discrete {
                    c.numbers.push(0.0);
                }
                continue;
            }
            match parse_number(cell, opts.decimal_comma) {
                Some(v) if v.is_finite() => c.numbers.push(v),
                Some(_) => {
                    return Err(parse_err(line, Some(col_label(j)), format!("infinite value {cell:?}")));
                }
                None if c.numbers.is_empty() && !c.force_continuous => {
                    // The first value is text: a categorical column.
                    c.labels = Some(vec![String::new(); row]);
                    c.labels.as_mut().expect("just set").push(cell.to_string());
                    c.numbers.push(0.0);
                }
                None => {
                    let hint =
                        if !opts.decimal_comma && cell.contains(',') && cell.replace(',', ".").parse::<f64>().is_ok() {
                            " (numbers with a decimal comma need --decimal ,)"
                        } else {
                            ""
                        };
                    return Err(parse_err(
                        line,
                        Some(col_label(j)),
                        format!("text {cell:?} in a numeric column{hint}"),
                    ));
                }
            }
        }
        if row_missing {
            drop.push(row);
        }
        row += 1;
    }
    if row == 0 {
        return Err(Error::NoRows { path: path.into() });
    }
    if let Some((line, j, cell)) = &first_missing
        && opts.missing == Missing::Error
    {
        let shown = if cell.is_empty() { "an empty cell".to_string() } else { format!("{cell:?}") };
        return Err(parse_err(
            *line,
            Some(col_label(*j)),
            format!("missing value ({shown}); use --missing drop-rows to drop rows with missing values"),
        ));
    }
    let keep: Vec<usize> = {
        let mut d = drop.iter().peekable();
        (0..row)
            .filter(|i| {
                if d.peek() == Some(&i) {
                    d.next();
                    false
                } else {
                    true
                }
            })
            .collect()
    };
    if keep.is_empty() {
        return Err(Error::invalid(path, "every row has a missing value"));
    }
    let max_levels = opts.max_discrete_levels.unwrap_or(10);
    let mut columns = Vec::with_capacity(cols.len());
    for (j, c) in cols.into_iter().enumerate() {
        let column = match c.labels {
            Some(labels) => {
                let kept: Vec<&str> = keep.iter().map(|&i| labels[i].as_str()).collect();
                Column::discrete_from_labels(c.name, &kept)
            }
            None => {
                let values: Vec<f64> = keep.iter().map(|&i| c.numbers[i]).collect();
                let discrete = !c.force_continuous && values.iter().all(|v| v.fract() == 0.0) && {
                    let mut d = values.clone();
                    d.sort_by(f64::total_cmp);
                    d.dedup();
                    d.len() <= max_levels
                };
                if discrete || c.force_discrete {
                    Column::discrete_from_values(c.name, &values)
                } else {
                    Column::Continuous { name: c.name, values }
                }
            }
        };
        if column.cardinality() < 2 {
            let first = match &column {
                Column::Continuous { values, .. } => format!("{}", values[0]),
                Column::Discrete { levels, .. } => levels[0].clone(),
            };
            return Err(Error::invalid(
                path,
                format!("column {} is constant (every row is {first}): it carries no information", col_label(j)),
            ));
        }
        columns.push(column);
    }
    let data = Dataset::new(columns).map_err(|e| match e {
        DatasetError::NoRows => Error::NoRows { path: path.into() },
        other => Error::invalid(path, other.to_string()),
    })?;
    Ok(Table { data, delimiter, dropped_rows: drop.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::ColumnKind;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kausa-io-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn err(name: &str, text: &str, opts: &ReadOptions) -> String {
        read_table(&write(name, text), opts).unwrap_err().to_string()
    }

    #[test]
    fn reads_comma_semicolon_tab_and_decimal_comma() {
        let o = ReadOptions::default();
        let t = read_table(&write("a.csv", "x,y\n1.5,2\n2.5,3\n3.5,1\n"), &o).unwrap();
        assert_eq!(t.delimiter, b',');
        assert_eq!(t.data.names(), vec!["x", "y"]);
        assert_eq!(t.data.column(0).kind(), ColumnKind::Continuous);
        assert_eq!(t.data.column(1).kind(), ColumnKind::Discrete);
        let t = read_table(&write("b.csv", "x;y\n1.5;2.25\n2.5;3.5\n"), &o).unwrap();
        assert_eq!(t.delimiter, b';');
        let t = read_table(&write("c.tsv", "x\ty\n1\t2.5\n2\t3.5\n"), &o).unwrap();
        assert_eq!(t.delimiter, b'\t');
        let de = ReadOptions { decimal_comma: true, ..ReadOptions::default() };
        let t = read_table(&write("d.csv", "x;y\n1,5;1.000,25\n2,5;3,5\n"), &de).unwrap();
        assert_eq!(t.data.column(0).to_f64().unwrap(), vec![1.5, 2.5]);
        assert_eq!(t.data.column(1).to_f64().unwrap(), vec![1000.25, 3.5]);
        let t = read_table(&write("e.txt", "a b\n1 2\n2 1\n"), &o).unwrap();
        assert_eq!(t.delimiter, b' ');
    }

    #[test]
    fn kinds_can_be_overridden_and_text_is_categorical() {
        let o = ReadOptions { continuous: vec!["y".into()], discrete: vec!["x".into()], ..ReadOptions::default() };
        let t = read_table(&write("k.csv", "x,y,z\n1.5,2,a\n2.5,3,b\n1.5,1,a\n"), &o).unwrap();
        assert_eq!(t.data.column(0).kind(), ColumnKind::Discrete);
        assert_eq!(t.data.column(1).kind(), ColumnKind::Continuous);
        assert_eq!(t.data.column(2).kind(), ColumnKind::Discrete);
        let o = ReadOptions { discrete: vec!["nope".into()], ..ReadOptions::default() };
        assert!(err("k2.csv", "x\n1\n2\n", &o).contains("\"nope\" named on the command line"));
    }

    #[test]
    fn bad_input_is_named_with_line_and_column() {
        let o = ReadOptions::default();
        let m = read_table(Path::new("/no/such/file.csv"), &o).unwrap_err().to_string();
        assert!(m.starts_with("/no/such/file.csv: "), "{m}");
        assert!(err("empty.csv", "", &o).ends_with("the file is empty"));
        assert!(err("header.csv", "x,y\n", &o).ends_with("header but no data rows"));
        let m = err("ragged.csv", "x,y\n1,2\n3\n", &o);
        assert!(m.contains("ragged.csv:3: the row has 1 fields but the header has 2"), "{m}");
        let m = err("text.csv", "x,y\n1.5,2.5\n2.5,abc\n", &o);
        assert!(m.contains("text.csv:3: column \"y\" (column 2): text \"abc\" in a numeric column"), "{m}");
        let m = err("comma.csv", "x;y\n1.5;2.5\n2.5;3,5\n", &o);
        assert!(m.contains("--decimal ,"), "{m}");
        let m = err("nan.csv", "x,y\n1.5,2.5\n2.5,NaN\n", &o);
        assert!(m.contains("nan.csv:3: column \"y\" (column 2): missing value (\"NaN\")"), "{m}");
        let m = err("inf.csv", "x,y\n1.5,inf\n2.5,1\n", &o);
        assert!(m.contains("inf.csv:2: column \"y\" (column 2): infinite value"), "{m}");
        let m = err("const.csv", "x,y\n1.5,7\n2.5,7\n", &o);
        assert!(m.contains("column \"y\" (column 2) is constant"), "{m}");
        let m = err("dup.csv", "x,y,x\n1,2,3\n", &o);
        assert!(m.contains("duplicate column name \"x\" (columns 1 and 3)"), "{m}");
        let m = err("missing.csv", "x,y\n1.5,2.5\n,3.5\n2.5,1.5\n", &o);
        assert!(m.contains("missing.csv:3: column \"x\" (column 1): missing value (an empty cell)"), "{m}");
    }

    #[test]
    fn missing_rows_can_be_dropped() {
        let o = ReadOptions { missing: Missing::DropRows, ..ReadOptions::default() };
        let t = read_table(&write("drop.csv", "x,y\n1.5,2.5\n,3.5\n2.5,NA\n3.5,4.5\n"), &o).unwrap();
        assert_eq!(t.dropped_rows, 2);
        assert_eq!(t.data.column(0).to_f64().unwrap(), vec![1.5, 3.5]);
    }

    #[test]
    fn gzip_is_read_transparently() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"x,y\n1.5,2.5\n2.5,0.5\n").unwrap();
        let p = write("z.csv.gz", "");
        std::fs::write(&p, enc.finish().unwrap()).unwrap();
        let t = read_table(&p, &ReadOptions::default()).unwrap();
        assert_eq!(t.data.n_rows(), 2);
    }
}
