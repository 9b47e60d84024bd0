use crate::util::{kausa, stderr, temp_dir, write};

/// Runs `kausa discover` on `text` and checks: exit code 2, the message contains
/// every `expect` piece, no panic, and no output file.
fn check(name: &str, text: &str, extra: &[&str], expect: &[&str]) {
    let dir = temp_dir(&format!("bad-{name}"));
    let data = write(&dir, name, text);
    let out = dir.join("out.json");
    let mut args = vec!["discover", data.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = kausa(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    for e in expect {
        assert!(err.contains(e), "{name}: expected {e:?} in {err:?}");
    }
    assert!(!out.exists(), "{name}: an output file was written");
}

/// Four correlated columns with enough rows for the tests.
fn good_rows(n: usize) -> String {
    let mut s = String::from("a,b,c,d\n");
    let mut x = 0.3f64;
    for i in 0..n {
        x = (x * 3.7 + 0.1).fract();
        let y = ((i as f64) * 0.37).sin();
        s.push_str(&format!("{x:.6},{:.6},{:.6},{:.6}\n", x + 0.5 * y, y * y - x, (i as f64 * 1.3).cos()));
    }
    s
}

#[test]
fn missing_file() {
    let o = kausa(&["discover", "/no/such/data.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/data.csv: No such file"), "{}", stderr(&o));
}

#[test]
fn empty_file_and_header_only() {
    check("empty.csv", "", &[], &["empty.csv", "the file is empty"]);
    check("header.csv", "a,b,c\n", &[], &["header.csv", "header but no data rows"]);
}

#[test]
fn ragged_row() {
    check("ragged.csv", "a,b\n1.5,2.5\n2.5\n3.5,1.5\n", &[], &["ragged.csv:3", "1 fields but the header has 2"]);
}

#[test]
fn text_in_a_continuous_column() {
    check("text.csv", "a,b\n1.5,2.5\n2.5,x7\n", &[], &["text.csv:3", "column \"b\" (column 2)", "text \"x7\""]);
}

#[test]
fn nan_and_infinity() {
    check("nan.csv", "a,b\n1.5,2.5\nNaN,2.5\n", &[], &["nan.csv:3", "column \"a\"", "missing value (\"NaN\")"]);
    check("inf.csv", "a,b\n1.5,2.5\n2.5,-inf\n", &[], &["inf.csv:3", "column \"b\"", "infinite value"]);
    check("huge.csv", "a,b\n1.5,2.5\n2.5,3e200\n", &[], &["huge.csv:3", "column \"b\"", "change the column's unit"]);
    check("tiny.csv", "a,b\n1e-200,2.5\n-3e-201,1\n", &[], &["tiny.csv", "column \"a\"", "below 1e-100"]);
}

#[test]
fn missing_values_unless_dropped() {
    let mut text = good_rows(200);
    text.push_str("0.5,,0.25,0.75\n");
    check("gap.csv", &text, &[], &["gap.csv:202", "column \"b\"", "--missing drop-rows"]);
    let dir = temp_dir("gap-ok");
    let p = write(&dir, "gap.csv", &text);
    let o = kausa(&["discover", p.to_str().unwrap(), "--missing", "drop-rows"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(crate::util::stdout(&o).contains("dropped 1 rows"));
}

#[test]
fn constant_column() {
    check("const.csv", "a,b\n1.5,4\n2.5,4\n3.5,4\n", &[], &["const.csv", "column \"b\" (column 2) is constant"]);
}

#[test]
fn duplicate_column_names() {
    check("dup.csv", "a,b,a\n1,2,3\n", &[], &["dup.csv:1", "duplicate column name \"a\" (columns 1 and 3)"]);
}

#[test]
fn fewer_rows_than_the_test_needs() {
    check("few.csv", "a,b\n1.5,2.5\n2.5,1.5\n3.5,4.5\n", &[], &["few.csv", "too few"]);
}

#[test]
fn perfectly_collinear_columns() {
    // d = a + 2c exactly.
    let mut s = String::from("a,b,c,d\n");
    for i in 0..100 {
        let (a, b, c) = ((i as f64 * 0.7).sin(), (i as f64 * 1.9).cos(), (i as f64 * 0.3).sin());
        s.push_str(&format!("{a},{b},{c},{}\n", a + 2.0 * c));
    }
    check("collinear.csv", &s, &[], &["collinear.csv", "\"a\", \"c\", \"d\" are perfectly collinear"]);
}

#[test]
fn knowledge_errors() {
    let dir = temp_dir("knowledge-bad");
    let unknown = write(&dir, "unknown.toml", "required = [[\"a\", \"zz\"]]\n");
    let contra = write(&dir, "contra.toml", "required = [\"a -> b\"]\nforbidden = [\"a -> b\"]\n");
    let text = good_rows(100);
    check("k1.csv", &text, &["--knowledge", unknown.to_str().unwrap()], &["unknown.toml", "unknown variable \"zz\""]);
    check(
        "k2.csv",
        &text,
        &["--knowledge", contra.to_str().unwrap()],
        &["contra.toml", "contradicts itself: edge a -> b is both required and forbidden"],
    );
}

#[test]
fn unknown_method_or_test() {
    let text = good_rows(50);
    check("m.csv", &text, &["--method", "magic"], &["invalid value 'magic' for '--method"]);
    check("t.csv", &text, &["--test", "kci"], &["invalid value 'kci' for '--test"]);
}

#[test]
fn parquet_gaps_and_unusable_types() {
    let fixture = crate::util::repo_root().join("crates/kausa-io/tests/fixtures/with_gaps.parquet");
    let o = kausa(&["discover", fixture.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("column \"stamp\" (column 8) has type Timestamp"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--ignore stamp"), "{}", stderr(&o));
    let o = kausa(&["discover", fixture.to_str().unwrap(), "--ignore", "stamp,shift,supplier"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("with_gaps.parquet: row 5: column \"temp\" (column 1): missing value (null)"),
        "{}",
        stderr(&o)
    );
    let o =
        kausa(&["discover", fixture.to_str().unwrap(), "--ignore", "stamp,shift,supplier", "--missing", "drop-rows"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(crate::util::stdout(&o).contains("dropped 2 rows"), "{}", crate::util::stdout(&o));
}

#[test]
fn zero_bootstrap_resamples() {
    check("boot.csv", &good_rows(50), &["--bootstrap", "0"], &["--bootstrap must be at least 1"]);
}

#[test]
fn method_that_cannot_take_the_column_kinds() {
    let mut text = String::from("a,b,g\n");
    for i in 0..60 {
        text.push_str(&format!(
            "{:.3},{:.3},{}\n",
            (i as f64 * 0.7).sin(),
            (i as f64 * 1.3).cos(),
            ["x", "y", "z"][i % 3]
        ));
    }
    check(
        "kinds.csv",
        &text,
        &["--method", "lingam"],
        &["kinds.csv", "column \"g\" cannot be used by the lingam test"],
    );
    check(
        "kinds2.csv",
        &text,
        &["--method", "ges", "--score", "bic"],
        &["kinds2.csv", "column \"g\" cannot be used by the bic test"],
    );
    check(
        "kinds3.csv",
        &good_rows(50),
        &["--method", "ges", "--score", "bdeu"],
        &["kinds3.csv", "column \"a\" cannot be used by the bdeu test"],
    );
}

#[test]
fn unknown_column_on_the_command_line() {
    check(
        "u.csv",
        &good_rows(50),
        &["--ignore", "zz"],
        &["u.csv", "column \"zz\" named by --ignore is not in the file's columns"],
    );
}

#[test]
fn discrete_test_on_continuous_data() {
    check("cont.csv", &good_rows(50), &["--test", "gsq"], &["cont.csv", "column \"a\" cannot be used by the gsq test"]);
}
