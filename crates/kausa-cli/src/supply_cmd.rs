//! `kausa supply`: the supply-chain engine. `check` reads an ERP export and
//! reports its data-quality problems; `example` writes the example company's export.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use kausa_supply::{Severity, check, unlearnable};

/// Arguments of `kausa supply`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// Check an ERP export folder: unknown ids, BOM cycles, parts without a source, negative stocks,
    /// missing tables, and what cannot be learned from what is missing.
    Check {
        /// The export folder (a manifest.toml and one CSV file per table).
        dir: PathBuf,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Learn mechanisms from the export's history: lead times per supplier site and weekly
    /// demand per finished part, each with bootstrap intervals.
    Learn {
        /// The export folder.
        dir: PathBuf,
        /// Seed of the bootstrap.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the export of the example company "Beispiel-Antriebe GmbH" (fictional, tiny scale).
    Example {
        /// The folder to write (created if absent).
        dir: PathBuf,
        /// Seed: the same seed writes byte-identical files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub(crate) fn run(args: Args) -> Result<()> {
    match args.kind {
        Kind::Example { dir, seed } => {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let files = kausa_supply::example::tiny(seed);
            for (name, text) in &files {
                let path = dir.join(name);
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            }
            println!("Wrote {} files of the example company to {} (seed {seed})", files.len(), dir.display());
            Ok(())
        }
        Kind::Learn { dir, seed, json } => {
            let export = kausa_io::read_export(&dir)?;
            let leads = kausa_supply::lead_times(&export, seed);
            let demand = kausa_supply::demand(&export, seed);
            if json {
                let out = serde_json::json!({
                    "export": dir.display().to_string(), "seed": seed,
                    "lead_times": leads.iter().map(|l| serde_json::json!({
                        "supplier_site": l.supplier_site_id, "lines": l.lines, "median_days": l.median_days,
                        "median_interval": [l.median_interval.0, l.median_interval.1], "sigma_log": l.sigma_log,
                        "p90_days": l.p90_days, "planned_days": l.planned_days, "late_share": l.late_share,
                    })).collect::<Vec<_>>(),
                    "demand": demand.iter().map(|d| serde_json::json!({
                        "part": d.part_id, "weeks": d.weeks, "mean_per_week": d.mean_per_week,
                        "mean_interval": [d.mean_interval.0, d.mean_interval.1], "sd_per_week": d.sd_per_week,
                    })).collect::<Vec<_>>(),
                });
                return crate::output::json(&out);
            }
            println!(
                "Lead times from {} received purchase-order lines (log-normal per supplier site; 95% bootstrap intervals)",
                leads.iter().map(|l| l.lines).sum::<usize>()
            );
            println!(
                "  {:<12} {:>6} {:>8} {:>17} {:>9} {:>8} {:>8} {:>6}",
                "site", "lines", "median", "interval", "sd(log)", "p90", "planned", "late"
            );
            for l in &leads {
                println!(
                    "  {:<12} {:>6} {:>8.1} {:>17} {:>9.3} {:>8.1} {:>8} {:>5.0}%",
                    l.supplier_site_id,
                    l.lines,
                    l.median_days,
                    format!("[{:.1}, {:.1}]", l.median_interval.0, l.median_interval.1),
                    l.sigma_log,
                    l.p90_days,
                    l.planned_days.map_or("—".into(), |p| format!("{p:.1}")),
                    100.0 * l.late_share
                );
            }
            println!("Weekly demand per finished part (95% bootstrap intervals over weeks)");
            for d in &demand {
                println!(
                    "  {:<12} {:>8.1} [{:.1}, {:.1}]  sd {:.1}  over {} weeks",
                    d.part_id, d.mean_per_week, d.mean_interval.0, d.mean_interval.1, d.sd_per_week, d.weeks
                );
            }
            Ok(())
        }
        Kind::Check { dir, json } => {
            let export = kausa_io::read_export(&dir)?;
            let problems = check(&export);
            let missing = unlearnable(&export);
            let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
            let warnings = problems.len() - errors;
            if json {
                let out = serde_json::json!({
                    "export": dir.display().to_string(),
                    "tables": export.present,
                    "errors": errors, "warnings": warnings,
                    "problems": problems.iter().map(|p| serde_json::json!({
                        "severity": if p.severity == Severity::Error { "error" } else { "warning" },
                        "file": p.pos.file, "line": p.pos.line, "code": p.code, "message": p.message,
                    })).collect::<Vec<_>>(),
                    "not_learnable": missing.iter().map(|(t, why)| serde_json::json!({"table": t, "consequence": why})).collect::<Vec<_>>(),
                });
                crate::output::json(&out)?;
            } else {
                let required = kausa_supply::REQUIRED.iter().filter(|t| export.present.iter().any(|p| p == *t)).count();
                println!(
                    "Checked {}: {required} of {} required tables, {} of {} optional; {} rows of history; {errors} errors, {warnings} warnings",
                    dir.display(),
                    kausa_supply::REQUIRED.len(),
                    kausa_supply::OPTIONAL.len() - missing.len(),
                    kausa_supply::OPTIONAL.len(),
                    export.purchase_orders.len()
                        + export.receipts.len()
                        + export.sales_orders.len()
                        + export.deliveries.len(),
                );
                for p in &problems {
                    let at = if p.pos.line == 0 { p.pos.file.clone() } else { p.pos.to_string() };
                    let level = if p.severity == Severity::Error { "error" } else { "warning" };
                    println!("  {level:<7}  {at:<28}  {:<15}  {}", p.code, p.message);
                }
                if !missing.is_empty() {
                    println!("Not learnable without the optional tables:");
                    for (t, why) in &missing {
                        println!("  {t}.csv: {why}");
                    }
                }
            }
            if errors > 0 {
                bail!("{}: {errors} data-quality errors (listed above)", dir.display());
            }
            Ok(())
        }
    }
}
