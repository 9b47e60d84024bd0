//! Structural causal models on the command line: `kausa fit` makes a model file;
//! `kausa effect`, `kausa counterfactual` and `kausa attribute` query it
//! (`kausa sample` draws from it, see `sample.rs`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use kausa_core::{Column, Dataset, Par, Rng};
use kausa_io::{GraphJson, ModelFile, Provenance, fingerprint, model_columns, read_model, read_table, write_model};
use kausa_scm::{
    Action, AnomalyParams, ChangeParams, EffectParams, FitParams, InfluenceParams, Intervention, NodeKind,
    RegressorChoice, Scm, arrow_strength, attribute_anomalies, counterfactual, distribution_change, effect,
    influence_is_closed_form, intrinsic_influence, node_columns,
};

use crate::data_args::DataArgs;
use crate::identify::read_causal_graph;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MechanismArg {
    /// Per node, the regressor with the smallest 5-fold cross-validated error.
    Auto,
    /// Least squares.
    Linear,
    /// Ridge regression (penalty by cross-validation).
    Ridge,
    /// Gradient-boosted trees.
    Boosted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RootArg {
    /// The observed values.
    Empirical,
    /// A normal distribution.
    Gaussian,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ClassifierArg {
    /// The classifier with the smaller cross-validated log loss.
    Auto,
    /// Logistic regression.
    Logistic,
    /// Gradient-boosted trees.
    Boosted,
}

/// Arguments of `kausa fit`.
#[derive(Debug, clap::Args)]
pub(crate) struct FitArgs {
    /// The causal DAG: graph JSON, GML, or a CSV edge list (`cause,effect` per line).
    #[arg(long)]
    graph: PathBuf,
    /// The training data (CSV or Parquet); a column per graph node, other columns ignored.
    #[arg(long)]
    data: PathBuf,
    /// Where to write the model file.
    #[arg(long)]
    out: PathBuf,
    /// Mechanisms of continuous nodes with parents.
    #[arg(long, value_enum, default_value = "auto")]
    mechanisms: MechanismArg,
    /// Distributions of root nodes.
    #[arg(long, value_enum, default_value = "empirical")]
    roots: RootArg,
    /// Mechanisms of categorical nodes with parents.
    #[arg(long, value_enum, default_value = "auto")]
    classifier: ClassifierArg,
    /// Treat these numeric columns as categorical (label columns always are).
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// Domain equations (TOML): nodes given by known rules instead of learned ones.
    #[arg(long)]
    equations: Option<PathBuf>,
    /// Fit these continuous nodes on the log scale, `x = exp(f(parents) + noise)`: multiplicative,
    /// invertible noise for positive quantities (lead times, latencies, prices).
    #[arg(long, value_delimiter = ',')]
    log: Vec<String>,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

/// The options every model command shares.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Seed: the same seed gives the same numbers in every kausa version.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (default: all cores; the result never depends on it).
    #[arg(long)]
    threads: Option<usize>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn par_of(threads: Option<usize>) -> Result<Par> {
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    Ok(Par::threads(threads))
}

/// The DAG of a graph file as node names and parent lists.
fn read_dag(path: &Path) -> Result<(Vec<String>, Vec<Vec<usize>>, String)> {
    let gj = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        GraphJson::read_edge_list(path)?
    } else {
        read_causal_graph(path)?
    };
    let meta = gj.meta.as_ref();
    let origin = match (meta.and_then(|m| m["tool"].as_str()), meta.and_then(|m| m["method"].as_str())) {
        (Some("kausa"), Some(method)) => format!("learned by kausa discover (method {method})"),
        (Some(tool), _) => format!("from {tool}"),
        _ => "given (written by people or another tool)".to_string(),
    };
    let names = gj.nodes.clone();
    let mut parents = vec![Vec::new(); names.len()];
    for e in &gj.edges {
        let index = |n: &str| {
            names
                .iter()
                .position(|m| m == n)
                .ok_or_else(|| anyhow!("{}: an edge names {n:?}, which is not a node", path.display()))
        };
        let (a, b) = (index(&e.from)?, index(&e.to)?);
        if e.kind != "-->" {
            bail!(
                "{}: the edge {} {} {} is not directed; a structural causal model needs a DAG (orient every edge)",
                path.display(),
                e.from,
                e.kind,
                e.to
            );
        }
        if !parents[b].contains(&a) {
            parents[b].push(a);
        }
    }
    Ok((names, parents, origin))
}

pub(crate) fn fit(args: FitArgs) -> Result<()> {
    let started = Instant::now();
    let par = par_of(args.run.threads)?;
    let (mut names, mut parents, graph_origin) = read_dag(&args.graph)?;
    let specs = match &args.equations {
        Some(path) => kausa_io::read_equations(path)?,
        None => Vec::new(),
    };
    for spec in &specs {
        if !names.contains(&spec.node) {
            names.push(spec.node.clone());
            parents.push(Vec::new());
        }
    }
    let mut spec_of: Vec<Option<&kausa_io::EquationSpec>> = vec![None; names.len()];
    for spec in &specs {
        let at = || {
            format!("{}:{}", args.equations.as_deref().map(|p| p.display().to_string()).unwrap_or_default(), spec.line)
        };
        let j = names.iter().position(|n| *n == spec.node).expect("added above");
        let ps = kausa_scm::equation_parents(&spec.expr, &names)
            .map_err(|m| anyhow!("{}: the equation of {:?}: {m}", at(), spec.node))?;
        let sorted = |v: &[usize]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v
        };
        if !parents[j].is_empty() && sorted(&parents[j]) != sorted(&ps) {
            let show = |v: &[usize]| v.iter().map(|&p| names[p].clone()).collect::<Vec<_>>().join(", ");
            bail!(
                "{}: the graph gives {:?} the parents [{}], but its equation reads [{}]",
                at(),
                spec.node,
                show(&parents[j]),
                show(&ps)
            );
        }
        parents[j] = ps;
        spec_of[j] = Some(spec);
    }
    // Equation nodes may be absent from the data: their values come from their equations.
    let learned: Vec<String> =
        names.iter().zip(&spec_of).filter(|(_, s)| s.is_none()).map(|(n, _)| n.clone()).collect();
    let given: Vec<String> = specs.iter().map(|s| s.node.clone()).collect();
    let opts = kausa_io::ReadOptions { only: Some(learned), also: given, ..args.data_args.options(par)? };
    let table = read_table(&args.data, &opts)?;
    let present: Vec<String> = names.iter().filter(|n| table.data.index_of(n).is_some()).cloned().collect();
    let (present_kinds, present_columns) =
        node_columns(&table.data, &present, &args.categorical).with_context(|| format!("{}", args.data.display()))?;
    let mut kinds = vec![NodeKind::Continuous; names.len()];
    let mut columns: Vec<Option<Vec<f64>>> = vec![None; names.len()];
    for ((name, kind), col) in present.iter().zip(present_kinds).zip(present_columns) {
        let j = names.iter().position(|n| n == name).expect("a node");
        kinds[j] = kind;
        columns[j] = Some(col);
    }
    // Absent equation nodes, each once its parents are known (a cycle is reported by the fit).
    loop {
        let ready =
            (0..names.len()).find(|&j| columns[j].is_none() && parents[j].iter().all(|&p| columns[p].is_some()));
        let Some(j) = ready else { break };
        let spec = spec_of[j].expect("only equation nodes can be absent");
        let program = kausa_scm::Program::compile(&spec.expr).map_err(|e| anyhow!("{e}"))?;
        let inputs: Vec<&[f64]> = parents[j].iter().map(|&p| columns[p].as_deref().expect("ready")).collect();
        let mut out = vec![0.0; table.data.n_rows()];
        program.eval(&inputs, &mut out);
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            bail!("the equation of {:?} is not finite on data row {} of {}", spec.node, i + 1, args.data.display());
        }
        columns[j] = Some(out);
    }
    if let Some(j) = columns.iter().position(Option::is_none) {
        bail!("{}: cannot compute {:?} from its equation: its inputs form a cycle", args.graph.display(), names[j]);
    }
    let columns: Vec<Vec<f64>> = columns.into_iter().map(|c| c.expect("filled")).collect();
    let equations: Vec<Option<(String, kausa_scm::EquationNoise)>> = spec_of
        .iter()
        .zip(&names)
        .map(|(spec, name)| -> Result<_> {
            let Some(spec) = spec else { return Ok(None) };
            let has_column = table.data.index_of(name).is_some();
            let noise = match spec.noise {
                kausa_io::NoiseSpec::None => kausa_scm::EquationNoise::None,
                kausa_io::NoiseSpec::Normal(sd) => kausa_scm::EquationNoise::Normal { sd },
                kausa_io::NoiseSpec::Residuals | kausa_io::NoiseSpec::Default if has_column => {
                    kausa_scm::EquationNoise::Residuals { residuals: Vec::new() }
                }
                kausa_io::NoiseSpec::Default => kausa_scm::EquationNoise::None,
                kausa_io::NoiseSpec::Residuals => bail!(
                    "the equation of {name:?} asks for residual noise, but {} has no column {name:?}",
                    args.data.display()
                ),
            };
            Ok(Some((spec.expr.clone(), noise)))
        })
        .collect::<Result<_>>()?;
    let params = FitParams {
        regressor: match args.mechanisms {
            MechanismArg::Auto => RegressorChoice::Auto,
            MechanismArg::Linear => RegressorChoice::Linear,
            MechanismArg::Ridge => RegressorChoice::Ridge,
            MechanismArg::Boosted => RegressorChoice::Boosted,
        },
        gaussian_roots: args.roots == RootArg::Gaussian,
        boosted_classifier: match args.classifier {
            ClassifierArg::Auto => None,
            ClassifierArg::Logistic => Some(false),
            ClassifierArg::Boosted => Some(true),
        },
        seed: args.run.seed,
        par,
        log_nodes: args
            .log
            .iter()
            .map(|n| names.iter().position(|m| m == n).ok_or_else(|| anyhow!("--log {n:?} is not a node of the graph")))
            .collect::<Result<_>>()?,
        ..FitParams::default()
    };
    let (scm, reports) = kausa_scm::fit_with_equations(&names, &kinds, &parents, &columns, &equations, &params)
        .map_err(|e| anyhow!("{}: {e}", args.graph.display()))?;
    let report_json: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let node = &scm.nodes()[r.node];
            serde_json::json!({
                "node": node.name,
                "parents": node.parents.iter().map(|&p| names[p].clone()).collect::<Vec<_>>(),
                "kind": match node.kind { NodeKind::Continuous => "continuous", NodeKind::Categorical { .. } => "categorical" },
                "mechanism": r.family,
                "r2": r.r2,
                "metric": (!r.metric.is_empty()).then_some(r.metric),
                "candidates": r.candidates.iter().map(|c| serde_json::json!({"mechanism": c.family, "score": c.score})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let file = ModelFile {
        provenance: Provenance {
            kausa_version: env!("CARGO_PKG_VERSION").to_string(),
            seed: args.run.seed,
            rng: Rng::NAME.to_string(),
            data: fingerprint(&args.data.display().to_string(), &names, &columns),
            graph: args.graph.display().to_string(),
            graph_origin,
            graph_blake3: kausa_io::file_blake3(&args.graph)?,
            equations: match &args.equations {
                Some(p) => Some((p.display().to_string(), kausa_io::file_blake3(p)?)),
                None => None,
            },
            fit_report: serde_json::Value::Array(report_json.clone()),
        },
        model: scm,
    };
    write_model(&args.out, &file)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.run.json {
        let out = serde_json::json!({
            "model": args.out.display().to_string(),
            "rows": columns[0].len(),
            "data_blake3": file.provenance.data.blake3,
            "nodes": report_json,
            "seconds": seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!(
        "Fitted {} mechanisms on {} rows of {} ({seconds:.3} s)",
        names.len(),
        columns[0].len(),
        args.data.display()
    );
    let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
    println!("  {:width$}  {:<18}  {:>6}  cross-validated candidates", "node", "mechanism", "R²");
    for (r, node) in reports.iter().zip(file.model.nodes()) {
        let r2 = r.r2.map_or("".to_string(), |v| format!("{v:.3}"));
        let cands = r
            .candidates
            .iter()
            .map(|c| format!("{} {}", c.family, c.score.map_or("failed".to_string(), |s| format!("{s:.4}"))))
            .collect::<Vec<_>>()
            .join(", ");
        let cands = if cands.is_empty() { String::new() } else { format!("{} ({})", cands, r.metric) };
        let family = match &node.mechanism {
            kausa_scm::Mechanism::Additive { link: kausa_scm::Link::Log, .. } => format!("{} (log)", r.family),
            _ => r.family.to_string(),
        };
        println!("  {:width$}  {:<18}  {:>6}  {}", node.name, family, r2, cands);
    }
    println!("Model written to {}", args.out.display());
    Ok(())
}

/// Parses `--do NAME=VALUE` (atomic) and `--shift NAME+D | NAME-D | NAME*F`
/// (soft) against the model's nodes; `--do` takes the soft forms too.
pub(crate) fn parse_interventions(scm: &Scm, set: &[String], shift: &[String]) -> Result<Vec<Intervention>> {
    let mut out = Vec::new();
    for text in set {
        out.push(match parse_soft(scm, text) {
            Some(i) => i,
            None => parse_set(scm, text)?,
        });
    }
    for text in shift {
        out.push(match parse_soft(scm, text) {
            Some(i) => i,
            None => {
                let name = text.split(['+', '-', '*']).next().unwrap_or("").trim();
                if scm.index_of(name).is_none() {
                    bail!("--shift {text:?}: unknown variable {name:?}; the model's nodes are {}", known(scm));
                }
                bail!("--shift {text:?}: write NAME+D, NAME-D or NAME*F with a number, e.g. --shift \"demand*1.1\"");
            }
        });
    }
    let mut seen = vec![false; scm.nodes().len()];
    for i in &out {
        if std::mem::replace(&mut seen[i.node], true) {
            bail!("{:?} is intervened on twice", scm.nodes()[i.node].name);
        }
        if matches!(i.action, Action::Shift(_) | Action::Scale(_))
            && matches!(scm.nodes()[i.node].kind, NodeKind::Categorical { .. })
        {
            bail!(
                "{:?} is categorical; it can only be set (NAME=LEVEL), not shifted or scaled",
                scm.nodes()[i.node].name
            );
        }
    }
    Ok(out)
}

fn known(scm: &Scm) -> String {
    scm.names().iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

/// `NAME+D`, `NAME-D`, `NAME*F` with a known name and a number, if `text` is one.
fn parse_soft(scm: &Scm, text: &str) -> Option<Intervention> {
    text.char_indices().rev().filter(|(_, c)| matches!(c, '+' | '-' | '*')).find_map(|(i, op)| {
        let (name, rest) = (text[..i].trim(), text[i + 1..].trim());
        let node = scm.index_of(name)?;
        let v = rest.parse::<f64>().ok().filter(|v| v.is_finite())?;
        let action = match op {
            '+' => Action::Shift(v),
            '-' => Action::Shift(-v),
            _ => Action::Scale(v),
        };
        Some(Intervention { node, action })
    })
}

/// `NAME=VALUE`: a number for a continuous node, a level for a categorical one.
fn parse_set(scm: &Scm, text: &str) -> Result<Intervention> {
    let (name, value) = text
        .rsplit_once('=')
        .ok_or_else(|| anyhow!("--do {text:?}: write NAME=VALUE (or NAME+D, NAME*F), e.g. --do \"price=5\""))?;
    let (name, value) = (name.trim(), value.trim());
    let node = scm
        .index_of(name)
        .ok_or_else(|| anyhow!("--do {text:?}: unknown variable {name:?}; the model's nodes are {}", known(scm)))?;
    let v = match &scm.nodes()[node].kind {
        NodeKind::Continuous => value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| anyhow!("--do {text:?}: {name:?} is continuous and {value:?} is not a number"))?,
        NodeKind::Categorical { levels } => levels.iter().position(|l| l == value).ok_or_else(|| {
            anyhow!("--do {text:?}: {name:?} is categorical and {value:?} is not one of its levels {levels:?}")
        })? as f64,
    };
    Ok(Intervention { node, action: Action::Set(v) })
}

fn describe(scm: &Scm, interventions: &[Intervention]) -> String {
    if interventions.is_empty() {
        return "no intervention".into();
    }
    let one = |i: &Intervention| {
        let node = &scm.nodes()[i.node];
        match (i.action, &node.kind) {
            (Action::Set(v), NodeKind::Categorical { levels }) => format!("{}={}", node.name, levels[v as usize]),
            (Action::Set(v), _) => format!("{}={v}", node.name),
            (Action::Shift(d), _) if d < 0.0 => format!("{}{d}", node.name),
            (Action::Shift(d), _) => format!("{}+{d}", node.name),
            (Action::Scale(f), _) => format!("{}*{f}", node.name),
        }
    };
    format!("do({})", interventions.iter().map(one).collect::<Vec<_>>().join(", "))
}

fn load(path: &Path) -> Result<ModelFile> {
    Ok(read_model(path)?)
}

fn target_of(scm: &Scm, name: &str) -> Result<usize> {
    scm.index_of(name)
        .ok_or_else(|| anyhow!("--target {name:?} is not a node of the model; its nodes are {}", known(scm)))
}

/// Rows of a data file as the model's node columns; `learn` refuses constant
/// columns (data to fit on), otherwise they are fine (rows to explain).
pub(crate) fn read_rows(path: &Path, scm: &Scm, data_args: &DataArgs, par: Par, learn: bool) -> Result<Vec<Vec<f64>>> {
    // Noise-free equation nodes may be absent: they follow from their inputs.
    let derived = |n: &kausa_scm::Node| {
        matches!(n.mechanism, kausa_scm::Mechanism::Equation { noise: kausa_scm::EquationNoise::None, .. })
    };
    let (also, only): (Vec<&kausa_scm::Node>, Vec<&kausa_scm::Node>) = scm.nodes().iter().partition(|n| derived(n));
    let opts = kausa_io::ReadOptions {
        only: Some(only.iter().map(|n| n.name.clone()).collect()),
        also: also.iter().map(|n| n.name.clone()).collect(),
        allow_constant: !learn,
        ..data_args.options(par)?
    };
    let table = read_table(path, &opts)?;
    let mut columns = model_columns(path, &table.data, scm)?;
    scm.fill_equations(&mut columns);
    Ok(columns)
}

/// A data set of node columns, categorical nodes written as their labels.
pub(crate) fn columns_to_dataset(scm: &Scm, cols: Vec<Vec<f64>>) -> Result<Dataset> {
    let columns = scm
        .nodes()
        .iter()
        .zip(cols)
        .map(|(node, values)| match &node.kind {
            NodeKind::Continuous => Column::Continuous { name: node.name.clone(), values },
            NodeKind::Categorical { levels } => Column::Discrete {
                name: node.name.clone(),
                codes: values.iter().map(|&v| v as u32).collect(),
                levels: levels.clone(),
                numeric: None,
            },
        })
        .collect();
    Dataset::new(columns).context("building the output table")
}

/// Arguments of `kausa effect`.
#[derive(Debug, clap::Args)]
pub(crate) struct EffectArgs {
    /// The model file (from `kausa fit`).
    model: PathBuf,
    /// The intervention of interest: `NAME=VALUE`, or soft `NAME+D`, `NAME-D`, `NAME*F` (repeatable).
    #[arg(long = "do", required = true)]
    set: Vec<String>,
    /// The comparison, in the same forms (repeatable; none: no intervention, the observational distribution).
    #[arg(long)]
    vs: Vec<String>,
    /// The outcome node.
    #[arg(long)]
    target: String,
    /// The training data, for bootstrap intervals (each replicate refits every mechanism on resampled rows).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Bootstrap replicates (with --data).
    #[arg(long, default_value_t = 100)]
    bootstrap: usize,
    /// Model draws per evaluation, paired between the two interventions.
    #[arg(long, default_value_t = 100_000)]
    samples: usize,
    /// Interval level.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

pub(crate) fn effect_cmd(args: EffectArgs) -> Result<()> {
    let started = Instant::now();
    let par = par_of(args.run.threads)?;
    if args.samples < 2 {
        bail!("--samples must be at least 2");
    }
    if !(args.level > 0.0 && args.level < 1.0) {
        bail!("--level must lie strictly between 0 and 1");
    }
    let file = load(&args.model)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let scm = &file.model;
    let target = target_of(scm, &args.target)?;
    let a = parse_interventions(scm, &args.set, &[])?;
    let b = parse_interventions(scm, &args.vs, &[])?;
    let training = match &args.data {
        Some(path) => Some(read_rows(path, scm, &args.data_args, par, true)?),
        None => None,
    };
    let same_data =
        training.as_ref().map(|cols| fingerprint("", &scm.names(), cols).blake3 == file.provenance.data.blake3);
    let params =
        EffectParams { samples: args.samples, bootstrap: args.bootstrap, level: args.level, seed: args.run.seed, par };
    let r = effect(scm, target, &a, &b, training.as_deref(), &params).map_err(|e| anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let (da, db) = (describe(scm, &a), describe(scm, &b));
    if args.run.json {
        let out = serde_json::json!({
            "target": args.target, "do": da, "vs": db,
            "mean_do": r.mean_a, "mean_vs": r.mean_b, "effect": r.effect, "mc_se": r.mc_se,
            "interval": r.interval.map(|(lo, hi)| [lo, hi]), "level": args.level,
            "bootstrap": if training.is_some() { args.bootstrap } else { 0 },
            "data_is_training_data": same_data,
            "samples": args.samples, "seed": args.run.seed, "seconds": seconds, "model_load_seconds": load_seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!(
        "Effect on {} of {da} versus {db} ({} paired model draws, seed {})",
        args.target, args.samples, args.run.seed
    );
    println!("  E[{} | {da}] = {:.6}", args.target, r.mean_a);
    println!("  E[{} | {db}] = {:.6}", args.target, r.mean_b);
    println!("  difference = {:.6}   (Monte-Carlo s.e. {:.2e})", r.effect, r.mc_se);
    match (r.interval, &args.data) {
        (Some((lo, hi)), Some(path)) => {
            println!(
                "  {:.0}% bootstrap interval [{lo:.6}, {hi:.6}]   ({} refits on resampled rows of {})",
                args.level * 100.0,
                args.bootstrap,
                path.display()
            );
            if same_data == Some(false) {
                println!("  note: {} is not the model's training data (its fingerprint differs)", path.display());
            }
        }
        _ => println!("  no interval for the model's uncertainty: pass the training data with --data"),
    }
    println!("({seconds:.3} s)");
    Ok(())
}

/// Arguments of `kausa counterfactual`.
#[derive(Debug, clap::Args)]
pub(crate) struct CounterfactualArgs {
    /// The model file (from `kausa fit`).
    model: PathBuf,
    /// The observed rows (CSV or Parquet, a column per model node).
    #[arg(long)]
    rows: PathBuf,
    /// Atomic interventions `NAME=VALUE` (repeatable).
    #[arg(long = "do")]
    set: Vec<String>,
    /// Soft interventions `NAME+D`, `NAME-D`, `NAME*F` (repeatable).
    #[arg(long)]
    shift: Vec<String>,
    /// Write all counterfactual rows here as CSV.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    data_args: DataArgs,
}

pub(crate) fn counterfactual_cmd(args: CounterfactualArgs) -> Result<()> {
    let started = Instant::now();
    let file = load(&args.model)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let scm = &file.model;
    let interventions = parse_interventions(scm, &args.set, &args.shift)?;
    if interventions.is_empty() {
        bail!("give at least one intervention (--do NAME=VALUE or --shift NAME+D)");
    }
    let observed = read_rows(&args.rows, scm, &args.data_args, Par::Seq, false)?;
    let cf = counterfactual(scm, &observed, &interventions).map_err(|e| anyhow!("{e}"))?;
    let changed: Vec<usize> = (0..scm.nodes().len()).filter(|&j| cf[j] != observed[j]).collect();
    let rows = observed[0].len();
    if let Some(path) = &args.out {
        let data = columns_to_dataset(scm, cf.clone())?;
        let mut f = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        kausa_io::write_csv(&mut f, &data).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        let nodes: serde_json::Map<String, serde_json::Value> = changed
            .iter()
            .map(|&j| {
                (scm.nodes()[j].name.clone(), serde_json::json!({"factual": observed[j], "counterfactual": cf[j]}))
            })
            .collect();
        let out = serde_json::json!({
            "interventions": describe(scm, &interventions), "rows": rows, "changed": nodes,
            "seconds": started.elapsed().as_secs_f64(), "model_load_seconds": load_seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!(
        "Counterfactuals under {} for {rows} observed rows (noise of each row kept)",
        describe(scm, &interventions)
    );
    let show = rows.min(20);
    let width = changed.iter().map(|&j| scm.nodes()[j].name.len()).max().unwrap_or(4).max(4);
    for i in 0..show {
        println!("  row {}", i + 1);
        for &j in &changed {
            println!("    {:width$}  {:>12.6} -> {:>12.6}", scm.nodes()[j].name, observed[j][i], cf[j][i]);
        }
    }
    if rows > show {
        println!(
            "  ... {} more rows{}",
            rows - show,
            if args.out.is_none() { " (write them all with --out)" } else { "" }
        );
    }
    if let Some(path) = &args.out {
        println!("Counterfactual rows written to {}", path.display());
    }
    Ok(())
}

/// Arguments of `kausa attribute`.
#[derive(Debug, clap::Args)]
pub(crate) struct AttributeArgs {
    #[command(subcommand)]
    kind: AttributeKind,
}

#[derive(Debug, clap::Subcommand)]
enum AttributeKind {
    /// Which upstream nodes made these rows' target value anomalous (Shapley over noise).
    Anomaly(AnomalyArgs),
    /// Which mechanisms changed between two data sets, and how much of the change in the target each explains.
    Change(ChangeArgs),
    /// The strength of each arrow into the target (how much its distribution changes when the arrow is cut).
    Arrows(InfluenceArgs),
    /// The intrinsic causal influence of each upstream node on the target (Shapley share of its variance).
    Intrinsic(InfluenceArgs),
}

/// Arguments of `kausa attribute arrows` and `kausa attribute intrinsic`.
#[derive(Debug, clap::Args)]
struct InfluenceArgs {
    /// The model file (from `kausa fit`).
    model: PathBuf,
    /// The node whose causes are measured.
    #[arg(long)]
    target: String,
    /// Outer draws (default: 1,000 parent configurations for arrows, 20,000 noise draws for intrinsic).
    #[arg(long)]
    outer: Option<usize>,
    /// Inner draws per outer draw (default: 500 for arrows, 5 for intrinsic).
    #[arg(long)]
    inner: Option<usize>,
    #[command(flatten)]
    run: RunArgs,
}

/// Arguments of `kausa attribute anomaly`.
#[derive(Debug, clap::Args)]
struct AnomalyArgs {
    /// The model file (from `kausa fit`).
    model: PathBuf,
    /// The node whose anomaly is explained.
    #[arg(long)]
    target: String,
    /// The anomalous rows (CSV or Parquet, a column per model node).
    #[arg(long)]
    rows: PathBuf,
    /// Draws from the model's distribution.
    #[arg(long, default_value_t = 3000)]
    samples: usize,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

/// Arguments of `kausa attribute change`.
#[derive(Debug, clap::Args)]
struct ChangeArgs {
    /// The model file (from `kausa fit`): its graph and mechanism families are refitted on each data set.
    model: PathBuf,
    /// The node whose change in mean is explained.
    #[arg(long)]
    target: String,
    /// The data before the change.
    #[arg(long)]
    before: PathBuf,
    /// The data after the change.
    #[arg(long)]
    after: PathBuf,
    /// Bootstrap replicates for the intervals (0: none).
    #[arg(long, default_value_t = 100)]
    bootstrap: usize,
    /// Model draws per coalition.
    #[arg(long, default_value_t = 20_000)]
    samples: usize,
    /// Significance level of the mechanism-change tests.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Test each mechanism at --alpha instead of controlling the false discovery rate (Benjamini–Hochberg).
    #[arg(long)]
    no_fdr: bool,
    /// Interval level.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

pub(crate) fn attribute(args: AttributeArgs) -> Result<()> {
    match args.kind {
        AttributeKind::Anomaly(a) => anomaly(a),
        AttributeKind::Change(c) => change(c),
        AttributeKind::Arrows(a) => influence(a, false),
        AttributeKind::Intrinsic(a) => influence(a, true),
    }
}

fn influence(args: InfluenceArgs, intrinsic: bool) -> Result<()> {
    let started = Instant::now();
    let par = par_of(args.run.threads)?;
    let file = load(&args.model)?;
    let scm = &file.model;
    let target = target_of(scm, &args.target)?;
    let base = if intrinsic { InfluenceParams::intrinsic() } else { InfluenceParams::default() };
    let params = InfluenceParams {
        outer: args.outer.unwrap_or(base.outer),
        inner: args.inner.unwrap_or(base.inner),
        seed: args.run.seed,
        par,
        ..base
    };
    if params.outer < 2 || params.inner < 2 {
        bail!("--outer and --inner must be at least 2");
    }
    let result =
        if intrinsic { intrinsic_influence(scm, target, &params) } else { arrow_strength(scm, target, &params) }
            .map_err(|e| anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let closed = influence_is_closed_form(scm, target);
    let method = if closed { "closed form (linear mechanisms)" } else { "sampled" };
    let name = |j: usize| scm.nodes()[j].name.clone();
    let what = if intrinsic { "intrinsic causal influence" } else { "arrow strength" };
    if args.run.json {
        let values: serde_json::Map<String, serde_json::Value> = result
            .iter()
            .map(|&(j, v)| {
                (if intrinsic { name(j) } else { format!("{} -> {}", name(j), args.target) }, serde_json::json!(v))
            })
            .collect();
        let out = serde_json::json!({
            "target": args.target, "measure": what, "values": values, "method": method,
            "outer": if closed { None } else { Some(params.outer) },
            "inner": if closed { None } else { Some(params.inner) },
            "seed": args.run.seed, "seconds": seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    let unit = match (&scm.nodes()[target].kind, intrinsic) {
        (NodeKind::Categorical { .. }, false) => {
            "Kullback-Leibler divergence of the class probabilities when the arrow is cut"
        }
        (_, false) => "increase of the conditional variance when the arrow is cut",
        (_, true) => "Shapley share of the target's variance explained by each node's own noise",
    };
    println!("{} on {} ({unit})", what[..1].to_uppercase() + &what[1..], args.target);
    let width = result.iter().map(|&(j, _)| scm.nodes()[j].name.len()).max().unwrap_or(4).max(4);
    let mut order: Vec<usize> = (0..result.len()).collect();
    order.sort_by(|&a, &b| result[b].1.total_cmp(&result[a].1).then(a.cmp(&b)));
    for i in order {
        let (j, v) = result[i];
        let label = if intrinsic { name(j) } else { format!("{} -> {}", name(j), args.target) };
        println!("  {label:width$}  {v:>12.6}", width = if intrinsic { width } else { width + args.target.len() + 4 });
    }
    if intrinsic {
        println!("  (sum {:.6}: the model's variance of {})", result.iter().map(|r| r.1).sum::<f64>(), args.target);
    }
    if closed {
        println!("(closed form: the target and its ancestors are linear; exact for the model, no draws)");
    } else {
        println!("(sampled: {} outer draws of {} inner ones, seed {})", params.outer, params.inner, args.run.seed);
    }
    println!("({seconds:.3} s)");
    Ok(())
}

fn anomaly(args: AnomalyArgs) -> Result<()> {
    let started = Instant::now();
    let par = par_of(args.run.threads)?;
    if args.samples == 0 {
        bail!("--samples must be at least 1");
    }
    let file = load(&args.model)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let scm = &file.model;
    let target = target_of(scm, &args.target)?;
    let rows = read_rows(&args.rows, scm, &args.data_args, par, false)?;
    let params = AnomalyParams { samples: args.samples, seed: args.run.seed, par, ..AnomalyParams::default() };
    let r = attribute_anomalies(scm, target, &rows, &params).map_err(|e| anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let name = |j: usize| scm.nodes()[j].name.clone();
    if args.run.json {
        let out = serde_json::json!({
            "target": args.target,
            "rows": r.scores.iter().zip(&r.contributions).map(|(s, c)| serde_json::json!({
                "score": s,
                "contributions": r.nodes.iter().zip(c).map(|(&j, v)| (name(j), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
            "samples": args.samples, "seed": args.run.seed, "seconds": seconds, "model_load_seconds": load_seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!(
        "Root causes of anomalous {} ({} rows; score −log P(as extreme), {} model draws, seed {})",
        args.target,
        r.scores.len(),
        args.samples,
        args.run.seed
    );
    let width = r.nodes.iter().map(|&j| scm.nodes()[j].name.len()).max().unwrap_or(4).max(4);
    for (i, (score, contrib)) in r.scores.iter().zip(&r.contributions).enumerate().take(20) {
        println!("  row {}: anomaly score {score:.3}", i + 1);
        let mut order: Vec<usize> = (0..r.nodes.len()).collect();
        order.sort_by(|&a, &b| contrib[b].total_cmp(&contrib[a]).then(a.cmp(&b)));
        for k in order {
            println!("    {:width$}  {:>8.3}", name(r.nodes[k]), contrib[k]);
        }
    }
    println!("({seconds:.3} s)");
    Ok(())
}

fn change(args: ChangeArgs) -> Result<()> {
    let started = Instant::now();
    let par = par_of(args.run.threads)?;
    if args.samples == 0 {
        bail!("--samples must be at least 1");
    }
    let unit = |v: f64| v > 0.0 && v < 1.0;
    if !unit(args.alpha) || !unit(args.level) {
        bail!("--alpha and --level must lie strictly between 0 and 1");
    }
    let file = load(&args.model)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let scm = &file.model;
    let target = target_of(scm, &args.target)?;
    let before = read_rows(&args.before, scm, &args.data_args, par, true)?;
    let after = read_rows(&args.after, scm, &args.data_args, par, true)?;
    let params = ChangeParams {
        samples: args.samples,
        alpha: args.alpha,
        fdr: !args.no_fdr,
        bootstrap: args.bootstrap,
        level: args.level,
        seed: args.run.seed,
        par,
        ..ChangeParams::default()
    };
    let r = distribution_change(scm, target, &before, &after, &params).map_err(|e| anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let name = |j: usize| scm.nodes()[j].name.clone();
    let total: f64 = r.attributions.iter().sum();
    if args.run.json {
        let nodes: Vec<serde_json::Value> = r
            .nodes
            .iter()
            .enumerate()
            .map(|(i, &j)| {
                serde_json::json!({
                    "node": name(j),
                    "attribution": r.attributions[i],
                    "interval": r.intervals.as_ref().map(|iv| [iv[i].0, iv[i].1]),
                    "mechanism_changed": r.tests[i].changed,
                    "p_value": r.tests[i].p_value,
                    "test": r.tests[i].test,
                })
            })
            .collect();
        let out = serde_json::json!({
            "target": args.target, "observed_change": r.observed_change, "attributed_change": total,
            "nodes": nodes, "level": args.level, "bootstrap": args.bootstrap,
            "samples": args.samples, "seed": args.run.seed, "seconds": seconds, "model_load_seconds": load_seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!(
        "Change in mean {}: observed {:+.4}, attributed {:+.4} (Shapley over mechanisms, {} draws per coalition)",
        args.target, r.observed_change, total, args.samples
    );
    let width = r.nodes.iter().map(|&j| scm.nodes()[j].name.len()).max().unwrap_or(4).max(4);
    let level = format!("{:.0}% interval", args.level * 100.0);
    println!("  {:width$}  {:>12}  {:<24}  {:>8}  {:>9}  test", "node", "attribution", level, "changed", "p-value");
    for (i, &j) in r.nodes.iter().enumerate() {
        let iv = r.intervals.as_ref().map_or(String::new(), |iv| format!("[{:.4}, {:.4}]", iv[i].0, iv[i].1));
        println!(
            "  {:width$}  {:>12.4}  {:<24}  {:>8}  {:>9.2e}  {}",
            name(j),
            r.attributions[i],
            iv,
            if r.tests[i].changed { "yes" } else { "no" },
            r.tests[i].p_value,
            r.tests[i].test
        );
    }
    println!(
        "Unchanged mechanisms are fitted on both data sets together and get exactly 0.{}",
        if args.bootstrap > 0 {
            format!(" Intervals: {} bootstrap refits on resampled rows of both data sets.", args.bootstrap)
        } else {
            String::new()
        }
    );
    println!("({seconds:.3} s)");
    Ok(())
}

/// Arguments of `kausa validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// The model file (from `kausa fit`).
    model: PathBuf,
    /// Data to check it against (the training data, or newer data), a column per model node.
    data: PathBuf,
    /// Level of each conditional-independence test of the graph.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Graphs with permuted node labels to compare the graph with.
    #[arg(long, default_value_t = 100)]
    permutations: usize,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

pub(crate) fn validate(args: ValidateArgs) -> Result<()> {
    let started = Instant::now();
    let par = par_of(args.run.threads)?;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        bail!("--alpha must lie strictly between 0 and 1");
    }
    let file = load(&args.model)?;
    let scm = &file.model;
    let columns = read_rows(&args.data, scm, &args.data_args, par, true)?;
    let metrics = kausa_scm::fit_metrics(scm, &columns, args.run.seed);
    let refutations = kausa_scm::refute_mechanisms(scm, &columns);
    let data = columns_to_dataset(scm, columns.clone())?;
    let test =
        ci_test(scm, &columns, par).map_err(|e| anyhow!("{}: cannot test the graph: {e}", args.data.display()))?;
    let params =
        kausa_scm::FalsifyParams { alpha: args.alpha, permutations: args.permutations, seed: args.run.seed, par };
    let f = kausa_scm::falsify(scm, test.as_ref(), &params).map_err(|e| anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let name = |j: usize| scm.nodes()[j].name.clone();
    let falsified = f.p_value > args.alpha;
    let metric_json = |m: &kausa_scm::FitMetric| match m {
        kausa_scm::FitMetric::Distribution { ks, p_value } => serde_json::json!({"ks": ks, "p_value": p_value}),
        kausa_scm::FitMetric::Regression { r2, rmse } => serde_json::json!({"r2": r2, "rmse": rmse}),
        kausa_scm::FitMetric::Classification { accuracy, log_loss } => {
            serde_json::json!({"accuracy": accuracy, "log_loss": log_loss})
        }
    };
    if args.run.json {
        let out = serde_json::json!({
            "rows": data.n_rows(),
            "mechanisms": scm.nodes().iter().zip(&metrics).map(|(n, m)| serde_json::json!({
                "node": n.name, "mechanism": n.mechanism.name(), "fit": metric_json(m),
            })).collect::<Vec<_>>(),
            "refutations": refutations.iter().map(|r| serde_json::json!({
                "node": name(r.node), "p_value": r.p_value, "refuted": r.p_value < args.alpha,
                "worst_parent": name(r.worst.0), "dependence": r.worst.1,
            })).collect::<Vec<_>>(),
            "graph": {
                "test": test.name(), "alpha": args.alpha, "local_markov_conditions": f.tests, "untestable": f.untestable,
                "violations": f.violations,
                "violated": f.violated.iter().map(|&(x, y)| format!("{} _||_ {} | parents({})", name(x), name(y), name(x))).collect::<Vec<_>>(),
                "permutations": f.permuted_shares.len(), "p_value": f.p_value,
                "markov_equivalent_share": f.equivalent_share, "falsified": falsified,
            },
            "seconds": seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!("Validation of {} on {} ({} rows)", args.model.display(), args.data.display(), data.n_rows());
    let width = scm.nodes().iter().map(|n| n.name.len()).max().unwrap_or(4).max(4);
    println!("Mechanisms:");
    for (node, m) in scm.nodes().iter().zip(&metrics) {
        let text = match m {
            kausa_scm::FitMetric::Distribution { ks, p_value } => {
                format!("Kolmogorov-Smirnov distance to the model {ks:.4} (p {p_value:.3})")
            }
            kausa_scm::FitMetric::Regression { r2, rmse } => format!("R² {r2:.4}, RMSE {rmse:.4}"),
            kausa_scm::FitMetric::Classification { accuracy, log_loss } => {
                format!("accuracy {accuracy:.4}, log loss {log_loss:.4}")
            }
        };
        println!("  {:width$}  {:<18}  {text}", node.name, node.mechanism.name());
    }
    if !refutations.is_empty() {
        println!("Mechanism refutation (noise independent of the parents? curvature and spread tests, Bonferroni):");
        for r in &refutations {
            let verdict = if r.p_value < args.alpha {
                format!("REFUTED: the noise depends on {} ({})", name(r.worst.0), r.worst.1)
            } else {
                "not refuted".to_string()
            };
            println!("  {:width$}  p = {:.3}  {verdict}", name(r.node), r.p_value);
        }
    }
    println!("Graph (local Markov conditions, {} test at alpha {}):", test.name(), args.alpha);
    println!("  {} of {} conditions violated", f.violations, f.tests);
    if f.untestable > 0 {
        println!("  ({} more could not be tested: a variable there is an exact function of others)", f.untestable);
    }
    for &(x, y) in f.violated.iter().take(10) {
        println!("    {} is not independent of {} given its parents", name(x), name(y));
    }
    if f.violated.len() > 10 {
        println!("    ... {} more (see --json)", f.violated.len() - 10);
    }
    let mut shares = f.permuted_shares.clone();
    shares.sort_by(f64::total_cmp);
    let median = shares.get(shares.len() / 2).copied().unwrap_or(0.0);
    println!(
        "  {} graphs with permuted node labels violate a median {:.0}% of their conditions; p = {:.3}",
        shares.len(),
        median * 100.0,
        f.p_value
    );
    println!(
        "  {}",
        if falsified {
            "Falsified: the graph explains the data's independences no better than random relabellings."
        } else {
            "Not falsified: the graph explains the data's independences better than random relabellings."
        }
    );
    if f.equivalent_share > 0.0 {
        println!(
            "  ({:.0}% of the permutations are Markov equivalent to the graph: data cannot tell those apart.)",
            f.equivalent_share * 100.0
        );
    }
    println!("({seconds:.3} s)");
    Ok(())
}

/// The conditional-independence test of the model's nodes on `columns`: Fisher-z
/// when every node is continuous, else the degenerate-Gaussian test.
pub(crate) fn ci_test(scm: &Scm, columns: &[Vec<f64>], par: Par) -> Result<Box<dyn kausa_stats::CiTest>> {
    if scm.nodes().iter().all(|n| n.kind == NodeKind::Continuous) {
        let cols: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
        let corr = kausa_stats::Correlation::from_columns(&cols, par).map_err(|e| anyhow!("{e}"))?;
        Ok(Box::new(kausa_stats::FisherZ::new(corr, kausa_stats::Semantics::Pcalg)))
    } else {
        let data = columns_to_dataset(scm, columns.to_vec())?;
        let emb = kausa_stats::Embedding::new(&data, par).map_err(|e| anyhow!("{e}"))?;
        Ok(Box::new(kausa_stats::DegenerateGaussianTest::new(emb)))
    }
}
