//! `kausa estimate`: the effect of a treatment on an outcome, from a causal
//! graph and data, with the route identification found and an interval.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use clap::ValueEnum;
use kausa_core::{Dataset, Par};
use kausa_estimate::{
    Altered, CrossFit, DiscreteColumns, Estimate, IpwParams, Learner, LinearAdjustment, Overlap, PluginParams,
    Refutation, RefuteParams, Refuter, Sensitivity, aipw, boosted_adjustment, dml_partially_linear, front_door_linear,
    ipw, linear_adjustment, overlap, plugin_effect, plugin_means, refute_linear, refute_with, sensitivity,
    two_stage_least_squares,
};
use kausa_identify::{Admg, NodeSet, adjustment, front_door, identify_id, instruments};
use kausa_io::read_table;
use kausa_stats::special::normal_cdf;

use crate::data_args::DataArgs;
use crate::identify::{admg_from_json, read_causal_graph};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Method {
    /// Chosen from what identification finds: back door → linear adjustment, else front door, else
    /// the ID estimand's plug-in (discrete data), else instruments → 2SLS.
    Auto,
    /// Linear regression adjustment on the back-door set.
    Linear,
    /// Inverse probability weighting (binary treatment) on the back-door set.
    Ipw,
    /// Double machine learning, partially linear model, cross-fitted (linear nuisances).
    Dml,
    /// Doubly robust AIPW (binary treatment), cross-fitted (linear outcome models, logistic propensity).
    Aipw,
    /// Two-stage least squares with the graph's instruments.
    Iv,
    /// Front-door adjustment through the mediators identification finds (linear mechanisms).
    Frontdoor,
    /// Regression adjustment with gradient-boosted trees (binary treatment; bootstrap interval).
    Gbt,
    /// The ID algorithm's estimand evaluated on the data's relative frequencies (discrete
    /// variables; bootstrap interval): for effects identified only by the general ID estimand.
    Id,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RefuterArg {
    /// The treatment permuted (with the instruments, for 2SLS): the effect must vanish.
    Placebo,
    /// The outcome replaced by noise: the effect must vanish.
    DummyOutcome,
    /// A random covariate added: the effect must not move.
    RandomCommonCause,
    /// Random 80% subsets: the effect must not move.
    Subset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LearnerArg {
    /// Least squares (logistic regression for the propensity).
    Linear,
    /// Gradient-boosted trees: 100 trees of depth 3, learning rate 0.1 (scikit-learn's defaults).
    Gbt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Compat {
    /// kausa: adjust for the optimal set; effect modifiers enter with main effects and interactions.
    Kausa,
    /// DoWhy's `backdoor.linear_regression`: its (minimal) back-door set, modifiers as interactions only.
    Dowhy,
}

/// Arguments of `kausa estimate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The causal graph: graph JSON, or GML as DoWhy writes it.
    #[arg(long)]
    graph: PathBuf,
    /// The data file (CSV or Parquet) with a column per graph node used.
    #[arg(long)]
    data: PathBuf,
    /// The treatment column.
    #[arg(long)]
    treatment: String,
    /// The outcome column.
    #[arg(long)]
    outcome: String,
    /// The estimator.
    #[arg(long, value_enum, default_value = "auto")]
    method: Method,
    /// Whose model specification to follow.
    #[arg(long, value_enum, default_value = "kausa")]
    compat: Compat,
    /// Bootstrap resamples for a percentile interval beside the analytic one (0: none).
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// DML and AIPW: the nuisance models.
    #[arg(long, value_enum, default_value = "linear")]
    learner: LearnerArg,
    /// DML and AIPW: number of cross-fitting folds (rows assigned by a shuffle seeded with --seed).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// DML and AIPW: take each row's fold from this column instead (its distinct values,
    /// sorted, number the folds): to reproduce another tool's split, or to keep the rows
    /// of one batch or order in one fold. The column must not be a node of the graph.
    #[arg(long, conflicts_with = "folds")]
    fold_column: Option<String>,
    /// IPW: clip propensity scores to [trim, 1 − trim].
    #[arg(long, default_value_t = 0.01)]
    trim: f64,
    /// Also estimate the effect within each level of this (discrete) column: conditional effects by subgroup.
    #[arg(long)]
    by: Option<String>,
    /// Simulations per refuter (placebo treatment, dummy outcome, random common cause, data subset).
    #[arg(long, default_value_t = 20)]
    refute_sims: usize,
    /// Skip the refuters.
    #[arg(long)]
    no_refute: bool,
    /// Which refuters to run (comma-separated; default: all four).
    #[arg(long, value_enum, value_delimiter = ',')]
    refuters: Vec<RefuterArg>,
    /// Worker threads (default: all cores; the result never depends on it).
    #[arg(long)]
    threads: Option<usize>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    data_args: DataArgs,
}

/// The refuters `--refuters` asks for (all four by default).
fn chosen_refuters(args: &Args) -> Vec<Refuter> {
    if args.refuters.is_empty() {
        return Refuter::ALL.to_vec();
    }
    args.refuters
        .iter()
        .map(|r| match r {
            RefuterArg::Placebo => Refuter::PlaceboTreatment,
            RefuterArg::DummyOutcome => Refuter::DummyOutcome,
            RefuterArg::RandomCommonCause => Refuter::RandomCommonCause,
            RefuterArg::Subset => Refuter::DataSubset,
        })
        .collect()
}

/// The refuters `--refuters` asks for, run by [`refute_with`] on `refit` beside
/// estimate `e` of treatment `t`; an estimator with no covariates to add one to
/// (`no_covariate`: why) skips the random common cause, with a note. Returns the
/// refutations and their seconds.
fn refute_estimate(
    args: &Args,
    par: Par,
    t: &[f64],
    e: &mut Estimate,
    no_covariate: Option<&str>,
    refit: impl Fn(&Altered) -> kausa_estimate::Result<f64> + Sync,
) -> Result<(Vec<Refutation>, f64)> {
    let started = Instant::now();
    let mut chosen = chosen_refuters(args);
    if let Some(why) = no_covariate
        && chosen.contains(&Refuter::RandomCommonCause)
    {
        chosen.retain(|&r| r != Refuter::RandomCommonCause);
        e.notes.push(format!("refuters: no random common cause ({why})"));
    }
    let params = RefuteParams { refuters: &chosen, sims: args.refute_sims, seed: args.seed, par };
    let refutations =
        refute_with(t, e.effect, e.se, params, refit).map_err(|err| anyhow!("{}: {err}", args.data.display()))?;
    Ok((refutations, started.elapsed().as_secs_f64()))
}

/// The outcome, treatment and other columns at `rows` (all rows when `None`).
fn pick_rows(rows: Option<&[usize]>, y: &[f64], t: &[f64], others: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let pick = |v: &[f64]| rows.map_or_else(|| v.to_vec(), |r| r.iter().map(|&i| v[i]).collect());
    (pick(y), pick(t), others.iter().map(|c| pick(c)).collect())
}

/// The standard error and percentile interval of `effect` over `reps` resamples of
/// the `n` rows, or `None` when `reps` is 0.
fn row_bootstrap(
    args: &Args,
    reps: usize,
    n: usize,
    par: Par,
    effect: impl Fn(&[usize]) -> kausa_estimate::Result<f64> + Sync,
) -> Result<Option<(f64, (f64, f64))>> {
    if reps == 0 {
        return Ok(None);
    }
    let b = kausa_estimate::Bootstrap::run(n, reps, args.seed, par, |counts| {
        let rows: Vec<usize> =
            counts.iter().enumerate().flat_map(|(i, &c)| std::iter::repeat_n(i, c as usize)).collect();
        effect(&rows)
    })
    .map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
    Ok(Some((b.se(), b.percentile_interval(args.level))))
}

/// DoWhy's effect modifiers: ancestors of the outcome that are not the treatment,
/// not its ancestors and not on its causal paths to the outcome.
fn effect_modifiers(g: &Admg, x: usize, y: usize) -> NodeSet {
    let all = g.all();
    let p = g.n_nodes();
    let one = |v| NodeSet::of(p, [v]);
    let an_y = g.ancestors(&one(y), &all).difference(&one(y));
    let an_x = g.ancestors(&one(x), &all);
    let mediators = g.descendants(&one(x), &all).intersection(&g.ancestors(&one(y), &all));
    an_y.difference(&an_x).difference(&mediators)
}

/// A covariate as model columns: itself when numeric, else one 0/1 indicator per
/// level but the first (named `column=level`).
fn design_columns(data: &Dataset, file: &std::path::Path, name: &str, role: &str) -> Result<Vec<(String, Vec<f64>)>> {
    let j = data.index_of(name).ok_or_else(|| {
        anyhow!("{}: no column {name:?} ({role}); the data has {}", file.display(), data.names().join(", "))
    })?;
    let c = data.column(j);
    if let Some(v) = c.to_f64() {
        return Ok(vec![(name.to_string(), v)]);
    }
    let kausa_core::Column::Discrete { codes, levels, .. } = c else {
        bail!("{}: column {name:?} ({role}) cannot be used as numbers", file.display());
    };
    Ok((1..levels.len())
        .map(|l| (format!("{name}={}", levels[l]), codes.iter().map(|&k| (k as usize == l) as u8 as f64).collect()))
        .collect())
}

/// The fold of each row from the `--fold-column`: the rank of its value among the
/// column's sorted distinct values.
fn fold_labels(data: &Dataset, file: &std::path::Path, name: &str) -> Result<Vec<usize>> {
    let j = data.index_of(name).ok_or_else(|| {
        anyhow!("{}: no column {name:?} (--fold-column); the data has {}", file.display(), data.names().join(", "))
    })?;
    let codes = match data.column(j) {
        kausa_core::Column::Discrete { codes, .. } => codes.clone(),
        kausa_core::Column::Continuous { values, .. } => match kausa_core::Column::discrete_from_values(name, values) {
            kausa_core::Column::Discrete { codes, .. } => codes,
            kausa_core::Column::Continuous { .. } => unreachable!("discrete_from_values makes a discrete column"),
        },
    };
    Ok(codes.iter().map(|&c| c as usize).collect())
}

/// The ID plug-in's variables, by graph node: category codes, and the number each
/// level stands for (nodes outside the estimand: none, and no levels).
struct IdColumns {
    codes: Vec<Option<Vec<u32>>>,
    values: Vec<Vec<f64>>,
}

fn id_columns(data: &Dataset, file: &std::path::Path, names: &[String], used: &NodeSet) -> Result<IdColumns> {
    let mut out = IdColumns { codes: vec![None; names.len()], values: vec![Vec::new(); names.len()] };
    for v in used.iter() {
        let (c, l) = discrete_codes(data, file, &names[v])?;
        out.codes[v] = Some(c);
        out.values[v] = l;
    }
    Ok(out)
}

/// A variable of the ID plug-in as category codes, with the number each level
/// stands for: a discrete column with numeric labels (or true/false), or a numeric
/// column of at most 64 distinct values.
fn discrete_codes(data: &Dataset, file: &std::path::Path, name: &str) -> Result<(Vec<u32>, Vec<f64>)> {
    let j = data.index_of(name).ok_or_else(|| {
        anyhow!(
            "{}: no column {name:?} (the ID estimand needs it); the data has {}",
            file.display(),
            data.names().join(", ")
        )
    })?;
    let discrete = match data.column(j) {
        c @ kausa_core::Column::Discrete { .. } => c.clone(),
        kausa_core::Column::Continuous { values, .. } => kausa_core::Column::discrete_from_values(name, values),
    };
    let kausa_core::Column::Discrete { codes, levels, numeric, .. } = discrete else {
        unreachable!("a discrete column")
    };
    if levels.len() > 64 {
        bail!(
            "{}: column {name:?} has {} distinct values; the ID estimand's plug-in needs discrete variables \
             (at most 64 levels)",
            file.display(),
            levels.len()
        );
    }
    let values = numeric.ok_or_else(|| {
        anyhow!("{}: column {name:?} has text labels; the ID plug-in needs numbers (or true/false)", file.display())
    })?;
    Ok((codes, values))
}

fn column(data: &Dataset, file: &std::path::Path, name: &str, role: &str) -> Result<Vec<f64>> {
    let j = data.index_of(name).ok_or_else(|| {
        anyhow!("{}: no column {name:?} ({role}); the data has {}", file.display(), data.names().join(", "))
    })?;
    data.column(j).to_f64().ok_or_else(|| {
        anyhow!(
            "{}: column {name:?} ({role}) has text labels; estimation needs numbers (or true/false)",
            file.display()
        )
    })
}

pub(crate) fn run(args: Args) -> Result<()> {
    if !(args.level > 0.0 && args.level < 1.0) {
        bail!("--level must be between 0 and 1, got {}", args.level);
    }
    if !(0.0..0.5).contains(&args.trim) {
        bail!("--trim must be in [0, 0.5), got {}", args.trim);
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let par = Par::threads(threads);
    let gj = read_causal_graph(&args.graph)?;
    let names = gj.nodes.clone();
    let g = admg_from_json(&gj).map_err(|e| anyhow!("{}: {e}", args.graph.display()))?;
    let node = |name: &str, role: &str| -> Result<usize> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            anyhow!(
                "{}: the {role} {name:?} is not a node of the graph (nodes: {})",
                args.graph.display(),
                names.join(", ")
            )
        })
    };
    let (x, y) = (node(&args.treatment, "treatment")?, node(&args.outcome, "outcome")?);
    if x == y {
        bail!("the treatment and the outcome are the same variable ({})", args.treatment);
    }
    let p = names.len();
    let (xs, ys) = (NodeSet::of(p, [x]), NodeSet::of(p, [y]));
    let t0 = Instant::now();
    let adj = adjustment(&g, &xs, &ys);
    let ivs = instruments(&g, &xs, &ys);
    let fd = front_door(&g, &xs, &ys);
    let id = identify_id(&g, &xs, &ys).ok();
    let method = match args.method {
        Method::Auto if adj.is_some() => Method::Linear,
        Method::Auto if fd.is_some() => Method::Frontdoor,
        Method::Auto if !ivs.is_empty() || id.is_some() => Method::Auto,
        Method::Auto => bail!(
            "the effect of {} on {} is not identifiable from this graph (see kausa identify for the hedge)",
            args.treatment,
            args.outcome
        ),
        m => m,
    };
    let read_opts = args.data_args.options(par)?;
    let table = read_table(&args.data, &read_opts)?;
    let data = &table.data;
    // The ID plug-in's columns, where the ID estimand and the method may use them.
    let mut id_cols = match (&id, method) {
        (Some(e), Method::Auto | Method::Id) => {
            Some(id_columns(data, &args.data, &names, &e.variables(p).union(&xs).union(&ys)))
        }
        _ => None,
    };
    // Neither door is open: the ID estimand's plug-in when its variables are
    // discrete (or no instrument exists), else the instruments.
    let method = match method {
        Method::Auto if id_cols.as_ref().is_some_and(|c| c.is_ok() || ivs.is_empty()) => Method::Id,
        Method::Auto => Method::Iv,
        m => m,
    };
    let col = |v: usize, role: &str| column(data, &args.data, &names[v], role);
    let yv = col(y, "outcome")?;
    let tv = col(x, "treatment")?;
    let mut covariate_names: Vec<String> = Vec::new();
    let mut modifier_names: Vec<String> = Vec::new();
    let mut instrument_names: Vec<String> = Vec::new();
    let mut mediator_names: Vec<String> = Vec::new();
    let mut bootstrap: Option<(f64, (f64, f64))> = None;
    let mut resamples = args.bootstrap;
    let mut refutations: Vec<Refutation> = Vec::new();
    let mut refute_seconds = 0.0;
    let mut sens: Option<Sensitivity> = None;
    let mut positivity: Option<Overlap> = None;
    let mut subgroups: Vec<(String, usize, Option<Estimate>)> = Vec::new();
    if args.fold_column.is_some() && !matches!(method, Method::Dml | Method::Aipw) {
        bail!("--fold-column applies to the cross-fitted estimators (--method dml or aipw)");
    }
    let estimate: Estimate = match method {
        Method::Linear | Method::Ipw | Method::Dml | Method::Aipw | Method::Gbt => {
            let a = adj.as_ref().ok_or_else(|| {
                anyhow!("no back-door adjustment set exists for {} on {} in this graph", args.treatment, args.outcome)
            })?;
            let set = match args.compat {
                Compat::Kausa => a.optimal.clone().unwrap_or_else(|| a.minimal.clone()),
                Compat::Dowhy => a.minimal.clone(),
            };
            let expand = |v: usize, role: &str| design_columns(data, &args.data, &names[v], role);
            let mut covs: Vec<Vec<f64>> = Vec::new();
            for v in set.iter() {
                for (name, c) in expand(v, "adjustment set")? {
                    covariate_names.push(name);
                    covs.push(c);
                }
            }
            if tv.iter().all(|&v| v == 0.0 || v == 1.0) {
                let refs: Vec<&[f64]> = covs.iter().map(Vec::as_slice).collect();
                positivity = Some(overlap(&tv, &refs).map_err(|e| anyhow!("{}: {e}", args.data.display()))?);
            }
            let learner = match args.learner {
                LearnerArg::Linear => Learner::Linear,
                LearnerArg::Gbt => Learner::Boosted(kausa_stats::gbdt::GbdtParams::default()),
            };
            let given = match &args.fold_column {
                None => None,
                Some(name) if names.contains(name) => {
                    bail!("--fold-column {name:?} is a node of the graph; fold labels must be a column of their own")
                }
                Some(name) => Some(fold_labels(data, &args.data, name)?),
            };
            let cf = CrossFit {
                learner,
                folds: args.folds,
                seed: args.seed,
                given: None,
                trim: args.trim,
                level: args.level,
                par,
            };
            if matches!(method, Method::Ipw | Method::Dml | Method::Aipw | Method::Gbt) {
                // One function of the (altered) columns for the estimate, its bootstrap
                // and its refuters; inside a resample or refutation the folds run on
                // one thread, the resamples and refutations in parallel. `rows` says
                // which original rows the columns hold, for a given split to follow.
                let fit = |ys: &[f64], ts: &[f64], cs: &[Vec<f64>], rows: Option<&[usize]>, cf: CrossFit| {
                    let folds: Option<Vec<usize>> =
                        given.as_ref().map(|f| rows.map_or_else(|| f.clone(), |r| r.iter().map(|&i| f[i]).collect()));
                    let cf = CrossFit { given: folds.as_deref(), ..cf };
                    let refs: Vec<&[f64]> = cs.iter().map(Vec::as_slice).collect();
                    match method {
                        Method::Ipw => ipw(ys, ts, &refs, IpwParams { trim: args.trim, level: args.level }),
                        Method::Dml => dml_partially_linear(ys, ts, &refs, cf),
                        Method::Aipw => aipw(ys, ts, &refs, cf),
                        _ => {
                            let effect = boosted_adjustment(ys, ts, &refs, kausa_stats::gbdt::GbdtParams::default())?;
                            Ok(Estimate {
                                method: "regression adjustment with gradient-boosted trees (one model per arm)",
                                effect,
                                se: f64::NAN,
                                interval: (f64::NAN, f64::NAN),
                                level: args.level,
                                n: ys.len(),
                                df: f64::INFINITY,
                                notes: Vec::new(),
                            })
                        }
                    }
                };
                let run = |rows: Option<&[usize]>, cf: CrossFit| -> kausa_estimate::Result<Estimate> {
                    let (ys, ts, cs) = pick_rows(rows, &yv, &tv, &covs);
                    fit(&ys, &ts, &cs, rows, cf)
                };
                let mut e = run(None, cf).map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
                let reps = if method == Method::Gbt && args.bootstrap == 0 { 50 } else { args.bootstrap };
                resamples = reps;
                if reps > 0 && matches!(method, Method::Dml | Method::Aipw) && args.learner == LearnerArg::Gbt {
                    // Resampling duplicates rows across the folds, where flexible learners memorise them.
                    bail!(
                        "--bootstrap with --learner gbt would put copies of a row in both the fitting and the \
                         predicting folds; use the analytic (influence-function) interval, or --learner linear"
                    );
                }
                let one = CrossFit { par: Par::Seq, ..cf };
                bootstrap = row_bootstrap(&args, reps, yv.len(), par, |rows| run(Some(rows), one).map(|e| e.effect))?;
                if let (Method::Gbt, Some((se, interval))) = (method, bootstrap) {
                    // The plug-in has no analytic interval: report the bootstrap's.
                    e.se = se;
                    e.interval = interval;
                    e.notes.push(format!("interval: bootstrap, {reps} resamples, seed {}", args.seed));
                }
                if !args.no_refute {
                    let refit = |alt: &Altered| -> kausa_estimate::Result<f64> {
                        let y0 = alt.outcome.as_deref().unwrap_or(&yv);
                        let t0 = alt.treatment.as_deref().unwrap_or(&tv);
                        let mut cs = covs.clone();
                        cs.extend(alt.extra_covariate.clone());
                        let (ys, ts, cs) = pick_rows(alt.rows.as_deref(), y0, t0, &cs);
                        Ok(fit(&ys, &ts, &cs, alt.rows.as_deref(), one)?.effect)
                    };
                    (refutations, refute_seconds) = refute_estimate(&args, par, &tv, &mut e, None, refit)?;
                }
                // The E-value needs only the estimate and its interval; the robustness
                // value is defined for the partially linear model (as for least squares).
                let m = yv.iter().sum::<f64>() / yv.len() as f64;
                let sd_y = (yv.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (yv.len() - 1) as f64).sqrt();
                let df = yv.len().checked_sub(covs.len() + 2).map_or(f64::NAN, |d| d as f64);
                let mut s = sensitivity(e.effect, e.se, df, e.interval, sd_y);
                if method != Method::Dml {
                    s.robustness_value = f64::NAN;
                    s.robustness_value_alpha = f64::NAN;
                }
                sens = Some(s);
                e
            } else {
                let mods = effect_modifiers(&g, x, y);
                // Modifiers must be in the data; a graph node without a column cannot modify anything we see.
                let mods: Vec<usize> = mods.iter().filter(|&v| data.index_of(&names[v]).is_some()).collect();
                let mut covs = covs;
                let mut mod_cols: Vec<Vec<f64>> = Vec::new();
                for &m in &mods {
                    for (name, c) in expand(m, "effect modifier")? {
                        if args.compat == Compat::Kausa && !set.contains(m) {
                            covariate_names.push(name.clone());
                            covs.push(c.clone());
                        }
                        modifier_names.push(name);
                        mod_cols.push(c);
                    }
                }
                let la = LinearAdjustment {
                    y: &yv,
                    t: &tv,
                    covariates: covs.iter().map(Vec::as_slice).collect(),
                    modifiers: mod_cols.iter().map(Vec::as_slice).collect(),
                };
                let e = linear_adjustment(&la, args.level).map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
                if let Some(by) = &args.by {
                    let j = data.index_of(by).ok_or_else(|| {
                        anyhow!(
                            "{}: no column {by:?} for --by; the data has {}",
                            args.data.display(),
                            data.names().join(", ")
                        )
                    })?;
                    let kausa_core::Column::Discrete { codes, levels, .. } = data.column(j) else {
                        bail!("{}: --by needs a discrete column; {by:?} is continuous", args.data.display());
                    };
                    // Within a level the column is constant: leave it out of the model there.
                    let of_by = |name: &str| name == by || name.starts_with(&format!("{by}="));
                    let keep_cov: Vec<usize> = (0..covs.len()).filter(|&c| !of_by(&covariate_names[c])).collect();
                    let keep_mod: Vec<usize> = (0..mod_cols.len()).filter(|&c| !of_by(&modifier_names[c])).collect();
                    for (code, level) in levels.iter().enumerate() {
                        let rows: Vec<usize> = (0..codes.len()).filter(|&i| codes[i] as usize == code).collect();
                        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
                        let (ys, ts) = (pick(&yv), pick(&tv));
                        let cs: Vec<Vec<f64>> = keep_cov.iter().map(|&c| pick(&covs[c])).collect();
                        let ms: Vec<Vec<f64>> = keep_mod.iter().map(|&c| pick(&mod_cols[c])).collect();
                        let sub = LinearAdjustment {
                            y: &ys,
                            t: &ts,
                            covariates: cs.iter().map(Vec::as_slice).collect(),
                            modifiers: ms.iter().map(Vec::as_slice).collect(),
                        };
                        subgroups.push((level.clone(), rows.len(), linear_adjustment(&sub, args.level).ok()));
                    }
                }
                if args.bootstrap > 0 {
                    let b = la
                        .bootstrap(args.bootstrap, args.seed, par)
                        .map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
                    bootstrap = Some((b.se(), b.percentile_interval(args.level)));
                }
                if !args.no_refute {
                    let t_refute = Instant::now();
                    let chosen = chosen_refuters(&args);
                    let params = RefuteParams { refuters: &chosen, sims: args.refute_sims, seed: args.seed, par };
                    refutations = refute_linear(&la, e.effect, e.se, params)
                        .map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
                    refute_seconds = t_refute.elapsed().as_secs_f64();
                }
                let m = yv.iter().sum::<f64>() / yv.len() as f64;
                let sd_y = (yv.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (yv.len() - 1) as f64).sqrt();
                sens = Some(sensitivity(e.effect, e.se, e.df, e.interval, sd_y));
                e
            }
        }
        Method::Iv => {
            if ivs.is_empty() {
                bail!("the graph has no instrument for {} on {}", args.treatment, args.outcome);
            }
            let zs: Vec<Vec<f64>> = ivs.iter().map(|&v| col(v, "instrument")).collect::<Result<_>>()?;
            instrument_names = ivs.iter().map(|&v| names[v].clone()).collect();
            let run = |rows: Option<&[usize]>| {
                let (ys, ts, cs) = pick_rows(rows, &yv, &tv, &zs);
                let refs: Vec<&[f64]> = cs.iter().map(Vec::as_slice).collect();
                two_stage_least_squares(&ys, &ts, &refs, &[], args.level)
            };
            let mut e = run(None).map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
            bootstrap = row_bootstrap(&args, args.bootstrap, yv.len(), par, |rows| run(Some(rows)).map(|e| e.effect))?;
            if !args.no_refute {
                let refit = |alt: &Altered| -> kausa_estimate::Result<f64> {
                    let y0 = alt.outcome.as_deref().unwrap_or(&yv);
                    let t0 = alt.treatment.as_deref().unwrap_or(&tv);
                    // The placebo moves the instruments with the treatment (as DoWhy's
                    // does): the first stage stays, the path to the outcome goes.
                    let mut cols: Vec<Vec<f64>> = match &alt.permutation {
                        Some(order) => zs.iter().map(|z| order.iter().map(|&i| z[i]).collect()).collect(),
                        None => zs.clone(),
                    };
                    cols.extend(alt.extra_covariate.clone());
                    let (ys, ts, cs) = pick_rows(alt.rows.as_deref(), y0, t0, &cols);
                    let (z, c) = cs.split_at(zs.len());
                    let z: Vec<&[f64]> = z.iter().map(Vec::as_slice).collect();
                    let c: Vec<&[f64]> = c.iter().map(Vec::as_slice).collect();
                    Ok(two_stage_least_squares(&ys, &ts, &z, &c, args.level)?.effect)
                };
                (refutations, refute_seconds) = refute_estimate(&args, par, &tv, &mut e, None, refit)?;
                if refutations.iter().any(|r| r.name == Refuter::PlaceboTreatment.name()) {
                    e.notes.push("refuters: the placebo permutes the instruments together with the treatment".into());
                }
            }
            e
        }
        Method::Frontdoor => {
            let (m, _) = fd.as_ref().ok_or_else(|| {
                anyhow!("no front-door set exists for {} on {} in this graph", args.treatment, args.outcome)
            })?;
            let ms: Vec<Vec<f64>> = m.iter().map(|v| col(v, "front-door mediator")).collect::<Result<_>>()?;
            mediator_names = m.iter().map(|v| names[v].clone()).collect();
            let run = |rows: Option<&[usize]>| {
                let (ys, ts, cs) = pick_rows(rows, &yv, &tv, &ms);
                let refs: Vec<&[f64]> = cs.iter().map(Vec::as_slice).collect();
                front_door_linear(&ys, &ts, &refs, args.level)
            };
            let mut e = run(None).map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
            bootstrap = row_bootstrap(&args, args.bootstrap, yv.len(), par, |rows| run(Some(rows)).map(|e| e.effect))?;
            if !args.no_refute {
                let refit = |alt: &Altered| -> kausa_estimate::Result<f64> {
                    let y0 = alt.outcome.as_deref().unwrap_or(&yv);
                    let t0 = alt.treatment.as_deref().unwrap_or(&tv);
                    let (ys, ts, cs) = pick_rows(alt.rows.as_deref(), y0, t0, &ms);
                    let refs: Vec<&[f64]> = cs.iter().map(Vec::as_slice).collect();
                    Ok(front_door_linear(&ys, &ts, &refs, args.level)?.effect)
                };
                let why = Some("the front-door estimate adjusts for nothing");
                (refutations, refute_seconds) = refute_estimate(&args, par, &tv, &mut e, why, refit)?;
            }
            e
        }
        Method::Id => {
            let expr = id.as_ref().ok_or_else(|| {
                anyhow!(
                    "the effect of {} on {} is not identifiable from this graph (see kausa identify for the hedge)",
                    args.treatment,
                    args.outcome
                )
            })?;
            let IdColumns { codes, values } = id_cols.take().expect("made for an identified effect")?;
            let (x_levels, y_values) = (&values[x], &values[y]);
            let levels = values.iter().map(Vec::len).collect();
            let cols = DiscreteColumns { codes: codes.iter().map(|c| c.as_deref()).collect(), levels };
            resamples = if args.bootstrap == 0 { 200 } else { args.bootstrap };
            let params = PluginParams { reps: resamples, seed: args.seed, level: args.level, par };
            let (mut e, means) = plugin_effect(expr, &cols, x, y, y_values, params)
                .map_err(|e| anyhow!("{}: {e}", args.data.display()))?;
            bootstrap = Some((e.se, e.interval));
            let mut notes = vec![format!("estimand: {}", expr.to_formula(&names, &xs))];
            for (level, m) in x_levels.iter().zip(&means) {
                notes.push(format!("E[{} | do({} = {level})] = {m:.6}", args.outcome, args.treatment));
            }
            let (lo, hi) = (&x_levels[0], &x_levels[x_levels.len() - 1]);
            notes.push(format!("effect: {} = {hi} against {} = {lo}", args.treatment, args.treatment));
            notes.append(&mut e.notes);
            e.notes = notes;
            if !args.no_refute {
                let xc = cols.codes[x].expect("the treatment has data");
                let top = x_levels.len() - 1;
                // Each refuter re-evaluates the estimand (no bootstrap) on altered codes:
                // the treatment's permuted; the outcome's replaced by noise spread evenly
                // over its levels; dropped rows weighted 0.
                let refit = |alt: &Altered| -> kausa_estimate::Result<f64> {
                    let mut altered = cols.codes.clone();
                    let permuted: Vec<u32>;
                    if let Some(order) = &alt.permutation {
                        permuted = order.iter().map(|&i| xc[i]).collect();
                        altered[x] = Some(&permuted);
                    }
                    let dummy: Vec<u32>;
                    if let Some(noise) = &alt.outcome {
                        let levels = y_values.len() as u32;
                        dummy = noise
                            .iter()
                            .map(|&z| ((normal_cdf(z) * f64::from(levels)) as u32).min(levels - 1))
                            .collect();
                        altered[y] = Some(&dummy);
                    }
                    let weights: Option<Vec<f64>> = alt.rows.as_ref().map(|rows| {
                        let mut w = vec![0.0; xc.len()];
                        rows.iter().for_each(|&i| w[i] = 1.0);
                        w
                    });
                    let data = DiscreteColumns { codes: altered, levels: cols.levels.clone() };
                    let m = plugin_means(expr, &data, x, y, y_values, weights.as_deref())?;
                    Ok(m[top] - m[0])
                };
                let treatment: Vec<f64> = xc.iter().map(|&c| f64::from(c)).collect();
                let why = Some("the ID estimand is fixed by the graph");
                (refutations, refute_seconds) = refute_estimate(&args, par, &treatment, &mut e, why, refit)?;
            }
            e
        }
        Method::Auto => unreachable!("resolved above"),
    };
    let seconds = t0.elapsed().as_secs_f64();
    if args.bootstrap > 0 && bootstrap.is_none() {
        bail!("--bootstrap is not available for the {} estimator yet", estimate.method);
    }
    if args.json {
        let out = serde_json::json!({
            "treatment": args.treatment,
            "outcome": args.outcome,
            "method": estimate.method,
            "chosen_because": if args.method == Method::Auto { "identification" } else { "--method" },
            "adjustment_set": covariate_names,
            "effect_modifiers": modifier_names,
            "instruments": instrument_names,
            "mediators": mediator_names,
            "effect": estimate.effect,
            "se": estimate.se,
            "interval": [estimate.interval.0, estimate.interval.1],
            "level": estimate.level,
            "bootstrap": bootstrap.map(|(se, (lo, hi))| serde_json::json!({
                "resamples": resamples, "seed": args.seed, "se": se, "interval": [lo, hi]})),
            "n": estimate.n,
            "notes": estimate.notes,
            "subgroups": subgroups.iter().map(|(level, n, e)| serde_json::json!({
                "level": level, "n": n,
                "effect": e.as_ref().map(|e| e.effect), "se": e.as_ref().map(|e| e.se),
                "interval": e.as_ref().map(|e| [e.interval.0, e.interval.1])})).collect::<Vec<_>>(),
            "refutations": refutations.iter().map(|r| serde_json::json!({
                "name": r.name, "new_effect": r.new_effect, "passed": r.passed, "detail": r.detail})).collect::<Vec<_>>(),
            "sensitivity": sens.as_ref().map(|s| serde_json::json!({
                "e_value": s.e_value, "e_value_interval": s.e_value_interval,
                "robustness_value": s.robustness_value, "robustness_value_alpha": s.robustness_value_alpha})),
            "overlap": positivity.as_ref().map(|o| serde_json::json!({
                "treated": [o.treated.0, o.treated.1], "untreated": [o.untreated.0, o.untreated.1],
                "outside_05_95": o.outside, "adequate": o.adequate()})),
            "seconds": seconds,
            "refute_seconds": refute_seconds,
        });
        crate::output::json(&out)?;
        return Ok(());
    }
    println!("Effect of {} on {} ({} rows of {})", args.treatment, args.outcome, estimate.n, args.data.display());
    let why = if args.method == Method::Auto { " (chosen from the identification)" } else { "" };
    println!("  method          {}{why}", estimate.method);
    if !covariate_names.is_empty()
        || matches!(method, Method::Linear | Method::Ipw | Method::Dml | Method::Aipw | Method::Gbt)
    {
        println!("  adjusting for   {{{}}}", covariate_names.join(", "));
    }
    if !modifier_names.is_empty() {
        println!(
            "  modifiers       {{{}}} (treatment interactions; the effect is averaged over the data)",
            modifier_names.join(", ")
        );
    }
    if !instrument_names.is_empty() {
        println!("  instruments     {{{}}}", instrument_names.join(", "));
    }
    if !mediator_names.is_empty() {
        println!("  through         {{{}}} (front door)", mediator_names.join(", "));
    }
    let pct = 100.0 * estimate.level;
    println!("  effect          {:.6}", estimate.effect);
    println!("  std. error      {:.6}", estimate.se);
    if !matches!(method, Method::Gbt | Method::Id) {
        // The plug-ins have only the bootstrap's interval, printed below.
        println!("  {pct:.0}% interval    [{:.6}, {:.6}]  (analytic)", estimate.interval.0, estimate.interval.1);
    }
    if let Some((se, (lo, hi))) = bootstrap {
        println!(
            "  {pct:.0}% interval    [{lo:.6}, {hi:.6}]  (bootstrap, {} resamples, seed {}; std. error {se:.6})",
            resamples, args.seed
        );
    }
    for n in &estimate.notes {
        println!("  note            {n}");
    }
    if let Some(by) = &args.by {
        println!("\nBy {by}:");
        for (level, n, e) in &subgroups {
            match e {
                Some(e) => println!(
                    "  {level:<12} n={n:<7} effect {:.6}  [{:.6}, {:.6}]",
                    e.effect, e.interval.0, e.interval.1
                ),
                None => {
                    println!("  {level:<12} n={n:<7} no estimate (too few rows, or the treatment does not vary here)")
                }
            }
        }
    }
    if let Some(o) = &positivity {
        println!(
            "\nOverlap: propensity {:.3}–{:.3} among treated, {:.3}–{:.3} among untreated; {:.1}% of rows outside [0.05, 0.95]: {}",
            o.treated.0,
            o.treated.1,
            o.untreated.0,
            o.untreated.1,
            100.0 * o.outside,
            if o.adequate() { "adequate" } else { "WEAK: estimates lean on extrapolation" }
        );
    }
    if !refutations.is_empty() {
        println!("\nRefutation ({} simulations each, seed {}):", args.refute_sims, args.seed);
        for r in &refutations {
            println!("  {:<20} {}  {}", r.name, if r.passed { "pass" } else { "FAIL" }, r.detail);
        }
    }
    if let Some(s) = &sens {
        println!("\nSensitivity to an unobserved confounder:");
        println!(
            "  E-value {:.2} (interval limit: {:.2}): the risk ratio a confounder would need with both treatment and outcome",
            s.e_value, s.e_value_interval
        );
        if s.robustness_value.is_finite() {
            println!(
                "  robustness value {:.1}% ({:.1}% for significance at 5%): the share of the residual variance of both it would have to explain",
                100.0 * s.robustness_value,
                100.0 * s.robustness_value_alpha
            );
        }
    }
    Ok(())
}
