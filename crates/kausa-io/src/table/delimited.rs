//! Delimited text with a header row.
//!
//! A body without quote characters (the common case of numeric exports) is cut
//! into line-aligned chunks that are parsed in parallel; a body with quotes goes
//! through the `csv` crate in one piece. Both feed the same per-row logic, and
//! the chunks are joined in order, so the result does not depend on the threads.
//! Columns are first read as numbers; a column whose first value is text is read
//! again as labels in a second pass over its rows.

use std::io::Read;
use std::path::Path;

use kausa_core::Par;
use rayon::prelude::*;

use super::{
    At, RawData, RawTable, ReadOptions, cell_error, check_named_columns, check_names, column_label, is_missing,
};
use crate::{Error, Result};

/// Chunk size for the parallel parse; fixed, so chunking never depends on threads.
pub(super) const CHUNK_BYTES: usize = 1 << 20;

/// How a body's rows are split into fields.
#[derive(Debug, Clone, Copy)]
enum Splitter {
    /// No quotes anywhere: split lines on the delimiter (runs of blanks for a space).
    Plain(u8),
    /// Quoted fields: the `csv` crate's reader.
    Quoted(u8),
}

fn decompress(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .map_err(|e| Error::invalid(path, format!("cannot decompress gzip data: {e}")))?;
    Ok(out)
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

/// Parses a number, with a decimal comma if asked (`1.000,25` is 1000.25).
fn parse_number(s: &str, decimal_comma: bool, buf: &mut String) -> Option<f64> {
    if let Some(v) = parse_small_integer(s) {
        return Some(v);
    }
    if decimal_comma && s.contains(',') {
        buf.clear();
        buf.extend(s.chars().filter(|&c| c != '.').map(|c| if c == ',' { '.' } else { c }));
        buf.parse().ok()
    } else {
        s.parse().ok()
    }
}

/// A field of 1 to 15 ASCII digits, with an optional leading `-`: the common case
/// of category codes and counts, read without the general float parser (the same
/// value, since such integers are exact in an f64).
#[inline]
fn parse_small_integer(s: &str) -> Option<f64> {
    let (negative, digits) = match s.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut v = 0u64;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (d - b'0') as u64;
    }
    let v = v as f64;
    Some(if negative { -v } else { v })
}

/// Calls `f(line, fields)` for each non-blank row of `text`, `line` counted from 0
/// within `text`; stops early when `f` returns `false`. Returns the number of lines.
fn for_each_row(
    text: &str,
    splitter: Splitter,
    mut f: impl FnMut(u64, &[&str]) -> std::result::Result<bool, (u64, String)>,
) -> std::result::Result<u64, (u64, String)> {
    match splitter {
        Splitter::Plain(d) => {
            // One pass over the bytes: fields end at the delimiter, rows at '\n'.
            // Slicing at an ASCII byte always lands on a character boundary.
            let bytes = text.as_bytes();
            let mut fields: Vec<&str> = Vec::new();
            let (mut line, mut start, mut field_start) = (0u64, 0usize, 0usize);
            let mut blank = true;
            let mut i = 0usize;
            while i <= bytes.len() {
                let b = if i < bytes.len() { bytes[i] } else { b'\n' };
                if b == b'\n' {
                    if i > start || i < bytes.len() {
                        let end = if i > field_start && bytes[i - 1] == b'\r' { i - 1 } else { i };
                        if !blank {
                            if d == b' ' {
                                fields.clear();
                                fields.extend(text[start..end].split_ascii_whitespace());
                            } else {
                                fields.push(text[field_start..end].trim());
                            }
                            if !f(line, &fields)? {
                                return Ok(line);
                            }
                        }
                    }
                    if i < bytes.len() {
                        line += 1;
                    }
                    fields.clear();
                    blank = true;
                    start = i + 1;
                    field_start = i + 1;
                } else if b == d && d != b' ' {
                    fields.push(text[field_start..i].trim());
                    field_start = i + 1;
                } else if !b.is_ascii_whitespace() {
                    blank = false;
                }
                i += 1;
            }
            Ok(line)
        }
        Splitter::Quoted(d) => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut record = csv::StringRecord::new();
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line().saturating_sub(1));
                        return Err((line, e.to_string()));
                    }
                }
                let line = record.position().map_or(0, |p| p.line().saturating_sub(1));
                if record.len() == 1 && record.get(0) == Some("") {
                    continue;
                }
                let fields: Vec<&str> = record.iter().collect();
                if !f(line, &fields)? {
                    break;
                }
            }
            Ok(text.matches('\n').count() as u64)
        }
    }
}

/// What the first pass learnt about one column in one chunk.
#[derive(Debug, Default)]
struct ColumnScan {
    /// Whether the chunk's first non-missing value is text (`None`: all missing).
    first_is_text: Option<bool>,
    /// The chunk's first text cell: line and text.
    first_text: Option<(u64, String)>,
    /// The chunk's first value out of range (infinite, or beyond 1e±100): line and message.
    first_out_of_range: Option<(u64, String)>,
}

/// The first pass over one chunk.
#[derive(Debug)]
struct ChunkScan {
    columns: Vec<ColumnScan>,
    rows: usize,
    lines: u64,
    missing_rows: Vec<usize>,
    /// The first missing value: line, column (among those kept) and how to show it.
    first_missing: Option<(u64, usize, String)>,
    /// A row with the wrong number of fields, or a malformed quote: line and message.
    broken: Option<(u64, String)>,
}

/// What every chunk parse needs to know.
struct Layout<'a> {
    width: usize,
    /// Positions of the columns kept (not ignored), in order.
    kept: &'a [usize],
    splitter: Splitter,
    decimal_comma: bool,
}

/// Where a chunk's values go: pushed onto one vector per column, or written
/// into the chunk's own part of the final columns (when its row count is known).
enum Values<'a> {
    Push(Vec<Vec<f64>>),
    Fill(Vec<&'a mut [f64]>),
}

impl Values<'_> {
    /// Stores `v` as row `row` of column `col`; false when the chunk has more
    /// rows than were counted for it.
    #[inline]
    fn put(&mut self, col: usize, row: usize, v: f64) -> bool {
        match self {
            Values::Push(cols) => {
                cols[col].push(v);
                true
            }
            Values::Fill(cols) => match cols[col].get_mut(row) {
                Some(slot) => {
                    *slot = v;
                    true
                }
                None => false,
            },
        }
    }
}

/// Rows of a plain (unquoted) chunk as [`for_each_row`] counts them: lines with
/// a byte that is neither white space nor the delimiter.
fn count_rows(text: &str, delimiter: u8) -> usize {
    text.as_bytes()
        .split(|&b| b == b'\n')
        .filter(|line| line.iter().any(|&b| !b.is_ascii_whitespace() && (b != delimiter || delimiter == b' ')))
        .count()
}

fn scan_chunk(text: &str, layout: &Layout<'_>, values: &mut Values<'_>) -> ChunkScan {
    let mut columns: Vec<ColumnScan> = layout.kept.iter().map(|_| ColumnScan::default()).collect();
    let mut rows = 0usize;
    let mut missing_rows = Vec::new();
    let mut first_missing = None;
    let mut buf = String::new();
    let outcome = for_each_row(text, layout.splitter, |line, fields| {
        if fields.len() != layout.width {
            return Err((line, format!("the row has {} fields but the header has {}", fields.len(), layout.width)));
        }
        let mut row_missing = false;
        for (k, (c, &j)) in columns.iter_mut().zip(layout.kept).enumerate() {
            let cell = fields[j];
            let (value, missing) = match parse_number(cell, layout.decimal_comma, &mut buf) {
                Some(v) if !v.is_nan() => {
                    c.first_is_text.get_or_insert(false);
                    match super::out_of_range(v, cell) {
                        None => (v, false),
                        Some(problem) => {
                            c.first_out_of_range.get_or_insert((line, problem));
                            (f64::NAN, false)
                        }
                    }
                }
                Some(_) => (f64::NAN, true),
                None if is_missing(cell) => (f64::NAN, true),
                None => {
                    c.first_is_text.get_or_insert(true);
                    c.first_text.get_or_insert_with(|| (line, cell.to_string()));
                    (f64::NAN, false)
                }
            };
            if !values.put(k, rows, value) {
                return Err((line, "internal error: the chunk has more rows than were counted".into()));
            }
            // Missing (NaN parses as a number, so it lands here too).
            if missing {
                row_missing = true;
                if first_missing.is_none() {
                    let shown = if cell.is_empty() { "an empty cell".to_string() } else { format!("{cell:?}") };
                    first_missing = Some((line, k, shown));
                }
            }
        }
        if row_missing {
            missing_rows.push(rows);
        }
        rows += 1;
        Ok(true)
    });
    let (lines, broken) = match outcome {
        Ok(lines) => (lines, None),
        Err(e) => (text.matches('\n').count() as u64, Some(e)),
    };
    ChunkScan { columns, rows, lines, missing_rows, first_missing, broken }
}

/// The second pass over one chunk: the labels of the given columns (positions in the row).
fn label_chunk(text: &str, layout: &Layout<'_>, wanted: &[usize]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = wanted.iter().map(|_| Vec::new()).collect();
    // The first pass accepted every row, so this one cannot fail.
    let _ = for_each_row(text, layout.splitter, |_, fields| {
        for (labels, &j) in out.iter_mut().zip(wanted) {
            let cell = fields[j];
            labels.push(if is_missing(cell) { String::new() } else { cell.to_string() });
        }
        Ok(true)
    });
    out
}

/// Cuts `body` into chunks of about [`CHUNK_BYTES`] that end at line ends.
fn chunks(body: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = body;
    while rest.len() > CHUNK_BYTES {
        let cut = match rest[CHUNK_BYTES..].iter().position(|&b| b == b'\n') {
            Some(i) => CHUNK_BYTES + i + 1,
            None => rest.len(),
        };
        let (head, tail) = rest.split_at(cut);
        out.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn map_chunks<'a, C: Sync + ?Sized, T: Send>(
    par: Par,
    chunks: &[&'a C],
    f: impl Fn(&'a C) -> T + Sync,
) -> Result<Vec<T>, String> {
    if chunks.len() > 1 { par.map(chunks.len(), |i| f(chunks[i])) } else { Ok(chunks.iter().map(|c| f(c)).collect()) }
}

/// Reads delimited text; returns the raw table and the delimiter used.
pub(super) fn read(path: &Path, bytes: Vec<u8>, opts: &ReadOptions) -> Result<(RawTable, u8)> {
    let bytes = decompress(path, bytes)?;
    let not_utf8 = |before: &[u8]| {
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        Error::Parse { path: path.into(), line, column: None, message: "the file is not valid UTF-8 text".into() }
    };
    let all = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    if all.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty { path: path.into() });
    }
    // Leading blank lines are skipped; the header is the first line with text.
    let mut header_line = 1u64;
    let mut rest: &[u8] = all;
    loop {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        if !rest[..end].iter().all(u8::is_ascii_whitespace) {
            break;
        }
        header_line += 1;
        rest = &rest[(end + 1).min(rest.len())..];
    }
    let header_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let header = std::str::from_utf8(&rest[..header_end])
        .map_err(|e| not_utf8(&bytes[..bytes.len() - rest.len() + e.valid_up_to()]))?;
    let header = header.strip_suffix('\r').unwrap_or(header);
    let body_bytes = &rest[(header_end + 1).min(rest.len())..];
    let body_offset = bytes.len() - body_bytes.len();
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(header, opts.decimal_comma));
    let header_splitter = if header.contains('"') { Splitter::Quoted(delimiter) } else { Splitter::Plain(delimiter) };
    let mut names: Vec<String> = Vec::new();
    for_each_row(header, header_splitter, |_, fields| {
        names = fields.iter().map(|f| f.to_string()).collect();
        Ok(false)
    })
    .map_err(|(_, m)| Error::Parse { path: path.into(), line: header_line, column: None, message: m })?;
    check_names(path, &names, At::Line(header_line))?;
    check_named_columns(path, &names, opts)?;
    let kept: Vec<usize> = (0..names.len()).filter(|&j| opts.keeps(&names[j])).collect();
    let splitter = if body_bytes.contains(&b'"') { Splitter::Quoted(delimiter) } else { Splitter::Plain(delimiter) };
    let layout = Layout { width: names.len(), kept: &kept, splitter, decimal_comma: opts.decimal_comma };
    let internal = |m: String| Error::invalid(path, m);
    // A plain body is cut into line-aligned chunks, each checked as UTF-8 in parallel;
    // the quoted reader cannot start mid-file, so a quoted body is one piece.
    let raw_pieces = match splitter {
        Splitter::Plain(_) => chunks(body_bytes),
        Splitter::Quoted(_) => vec![body_bytes],
    };
    let checked =
        map_chunks(opts.par, &raw_pieces, |c| std::str::from_utf8(c).map_err(|e| e.valid_up_to())).map_err(internal)?;
    let mut pieces: Vec<&str> = Vec::with_capacity(checked.len());
    let mut offset = body_offset;
    for (piece, result) in raw_pieces.iter().zip(checked) {
        match result {
            Ok(text) => pieces.push(text),
            Err(valid) => return Err(not_utf8(&bytes[..offset + valid])),
        }
        offset += piece.len();
    }
    // A plain body's chunks are counted first, so each chunk writes its values
    // straight into its part of the final columns (no per-chunk vectors to join).
    // A quoted body is one piece that pushes onto its own vectors.
    let mut columns: Vec<Vec<f64>>;
    let scans: Vec<ChunkScan> = match splitter {
        Splitter::Plain(d) if pieces.len() > 1 => {
            let counts = map_chunks(opts.par, &pieces, |c| count_rows(c, d)).map_err(internal)?;
            let total: usize = counts.iter().sum();
            columns = kept.iter().map(|_| vec![0.0; total]).collect();
            let mut parts: Vec<Vec<&mut [f64]>> = pieces.iter().map(|_| Vec::with_capacity(kept.len())).collect();
            for column in columns.iter_mut() {
                let mut rest = column.as_mut_slice();
                for (part, &rows) in parts.iter_mut().zip(&counts) {
                    let (head, tail) = rest.split_at_mut(rows);
                    part.push(head);
                    rest = tail;
                }
            }
            let work: Vec<(&str, Values<'_>)> =
                pieces.iter().copied().zip(parts.into_iter().map(Values::Fill)).collect();
            let scan = |(text, mut values): (&str, Values<'_>)| scan_chunk(text, &layout, &mut values);
            match opts.par.pool().map_err(internal)? {
                Some(pool) => pool.install(|| work.into_par_iter().map(scan).collect()),
                None => work.into_iter().map(scan).collect(),
            }
        }
        _ => {
            let mut scans = Vec::with_capacity(pieces.len());
            let mut pushed: Vec<Vec<Vec<f64>>> = Vec::with_capacity(pieces.len());
            for piece in &pieces {
                let mut values = Values::Push(kept.iter().map(|_| Vec::new()).collect());
                scans.push(scan_chunk(piece, &layout, &mut values));
                if let Values::Push(v) = values {
                    pushed.push(v);
                }
            }
            columns = kept.iter().map(|_| Vec::new()).collect();
            for part in pushed {
                for (all, values) in columns.iter_mut().zip(part) {
                    if all.is_empty() {
                        *all = values;
                    } else {
                        all.extend(values);
                    }
                }
            }
            scans
        }
    };

    // Absolute line and row of each chunk's start (the body starts after the header line).
    let mut line0 = Vec::with_capacity(scans.len());
    let mut row0 = Vec::with_capacity(scans.len());
    let (mut line, mut row) = (header_line + 1, 0usize);
    for scan in &scans {
        line0.push(line);
        row0.push(row);
        line += scan.lines;
        row += scan.rows;
    }

    // The earliest hard error by (line, column): a broken row, text in a numeric column, an infinity.
    let mut worst: Option<(u64, usize, Error)> = None;
    let mut consider = |line: u64, order: usize, e: Error| {
        if worst.as_ref().is_none_or(|(l, o, _)| (line, order) < (*l, *o)) {
            worst = Some((line, order, e));
        }
    };
    for (k, scan) in scans.iter().enumerate() {
        if let Some((l, m)) = &scan.broken {
            let l = line0[k] + l;
            consider(l, 0, Error::Parse { path: path.into(), line: l, column: None, message: m.clone() });
        }
    }
    let mut label_columns = Vec::new();
    for (c, &j) in kept.iter().enumerate() {
        let name = &names[j];
        let force_continuous = opts.continuous.contains(name);
        let force_discrete = opts.discrete.contains(name);
        let first_is_text = scans.iter().find_map(|s| s.columns[c].first_is_text).unwrap_or(false);
        let any_text = scans.iter().any(|s| s.columns[c].first_text.is_some());
        if !force_continuous && (first_is_text || (force_discrete && any_text)) {
            label_columns.push(c);
            continue;
        }
        if let Some((k, (l, cell))) =
            scans.iter().enumerate().find_map(|(k, s)| s.columns[c].first_text.as_ref().map(|t| (k, t)))
        {
            let hint = if !opts.decimal_comma && cell.contains(',') && cell.replace(',', ".").parse::<f64>().is_ok() {
                " (numbers with a decimal comma need --decimal ,)"
            } else if force_continuous {
                " (the column is forced continuous)"
            } else {
                ""
            };
            let l = line0[k] + l;
            consider(
                l,
                j + 1,
                cell_error(
                    path,
                    At::Line(l),
                    column_label(name, j),
                    format!("text {cell:?} in a numeric column{hint}"),
                ),
            );
        }
        if let Some((k, (l, problem))) =
            scans.iter().enumerate().find_map(|(k, s)| s.columns[c].first_out_of_range.as_ref().map(|t| (k, t)))
        {
            let l = line0[k] + l;
            consider(l, j + 1, cell_error(path, At::Line(l), column_label(name, j), problem.clone()));
        }
    }
    if let Some((_, _, e)) = worst {
        return Err(e);
    }

    let wanted: Vec<usize> = label_columns.iter().map(|&c| kept[c]).collect();
    let mut labels: Vec<Vec<String>> = wanted.iter().map(|_| Vec::new()).collect();
    if !wanted.is_empty() {
        for chunk_labels in map_chunks(opts.par, &pieces, |c| label_chunk(c, &layout, &wanted)).map_err(internal)? {
            for (all, part) in labels.iter_mut().zip(chunk_labels) {
                all.extend(part);
            }
        }
    }
    let mut missing_rows = Vec::new();
    let mut first_missing = None;
    if columns.iter().any(|c| c.len() != row) {
        return Err(internal(format!("counted rows and parsed rows differ ({row} parsed)")));
    }
    for (k, scan) in scans.into_iter().enumerate() {
        missing_rows.extend(scan.missing_rows.iter().map(|r| row0[k] + r));
        if first_missing.is_none() {
            first_missing = scan.first_missing.map(|(l, j, cell)| (At::Line(line0[k] + l), j, cell));
        }
    }
    let mut labels = labels.into_iter();
    let raw_columns: Vec<RawData> = columns
        .into_iter()
        .enumerate()
        .map(|(c, values)| {
            if label_columns.contains(&c) {
                RawData::Labels(labels.next().expect("one label list per label column"))
            } else {
                RawData::Numbers(values)
            }
        })
        .collect();
    let raw = RawTable {
        names: kept.iter().map(|&j| names[j].clone()).collect(),
        positions: kept,
        columns: raw_columns,
        rows: row,
        missing_rows,
        first_missing,
    };
    Ok((raw, delimiter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_read_as_the_float_parser_reads_them() {
        for s in ["0", "-0", "7", "007", "-42", "123456789012345", "-999999999999999"] {
            let fast = parse_small_integer(s).unwrap();
            let slow: f64 = s.parse().unwrap();
            assert_eq!(fast.to_bits(), slow.to_bits(), "{s}");
        }
        // Anything else is left to the general parser.
        for s in ["", "-", "+5", "1.5", "1e3", "1234567890123456", "12a", " 1", "--1"] {
            assert_eq!(parse_small_integer(s), None, "{s}");
        }
        let mut buf = String::new();
        assert_eq!(parse_number("+5", false, &mut buf), Some(5.0));
        assert_eq!(parse_number("1.000,25", true, &mut buf), Some(1000.25));
    }
}
