//! `kausa graph`: the equivalence class of a known model — the graph a perfect
//! discovery method would return, for scoring learned graphs against the truth.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use kausa_core::Par;
use kausa_discovery::{DSeparation, FciParams, fci};
use kausa_graph::{Dag, EdgeType};
use kausa_io::{GraphJson, read_bif};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// The DAG itself.
    Dag,
    /// Its Markov equivalence class (what PC and GES estimate).
    Cpdag,
    /// The PAG over the observed variables (what FCI estimates), with --hidden variables left out.
    Pag,
}

/// Arguments of `kausa graph`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model: a Bayesian network in BIF, or a DAG as graph JSON (only `-->` edges).
    model: PathBuf,
    /// Which graph to compute.
    #[arg(long, value_enum, default_value = "cpdag")]
    kind: Kind,
    /// Variables to treat as unobserved (comma separated); only with --kind pag.
    #[arg(long, value_delimiter = ',')]
    hidden: Vec<String>,
    /// Write the graph JSON here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> Result<()> {
    let name = args.model.file_name().map(|f| f.to_string_lossy().to_lowercase()).unwrap_or_default();
    let (names, dag): (Vec<String>, Dag) = if name.ends_with(".bif") || name.ends_with(".bif.gz") {
        let bn = read_bif(&args.model)?;
        (bn.names().to_vec(), bn.dag().clone())
    } else {
        let g = GraphJson::read(&args.model)?;
        let index = |n: &str| g.nodes.iter().position(|m| m == n).expect("validated");
        let mut edges = Vec::new();
        for e in &g.edges {
            if e.kind != "-->" {
                bail!("{}: edge {} {} {} is not directed: a DAG is needed", args.model.display(), e.from, e.kind, e.to);
            }
            edges.push((index(&e.from), index(&e.to)));
        }
        let dag = Dag::new(g.nodes.len(), &edges)
            .map_err(|_| anyhow!("{}: the edges form a directed cycle", args.model.display()))?;
        (g.nodes.clone(), dag)
    };
    if !args.hidden.is_empty() && args.kind != Kind::Pag {
        bail!("--hidden needs --kind pag (hidden variables make the class a PAG)");
    }
    for h in &args.hidden {
        if !names.contains(h) {
            bail!("{}: --hidden names {h:?}, which is not a variable of the model", args.model.display());
        }
    }
    let observed: Vec<usize> = (0..names.len()).filter(|&i| !args.hidden.contains(&names[i])).collect();
    let kept: Vec<String> = observed.iter().map(|&i| names[i].clone()).collect();
    let graph = match args.kind {
        Kind::Dag => {
            let mut g = kausa_graph::Graph::empty(names.len());
            for (a, b) in dag.edges() {
                g.set_edge(a, b, EdgeType::Directed);
            }
            g
        }
        Kind::Cpdag => dag.cpdag(),
        Kind::Pag => {
            // FCI with the d-separation oracle returns exactly the true PAG (tested against enumeration).
            let test = DSeparation::with_hidden(dag.clone(), observed.clone());
            // Without hidden variables the oracle skeleton is already the MAG's, so the
            // (exponential) Possible-D-SEP step can be skipped.
            let params = FciParams { alpha: 0.5, skip_possible_dsep: args.hidden.is_empty(), ..FciParams::default() };
            fci(&test, &params, None, Par::Seq).map_err(|e| anyhow!("{e}"))?.graph
        }
    };
    let meta = serde_json::json!({ "tool": "kausa", "kind": format!("{:?}", args.kind).to_lowercase(), "hidden": args.hidden });
    let json =
        GraphJson::from_graph(&graph, if args.kind == Kind::Pag { &kept } else { &names }, Some(meta)).to_json_string();
    match &args.out {
        Some(p) => std::fs::write(p, &json).with_context(|| format!("cannot write {}", p.display()))?,
        None => print!("{json}"),
    }
    Ok(())
}
