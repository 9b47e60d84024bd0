use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::util::{data_root, kausa, repo_root, stderr, temp_dir};

type Edges = BTreeSet<(String, String, String)>;

fn edges(v: &serde_json::Value) -> Edges {
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (a, b, t) = (e["from"].as_str().unwrap(), e["to"].as_str().unwrap(), e["type"].as_str().unwrap());
            // Symmetric edges compare independently of the order their ends are listed.
            if t != "-->" && a > b { (b.into(), a.into(), t.into()) } else { (a.into(), b.into(), t.into()) }
        })
        .collect()
}

fn read_json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

fn header(path: &std::path::Path, delimiter: &str) -> Vec<String> {
    use std::io::{BufRead, BufReader, Read};
    let raw = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let mut line = String::new();
    BufReader::new(reader).read_line(&mut line).unwrap();
    line.trim_end().split(delimiter).map(|s| s.trim().to_string()).collect()
}

#[test]
fn pc_matches_pcalg_and_causal_learn_on_every_golden_case() {
    let golden = repo_root().join("golden/pc");
    let cases = read_json(&golden.join("cases.json"));
    let shared = data_root("golden cases on shared data");
    let dir = temp_dir("golden");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let data = case["data"].as_str().unwrap();
        let data: PathBuf = match data.strip_prefix("shared:") {
            Some(rest) => match &shared {
                Some(root) => root.join(rest),
                None => {
                    skipped += 1;
                    continue;
                }
            },
            None => golden.join(data),
        };
        let delimiter = case["delimiter"].as_str().unwrap();
        let test = case["test"].as_str().unwrap();
        let alpha = case["alpha"].as_f64().unwrap().to_string();
        let delim_arg = match delimiter {
            "\t" => "tab",
            " " => "space",
            d => d,
        };
        let expect_error = case.get("expect_error").and_then(|e| e.as_str());
        let discrete = if test == "fisherz" { String::new() } else { header(&data, delimiter).join(",") };
        for (mode, key) in [("pcalg", "pcalg"), ("causal-learn", "causal_learn")] {
            let Some(expected) = case[key].as_str() else { continue };
            let out = dir.join(format!("{name}.{mode}.json"));
            let o_str = out.to_str().unwrap().to_string();
            let data_str = data.to_str().unwrap().to_string();
            let mut args = vec![
                "discover",
                &data_str,
                "--test",
                test,
                "--alpha",
                &alpha,
                "--compat",
                mode,
                "--delimiter",
                delim_arg,
                "--threads",
                "2",
                "--out",
                &o_str,
            ];
            if !discrete.is_empty() {
                args.extend(["--discrete", &discrete]);
            }
            let o = kausa(&args);
            if let Some(e) = expect_error {
                // The reference accepts data that kausa refuses by design (constant columns).
                if o.status.code() != Some(2) || !stderr(&o).contains(e) {
                    failures.push(format!("{name} [{mode}]: expected exit 2 with {e:?}, got {}", stderr(&o)));
                }
                continue;
            }
            if !o.status.success() {
                failures.push(format!("{name} [{mode}]: kausa failed: {}", stderr(&o)));
                continue;
            }
            let want = edges(&read_json(&golden.join(expected)));
            let got = edges(&read_json(&out));
            checked += 1;
            if want != got {
                let extra: Vec<_> = got.difference(&want).take(4).collect();
                let missing: Vec<_> = want.difference(&got).take(4).collect();
                failures.push(format!("{name} [{mode}]: differs; kausa only {extra:?}; reference only {missing:?}"));
            }
        }
    }
    eprintln!("golden: {checked} graphs compared, {skipped} cases skipped (no shared data)");
    assert!(checked >= 40, "too few golden graphs compared: {checked}");
    assert!(failures.is_empty(), "{} of {checked} differ:\n{}", failures.len(), failures.join("\n"));
}
