//! `kausa sample`: data from a model: a fitted model file (`kausa fit`), observational or
//! under interventions, a BIF Bayesian network, or a linear SEM in graph JSON.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use kausa_core::{Dataset, Rng};
use kausa_io::{read_bif, read_linear_sem, write_csv};
use kausa_sim::Noise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NoiseArg {
    /// Standard normal noise.
    Gaussian,
    /// Uniform noise (non-Gaussian, for LiNGAM).
    Uniform,
    /// Centred exponential noise (skewed).
    Exp,
    /// Laplace noise (heavy-tailed).
    Laplace,
}

/// Arguments of `kausa sample`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model: a model file from `kausa fit`, a Bayesian network in BIF (.bif or
    /// .bif.gz), or a linear SEM as graph JSON whose edges carry weights.
    model: PathBuf,
    /// Number of rows.
    #[arg(long)]
    n: usize,
    /// Random seed; the same seed gives the same data in every kausa version.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Noise distribution of a linear SEM (each scaled to the model's noise sd).
    #[arg(long, value_enum, default_value = "gaussian")]
    noise: NoiseArg,
    /// Write the CSV here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Model files: atomic interventions `NAME=VALUE` (repeatable).
    #[arg(long = "do")]
    set: Vec<String>,
    /// Model files: soft interventions `NAME+D`, `NAME-D`, `NAME*F` on the value the mechanism gives (repeatable).
    #[arg(long)]
    shift: Vec<String>,
    /// Model files: worker threads (default: all cores; the draws never depend on it).
    #[arg(long)]
    threads: Option<usize>,
    /// Print a JSON summary of each column (mean, sd, 5/50/95% quantiles; level shares of a
    /// categorical node) instead of the rows; --out still writes the rows.
    #[arg(long)]
    json: bool,
}

fn is_bif(path: &std::path::Path) -> bool {
    let name = path.file_name().map(|f| f.to_string_lossy().to_lowercase()).unwrap_or_default();
    name.ends_with(".bif") || name.ends_with(".bif.gz")
}

pub(crate) fn run(args: Args) -> Result<()> {
    let started = std::time::Instant::now();
    if args.n == 0 {
        bail!("--n must be at least 1");
    }
    let mut rng = Rng::seed_from_u64(args.seed);
    let model_file = kausa_io::is_model_file(&args.model);
    if !model_file && (!args.set.is_empty() || !args.shift.is_empty()) {
        bail!("--do and --shift apply to model files (from `kausa fit`)");
    }
    let data: Dataset = if model_file {
        if args.noise != NoiseArg::Gaussian {
            bail!("--noise applies to linear SEMs; a fitted model carries its own noise distributions");
        }
        let file = kausa_io::read_model(&args.model)?;
        let scm = &file.model;
        let interventions = crate::scm_cmd::parse_interventions(scm, &args.set, &args.shift)?;
        let par = crate::scm_cmd::par_of(args.threads)?;
        let cols =
            kausa_scm::sample(scm, args.n, &interventions, args.seed, par).map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::scm_cmd::columns_to_dataset(scm, cols)?
    } else if is_bif(&args.model) {
        if args.noise != NoiseArg::Gaussian {
            bail!("--noise applies to linear models, not to a Bayesian network");
        }
        read_bif(&args.model)?.sample(args.n, &mut rng)
    } else {
        let noise = match args.noise {
            NoiseArg::Gaussian => Noise::Gaussian,
            NoiseArg::Uniform => Noise::Uniform,
            NoiseArg::Exp => Noise::Exponential,
            NoiseArg::Laplace => Noise::Laplace,
        };
        let (names, sem) = read_linear_sem(&args.model, noise)?;
        Dataset::from_continuous(&names, sem.sample(args.n, &mut rng)).context("building the data set")?
    };
    let sampled = started.elapsed().as_secs_f64();
    match &args.out {
        Some(path) => {
            let mut file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            write_csv(&mut file, &data).with_context(|| format!("cannot write {}", path.display()))?;
        }
        None if args.json => {}
        None => write_csv(&mut std::io::stdout().lock(), &data).context("cannot write to standard output")?,
    }
    if args.json {
        let out = serde_json::json!({
            "rows": args.n, "seed": args.seed, "do": args.set, "shift": args.shift,
            "columns": data.columns().iter().map(summary).collect::<Vec<_>>(),
            "seconds": started.elapsed().as_secs_f64(), "sample_seconds": sampled,
        });
        crate::output::json(&out)?;
    }
    Ok(())
}

/// Mean, standard deviation and quantiles of a continuous column; level shares of a discrete one.
fn summary(column: &kausa_core::Column) -> serde_json::Value {
    match column {
        kausa_core::Column::Continuous { name, values } => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let q = |p: f64| sorted[((p * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)];
            serde_json::json!({"name": name, "mean": mean, "sd": sd, "q05": q(0.05), "q50": q(0.5), "q95": q(0.95)})
        }
        kausa_core::Column::Discrete { name, codes, levels, .. } => {
            let mut counts = vec![0usize; levels.len()];
            codes.iter().for_each(|&c| counts[c as usize] += 1);
            let shares: serde_json::Map<String, serde_json::Value> = levels
                .iter()
                .zip(&counts)
                .map(|(l, &c)| (l.clone(), serde_json::json!(c as f64 / codes.len() as f64)))
                .collect();
            serde_json::json!({"name": name, "shares": shares})
        }
    }
}
