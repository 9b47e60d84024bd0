use std::time::Instant;

use anyhow::Result;
use kausa_core::{Dataset, Par, Rng};
use kausa_discovery::{Compat, PcParams};
use kausa_graph::compare;
use kausa_io::GraphJson;
use kausa_sim::LinearSem;

use crate::compare::{comparison_json, comparison_text};
use crate::discover::{TestKind, edge_table, run_pc};

/// Arguments of `kausa demo`: without a subcommand, the supply-chain demo.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    kind: Option<Kind>,
    /// The folder the supply-chain demo writes (the export, the scenario, the report).
    #[arg(long, default_value = "kausa-demo")]
    out: std::path::PathBuf,
    /// Worker threads (default: all cores; the result never depends on it).
    #[arg(long)]
    threads: Option<usize>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// Simulate a linear-Gaussian causal system, learn its graph back with PC, score it.
    Discovery(DiscoveryArgs),
}

/// Arguments of `kausa demo discovery`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiscoveryArgs {
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

/// The scenario of the supply-chain demo: a four-week strike in Poland with three mitigations.
const DEMO_SCENARIO: &str = include_str!("../../../examples/pl-strike.toml");

pub(crate) fn run(args: Args) -> Result<()> {
    match args.kind {
        Some(Kind::Discovery(a)) => discovery(a),
        None => supply(&args.out, args.threads, args.json),
    }
}

/// The main job: generate the tiny example company, check and learn it, run the
/// Poland-strike scenario with its mitigations, print the table, write the report.
fn supply(out: &std::path::Path, threads: Option<usize>, json: bool) -> Result<()> {
    use anyhow::Context;
    let t0 = Instant::now();
    let export = out.join("export");
    let files = kausa_supply::example::tiny(1);
    std::fs::create_dir_all(&export).with_context(|| format!("cannot create {}", export.display()))?;
    for (name, text) in &files {
        let path = export.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let scenario = out.join("pl-strike.toml");
    std::fs::write(&scenario, DEMO_SCENARIO).with_context(|| format!("cannot write {}", scenario.display()))?;
    let data = kausa_io::read_export(&export)?;
    let problems = kausa_supply::check(&data);
    let errors = problems.iter().filter(|p| p.severity == kausa_supply::Severity::Error).count();
    anyhow::ensure!(errors == 0, "the example export has {errors} data errors");
    let leads = kausa_supply::lead_times(&data, 1);
    let demand = kausa_supply::demand(&data, 1);
    let run = crate::supply_cmd::run_whatif(&export, &scenario, None, threads, json, None)?;
    let report = out.join("whatif.html");
    crate::report::whatif_report(&crate::report::WhatifReport {
        out: &report,
        export_dir: &export,
        export: &run.export,
        scenario_path: &scenario,
        scenario: &run.scenario,
        variants: &run.variants,
        owner: Some("kausa demo"),
        intended_use: Some("show the what-if engine on the fictional example company"),
    })?;
    let f = |v: &serde_json::Value, k: &str, field: &str| v["kpis"][k][field].as_f64().unwrap_or(f64::NAN);
    if json {
        return crate::output::json(&serde_json::json!({
            "export": export.display().to_string(), "scenario": scenario.display().to_string(),
            "report": report.display().to_string(), "data_problems": problems.len(),
            "lead_times": leads.len(), "finished_parts": demand.len(), "variants": run.variants,
            "seconds": t0.elapsed().as_secs_f64(),
        }));
    }
    println!(
        "kausa demo: the fictional Beispiel-Antriebe GmbH (tiny scale) written to {}: {} purchase-order lines, {} sales-order lines, {} data problems.",
        export.display(),
        data.purchase_orders.len(),
        data.sales_orders.len(),
        problems.len()
    );
    println!(
        "Learned lead times for {} supplier sites and weekly demand for {} finished parts from its history.",
        leads.len(),
        demand.len()
    );
    println!(
        "Scenario {}: {} ({} runs per variant, common random numbers, {:.2} s).
",
        run.scenario.id,
        DEMO_SCENARIO
            .lines()
            .find(|l| l.starts_with("title"))
            .map_or("", |l| l.trim_start_matches("title = ").trim_matches('"')),
        run.scenario.runs,
        run.seconds
    );
    println!(
        "{:<16} {:>9} {:>6} {:>7} {:>12} {:>10} {:>13} {:>8}",
        "variant", "output", "late", "fill", "rev. at risk", "extra", "Δ margin", "P(better)"
    );
    for v in &run.variants {
        println!(
            "{:<16} {:>9.0} {:>6.1} {:>6.1}% {:>12.0} {:>10.0} {:>+13.0} {:>8.0}%",
            v["variant"].as_str().unwrap_or(""),
            f(v, "output_units", "mean"),
            f(v, "late_orders", "mean"),
            100.0 * f(v, "fill_rate", "mean"),
            f(v, "revenue_at_risk", "mean"),
            f(v, "extra_cost", "mean"),
            v["kpis"]["margin"]["diff"]["mean"].as_f64().unwrap_or(f64::NAN),
            100.0 * f(v, "margin", "p_better"),
        );
    }
    println!(
        "
Means over the runs; margin against {:?} run by run. P(better): share of runs in which the variant's margin beats it.",
        run.scenario.compare_to
    );
    println!("Report (HTML, opens offline): {}", report.display());
    println!("Next: kausa supply whatif {} {} --json", export.display(), scenario.display());
    Ok(())
}

fn discovery(args: DiscoveryArgs) -> Result<()> {
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
