use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use kausa_core::{Dataset, Par, Progress};
use kausa_discovery::{
    Compat, FciParams, GesParams, PcParams, PcResult, R9, direct_lingam_with_progress, fci_with_progress,
    ges_with_progress, pc_with_progress,
};
use kausa_graph::Graph;
use kausa_io::{GraphJson, read_knowledge, read_table, to_dot};

use crate::data_args::DataArgs;
use crate::progress::Bar;
use kausa_stats::{
    Bdeu, CiTest, Correlation, DegenerateGaussianBic, DegenerateGaussianTest, DiscreteData, DiscreteTest,
    DiscreteTestKind, Embedding, FisherZ, GaussianBic, LocalScore, Semantics, StatsError,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Method {
    /// PC-stable (Colombo and Maathuis 2014).
    Pc,
    /// FCI (Spirtes et al. 2000; Zhang 2008): allows hidden common causes, returns a PAG.
    Fci,
    /// Greedy Equivalence Search (Chickering 2002), score-based.
    Ges,
    /// DirectLiNGAM (Shimizu et al. 2011): a DAG with coefficients, for non-Gaussian data.
    Lingam,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScoreKind {
    /// Linear-Gaussian BIC (continuous data).
    Bic,
    /// BDeu with equivalent sample size 1 (discrete data).
    Bdeu,
    /// Degenerate-Gaussian BIC (mixed continuous and discrete data).
    Dg,
}

impl ScoreKind {
    fn as_str(self) -> &'static str {
        match self {
            ScoreKind::Bic => "bic",
            ScoreKind::Bdeu => "bdeu",
            ScoreKind::Dg => "dg",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestKind {
    /// Fisher's z test of partial correlation (continuous, Gaussian data).
    Fisherz,
    /// Likelihood-ratio G² test (discrete data).
    Gsq,
    /// Pearson's χ² test (discrete data).
    Chisq,
    /// Degenerate-Gaussian likelihood-ratio test (mixed continuous and discrete data).
    Dg,
}

impl TestKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TestKind::Fisherz => "fisherz",
            TestKind::Gsq => "gsq",
            TestKind::Chisq => "chisq",
            TestKind::Dg => "dg",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NamesArg {
    /// The data's column names.
    Columns,
    /// causal-learn's default names X1, X2, … by position.
    Default,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum R9Arg {
    /// An uncovered potentially directed path (causal-learn 0.1.4.x).
    Uncovered,
    /// Any semi-directed path (causal-learn before PR #243).
    Legacy,
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
    /// The score of GES (default: bic for continuous data, bdeu for discrete).
    #[arg(long, value_enum)]
    score: Option<ScoreKind>,
    /// BIC penalty discount c: the penalty is c/2 · ln n per parameter (c = 1 is the classical BIC;
    /// causal-learn's lambda_value is c/2).
    #[arg(long, default_value_t = 1.0)]
    penalty_discount: f64,
    /// FCI with --compat causal-learn: which rule R9 to reproduce ("uncovered": causal-learn 0.1.4.x as
    /// released; "legacy": the version before its PR #243, which made causal-learn's reference outputs).
    #[arg(long, value_enum, default_value = "uncovered")]
    causal_learn_r9: R9Arg,
    /// FCI with --compat causal-learn: the node names causal-learn orders Possible-D-Sep by
    /// ("columns": the data's column names, as `fci(X, node_names=...)`; "default": X1, X2, …,
    /// as `fci(X)` called without names).
    #[arg(long, value_enum, default_value = "columns")]
    causal_learn_names: NamesArg,
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
    /// Also rerun the method on this many bootstrap resamples and report how often each edge appears.
    #[arg(long)]
    bootstrap: Option<usize>,
    /// Random seed of the bootstrap resamples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
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

/// The correlation matrix of the data, refusing text columns, too few rows and collinear columns.
pub(crate) fn correlation_of(
    data: &Dataset,
    method: &'static str,
    par: Par,
    names: &[String],
) -> Result<Correlation, String> {
    let explain = |e: StatsError| explain(&e, names);
    let mut cols = Vec::with_capacity(data.n_cols());
    for (j, c) in data.columns().iter().enumerate() {
        cols.push(c.as_f64().ok_or_else(|| {
            explain(StatsError::WrongKind { column: j, test: method, reason: "it holds text categories, not numbers" })
        })?);
    }
    if data.n_rows() < 5 {
        return Err(format!("{} rows are too few for the {method} method (needs at least 5)", data.n_rows()));
    }
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_ref()).collect();
    let corr = Correlation::from_columns(&refs, par).map_err(explain)?;
    if let Some(set) = corr.collinear_set(1e-10, par) {
        return Err(explain(StatsError::Collinear { columns: set }));
    }
    Ok(corr)
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
            let corr = correlation_of(data, "fisherz", par, &names)?;
            Box::new(FisherZ::new(corr, semantics))
        }
        TestKind::Dg => {
            let emb = Embedding::new(data, par).map_err(explain)?;
            Box::new(DegenerateGaussianTest::new(emb))
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
    Ok(Discovered { result, seconds_stats: (t1 - t0).as_secs_f64(), seconds_search: (t2 - t1).as_secs_f64() })
}

fn bootstrap_json(b: &kausa_discovery::Bootstrap, names: &[String], seed: u64) -> serde_json::Value {
    let pairs: Vec<serde_json::Value> = b
        .pairs
        .iter()
        .map(|f| {
            serde_json::json!({
                "a": names[f.a],
                "b": names[f.b],
                "adjacency": f.adjacency,
                "edges": f.edges.iter().map(|&(x, y, t, share)| serde_json::json!({
                    "from": names[x], "to": names[y], "type": t.as_str(), "frequency": share,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "resamples": b.resamples,
        "seed": seed,
        "failed": b.failed,
        "first_failure": b.first_failure,
        "pairs": pairs,
    })
}

/// The edge table with, per edge, how often that exact edge and any edge between the pair
/// appeared across resamples; then pairs the full data left unconnected but resamples often connect.
fn bootstrap_table(g: &Graph, b: &kausa_discovery::Bootstrap, names: &[String]) -> String {
    let edges = g.edges();
    let w = names.iter().map(String::len).max().unwrap_or(4).max(4);
    let mut out = format!(
        "bootstrap: {} resamples{}\n{:<w$}  edge  {:<w$}  this edge  any edge\n",
        b.resamples,
        if b.failed > 0 {
            format!(", {} failed ({})", b.failed, b.first_failure.as_deref().unwrap_or(""))
        } else {
            String::new()
        },
        "from",
        "to"
    );
    for (x, y, t) in &edges {
        let f = b.pair(*x, *y);
        let same = f.and_then(|f| f.edges.iter().find(|e| e.0 == *x && e.1 == *y && e.2 == *t)).map_or(0.0, |e| e.3);
        let any = f.map_or(0.0, |f| f.adjacency);
        out.push_str(&format!(
            "{:<w$}  {}   {:<w$}  {:>8.0}%  {:>7.0}%\n",
            names[*x],
            t.as_str(),
            names[*y],
            100.0 * same,
            100.0 * any
        ));
    }
    let extra: Vec<&kausa_discovery::PairFrequencies> =
        b.pairs.iter().filter(|f| !g.adjacent(f.a, f.b) && f.adjacency >= 0.1).collect();
    if !extra.is_empty() {
        out.push_str("not in the graph, but connected in at least 10% of resamples:\n");
        for f in extra {
            let (x, y, t, share) = f.edges[0];
            out.push_str(&format!(
                "{:<w$}  {}   {:<w$}  {:>8.0}%  {:>7.0}%\n",
                names[x],
                t.as_str(),
                names[y],
                100.0 * share,
                100.0 * f.adjacency
            ));
        }
    }
    out
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

/// What one discovery method produced, ready for output.
struct Outcome {
    graph: Graph,
    /// Edge coefficients, `b[to * p + from]`, for methods that estimate them.
    weights: Option<Vec<f64>>,
    /// Goes into the graph JSON's `meta`.
    meta: serde_json::Value,
    /// Method-specific statistics for `--json` (counts, seconds of statistics and search).
    stats: serde_json::Value,
    /// The first line of the text output.
    summary: String,
}

fn run_ges(args: &Args, data: &Dataset, par: Par, progress: &dyn Progress) -> Result<Outcome> {
    if args.knowledge.is_some() {
        bail!("--knowledge is not supported by --method ges yet; use --method pc");
    }
    if !(args.penalty_discount > 0.0 && args.penalty_discount.is_finite()) {
        bail!("--penalty-discount must be a positive number, got {}", args.penalty_discount);
    }
    let names = data.names();
    let file = args.data.display();
    let kind = args.score.unwrap_or(match default_test(data) {
        TestKind::Gsq | TestKind::Chisq => ScoreKind::Bdeu,
        TestKind::Dg => ScoreKind::Dg,
        TestKind::Fisherz => ScoreKind::Bic,
    });
    let t0 = Instant::now();
    progress.stage(&format!("{} statistics", kind.as_str()), None);
    let score: Box<dyn LocalScore> = match kind {
        ScoreKind::Bic => {
            let corr = correlation_of(data, "bic", par, &names).map_err(|m| anyhow!("{file}: {m}"))?;
            Box::new(GaussianBic::new(corr, args.penalty_discount / 2.0))
        }
        ScoreKind::Bdeu => {
            let d = DiscreteData::from_dataset(data, "bdeu")
                .map_err(|e| anyhow!("{file}: {} (mark discrete columns with --discrete)", explain(&e, &names)))?;
            Box::new(Bdeu::new(&d, 1.0))
        }
        ScoreKind::Dg => {
            let emb = Embedding::new(data, par).map_err(|e| anyhow!("{file}: {}", explain(&e, &names)))?;
            Box::new(DegenerateGaussianBic::new(emb, args.penalty_discount / 2.0))
        }
    };
    let t1 = Instant::now();
    let result =
        ges_with_progress(score.as_ref(), &GesParams::default(), par, progress).map_err(|e| anyhow!("{file}: {e}"))?;
    let t2 = Instant::now();
    Ok(Outcome {
        graph: result.graph,
        weights: None,
        meta: serde_json::json!({
            "method": "ges",
            "score": kind.as_str(),
            "penalty_discount": args.penalty_discount,
            "score_value": result.score,
        }),
        stats: serde_json::json!({
            "inserts": result.inserts,
            "deletes": result.deletes,
            "score": result.score,
            "seconds_statistics": (t1 - t0).as_secs_f64(),
            "seconds_search": (t2 - t1).as_secs_f64(),
        }),
        summary: format!(
            "GES, {} score{}: {} variables, {} rows, {} inserts, {} deletes, score {:.4}",
            kind.as_str(),
            if kind == ScoreKind::Bic {
                format!(" (penalty discount {})", args.penalty_discount)
            } else {
                String::new()
            },
            data.n_cols(),
            data.n_rows(),
            result.inserts,
            result.deletes,
            result.score
        ),
    })
}

fn run_fci(args: &Args, data: &Dataset, par: Par, progress: &dyn Progress) -> Result<Outcome> {
    let test = args.test.unwrap_or_else(|| default_test(data));
    let compat = match args.compat {
        CompatArg::Pcalg => Compat::Pcalg,
        CompatArg::CausalLearn => Compat::CausalLearn,
    };
    let params = FciParams {
        alpha: args.alpha,
        max_depth: args.max_depth,
        compat,
        causal_learn_r9: match args.causal_learn_r9 {
            R9Arg::Uncovered => R9::Uncovered,
            R9Arg::Legacy => R9::Legacy,
        },
        names: match args.causal_learn_names {
            NamesArg::Columns => Some(data.names()),
            NamesArg::Default => None,
        },
        ..FciParams::default()
    };
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        bail!("--alpha must be between 0 and 1 (exclusive), got {}", params.alpha);
    }
    let names = data.names();
    let file = args.data.display();
    let semantics = match compat {
        Compat::Pcalg => Semantics::Pcalg,
        Compat::CausalLearn => Semantics::CausalLearn,
    };
    let knowledge = args.knowledge.as_deref().map(|k| read_knowledge(k, &names)).transpose()?;
    let t0 = Instant::now();
    progress.stage(&format!("{} statistics", test.as_str()), None);
    let ci = build_test(data, test, semantics, par).map_err(|m| anyhow!("{file}: {m}"))?;
    let t1 = Instant::now();
    let result = fci_with_progress(ci.as_ref(), &params, knowledge.as_ref(), par, progress).map_err(|e| match e {
        kausa_discovery::Error::Stats(s) => anyhow!("{file}: {}", explain(&s, &names)),
        other => anyhow!("{file}: {other}"),
    })?;
    let t2 = Instant::now();
    Ok(Outcome {
        meta: serde_json::json!({
            "method": "fci",
            "compat": compat.as_str(),
            "test": test.as_str(),
            "alpha": params.alpha,
            "max_depth": params.max_depth,
            "ci_tests": result.n_tests,
        }),
        stats: serde_json::json!({
            "ci_tests": result.n_tests,
            "removed_by_possible_dsep": result.removed_by_pds,
            "seconds_statistics": (t1 - t0).as_secs_f64(),
            "seconds_search": (t2 - t1).as_secs_f64(),
        }),
        summary: format!(
            "FCI ({} skeleton semantics), {} test, alpha {}: {} variables, {} rows, {} tests",
            compat.as_str(),
            test.as_str(),
            params.alpha,
            data.n_cols(),
            data.n_rows(),
            result.n_tests
        ),
        graph: result.graph,
        weights: None,
    })
}

fn run_lingam(args: &Args, data: &Dataset, par: Par, progress: &dyn Progress) -> Result<Outcome> {
    if args.knowledge.is_some() {
        bail!("--knowledge is not supported by --method lingam yet");
    }
    let names = data.names();
    let file = args.data.display();
    let mut cols = Vec::with_capacity(data.n_cols());
    for (j, c) in data.columns().iter().enumerate() {
        cols.push(c.as_f64().ok_or_else(|| {
            anyhow!(
                "{file}: {}",
                explain(
                    &StatsError::WrongKind {
                        column: j,
                        test: "lingam",
                        reason: "it holds text categories, not numbers"
                    },
                    &names
                )
            )
        })?);
    }
    // Constant and collinear columns make the regressions meaningless: refuse them as Fisher-z does.
    correlation_of(data, "lingam", par, &names).map_err(|m| anyhow!("{file}: {m}"))?;
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_ref()).collect();
    let t0 = Instant::now();
    let r = direct_lingam_with_progress(&refs, par, progress).map_err(|e| match e {
        kausa_discovery::Error::Stats(s) => anyhow!("{file}: {}", explain(&s, &names)),
        other => anyhow!("{file}: {other}"),
    })?;
    let t1 = Instant::now();
    let order: Vec<&str> = r.order.iter().map(|&i| names[i].as_str()).collect();
    Ok(Outcome {
        meta: serde_json::json!({ "method": "direct-lingam", "measure": "pwling", "causal_order": order }),
        stats: serde_json::json!({
            "causal_order": order,
            "seconds_statistics": 0.0,
            "seconds_search": (t1 - t0).as_secs_f64(),
        }),
        summary: format!(
            "DirectLiNGAM (pwling, adaptive-lasso pruning): {} variables, {} rows; causal order {}",
            data.n_cols(),
            data.n_rows(),
            order.join(" < ")
        ),
        graph: r.graph,
        weights: Some(r.b),
    })
}

/// The test for the data's column kinds: G² for discrete data, Fisher-z for continuous, degenerate-Gaussian for mixed.
fn default_test(data: &Dataset) -> TestKind {
    let discrete = data.columns().iter().filter(|c| c.kind() == kausa_core::ColumnKind::Discrete).count();
    if discrete == data.n_cols() {
        TestKind::Gsq
    } else if discrete == 0 {
        TestKind::Fisherz
    } else {
        TestKind::Dg
    }
}

fn run_pc_outcome(args: &Args, data: &Dataset, par: Par, progress: &dyn Progress) -> Result<Outcome> {
    let test = args.test.unwrap_or_else(|| default_test(data));
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
    let found = run_pc(data, &args.data, test, &params, args.knowledge.as_deref(), par, progress)?;
    Ok(Outcome {
        meta: serde_json::json!({
            "method": "pc-stable",
            "compat": params.compat.as_str(),
            "test": test.as_str(),
            "alpha": params.alpha,
            "max_depth": params.max_depth,
            "ci_tests": found.result.n_tests,
        }),
        stats: serde_json::json!({
            "ci_tests": found.result.n_tests,
            "max_level": found.result.max_level,
            "seconds_statistics": found.seconds_stats,
            "seconds_search": found.seconds_search,
        }),
        summary: format!(
            "PC-stable ({} semantics), {} test, alpha {}: {} variables, {} rows, {} tests",
            params.compat.as_str(),
            test.as_str(),
            params.alpha,
            data.n_cols(),
            data.n_rows(),
            found.result.n_tests,
        ),
        graph: found.result.graph,
        weights: None,
    })
}

pub(crate) fn run(args: Args) -> Result<()> {
    let t_start = Instant::now();
    let threads = args.threads.unwrap_or_else(default_threads);
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let par = Par::threads(threads);
    let bar = Bar::new(args.json || !std::io::IsTerminal::is_terminal(&std::io::stderr()));
    bar.stage(&format!("reading {}", args.data.display()), None);
    let table = read_table(&args.data, &args.input.options(par)?)?;
    let t_read = t_start.elapsed().as_secs_f64();
    let data = &table.data;
    let names = data.names();
    if args.bootstrap == Some(0) {
        bail!("--bootstrap must be at least 1 (the number of resamples)");
    }
    let dispatch = |data: &Dataset, par: Par, progress: &dyn Progress| match args.method {
        Method::Pc => run_pc_outcome(&args, data, par, progress),
        Method::Ges => run_ges(&args, data, par, progress),
        Method::Fci => run_fci(&args, data, par, progress),
        Method::Lingam => run_lingam(&args, data, par, progress),
    };
    let outcome = dispatch(data, par, &bar);
    let boot = match (&outcome, args.bootstrap) {
        (Ok(_), Some(b)) => {
            bar.stage(&format!("bootstrap, {b} resamples"), None);
            // Resamples run in parallel, each on one thread, so the counts do not depend on --threads.
            let r = kausa_discovery::bootstrap(data, b, args.seed, par, |d| {
                dispatch(d, Par::Seq, &kausa_core::Silent).map(|o| o.graph)
            });
            Some(r.map_err(|e| anyhow!("{e}"))?)
        }
        _ => None,
    };
    bar.finish();
    let outcome = outcome?;
    let total = t_start.elapsed().as_secs_f64();
    let mut meta = serde_json::json!({
        "tool": "kausa",
        "version": env!("CARGO_PKG_VERSION"),
        "data": args.data.file_name().map(|f| f.to_string_lossy().into_owned()),
        "rows": data.n_rows(),
        "dropped_rows": table.dropped_rows,
    });
    if let (Some(m), Some(extra)) = (meta.as_object_mut(), outcome.meta.as_object()) {
        m.extend(extra.clone());
    }
    let mut graph_json = GraphJson::from_graph(&outcome.graph, &names, Some(meta));
    if let Some(b) = &outcome.weights {
        let p = names.len();
        let index = |name: &str| names.iter().position(|n| n == name).expect("a node");
        for e in &mut graph_json.edges {
            e.weight = Some(b[index(&e.to) * p + index(&e.from)]);
        }
    }
    let format = args.format.unwrap_or(Format::Json);
    let rendered = match format {
        Format::Json => graph_json.to_json_string(),
        Format::Dot => to_dot(&outcome.graph, &names),
    };
    if let Some(out) = &args.out {
        std::fs::write(out, &rendered).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if args.json {
        let mut stats = outcome.stats.clone();
        let seconds = serde_json::json!({
            "read": t_read,
            "correlation": stats["seconds_statistics"],
            "search": stats["seconds_search"],
            "total": total,
        });
        if let Some(m) = stats.as_object_mut() {
            m.remove("seconds_statistics");
            m.remove("seconds_search");
            m.insert("threads".into(), threads.into());
            m.insert("seconds".into(), seconds);
        }
        let mut doc = serde_json::json!({ "graph": graph_json, "stats": stats });
        if let Some(b) = &boot {
            doc["bootstrap"] = bootstrap_json(b, &names, args.seed);
        }
        crate::output::json(&doc)?;
    } else if args.out.is_none() && args.format.is_some() {
        print!("{rendered}");
    } else {
        println!("{}, {:.3} s", outcome.summary, total);
        if table.dropped_rows > 0 {
            println!("dropped {} rows with missing values", table.dropped_rows);
        }
        match &boot {
            None => print!("{}", edge_table(&outcome.graph, &names)),
            Some(b) => print!("{}", bootstrap_table(&outcome.graph, b, &names)),
        }
        if let Some(out) = &args.out {
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}
