//! `kausa sample`: every bnlearn network parses to its published structure, and
//! data drawn from known models lead discovery back to the model.

use kausa_io::read_bif;

use crate::util::{data_root, edge_strings, kausa, stderr, stdout, temp_dir, write};

#[test]
fn every_bnlearn_network_parses_to_its_published_structure() {
    let Some(root) = data_root("BIF parsing of the bnlearn networks") else { return };
    let dir = root.join("bnlearn-bif");
    let mut nets: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".nodes.txt").map(String::from))
        .collect();
    nets.sort();
    assert!(nets.len() >= 24, "{nets:?}");
    for net in &nets {
        let bif = [format!("{net}.bif"), format!("{net}.bif.gz")].into_iter().map(|f| dir.join(f)).find(|p| p.exists());
        let bn = read_bif(&bif.unwrap()).unwrap_or_else(|e| panic!("{net}: {e}"));
        let nodes: Vec<String> = std::fs::read_to_string(dir.join(format!("{net}.nodes.txt")))
            .unwrap()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(bn.names(), &nodes[..], "{net}");
        let mut want: Vec<(usize, usize)> = std::fs::read_to_string(dir.join(format!("{net}.edges.tsv")))
            .unwrap()
            .lines()
            .filter_map(|l| {
                let (a, b) = l.split_once('\t')?;
                Some((nodes.iter().position(|n| n == a.trim())?, nodes.iter().position(|n| n == b.trim())?))
            })
            .collect();
        want.sort();
        assert_eq!(bn.dag().edges(), want, "{net}");
    }
}

#[test]
fn sampled_bayesian_network_data_lead_pc_to_the_network() {
    let Some(root) = data_root("sampling asia") else { return };
    let dir = temp_dir("sample-bif");
    let bif = root.join("bnlearn-bif/asia.bif");
    let csv = dir.join("asia.csv");
    let o = kausa(&["sample", bif.to_str().unwrap(), "--n", "20000", "--seed", "3", "--out", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("asia,tub,smoke,lung,bronc,either,xray,dysp\n"), "{}", &text[..80]);
    assert_eq!(text.lines().count(), 20001);
    // The same seed gives the same file.
    let again = kausa(&["sample", bif.to_str().unwrap(), "--n", "20000", "--seed", "3"]);
    assert_eq!(stdout(&again), text);
    // G² PC on the sample finds asia's strong edges. ("either" is the deterministic OR of tub and
    // lung, a faithfulness violation that makes PC drop the edges around it; they are not checked.)
    let o = kausa(&["discover", csv.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let adjacent = |a: &str, b: &str| {
        v["graph"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| (e["from"] == a && e["to"] == b) || (e["from"] == b && e["to"] == a))
    };
    for (a, b) in [("smoke", "lung"), ("smoke", "bronc"), ("bronc", "dysp"), ("lung", "either")] {
        assert!(adjacent(a, b), "{a} - {b} missing: {}", v["graph"]);
    }
    assert!(!adjacent("asia", "dysp") && !adjacent("smoke", "xray"), "{}", v["graph"]);
}

#[test]
fn sampled_linear_model_leads_pc_to_its_cpdag() {
    let dir = temp_dir("sample-sem");
    // A collider a -> c <- b with c -> d, weights on the edges.
    let model = write(
        &dir,
        "sem.json",
        r#"{"nodes": ["a", "b", "c", "d"], "edges": [
            {"from": "a", "to": "c", "type": "-->", "weight": 0.8},
            {"from": "b", "to": "c", "type": "-->", "weight": -0.7},
            {"from": "c", "to": "d", "type": "-->", "weight": 0.9}]}"#,
    );
    for noise in ["gaussian", "uniform", "exp", "laplace"] {
        let csv = dir.join(format!("{noise}.csv"));
        let o = kausa(&[
            "sample",
            model.to_str().unwrap(),
            "--n",
            "3000",
            "--noise",
            noise,
            "--out",
            csv.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = kausa(&["discover", csv.to_str().unwrap(), "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let edges = edge_strings(&v["graph"]);
        assert_eq!(edges, ["a --> c", "b --> c", "c --> d"], "{noise}");
    }
}

#[test]
fn bad_models_are_refused_with_their_place() {
    let dir = temp_dir("sample-bad");
    let good = "variable a { type discrete [ 2 ] { x, y }; }\nprobability ( a ) { table 0.5, 0.5; }\n";
    let cases = [
        ("syntax.bif", good.replace("table 0.5, 0.5;", "table 0.5, 0.5"), "syntax.bif:2: column 36: expected ';', found '}'"),
        ("sum.bif", good.replace("0.5, 0.5", "0.5, 0.6"), "sum.bif:2: column 1: variable \"a\": the probabilities of row 0 sum to 1.1"),
        ("cyclic.json", r#"{"nodes": ["a", "b", "c"], "edges": [{"from": "a", "to": "b", "type": "-->", "weight": 1}, {"from": "b", "to": "c", "type": "-->", "weight": 1}, {"from": "c", "to": "a", "type": "-->", "weight": 1}]}"#.to_string(), "cyclic.json: the edges form a directed cycle"),
        ("noweight.json", r#"{"nodes": ["a", "b"], "edges": [{"from": "a", "to": "b", "type": "-->"}]}"#.to_string(), "edge a --> b has no weight"),
    ];
    for (name, text, want) in cases {
        let model = write(&dir, name, &text);
        let out = dir.join("out.csv");
        let o = kausa(&["sample", model.to_str().unwrap(), "--n", "10", "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
        assert!(!out.exists(), "{name}: wrote output");
    }
    let o = kausa(&["sample", "/no/such/net.bif", "--n", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/net.bif: No such file"), "{}", stderr(&o));
    let model = write(&dir, "ok.bif", good);
    let o = kausa(&["sample", model.to_str().unwrap(), "--n", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--n must be at least 1"), "{}", stderr(&o));
}

#[test]
fn true_graphs_of_known_models() {
    let dir = temp_dir("graph-cmd");
    let model = write(
        &dir,
        "dag.json",
        r#"{"nodes": ["a", "b", "L", "c", "d"], "edges": [{"from": "a", "to": "b", "type": "-->"},
            {"from": "L", "to": "b", "type": "-->"}, {"from": "L", "to": "c", "type": "-->"},
            {"from": "d", "to": "c", "type": "-->"}]}"#,
    );
    let edges = |args: &[&str]| -> Vec<String> {
        let o = kausa(args);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        edge_strings(&v)
    };
    let m = model.to_str().unwrap();
    assert_eq!(edges(&["graph", m, "--kind", "cpdag"]), ["a --> b", "L --> b", "L --> c", "d --> c"]);
    assert_eq!(edges(&["graph", m, "--kind", "pag", "--hidden", "L"]), ["a o-> b", "b <-> c", "d o-> c"]);
    assert_eq!(edges(&["graph", m, "--kind", "pag"]), ["a o-> b", "L o-> b", "L o-> c", "d o-> c"]);
    let o = kausa(&["graph", m, "--hidden", "L"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--hidden needs --kind pag"), "{}", stderr(&o));
    let o = kausa(&["graph", m, "--kind", "pag", "--hidden", "Z"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--hidden names \"Z\""), "{}", stderr(&o));
    if let Some(root) = data_root("true CPDAG of asia") {
        let asia = root.join("bnlearn-bif/asia.bif");
        let cp = edges(&["graph", asia.to_str().unwrap()]);
        // asia's CPDAG: the v-structures at either and dysp, the rest follows.
        assert!(cp.contains(&"tub --> either".to_string()) && cp.contains(&"bronc --> dysp".to_string()), "{cp:?}");
        assert!(cp.contains(&"asia --- tub".to_string()), "{cp:?}");
    }
}
