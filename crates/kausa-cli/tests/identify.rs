//! `kausa identify` end to end: the routes it reports, and its errors.

use crate::util::{kausa, stderr, stdout, temp_dir, write};

const FRONT_DOOR: &str = r#"{"nodes": ["Shift", "Speed", "Scrap"], "edges": [
 {"from": "Shift", "to": "Speed", "type": "-->"}, {"from": "Speed", "to": "Scrap", "type": "-->"},
 {"from": "Shift", "to": "Scrap", "type": "<->"}]}"#;

const BACK_DOOR: &str = r#"{"nodes": ["Load", "Supplier", "LeadTime", "Late", "OrderSize"], "edges": [
 {"from": "Load", "to": "LeadTime", "type": "-->"}, {"from": "Supplier", "to": "LeadTime", "type": "-->"},
 {"from": "LeadTime", "to": "Late", "type": "-->"}, {"from": "OrderSize", "to": "Late", "type": "-->"},
 {"from": "OrderSize", "to": "Supplier", "type": "-->"}, {"from": "Load", "to": "Late", "type": "-->"}]}"#;

fn identify_json(graph: &str, name: &str, x: &str, y: &str) -> serde_json::Value {
    let dir = temp_dir(&format!("identify-{name}"));
    let g = write(&dir, "g.json", graph);
    let o = kausa(&["identify", "--graph", g.to_str().unwrap(), "--treatment", x, "--outcome", y, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn back_door_with_minimal_and_optimal_sets() {
    let v = identify_json(BACK_DOOR, "bd", "Supplier", "Late");
    assert_eq!(v["backdoor"]["minimal"], serde_json::json!(["OrderSize"]));
    // Load is not needed for validity but, as a parent of a causal node, lowers the variance.
    assert_eq!(v["backdoor"]["optimal"], serde_json::json!(["Load", "OrderSize"]));
    assert_eq!(v["backdoor"]["estimand"], "Σ_{Load, OrderSize} P(Late | Load, Supplier, OrderSize) P(Load, OrderSize)");
    assert_eq!(v["frontdoor"], serde_json::Value::Null);
    assert_eq!(v["id"]["identifiable"], true);
    assert_eq!(v["recommended"], "back-door adjustment for {Load, OrderSize}");
}

#[test]
fn front_door_when_the_back_door_is_shut() {
    let v = identify_json(FRONT_DOOR, "fd", "Shift", "Scrap");
    assert_eq!(v["backdoor"], serde_json::Value::Null);
    assert_eq!(v["frontdoor"]["set"], serde_json::json!(["Speed"]));
    let want = "Σ_{Speed} P(Speed | Shift) [Σ_{Shift'} P(Scrap | Shift', Speed) P(Shift')]";
    assert_eq!(v["frontdoor"]["estimand"], want);
    assert_eq!(v["id"]["identifiable"], true);
    let dir = temp_dir("identify-text");
    let g = write(&dir, "g.json", FRONT_DOOR);
    let o = kausa(&["identify", "--graph", g.to_str().unwrap(), "--treatment", "Shift", "--outcome", "Scrap"]);
    let text = stdout(&o);
    assert!(text.contains("Back door: no set of observed variables blocks every non-causal path"), "{text}");
    assert!(text.contains("Recommended: front-door adjustment through {Speed}"), "{text}");
}

#[test]
fn not_identifiable_is_an_answer_with_its_hedge() {
    // Z --> X --> M --> Y with X <-> Y and M <-> Y: Y's district takes in the mediator, so
    // neither door opens; Z is still an instrument.
    let bow = r#"{"nodes": ["X", "Y"], "edges": [{"from": "X", "to": "Y", "type": "-->"},
        {"from": "X", "to": "Y", "type": "<->"}]}"#;
    let v = identify_json(bow, "bow", "X", "Y");
    assert_eq!(v["id"]["identifiable"], false, "the bow arc: a cause and a latent common cause on one pair");
    assert_eq!(v["recommended"], "none: the effect is not identifiable from this graph");
    let iv = r#"{"nodes": ["Z", "X", "M", "Y"], "edges": [{"from": "Z", "to": "X", "type": "-->"},
        {"from": "X", "to": "M", "type": "-->"}, {"from": "M", "to": "Y", "type": "-->"},
        {"from": "X", "to": "Y", "type": "<->"}, {"from": "M", "to": "Y", "type": "<->"}]}"#;
    let v = identify_json(iv, "hedge", "X", "Y");
    assert_eq!(v["id"]["identifiable"], false);
    assert_eq!(v["id"]["hedge"]["f"], serde_json::json!(["X", "M", "Y"]));
    assert_eq!(v["id"]["hedge"]["f_prime"], serde_json::json!(["M", "Y"]));
    assert_eq!(v["instruments"], serde_json::json!(["Z"]));
    assert!(v["recommended"].as_str().unwrap().starts_with("instrumental variables (Z)"));
}

#[test]
fn no_causal_path_means_no_effect() {
    let v = identify_json(BACK_DOOR, "nopath", "Late", "Supplier");
    assert_eq!(v["causal_path"], false);
    assert!(v["recommended"].as_str().unwrap().contains("effect is zero"));
}

#[test]
fn bad_queries_and_graphs_are_clear_errors() {
    let dir = temp_dir("identify-bad");
    let g = write(&dir, "g.json", BACK_DOOR);
    let gs = g.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--treatment", "Supplyer", "--outcome", "Late"], "the treatment \"Supplyer\" is not a node of the graph"),
        (vec!["--treatment", "Late", "--outcome", "Late"], "cannot be both treatment and outcome: Late"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["identify", "--graph", gs];
        args.extend(extra);
        let o = kausa(&args);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    let cpdag =
        write(&dir, "cpdag.json", r#"{"nodes": ["a", "b"], "edges": [{"from": "a", "to": "b", "type": "---"}]}"#);
    let o = kausa(&["identify", "--graph", cpdag.to_str().unwrap(), "--treatment", "a", "--outcome", "b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the edge a --- b has no single causal direction"), "{}", stderr(&o));
    let cyclic = write(
        &dir,
        "cyclic.json",
        r#"{"nodes": ["a", "b", "c"], "edges": [{"from": "a", "to": "b", "type": "-->"},
            {"from": "b", "to": "c", "type": "-->"}, {"from": "c", "to": "a", "type": "-->"}]}"#,
    );
    let o = kausa(&["identify", "--graph", cyclic.to_str().unwrap(), "--treatment", "a", "--outcome", "c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the directed edges form a cycle"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
}
