//! The `kausa` command-line tool: glue between the command line and the library crates.

mod compare;
mod data_args;
mod demo;
mod discover;
mod estimate;
mod graph_cmd;
mod identify;
mod progress;
mod sample;
mod scm_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// kausa: causal AI for industrial data, on your own machine.
#[derive(Debug, Parser)]
#[command(name = "kausa", version, about, long_about = None, propagate_version = true)]
struct Cli {
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Library errors often repeat their cause in their own message; print each part once.
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message.push_str(": ");
                    message.push_str(&cause);
                }
            }
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
