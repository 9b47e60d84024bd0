use std::path::PathBuf;
use std::sync::Arc;

use ::parquet::arrow::ArrowWriter;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray, TimestampSecondArray};
use kausa_core::{Column, ColumnKind};

use super::*;

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kausa-io-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(name: &str, text: &str) -> PathBuf {
    let p = dir().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn err(name: &str, text: &str, opts: &ReadOptions) -> String {
    read_table(&write(name, text), opts).unwrap_err().to_string()
}

fn delimiter(t: &Table) -> u8 {
    match t.format {
        Format::Csv { delimiter } => delimiter,
        Format::Parquet => panic!("not a text file"),
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn reads_comma_semicolon_tab_and_decimal_comma() {
    let o = ReadOptions::default();
    let t = read_table(&write("a.csv", "x,y\n1.5,2\n2.5,3\n3.5,1\n"), &o).unwrap();
    assert_eq!(delimiter(&t), b',');
    assert_eq!(t.data.names(), vec!["x", "y"]);
    assert_eq!(t.data.column(0).kind(), ColumnKind::Continuous);
    assert_eq!(t.data.column(1).kind(), ColumnKind::Discrete);
    let t = read_table(&write("b.csv", "x;y\n1.5;2.25\n2.5;3.5\n"), &o).unwrap();
    assert_eq!(delimiter(&t), b';');
    let t = read_table(&write("c.tsv", "x\ty\n1\t2.5\n2\t3.5\n"), &o).unwrap();
    assert_eq!(delimiter(&t), b'\t');
    let de = ReadOptions { decimal_comma: true, ..ReadOptions::default() };
    let t = read_table(&write("d.csv", "x;y\n1,5;1.000,25\n2,5;3,5\n"), &de).unwrap();
    assert_eq!(t.data.column(0).to_f64().unwrap(), vec![1.5, 2.5]);
    assert_eq!(t.data.column(1).to_f64().unwrap(), vec![1000.25, 3.5]);
    let t = read_table(&write("e.txt", "a b\n1 2\n2 1\n"), &o).unwrap();
    assert_eq!(delimiter(&t), b' ');
}

#[test]
fn blanks_carriage_returns_and_aligned_columns() {
    let o = ReadOptions::default();
    // Runs of blanks separate fields of a space-aligned file; CRLF line ends; blank lines skipped.
    let t = read_table(&write("aligned.txt", "  a    b\r\n 1.5   2.5\r\n\r\n 2.5   0.5\r\n"), &o).unwrap();
    assert_eq!(t.data.names(), vec!["a", "b"]);
    assert_eq!(t.data.column(1).to_f64().unwrap(), vec![2.5, 0.5]);
    // A blank line in the middle still counts for the line numbers of errors.
    let m = err("blank-line.csv", "x,y\n1.5,2.5\n\n2.5,oops\n", &o);
    assert!(m.contains("blank-line.csv:4: column \"y\" (column 2): text \"oops\""), "{m}");
    // Leading blank lines before the header.
    let t = read_table(&write("leading.csv", "\n\nx,y\n1.5,2.5\n2.5,1.5\n"), &o).unwrap();
    assert_eq!(t.data.n_rows(), 2);
    let m = err("leading-bad.csv", "\nx,y\n1.5,2.5\n2.5,bad\n", &o);
    assert!(m.contains("leading-bad.csv:4:"), "{m}");
}

#[test]
fn quoted_files_as_r_and_excel_write_them() {
    let o = ReadOptions::default();
    let text = "\"x\",\"grade\",\"y\"\n1.5,\"a, b\",2.5\n2.5,\"c\",1.5\n3.5,\"a, b\",0.5\n";
    let t = read_table(&write("quoted.csv", text), &o).unwrap();
    assert_eq!(t.data.names(), vec!["x", "grade", "y"]);
    match t.data.column(1) {
        Column::Discrete { levels, codes, .. } => {
            assert_eq!(levels, &["a, b", "c"]);
            assert_eq!(codes, &[0, 1, 0]);
        }
        other => panic!("{other:?}"),
    }
    // A quoted header over a plain numeric body.
    let t = read_table(&write("qheader.csv", "\"x\",\"y\"\n1.5,2.5\n2.5,0.5\n"), &o).unwrap();
    assert_eq!(t.data.names(), vec!["x", "y"]);
    let m = err("qbad.csv", "\"x\",\"y\"\n1.5,\"2.5\"\n2.5,\"abc\"\n", &o);
    assert!(m.contains("qbad.csv:3: column \"y\" (column 2): text \"abc\""), "{m}");
}

#[test]
fn kinds_can_be_overridden_and_text_is_categorical() {
    let o = ReadOptions { continuous: vec!["y".into()], discrete: vec!["x".into()], ..ReadOptions::default() };
    let t = read_table(&write("k.csv", "x,y,z\n1.5,2,a\n2.5,3,b\n1.5,1,a\n"), &o).unwrap();
    assert_eq!(t.data.column(0).kind(), ColumnKind::Discrete);
    assert_eq!(t.data.column(1).kind(), ColumnKind::Continuous);
    assert_eq!(t.data.column(2).kind(), ColumnKind::Discrete);
    let o = ReadOptions { discrete: vec!["nope".into()], ..ReadOptions::default() };
    assert!(err("k2.csv", "x\n1\n2\n", &o).contains("\"nope\" named by --discrete is not in the file's columns"));
    // A forced-discrete column may mix codes and text.
    let o = ReadOptions { discrete: vec!["g".into()], ..ReadOptions::default() };
    let t = read_table(&write("k3.csv", "g,y\n1,1.5\nB7,2.5\n1,0.5\n"), &o).unwrap();
    assert_eq!(t.data.column(0).cardinality(), 2);
    // A forced-continuous column must hold numbers.
    let o = ReadOptions { continuous: vec!["g".into()], ..ReadOptions::default() };
    let m = err("k4.csv", "g,y\nlow,1.5\nhigh,2.5\n", &o);
    assert!(m.contains("k4.csv:2: column \"g\" (column 1): text \"low\" in a numeric column"), "{m}");
    // Many integer levels are continuous unless said otherwise.
    let text: String =
        std::iter::once("n,y\n".to_string()).chain((0..30).map(|i| format!("{i},{}\n", i % 2))).collect();
    let t = read_table(&write("levels.csv", &text), &ReadOptions::default()).unwrap();
    assert_eq!(t.data.column(0).kind(), ColumnKind::Continuous);
    assert_eq!(t.data.column(1).kind(), ColumnKind::Discrete);
    let o = ReadOptions { discrete: vec!["y".into()], continuous: vec!["y".into()], ..ReadOptions::default() };
    assert!(err("both.csv", "y\n1\n2\n", &o).contains("both --discrete and --continuous"));
}

#[test]
fn ignored_columns_are_left_out_but_still_counted_in_messages() {
    let o = ReadOptions { ignore: vec!["id".into(), "when".into()], ..ReadOptions::default() };
    let text = "id,when,x,y\nA1,2026-01-01,1.5,2.5\nA2,2026-01-02,2.5,0.5\nA3,,3.5,1.0\n";
    let t = read_table(&write("ignore.csv", text), &o).unwrap();
    assert_eq!(t.data.names(), vec!["x", "y"]);
    assert_eq!(t.data.n_rows(), 3, "a missing value in an ignored column drops nothing");
    let m = err("ignore-bad.csv", "id,x,y\nA1,1.5,2.5\nA2,2.5,zz\n", &ReadOptions { ignore: vec!["id".into()], ..o });
    assert!(m.contains("ignore-bad.csv:3: column \"y\" (column 3)"), "{m}");
    let o = ReadOptions { ignore: vec!["x".into(), "y".into()], ..ReadOptions::default() };
    assert!(err("ignore-all.csv", "x,y\n1,2\n2,1\n", &o).contains("no columns are left"));
}

#[test]
fn bad_input_is_named_with_line_and_column() {
    let o = ReadOptions::default();
    let m = read_table(Path::new("/no/such/file.csv"), &o).unwrap_err().to_string();
    assert!(m.starts_with("/no/such/file.csv: "), "{m}");
    assert!(err("empty.csv", "", &o).ends_with("the file is empty"));
    assert!(err("blank.csv", "\n \n", &o).ends_with("the file is empty"));
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
    let m = err("noname.csv", "x,,y\n1,2,3\n", &o);
    assert!(m.contains("noname.csv:1: column 2 has an empty name"), "{m}");
    let m = err("missing.csv", "x,y\n1.5,2.5\n,3.5\n2.5,1.5\n", &o);
    assert!(m.contains("missing.csv:3: column \"x\" (column 1): missing value (an empty cell)"), "{m}");
    let p = dir().join("latin1.csv");
    std::fs::write(&p, b"x,y\n1.5,2.5\n2.5,\xe4\n").unwrap();
    let m = read_table(&p, &o).unwrap_err().to_string();
    assert!(m.contains("latin1.csv:3: the file is not valid UTF-8 text"), "{m}");
    // The earliest problem is reported, whichever column or kind it is.
    let m = err("first.csv", "x,y\n1.5,2.5\n2.5,inf\nabc,1.5\n", &o);
    assert!(m.contains("first.csv:3:"), "{m}");
    let m = err("first2.csv", "x,y\n1.5,2.5\n2.5\n2.5,abc\n", &o);
    assert!(m.contains("first2.csv:3: the row has 1 fields"), "{m}");
}

#[test]
fn missing_rows_can_be_dropped() {
    let o = ReadOptions { missing: Missing::DropRows, ..ReadOptions::default() };
    let t = read_table(&write("drop.csv", "x,y\n1.5,2.5\n,3.5\n2.5,NA\n3.5,4.5\n4.5,0.5\n"), &o).unwrap();
    assert_eq!(t.dropped_rows, 2);
    assert_eq!(t.data.column(0).to_f64().unwrap(), vec![1.5, 3.5, 4.5]);
    let m = err("drop-all.csv", "x,y\n1.5,NA\n,3.5\n", &o);
    assert!(m.contains("every row has a missing value"), "{m}");
    // Text columns keep their rows in step with the numbers.
    let t = read_table(&write("drop-text.csv", "g,y\na,1.5\n?,2.5\nb,0.5\na,NA\nb,4.5\n"), &o).unwrap();
    assert_eq!(t.dropped_rows, 2);
    match t.data.column(0) {
        Column::Discrete { codes, levels, .. } => {
            assert_eq!(levels, &["a", "b"]);
            assert_eq!(codes, &[0, 1, 1]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.data.column(1).to_f64().unwrap(), vec![1.5, 0.5, 4.5]);
}

#[test]
fn text_column_whose_first_rows_are_missing() {
    let o = ReadOptions { missing: Missing::DropRows, ..ReadOptions::default() };
    let t = read_table(&write("late-text.csv", "g,y\n,1.5\nNA,2.5\nlow,0.5\nhigh,4.5\nlow,2.0\n"), &o).unwrap();
    assert_eq!(t.data.n_rows(), 3);
    assert_eq!(t.data.column(0).kind(), ColumnKind::Discrete);
    assert_eq!(t.data.column(0).cardinality(), 2);
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

/// A file of several parse chunks: the chunked parse must equal a one-piece parse,
/// and errors deep in the file must carry their true line numbers.
#[test]
fn large_files_parse_in_chunks_with_exact_lines() {
    let rows = 100_000;
    let mut text = String::from("a,b,c,g\n");
    for i in 0..rows {
        let g = ["red", "green", "blue"][i % 3];
        text.push_str(&format!("{},{:.6},{},{g}\n", i as f64 * 0.5, (i as f64).sin(), i % 4));
        if i % 10_000 == 7 {
            // Blank lines shift line numbers; a line of only delimiters and spaces is blank too.
            text.push_str("\n , ,\t,\r\n");
        }
    }
    assert!(text.len() > 2 * delimited::CHUNK_BYTES);
    let p = write("big.csv", &text);
    let seq = read_table(&p, &ReadOptions::default()).unwrap();
    let par = read_table(&p, &ReadOptions { par: Par::threads(2), ..ReadOptions::default() }).unwrap();
    assert_eq!(seq.data, par.data);
    assert_eq!(seq.data.n_rows(), rows);
    assert_eq!(seq.data.column(1).to_f64().unwrap()[54_321], format!("{:.6}", 54_321f64.sin()).parse::<f64>().unwrap());
    assert_eq!(seq.data.column(3).kind(), ColumnKind::Discrete);
    // Break row 85,000 (0-based data row); 18 blank lines come before it.
    let bad_row = 85_000;
    let line = bad_row + 2 + 18;
    let mut lines: Vec<&str> = text.split('\n').collect();
    let broken = "1.0,x1,2,red";
    assert!(lines[line - 1].starts_with(&format!("{}", bad_row as f64 * 0.5)), "{}", lines[line - 1]);
    lines[line - 1] = broken;
    let p = write("big-bad.csv", &lines.join("\n"));
    for par in [Par::Seq, Par::threads(2)] {
        let m = read_table(&p, &ReadOptions { par, ..ReadOptions::default() }).unwrap_err().to_string();
        assert!(m.contains(&format!("big-bad.csv:{line}: column \"b\" (column 2): text \"x1\"")), "{m}");
    }
    lines[line - 1] = "1.0,,2,red";
    let p = write("big-missing.csv", &lines.join("\n"));
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains(&format!("big-missing.csv:{line}: column \"b\" (column 2): missing value")), "{m}");
    let o = ReadOptions { missing: Missing::DropRows, par: Par::threads(2), ..ReadOptions::default() };
    let t = read_table(&p, &o).unwrap();
    assert_eq!(t.dropped_rows, 1);
    assert_eq!(t.data.column(0).to_f64().unwrap()[bad_row], (bad_row + 1) as f64 * 0.5);
}

fn write_parquet(name: &str, columns: Vec<(&str, ArrayRef)>) -> PathBuf {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let p = dir().join(name);
    let file = std::fs::File::create(&p).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    p
}

#[test]
fn parquet_columns_become_numbers_and_labels() {
    let p = write_parquet(
        "kinds.parquet",
        vec![
            ("x", Arc::new(Float64Array::from(vec![1.5, 2.5, 0.25, 4.0])) as ArrayRef),
            ("k", Arc::new(Int32Array::from(vec![1, 2, 1, 3])) as ArrayRef),
            ("ok", Arc::new(BooleanArray::from(vec![true, false, true, true])) as ArrayRef),
            ("g", Arc::new(StringArray::from(vec!["a", "b", "b", "a"])) as ArrayRef),
        ],
    );
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    assert_eq!(t.format, Format::Parquet);
    assert_eq!(t.data.names(), vec!["x", "k", "ok", "g"]);
    assert_eq!(t.data.column(0).to_f64().unwrap(), vec![1.5, 2.5, 0.25, 4.0]);
    assert_eq!(t.data.column(1).kind(), ColumnKind::Discrete);
    assert_eq!(t.data.column(1).to_f64().unwrap(), vec![1.0, 2.0, 1.0, 3.0]);
    assert_eq!(t.data.column(2).to_f64().unwrap(), vec![1.0, 0.0, 1.0, 1.0]);
    match t.data.column(3) {
        Column::Discrete { codes, levels, .. } => {
            assert_eq!(levels, &["a", "b"]);
            assert_eq!(codes, &[0, 1, 1, 0]);
        }
        other => panic!("{other:?}"),
    }
    let o = ReadOptions { continuous: vec!["k".into()], ..ReadOptions::default() };
    assert_eq!(read_table(&p, &o).unwrap().data.column(1).kind(), ColumnKind::Continuous);
}

#[test]
fn parquet_bad_input_is_named_by_row_and_column() {
    let p = write_parquet(
        "nulls.parquet",
        vec![
            ("x", Arc::new(Float64Array::from(vec![Some(1.5), Some(2.5), None, Some(4.0)])) as ArrayRef),
            ("y", Arc::new(Float64Array::from(vec![0.5, f64::NAN, 1.5, 2.0])) as ArrayRef),
        ],
    );
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("nulls.parquet: row 2: column \"y\" (column 2): missing value (NaN)"), "{m}");
    let o = ReadOptions { missing: Missing::DropRows, ..ReadOptions::default() };
    let t = read_table(&p, &o).unwrap();
    assert_eq!(t.dropped_rows, 2);
    assert_eq!(t.data.column(0).to_f64().unwrap(), vec![1.5, 4.0]);

    let p =
        write_parquet("inf.parquet", vec![("x", Arc::new(Float64Array::from(vec![1.5, f64::INFINITY])) as ArrayRef)]);
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("inf.parquet: row 2: column \"x\" (column 1): infinite value"), "{m}");

    let stamps = TimestampSecondArray::from(vec![0, 3600, 7200]);
    let p = write_parquet(
        "stamp.parquet",
        vec![
            ("when", Arc::new(stamps) as ArrayRef),
            ("x", Arc::new(Float64Array::from(vec![1.5, 0.5, 2.5])) as ArrayRef),
        ],
    );
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("column \"when\" (column 1) has type Timestamp"), "{m}");
    assert!(m.contains("--ignore when"), "{m}");
    let o = ReadOptions { ignore: vec!["when".into()], ..ReadOptions::default() };
    assert_eq!(read_table(&p, &o).unwrap().data.names(), vec!["x"]);

    let p = write_parquet("const.parquet", vec![("c", Arc::new(Float64Array::from(vec![2.0, 2.0])) as ArrayRef)]);
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("column \"c\" (column 1) is constant"), "{m}");

    let p = write_parquet("empty.parquet", vec![("x", Arc::new(Float64Array::from(Vec::<f64>::new())) as ArrayRef)]);
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("no data rows"), "{m}");

    let p = write("fake.parquet", "x,y\n1,2\n");
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("fake.parquet: the file is named .parquet but does not start with Parquet's magic"), "{m}");
    let p = dir().join("truncated.parquet");
    std::fs::write(&p, b"PAR1\x00\x01\x02").unwrap();
    let m = read_table(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("truncated.parquet: cannot read Parquet"), "{m}");
}

/// Files written by pandas and pyarrow (see tests/fixtures/make_fixtures.py) read
/// to the same data as pandas' own CSV export of the frame.
#[test]
fn parquet_written_by_pandas_matches_its_csv() {
    let csv = read_table(&fixture("pandas_values.csv"), &ReadOptions::default()).unwrap();
    for name in ["pandas_snappy.parquet", "pandas_zstd.parquet"] {
        let pq = read_table(&fixture(name), &ReadOptions::default()).unwrap();
        assert_eq!(pq.data.names(), csv.data.names(), "{name}");
        assert_eq!(pq.data.n_rows(), 40);
        for j in 0..csv.data.n_cols() {
            let (a, b) = (csv.data.column(j), pq.data.column(j));
            assert_eq!(a.kind(), b.kind(), "{name}: column {}", a.name());
            match (a, b) {
                (Column::Continuous { values: va, .. }, Column::Continuous { values: vb, .. }) => {
                    // scrap is float32 in the file; CSV holds its shortest decimal form.
                    for (x, y) in va.iter().zip(vb) {
                        assert!((x - y).abs() <= 1e-8 * x.abs().max(1.0), "{name}: {} {x} {y}", a.name());
                    }
                }
                (Column::Discrete { codes: ca, levels: la, .. }, Column::Discrete { codes: cb, .. }) => {
                    assert_eq!(ca, cb, "{name}: column {} ({la:?})", a.name());
                }
                _ => unreachable!(),
            }
        }
    }
    let m = read_table(&fixture("with_gaps.parquet"), &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("has type Timestamp"), "{m}");
    let o = ReadOptions { ignore: vec!["stamp".into()], ..ReadOptions::default() };
    let m = read_table(&fixture("with_gaps.parquet"), &o).unwrap_err().to_string();
    assert!(m.contains("with_gaps.parquet: row 5: column \"temp\" (column 1): missing value"), "{m}");
    let o = ReadOptions { missing: Missing::DropRows, ..o };
    let t = read_table(&fixture("with_gaps.parquet"), &o).unwrap();
    assert_eq!((t.data.n_rows(), t.dropped_rows), (38, 2));
    assert_eq!(t.data.index_of("batch").map(|j| t.data.column(j).kind()), Some(ColumnKind::Discrete));
}

/// pandas_snappy.parquet with bytes of its embedded Arrow schema damaged (found by
/// `fuzz_tests`): arrow-ipc panics decoding it; kausa reports a damaged file.
#[test]
fn a_parquet_file_that_makes_the_decoder_panic_is_a_damaged_file() {
    let m = read_table(&fixture("damaged_arrow_schema.parquet"), &ReadOptions::default()).unwrap_err().to_string();
    // "cannot read Parquet", whether the decoder panics (caught) or, in a later arrow, returns an error.
    assert!(m.contains("damaged_arrow_schema.parquet: cannot read Parquet"), "{m}");
}

/// Values of magnitude beyond 1e100 are refused at their cell, in plain and quoted files,
/// and a column of only values below 1e-100 as a whole: their squares overflow or vanish
/// in the statistics (a column of 1e200 made least squares fail, one of 1e-200 looked constant).
#[test]
fn values_beyond_the_magnitudes_kausa_computes_with_are_refused() {
    let o = ReadOptions::default();
    let m = err("huge.csv", "x,y\n1,2\n2,3.5e200\n3,1\n", &o);
    assert!(m.contains("huge.csv:3: column \"y\" (column 2): value \"3.5e200\" is beyond the magnitudes"), "{m}");
    let m = err("huge2.csv", "x,y\n1,2\n2,\"-1e101\"\n3,1\n", &o);
    assert!(m.contains("huge2.csv:3: column \"y\" (column 2): value \"-1e101\" is beyond"), "{m}");
    let m = err("tiny.csv", "x,y\n1,2e-200\n2,-1e-200\n3,0\n", &o);
    assert!(
        m.contains("column \"y\" (column 2) has only values below 1e-100 in magnitude (the largest is 2e-200)"),
        "{m}"
    );
    // The edge of the range, 0, and a tiny value among others are fine.
    let t = read_table(&write("edge.csv", "x,y\n1e100,0\n-1e-300,-0\n2,1\n"), &o).unwrap();
    assert_eq!(t.data.n_rows(), 3);
}
