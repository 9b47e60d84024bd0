//! The `kausa` command-line tool: glue between the command line and the library crates.

mod audit_cmd;
mod compare;
mod data_args;
mod demo;
mod discover;
mod estimate;
mod graph_cmd;
mod identify;
mod output;
mod progress;
mod report;
mod sample;
mod scm_cmd;
mod supply_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// kausa: causal AI for industrial data, on your own machine.
#[derive(Debug, Parser)]
#[command(name = "kausa", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// The audit log (default: $KAUSA_AUDIT, `audit` in ~/.config/kausa/config.toml, or
    /// ~/.local/share/kausa/audit.sqlite).
    #[arg(long, global = true, value_name = "PATH")]
    audit: Option<std::path::PathBuf>,
    /// Do not record this command; the next record shows that an unrecorded run happened.
    #[arg(long, global = true)]
    no_audit: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate data from a known causal graph, learn the graph back and score it.
    Demo(demo::Args),
    /// Learn a causal graph from a data file.
    Discover(Box<discover::Args>),
    /// Compare a learned graph with a reference graph (SHD, precision, recall).
    Compare(compare::Args),
    /// Draw data from a model: a fitted model file (with interventions), a Bayesian network (BIF) or a linear SEM.
    Sample(sample::Args),
    /// The true equivalence class of a known model (DAG, CPDAG, or PAG with hidden variables).
    Graph(graph_cmd::Args),
    /// Whether the effect of a treatment on an outcome is identifiable from a causal graph, and how.
    Identify(identify::Args),
    /// Estimate the effect of a treatment on an outcome from a causal graph and data, with an interval.
    Estimate(Box<estimate::Args>),
    /// Fit a structural causal model (one mechanism per node of a DAG) and save it as a model file.
    Fit(Box<scm_cmd::FitArgs>),
    /// The interventional mean difference E[Y | do(a)] - E[Y | do(b)] under a fitted model.
    Effect(Box<scm_cmd::EffectArgs>),
    /// What observed rows would have been under an intervention (abduction, action, prediction).
    Counterfactual(Box<scm_cmd::CounterfactualArgs>),
    /// Root causes (anomalous rows, a change between two data sets) and causal influence.
    Attribute(scm_cmd::AttributeArgs),
    /// Check a fitted model against data: each mechanism's fit and a falsification test of its graph.
    Validate(Box<scm_cmd::ValidateArgs>),
    /// The audit log: verify its hash chain, list and show records, replay one.
    Audit(audit_cmd::AuditArgs),
    /// A model card: a self-contained HTML (or Markdown) report on a fitted model.
    Report(Box<report::Args>),
    /// The supply-chain engine: check an ERP export; write the example company's export.
    Supply(supply_cmd::Args),
    /// Write an example data set: `beispiel-antriebe`, the fictional company's ERP export.
    Example(ExampleArgs),
}

/// Arguments of `kausa example`.
#[derive(Debug, clap::Args)]
struct ExampleArgs {
    /// Which example (only `beispiel-antriebe` so far).
    name: String,
    /// tiny or full.
    #[arg(long, value_enum, default_value_t = supply_cmd::Scale::Tiny)]
    scale: supply_cmd::Scale,
    /// The folder to write (created if absent).
    #[arg(long)]
    out: std::path::PathBuf,
    /// Seed: the same seed writes byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Full scale: runs of each oracle scenario on the true mechanisms (0: no oracle).
    #[arg(long, default_value_t = 1000)]
    oracle_runs: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // Every command but `audit` itself is recorded; the log is opened first, so a
    // broken log stops the command before it runs.
    let recorded = !matches!(cli.command, Command::Audit(_));
    let mut log = None;
    if recorded {
        match audit_cmd::open_for_command(cli.audit.as_deref(), cli.no_audit) {
            Ok(l) => log = l,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::from(2);
            }
        }
    }
    let capture = log.as_ref().map(|_| audit_cmd::Capture::before(&argv));
    let audit_flag = cli.audit.clone();
    let result = match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Discover(a) => discover::run(*a),
        Command::Compare(a) => compare::run(a),
        Command::Sample(a) => sample::run(a),
        Command::Graph(a) => graph_cmd::run(a),
        Command::Identify(a) => identify::run(a),
        Command::Estimate(a) => estimate::run(*a),
        Command::Fit(a) => scm_cmd::fit(*a),
        Command::Effect(a) => scm_cmd::effect_cmd(*a),
        Command::Counterfactual(a) => scm_cmd::counterfactual_cmd(*a),
        Command::Attribute(a) => scm_cmd::attribute(a),
        Command::Validate(a) => scm_cmd::validate(*a),
        Command::Audit(a) => audit_cmd::run(a, audit_flag.as_deref()),
        Command::Report(a) => report::run(*a),
        Command::Supply(a) => supply_cmd::run(a),
        Command::Example(a) => match a.name.as_str() {
            "beispiel-antriebe" => supply_cmd::write_example(&a.out, a.scale, a.seed, a.oracle_runs),
            other => Err(anyhow::anyhow!("unknown example {other:?} (known: beispiel-antriebe)")),
        },
    };
    let code: u8 = if result.is_ok() { 0 } else { 2 };
    if let (Some(mut log), Some(capture)) = (log, capture) {
        let record = capture.finish(result.as_ref().map(|_| ()), i32::from(code));
        if let Err(e) = log.append(&record) {
            if let Err(err) = &result {
                eprintln!("error: {}", error_message(err));
            }
            eprintln!("error: the command ran but could not be recorded: {e}");
            return ExitCode::from(3);
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_message(&e));
            ExitCode::from(2)
        }
    }
}

/// An error with its causes, each part once (library errors often repeat their cause).
pub(crate) fn error_message(e: &anyhow::Error) -> String {
    let mut message = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}
