//! GES against causal-learn 0.1.4.8's `ges` on its own reference outputs
//! (`../shared/data/causal-learn-testdata`): same CPDAG, edge for edge.

use std::io::Read;
use std::path::Path;

use crate::util::{data_root, edge_strings, kausa, stderr, temp_dir, write};

/// Edges `"Xa --> Xb"` / `"Xa --- Xb"` (1-based names, undirected as a < b) of a causal-learn
/// GeneralGraph matrix, where `M[a][b]` is the mark at a's end: 1 arrow, -1 tail.
fn reference_edges(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let m: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    let mut out = Vec::new();
    for i in 0..m.len() {
        for j in 0..m.len() {
            if m[j][i] == 1.0 && m[i][j] == -1.0 {
                out.push(format!("X{} --> X{}", i + 1, j + 1));
            } else if i < j && m[i][j] == -1.0 && m[j][i] == -1.0 {
                out.push(format!("X{} --- X{}", i + 1, j + 1));
            }
        }
    }
    out.sort();
    out
}

fn kausa_edges(data: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["discover", data.to_str().unwrap(), "--method", "ges", "--json"];
    args.extend_from_slice(extra);
    let o = kausa(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out = edge_strings(&v["graph"]);
    out.sort();
    out
}

#[test]
fn ges_matches_causal_learn_on_its_reference_outputs() {
    let Some(root) = data_root("GES against causal-learn references") else { return };
    let td = root.join("causal-learn-testdata/TestData");
    let res = td.join("benchmark_returned_results");
    // BIC with causal-learn's default lambda_value 0.5 (penalty discount 1).
    let want = reference_edges(&res.join("linear_10_ges_local_score_BIC_none_none.txt"));
    assert_eq!(want.len(), 30);
    assert_eq!(kausa_edges(&td.join("data_linear_10.txt.gz"), &[]), want, "linear_10 BIC");
    // BDeu with equivalent sample size 1 on binary data.
    let want = reference_edges(&res.join("discrete_10_ges_local_score_BDeu_none_none.txt"));
    assert_eq!(want.len(), 27);
    assert_eq!(kausa_edges(&td.join("data_discrete_10.txt.gz"), &[]), want, "discrete_10 BDeu");
}

/// causal-learn's 5-node simulation: penalty discount 2 (lambda 1.0) recovers the true CPDAG;
/// the default (lambda 0.5) adds 0 — 2 and leaves everything undirected, as causal-learn 0.1.4.8 does.
#[test]
fn ges_penalty_discount_on_the_five_node_simulation() {
    let Some(root) = data_root("GES five-node simulation") else { return };
    let mut text = String::new();
    let gz = std::fs::read(root.join("causal-learn-testdata/TestData/test_ges_simulated_linear_gaussian_data.txt.gz"))
        .unwrap();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    let dir = temp_dir("ges-five");
    let data = write(&dir, "five.txt", &format!("X1 X2 X3 X4 X5\n{text}"));
    let truth = ["X1 --- X2", "X1 --> X4", "X2 --- X3", "X2 --> X4", "X3 --> X4", "X3 --> X5", "X4 --> X5"];
    assert_eq!(kausa_edges(&data, &["--penalty-discount", "2"]), truth);
    let loose =
        ["X1 --- X2", "X1 --- X3", "X1 --- X4", "X2 --- X3", "X2 --- X4", "X3 --- X4", "X3 --- X5", "X4 --- X5"];
    assert_eq!(kausa_edges(&data, &[]), loose);
}
