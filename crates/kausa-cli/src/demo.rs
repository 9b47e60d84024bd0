use std::time::Instant;

use anyhow::Result;
use kausa_core::{Dataset, Par, Rng};
use kausa_discovery::{Compat, PcParams};
use kausa_graph::compare;
use kausa_io::GraphJson;
use kausa_sim::LinearSem;

use crate::compare::{comparison_json, comparison_text};
use crate::discover::{TestKind, edge_table, run_pc};

/// Arguments of `kausa demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Number of variables.
    #[arg(long, default_value_t = 20)]
    p: usize,
    /// Number of rows to simulate.
    #[arg(long, default_value_t = 5000)]
    n: usize,
    /// Expected average degree of the true graph.
    #[arg(long, default_value_t = 2.0)]
    degree: f64,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Significance level.
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> Result<()> {
    anyhow::ensure!(args.p >= 2, "--p must be at least 2");
    anyhow::ensure!(args.n >= 10, "--n must be at least 10");
    let t0 = Instant::now();
    let mut rng = Rng::seed_from_u64(args.seed);
    let sem = LinearSem::random(args.p, args.degree, 0.5, 1.0, &mut rng);
    let names: Vec<String> = (1..=args.p).map(|i| format!("X{i}")).collect();
    let data = Dataset::from_continuous(&names, sem.sample(args.n, &mut rng))?;
    let truth = sem.dag().cpdag();
    let params = PcParams { alpha: args.alpha, compat: Compat::Pcalg, ..PcParams::default() };
    let par = Par::threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let found =
        run_pc(&data, std::path::Path::new("<simulated>"), TestKind::Fisherz, &params, None, par, &kausa_core::Silent)?;
    let c = compare(&found.result.graph, &truth);
    if args.json {
        let doc = serde_json::json!({
            "truth": GraphJson::from_graph(&truth, &names, None),
            "learned": GraphJson::from_graph(&found.result.graph, &names, None),
            "comparison": comparison_json(&c),
            "seconds": t0.elapsed().as_secs_f64(),
        });
        crate::output::json(&doc)?;
        return Ok(());
    }
    println!(
        "kausa demo: a random linear-Gaussian DAG on {} variables ({} edges), {} simulated rows (seed {}).",
        args.p,
        sem.dag().edges().len(),
        args.n,
        args.seed
    );
    println!(
        "Learned with PC-stable, Fisher-z test, alpha {} ({} tests, {:.3} s):\n",
        args.alpha,
        found.result.n_tests,
        t0.elapsed().as_secs_f64()
    );
    print!("{}", edge_table(&found.result.graph, &names));
    println!("\nAgainst the true CPDAG ({} edges):", truth.n_edges());
    println!("{}", comparison_text(&c));
    Ok(())
}
