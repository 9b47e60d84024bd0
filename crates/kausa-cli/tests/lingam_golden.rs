//! DirectLiNGAM against the `lingam` package on committed cases
//! (`golden/lingam/`, made by `make_golden.py` with lingam 1.13.0): the same
//! causal order and every coefficient within 1e-6.

use crate::util::{kausa, repo_root, stderr};

#[test]
fn lingam_matches_the_lingam_package() {
    let dir = repo_root().join("golden/lingam");
    let cases = crate::util::read_json(&dir.join("cases.json"));
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let want = crate::util::read_json(&dir.join(format!("expected/{name}.json")));
        let data = dir.join(format!("data/{name}.csv.gz"));
        let o = kausa(&["discover", data.to_str().unwrap(), "--method", "lingam", "--json"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(got["stats"]["causal_order"], want["order"], "{name}: causal order");
        let nodes: Vec<&str> = want["nodes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let p = nodes.len();
        let mut b = vec![0.0f64; p * p];
        for e in got["graph"]["edges"].as_array().unwrap() {
            assert_eq!(e["type"], "-->");
            let from = nodes.iter().position(|n| *n == e["from"]).unwrap();
            let to = nodes.iter().position(|n| *n == e["to"]).unwrap();
            b[to * p + from] = e["weight"].as_f64().unwrap();
        }
        for i in 0..p {
            for j in 0..p {
                let w = want["b"][i][j].as_f64().unwrap();
                let g = b[i * p + j];
                assert_eq!(w == 0.0, g == 0.0, "{name}: support differs at B[{i}][{j}]: lingam {w}, kausa {g}");
                assert!((w - g).abs() <= 1e-6, "{name}: B[{i}][{j}] lingam {w}, kausa {g}");
            }
        }
    }
}
