//! FCI in `--compat causal-learn` mode against causal-learn's own reference PAGs
//! (`../shared/data/causal-learn-testdata`): edge for edge, every mark.
//!
//! The reference files were made by causal-learn before its PR #243 changed rule
//! R9, so they are reproduced with `--causal-learn-r9 legacy`.

use std::path::Path;

use crate::util::{data_root, edge_strings, kausa, stderr};

/// `"Xa --> Xb"`-style edges of a causal-learn PAG matrix (`M[i][j]` is the mark at
/// `i` on the edge `i – j`: -1 tail, 1 arrowhead, 2 circle), symmetric edges as `a < b`.
fn reference_edges(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let m: Vec<Vec<i64>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|v| v.parse::<f64>().unwrap() as i64).collect())
        .collect();
    let mut out = Vec::new();
    for i in 0..m.len() {
        for j in i + 1..m.len() {
            let (x, y) = (format!("X{}", i + 1), format!("X{}", j + 1));
            let e = match (m[i][j], m[j][i]) {
                (0, 0) => continue,
                (-1, 1) => format!("{x} --> {y}"),
                (1, -1) => format!("{y} --> {x}"),
                (1, 1) => format!("{x} <-> {y}"),
                (2, 1) => format!("{x} o-> {y}"),
                (1, 2) => format!("{y} o-> {x}"),
                (2, 2) => format!("{x} o-o {y}"),
                (-1, -1) => format!("{x} --- {y}"),
                other => panic!("unexpected marks {other:?} in {}", path.display()),
            };
            out.push(e);
        }
    }
    out.sort();
    out
}

fn kausa_edges(data: &Path, extra: &[&str]) -> Result<Vec<String>, String> {
    let mut args =
        vec!["discover", data.to_str().unwrap(), "--method", "fci", "--alpha", "0.05", "--compat", "causal-learn"];
    args.extend_from_slice(&["--causal-learn-r9", "legacy", "--json"]);
    args.extend_from_slice(extra);
    let o = kausa(&args);
    if !o.status.success() {
        return Err(stderr(&o));
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out = edge_strings(&v["graph"]);
    out.sort();
    Ok(out)
}

#[test]
fn fci_matches_causal_learn_reference_pags() {
    let Some(root) = data_root("FCI against causal-learn references") else { return };
    let td = root.join("causal-learn-testdata/TestData");
    let res = td.join("benchmark_returned_results");
    let want = reference_edges(&res.join("linear_10_fci_fisherz_0.05.txt"));
    assert_eq!(kausa_edges(&td.join("data_linear_10.txt.gz"), &["--test", "fisherz"]).unwrap(), want, "linear_10");
    let mut checked = 1;
    for net in [
        "asia",
        "cancer",
        "earthquake",
        "sachs",
        "survey",
        "alarm",
        "barley",
        "child",
        "insurance",
        "hailfinder",
        "hepar2",
        "win95pts",
        "water",
    ] {
        let dir = td.join("bnlearn_discrete_10000/data");
        let data = [dir.join(format!("{net}.txt")), dir.join(format!("{net}.txt.gz"))].into_iter().find(|p| p.exists());
        let data = data.unwrap_or_else(|| panic!("{net}: no data file"));
        let want = reference_edges(&res.join(format!("bnlearn_discrete_10000_{net}_fci_chisq_0.05.txt")));
        let p = std::fs::read_to_string(&data).ok().map_or_else(
            || {
                let gz = std::fs::read(&data).unwrap();
                let mut s = String::new();
                std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut s).unwrap();
                s.lines().next().unwrap().split_whitespace().count()
            },
            |s| s.lines().next().unwrap().split_whitespace().count(),
        );
        let discrete: Vec<String> = (1..=p).map(|i| format!("X{i}")).collect();
        let got = kausa_edges(&data, &["--test", "chisq", "--discrete", &discrete.join(",")]);
        if net == "water" {
            // water has constant columns, which kausa refuses by design (causal-learn tests them anyway).
            let e = got.unwrap_err();
            assert!(e.contains("is constant"), "{e}");
            continue;
        }
        assert_eq!(got.unwrap(), want, "{net}");
        checked += 1;
    }
    assert_eq!(checked, 13);
}

/// Random linear models with two hidden variables each (`golden/fci/`, made by
/// `make_golden.py` with causal-learn 0.1.4.8 as released): the same PAG.
#[test]
fn fci_matches_causal_learn_with_hidden_variables() {
    let dir = crate::util::repo_root().join("golden/fci");
    let cases = crate::util::read_json(&dir.join("cases.json"));
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let want = crate::util::read_json(&dir.join(format!("expected/{name}.json")));
        let mut want = edge_strings(&want);
        want.sort();
        let data = dir.join(format!("data/{name}.csv.gz"));
        let test = case["test"].as_str().unwrap();
        let o = kausa(&[
            "discover",
            data.to_str().unwrap(),
            "--method",
            "fci",
            "--test",
            test,
            "--alpha",
            "0.05",
            "--compat",
            "causal-learn",
            "--json",
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut got = edge_strings(&v["graph"]);
        got.sort();
        assert_eq!(got, want, "{name}");
    }
}
