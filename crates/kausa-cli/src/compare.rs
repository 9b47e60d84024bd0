use std::path::PathBuf;

use anyhow::{Result, anyhow};
use kausa_graph::{Comparison, compare};
use kausa_io::GraphJson;

/// Arguments of `kausa compare`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The reference graph (canonical graph JSON).
    truth: PathBuf,
    /// The learned graph (canonical graph JSON).
    learned: PathBuf,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn comparison_json(c: &Comparison) -> serde_json::Value {
    serde_json::json!({
        "shd": c.shd,
        "skeleton_shd": c.skeleton_shd(),
        "adj_tp": c.adj_tp, "adj_fp": c.adj_fp, "adj_fn": c.adj_fn,
        "adj_precision": c.adj_precision(), "adj_recall": c.adj_recall(),
        "orientation_diffs": c.orientation_diffs,
        "arrow_precision": c.arrow_precision(), "arrow_recall": c.arrow_recall(),
        "identical": c.shd == 0,
    })
}

pub(crate) fn comparison_text(c: &Comparison) -> String {
    format!(
        "SHD {}  (skeleton: {} extra, {} missing; {} shared adjacencies oriented differently)\n\
         adjacency precision {:.3}  recall {:.3}\n\
         arrowhead precision {:.3}  recall {:.3}",
        c.shd,
        c.adj_fp,
        c.adj_fn,
        c.orientation_diffs,
        c.adj_precision(),
        c.adj_recall(),
        c.arrow_precision(),
        c.arrow_recall()
    )
}

pub(crate) fn run(args: Args) -> Result<()> {
    let truth = GraphJson::read(&args.truth)?;
    let learned = GraphJson::read(&args.learned)?;
    let t = truth.to_graph().map_err(|e| anyhow!("{}: {e}", args.truth.display()))?;
    let l = learned.reorder(&truth.nodes).map_err(|e| anyhow!("{}: {e}", args.learned.display()))?;
    let c = compare(&l, &t);
    if args.json {
        crate::output::json(&comparison_json(&c))?;
    } else {
        println!("{} against {}", args.learned.display(), args.truth.display());
        println!("{}", comparison_text(&c));
    }
    Ok(())
}
