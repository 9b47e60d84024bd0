//! PC with a perfect independence test on the bnlearn networks.
//!
//! The d-separation oracle is given to the library directly; the networks' edge
//! lists come from `../shared/data/bnlearn-bif/<net>.edges.tsv`.

use kausa_core::Par;
use kausa_discovery::{Compat, DSeparation, PcParams, pc};
use kausa_graph::Dag;

use crate::util::data_root;

fn network(root: &std::path::Path, net: &str) -> Dag {
    let text = std::fs::read_to_string(root.join(format!("bnlearn-bif/{net}.edges.tsv"))).unwrap();
    let mut names: Vec<String> = Vec::new();
    let mut edges = Vec::new();
    let id = |n: &str, names: &mut Vec<String>| match names.iter().position(|m| m == n) {
        Some(i) => i,
        None => {
            names.push(n.to_string());
            names.len() - 1
        }
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 2 || f[0] == "parent" || f[0].starts_with('#') {
            continue;
        }
        let (a, b) = (id(f[0].trim(), &mut names), id(f[1].trim(), &mut names));
        edges.push((a, b));
    }
    Dag::new(names.len(), &edges).unwrap()
}

#[test]
fn oracle_pc_recovers_the_cpdag_of_bnlearn_networks() {
    let Some(root) = data_root("oracle PC on bnlearn networks") else { return };
    for net in ["asia", "cancer", "earthquake", "sachs", "survey", "child", "insurance", "alarm"] {
        let dag = network(&root, net);
        let truth = dag.cpdag();
        for compat in [Compat::Pcalg, Compat::CausalLearn] {
            let params = PcParams { alpha: 0.5, compat, ..PcParams::default() };
            let got = pc(&DSeparation::new(dag.clone()), &params, None, Par::threads(2)).unwrap();
            assert_eq!(got.graph.edges(), truth.edges(), "{net} [{compat:?}]");
        }
    }
}
