use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use kausa_core::{Dataset, Par, Progress};
use kausa_discovery::{Compat, PcParams, PcResult, pc_with_progress};
use kausa_graph::Graph;
use kausa_io::{GraphJson, read_knowledge, read_table, to_dot};

use crate::data_args::DataArgs;
use crate::progress::Bar;
use kausa_stats::{CiTest, Correlation, DiscreteData, DiscreteTest, DiscreteTestKind, FisherZ, Semantics, StatsError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Method {
    /// PC-stable (Colombo and Maathuis 2014).
    Pc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestKind {
    /// Fisher's z test of partial correlation (continuous, Gaussian data).
    Fisherz,
    /// Likelihood-ratio G² test (discrete data).
    Gsq,
    /// Pearson's χ² test (discrete data).
    Chisq,
}

impl TestKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TestKind::Fisherz => "fisherz",
            TestKind::Gsq => "gsq",
            TestKind::Chisq => "chisq",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompatArg {
    /// R pcalg semantics (first separating set).
    Pcalg,
    /// causal-learn 0.1.4.x semantics (union of separating sets, priority rule 2).
    CausalLearn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Canonical graph JSON.
    Json,
    /// Graphviz DOT.
    Dot,
}

/// Arguments of `kausa discover`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The data file: CSV with a header row (plain or gzip-compressed), or Parquet.
    data: PathBuf,
    /// The discovery method.
    #[arg(long, value_enum, default_value = "pc")]
    method: Method,
    /// Significance level of the independence tests.
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
    /// The conditional-independence test (default: fisherz for continuous data, gsq for discrete).
    #[arg(long, value_enum)]
    test: Option<TestKind>,
    /// Largest conditioning-set size.
    #[arg(long)]
    max_depth: Option<usize>,
    /// Background knowledge (TOML: tiers, required, forbidden).
    #[arg(long)]
    knowledge: Option<PathBuf>,
    /// Threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Which reference implementation's semantics to reproduce.
    #[arg(long, value_enum, default_value = "pcalg")]
    compat: CompatArg,
    #[command(flatten)]
    input: DataArgs,
    /// Write the graph to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Format of the graph written with --out, or printed without it.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Print machine-readable JSON (graph, statistics, timings) on stdout.
    #[arg(long)]
    json: bool,
}

/// Explains a statistics error with column names instead of indices.
pub(crate) fn explain(e: &StatsError, names: &[String]) -> String {
    let n = |v: usize| format!("{:?}", names[v]);
    let list = |vs: &[usize]| vs.iter().map(|&v| n(v)).collect::<Vec<_>>().join(", ");
    match e {
        StatsError::Constant { column } => format!("column {} is constant", n(*column)),
        StatsError::Collinear { columns } => format!(
            "columns {} are perfectly collinear: {} is an exact linear combination of the others, \
             so the correlation matrix is singular (drop one of them)",
            list(columns),
            n(*columns.last().expect("non-empty"))
        ),
        StatsError::SingularConditioningSet { x, y, set } => {
            format!("singular conditioning set {{{}}} when testing {} and {}", list(set), n(*x), n(*y))
        }
        StatsError::WrongKind { column, test, reason } => {
            format!("column {} cannot be used by the {test} test: {reason}", n(*column))
        }
        StatsError::TooFewRows { n: rows, k, needed } => format!(
            "{rows} rows are too few for the test conditioning on {k} variables (needs at least {needed}); \
             use more data or a smaller --max-depth"
        ),
        other => other.to_string(),
    }
}

/// Builds the test on the data; the error names the file and the variables.
pub(crate) fn build_test(
    data: &Dataset,
    kind: TestKind,
    semantics: Semantics,
    par: Par,
) -> Result<Box<dyn CiTest>, String> {
    let names = data.names();
    let explain = |e: StatsError| explain(&e, &names);
    Ok(match kind {
        TestKind::Fisherz => {
            let mut cols = Vec::with_capacity(data.n_cols());
            for (j, c) in data.columns().iter().enumerate() {
                cols.push(c.as_f64().ok_or_else(|| {
                    explain(StatsError::WrongKind {
                        column: j,
                        test: "fisherz",
                        reason: "it holds text categories, not numbers",
                    })
                })?);
            }
            if data.n_rows() < 5 {
                return Err(format!("{} rows are too few for the Fisher-z test (needs at least 5)", data.n_rows()));
            }
            let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_ref()).collect();
            let corr = Correlation::from_columns(&refs, par).map_err(explain)?;
            if let Some(set) = corr.collinear_set(1e-10, par) {
                return Err(explain(StatsError::Collinear { columns: set }));
            }
            Box::new(FisherZ::new(corr, semantics))
        }
        TestKind::Gsq | TestKind::Chisq => {
            let name = if kind == TestKind::Gsq { "gsq" } else { "chisq" };
            let d = DiscreteData::from_dataset(data, name).map_err(|e| {
                let mut m = explain(e);
                m.push_str(" (mark discrete columns with --discrete)");
                m
            })?;
            if d.n() < 10 {
                return Err(format!("{} rows are too few for the {name} test (needs at least 10)", d.n()));
            }
            let k = if kind == TestKind::Gsq { DiscreteTestKind::GSquare } else { DiscreteTestKind::ChiSquare };
            Box::new(DiscreteTest::new(d, k, semantics))
        }
    })
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub(crate) struct Discovered {
    pub(crate) names: Vec<String>,
    pub(crate) result: PcResult,
    pub(crate) seconds_stats: f64,
    pub(crate) seconds_search: f64,
}

pub(crate) fn run_pc(
    data: &Dataset,
    file: &Path,
    test: TestKind,
    params: &PcParams,
    knowledge: Option<&Path>,
    par: Par,
    progress: &dyn Progress,
) -> Result<Discovered> {
    let names = data.names();
    let semantics = match params.compat {
        Compat::Pcalg => Semantics::Pcalg,
        Compat::CausalLearn => Semantics::CausalLearn,
    };
    let knowledge = knowledge.map(|k| read_knowledge(k, &names)).transpose()?;
    let t0 = Instant::now();
    progress.stage(&format!("{} statistics", test.as_str()), None);
    let ci = build_test(data, test, semantics, par).map_err(|m| anyhow!("{}: {m}", file.display()))?;
    let t1 = Instant::now();
    let result = pc_with_progress(ci.as_ref(), params, knowledge.as_ref(), par, progress).map_err(|e| match e {
        kausa_discovery::Error::Stats(s) => anyhow!("{}: {}", file.display(), explain(&s, &names)),
        other => anyhow!("{}: {other}", file.display()),
    })?;
    let t2 = Instant::now();
    Ok(Discovered { names, result, seconds_stats: (t1 - t0).as_secs_f64(), seconds_search: (t2 - t1).as_secs_f64() })
}

pub(crate) fn edge_table(g: &Graph, names: &[String]) -> String {
    let edges = g.edges();
    let w = edges.iter().map(|&(a, _, _)| names[a].len()).max().unwrap_or(4).max(4);
    let mut out = format!("{:<w$}  edge  {}\n", "from", "to");
    for (a, b, t) in edges {
        out.push_str(&format!("{:<w$}  {}   {}\n", names[a], t.as_str(), names[b]));
    }
    out
}

pub(crate) fn run(args: Args) -> Result<()> {
    let t_start = Instant::now();
    let threads = args.threads.unwrap_or_else(default_threads);
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let par = Par::threads(threads);
    let bar = Bar::new(args.json);
    bar.stage(&format!("reading {}", args.data.display()), None);
    let table = read_table(&args.data, &args.input.options(par)?)?;
    let t_read = t_start.elapsed().as_secs_f64();
    let data = &table.data;
    let test = args.test.unwrap_or_else(|| {
        if data.columns().iter().all(|c| c.kind() == kausa_core::ColumnKind::Discrete) {
            TestKind::Gsq
        } else {
            TestKind::Fisherz
        }
    });
    let Method::Pc = args.method;
    let params = PcParams {
        alpha: args.alpha,
        max_depth: args.max_depth,
        compat: match args.compat {
            CompatArg::Pcalg => Compat::Pcalg,
            CompatArg::CausalLearn => Compat::CausalLearn,
        },
        ..PcParams::default()
    };
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        bail!("--alpha must be between 0 and 1 (exclusive), got {}", params.alpha);
    }
    let found = run_pc(data, &args.data, test, &params, args.knowledge.as_deref(), par, &bar);
    bar.finish();
    let found = found?;
    let total = t_start.elapsed().as_secs_f64();
    let test_name = test.as_str();
    let meta = serde_json::json!({
        "tool": "kausa",
        "version": env!("CARGO_PKG_VERSION"),
        "method": "pc-stable",
        "compat": params.compat.as_str(),
        "test": test_name,
        "alpha": params.alpha,
        "max_depth": params.max_depth,
        "data": args.data.file_name().map(|f| f.to_string_lossy().into_owned()),
        "rows": data.n_rows(),
        "dropped_rows": table.dropped_rows,
        "ci_tests": found.result.n_tests,
    });
    let graph_json = GraphJson::from_graph(&found.result.graph, &found.names, Some(meta));
    let format = args.format.unwrap_or(Format::Json);
    let rendered = match format {
        Format::Json => graph_json.to_json_string(),
        Format::Dot => to_dot(&found.result.graph, &found.names),
    };
    if let Some(out) = &args.out {
        std::fs::write(out, &rendered).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if args.json {
        let doc = serde_json::json!({
            "graph": graph_json,
            "stats": {
                "ci_tests": found.result.n_tests,
                "max_level": found.result.max_level,
                "threads": threads,
                "seconds": {
                    "read": t_read,
                    "correlation": found.seconds_stats,
                    "search": found.seconds_search,
                    "total": total,
                },
            },
        });
        println!("{doc}");
    } else if args.out.is_none() && args.format.is_some() {
        print!("{rendered}");
    } else {
        println!(
            "PC-stable ({} semantics), {test_name} test, alpha {}: {} variables, {} rows, {} tests, {:.3} s",
            params.compat.as_str(),
            params.alpha,
            data.n_cols(),
            data.n_rows(),
            found.result.n_tests,
            total
        );
        if table.dropped_rows > 0 {
            println!("dropped {} rows with missing values", table.dropped_rows);
        }
        print!("{}", edge_table(&found.result.graph, &found.names));
        if let Some(out) = &args.out {
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}
