//! `kausa identify`: is the effect of a treatment on an outcome identifiable
//! from the causal graph, and by which route?

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use kausa_identify::{Adjustment, Admg, Expr, IdError, NodeSet, adjustment, front_door, identify_id, instruments};
use kausa_io::GraphJson;

/// Arguments of `kausa identify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The causal graph: graph JSON (`-->` edges, `<->` for latent common causes) or GML as DoWhy writes it.
    #[arg(long)]
    graph: PathBuf,
    /// The treatment variable(s), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    treatment: Vec<String>,
    /// The outcome variable(s), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    outcome: Vec<String>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

fn node_set(names: &[String], wanted: &[String], role: &str, file: &std::path::Path) -> Result<NodeSet> {
    let mut ids = Vec::with_capacity(wanted.len());
    for w in wanted {
        match names.iter().position(|n| n == w) {
            Some(i) => ids.push(i),
            None => {
                bail!("{}: the {role} {w:?} is not a node of the graph (nodes: {})", file.display(), names.join(", "))
            }
        }
    }
    Ok(NodeSet::of(names.len(), ids))
}

pub(crate) fn run(args: Args) -> Result<()> {
    let file = &args.graph;
    let gj = read_causal_graph(file)?;
    let names = &gj.nodes;
    let g = admg_from_json(&gj).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let x = node_set(names, &args.treatment, "treatment", file)?;
    let y = node_set(names, &args.outcome, "outcome", file)?;
    if !x.intersection(&y).is_empty() {
        bail!("a variable cannot be both treatment and outcome: {}", show(names, &x.intersection(&y)));
    }
    let t0 = Instant::now();
    let adj = adjustment(&g, &x, &y);
    let fd = front_door(&g, &x, &y);
    let ivs = instruments(&g, &x, &y);
    let id = identify_id(&g, &x, &y);
    let seconds = t0.elapsed().as_secs_f64();
    let p = names.len();
    let formula = |e: &Expr| e.to_formula(names, &x);
    let no_path = g.descendants(&x, &g.all()).intersection(&y).is_empty();
    // What `kausa estimate` would use, in order of preference.
    let recommended = if no_path {
        "none: the treatment has no causal path to the outcome, so the effect is zero".to_string()
    } else if let Some(a) = &adj {
        let set = a.optimal.as_ref().unwrap_or(&a.minimal);
        format!("back-door adjustment for {}", show_braced(names, set))
    } else if let Some((m, _)) = &fd {
        format!("front-door adjustment through {}", show_braced(names, m))
    } else if id.is_ok() {
        "the ID estimand (its plug-in on discrete data; instruments otherwise, where there are some)".to_string()
    } else if !ivs.is_empty() {
        format!("instrumental variables ({}), under linearity or monotonicity", show_list(names, &ivs))
    } else {
        "none: the effect is not identifiable from this graph".to_string()
    };
    if args.json {
        let sets = |a: &Adjustment| {
            serde_json::json!({
                "minimal": names_of(names, &a.minimal),
                "optimal": a.optimal.as_ref().map(|o| names_of(names, o)),
                "canonical": names_of(names, &a.canonical),
                "estimand": formula(&Adjustment::estimand(p, &x, &y, a.optimal.as_ref().unwrap_or(&a.minimal))),
            })
        };
        let out = serde_json::json!({
            "treatment": names_of(names, &x),
            "outcome": names_of(names, &y),
            "causal_path": !no_path,
            "backdoor": adj.as_ref().map(sets),
            "frontdoor": fd.as_ref().map(|(m, e)| serde_json::json!({"set": names_of(names, m), "estimand": formula(e)})),
            "instruments": ivs.iter().map(|&v| names[v].clone()).collect::<Vec<_>>(),
            "id": match &id {
                Ok(e) => serde_json::json!({"identifiable": true, "estimand": formula(e)}),
                Err(h) => serde_json::json!({"identifiable": false, "hedge": {"f": names_of(names, &h.f), "f_prime": names_of(names, &h.f_prime)}}),
            },
            "recommended": recommended,
            "seconds": seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    let (tx, ty) = (show(names, &x), show(names, &y));
    println!("Effect of {tx} on {ty} in {} ({} nodes)", file.display(), p);
    if no_path {
        println!("\n{tx} has no causal (directed) path to {ty}: intervening on it leaves {ty} unchanged.");
    }
    match &adj {
        Some(a) => {
            println!("\nBack door: identifiable by adjustment");
            println!("  minimal set    {}", show_braced(names, &a.minimal));
            match &a.optimal {
                Some(o) => println!(
                    "  optimal set    {}  (smallest variance among valid sets; Henckel et al. 2022)",
                    show_braced(names, o)
                ),
                None if g.has_bidirected() => println!("  optimal set    not defined for graphs with <-> edges"),
                None => {}
            }
            println!("  canonical set  {}", show_braced(names, &a.canonical));
            println!(
                "  estimand       {}",
                formula(&Adjustment::estimand(p, &x, &y, a.optimal.as_ref().unwrap_or(&a.minimal)))
            );
        }
        None => println!("\nBack door: no set of observed variables blocks every non-causal path"),
    }
    match &fd {
        Some((m, e)) => println!("\nFront door: through {}\n  estimand       {}", show_braced(names, m), formula(e)),
        None => println!("\nFront door: no set satisfies the front-door criterion"),
    }
    if ivs.is_empty() {
        println!("\nInstruments: none");
    } else {
        println!("\nInstruments: {}  (identify the effect under linearity or monotonicity)", show_list(names, &ivs));
    }
    match &id {
        Ok(e) => {
            println!("\nID algorithm (Shpitser and Pearl 2006): identifiable\n  P({ty} | do({tx})) = {}", formula(e))
        }
        Err(h) => println!(
            "\nID algorithm (Shpitser and Pearl 2006): not identifiable\n  hedge F = {}, F' = {}: each is held together \
             by latent confounding (<->) and F' is F without its treated nodes, so models that agree on every \
             observational distribution disagree on the effect",
            show_braced(names, &h.f),
            show_braced(names, &h.f_prime),
        ),
    }
    println!("\nRecommended: {recommended}");
    Ok(())
}

/// A causal graph file: GML (by extension `.gml` or a leading `graph`), else graph JSON.
pub(crate) fn read_causal_graph(path: &std::path::Path) -> Result<GraphJson> {
    let is_gml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gml"))
        || std::fs::read(path).is_ok_and(|b| b.trim_ascii_start().starts_with(b"graph"));
    Ok(if is_gml { kausa_io::read_gml(path)? } else { GraphJson::read_mixed(path)? })
}

/// The ADMG of a graph JSON document. Unlike the other commands' graphs, a pair
/// may carry both a `-->` and a `<->` edge (a cause and a latent common cause).
pub(crate) fn admg_from_json(gj: &GraphJson) -> Result<Admg> {
    let names = &gj.nodes;
    if let Some((i, n)) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
        bail!(
            "node {n:?} is listed twice (positions {} and {})",
            names.iter().position(|m| m == n).unwrap_or(0) + 1,
            i + 1
        );
    }
    let index = |n: &str| -> Result<usize> {
        names.iter().position(|m| m == n).ok_or_else(|| anyhow!("an edge names {n:?}, which is not in the node list"))
    };
    let (mut directed, mut bidirected) = (Vec::new(), Vec::new());
    for e in &gj.edges {
        let (a, b) = (index(&e.from)?, index(&e.to)?);
        if a == b {
            bail!("self loop on {:?}", e.from);
        }
        match e.kind.as_str() {
            "-->" => directed.push((a, b)),
            "<->" => bidirected.push((a, b)),
            other => bail!(
                "the edge {} {other} {} has no single causal direction; identification needs a DAG or ADMG \
                 (--> for causes, <-> for latent common causes), not an equivalence class",
                e.from,
                e.to
            ),
        }
    }
    Admg::new(names.len(), &directed, &bidirected).map_err(|e| match e {
        IdError::Cycle(c) => anyhow!(
            "the directed edges form a cycle: {}",
            c.iter().map(|&v| names[v].as_str()).collect::<Vec<_>>().join(" --> ")
        ),
        other => anyhow!("{other}"),
    })
}

fn names_of(names: &[String], s: &NodeSet) -> Vec<String> {
    s.iter().map(|v| names[v].clone()).collect()
}

fn show(names: &[String], s: &NodeSet) -> String {
    names_of(names, s).join(", ")
}

fn show_braced(names: &[String], s: &NodeSet) -> String {
    format!("{{{}}}", show(names, s))
}

fn show_list(names: &[String], v: &[usize]) -> String {
    v.iter().map(|&i| names[i].as_str()).collect::<Vec<_>>().join(", ")
}
