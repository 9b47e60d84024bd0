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
        /// Also save what was learned as a supply model file (versioned, checksummed, with the
        /// export's fingerprint) for `whatif --model` and `exposure --model`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a what-if scenario on an export: events and actions, variants compared under
    /// common random numbers, KPIs with their uncertainty.
    Whatif(WhatifArgs),
    /// Screen every supplier site and country for hidden risk: time to survive (how long
    /// stock, pipeline and the other sources cover all demand if it stops) against time to
    /// recover, and the margin lost over it with the best response (Simchi-Levi's linear programs).
    Exposure {
        /// The export folder.
        dir: PathBuf,
        /// Days each disruption lasts (its time to recover), unless --ttr-file names it.
        #[arg(long, default_value_t = 14.0)]
        ttr: f64,
        /// A CSV with columns `name,ttr_days`: a supplier site or a country code and its own time to recover.
        #[arg(long)]
        ttr_file: Option<PathBuf>,
        /// How much more than their normal quota the sources still shipping can deliver (0.5: half again).
        #[arg(long, default_value_t = 0.0)]
        flex: f64,
        /// Seed of the learning step's bootstrap.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Take the mechanisms from this supply model file instead of learning them again.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Also write each disruption's program data as JSON into this folder (for an outside solver).
        #[arg(long)]
        write_lp: Option<PathBuf>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the export of the example company "Beispiel-Antriebe GmbH" (fictional).
    Example {
        /// The folder to write (created if absent).
        dir: PathBuf,
        /// Seed: the same seed writes byte-identical files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// tiny (one plant, 8 suppliers, 25 parts, one year) or full (two plants, 60 suppliers, 220 parts, three years).
        #[arg(long, value_enum, default_value_t = Scale::Tiny)]
        scale: Scale,
        /// Full scale: runs of each oracle scenario on the true mechanisms (0: no oracle).
        #[arg(long, default_value_t = 1000)]
        oracle_runs: usize,
    },
}

/// Arguments of `kausa supply whatif`.
#[derive(Debug, clap::Args)]
struct WhatifArgs {
    /// The export folder.
    dir: PathBuf,
    /// The scenario file (TOML, format kausa-scenario/1).
    scenario: PathBuf,
    /// Take the mechanisms from this supply model file (`kausa supply learn --out`) instead
    /// of learning them again; it must have been learned from this export as it is.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Worker threads (default: all cores; the result never depends on it).
    #[arg(long)]
    threads: Option<usize>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained report (.html or .md) of the run.
    #[arg(long)]
    report: Option<PathBuf>,
    /// For the report: who is accountable (name, role).
    #[arg(long)]
    owner: Option<String>,
    /// For the report: what the run is meant to decide.
    #[arg(long)]
    intended_use: Option<String>,
    /// Also write every late line of the first run of each plan as CSV: variant, finished
    /// part, promised and shipped dates, days late, and what held it back (part, supplier
    /// site, lane, events; or a work centre's capacity).
    #[arg(long)]
    explain: Option<PathBuf>,
}

/// The example company's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scale {
    /// One plant, 8 supplier sites, 25 parts, one year of history.
    Tiny,
    /// Two plants, 60 supplier sites, 220 parts, three years of history.
    Full,
}

/// Writes the example company's export into `dir`, and at full scale the oracle answers
/// of its scenarios from `oracle_runs` runs on the true mechanisms (none when 0).
pub(crate) fn write_example(dir: &std::path::Path, scale: Scale, seed: u64, oracle_runs: usize) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let files = match scale {
        Scale::Tiny => kausa_supply::example::tiny(seed),
        Scale::Full => kausa_supply::example::full(seed),
    };
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "Wrote {} files of the example company ({} scale) to {} (seed {seed})",
        files.len(),
        if scale == Scale::Full { "full" } else { "tiny" },
        dir.display()
    );
    if scale == Scale::Full && oracle_runs > 0 {
        write_oracle(dir, seed, oracle_runs)?;
        println!(
            "Wrote the oracle answers of {} scenarios ({oracle_runs} runs each on the true mechanisms) to {}",
            ORACLE_SCENARIOS.len(),
            dir.join("oracle").display()
        );
    }
    Ok(())
}

pub(crate) fn run(args: Args) -> Result<()> {
    match args.kind {
        Kind::Example { dir, seed, scale, oracle_runs } => write_example(&dir, scale, seed, oracle_runs),
        Kind::Exposure { dir, ttr, ttr_file, flex, seed, model, write_lp, json } => {
            exposure(&dir, ttr, ttr_file.as_deref(), flex, seed, model.as_deref(), write_lp.as_deref(), json)
        }
        Kind::Whatif(a) => whatif(&a),
        Kind::Learn { dir, seed, out, json } => {
            let export = kausa_io::read_export(&dir)?;
            let leads = kausa_supply::lead_times(&export, seed);
            let demand = kausa_supply::demand(&export, seed);
            let scrap = kausa_supply::scrap(&export, seed);
            let energy = kausa_supply::energy::learn(&export, seed);
            let productivity = kausa_supply::productivity(&export, seed);
            if let Some(path) = &out {
                kausa_io::write_supply_model(
                    path,
                    &kausa_io::SupplyModel {
                        kausa_version: env!("CARGO_PKG_VERSION").to_string(),
                        seed,
                        export: dir.display().to_string(),
                        export_blake3: kausa_io::export_fingerprint(&dir, &export)?,
                        lead_times: leads.clone(),
                        demand: demand.clone(),
                        scrap: scrap.clone(),
                        energy: energy.clone(),
                        productivity: productivity.clone(),
                    },
                )?;
                eprintln!("Wrote the supply model to {}", path.display());
            }
            if json {
                let out = serde_json::json!({
                    "export": dir.display().to_string(), "seed": seed,
                    "lead_times": leads.iter().map(|l| serde_json::json!({
                        "supplier_site": l.supplier_site_id, "lines": l.lines, "median_days": l.median_days,
                        "median_interval": [l.median_interval.0, l.median_interval.1], "sigma_log": l.sigma_log,
                        "p90_days": l.p90_days, "planned_days": l.planned_days, "late_share": l.late_share,
                        "holiday_days": l.holiday_days, "holiday_lines": l.holiday_lines,
                        "transit_lines": l.transit_lines, "transit_median_days": l.transit_median_days,
                        "transit_interval": [l.transit_interval.0, l.transit_interval.1],
                        "month_factors": l.month_factors,
                        "month_intervals": l.month_intervals.iter().map(|i| [i.0, i.1]).collect::<Vec<_>>(),
                        "load_effect": l.load_effect, "load_effect_interval": [l.load_effect_interval.0, l.load_effect_interval.1],
                        "partial_share": l.partial_share, "partial_interval": [l.partial_interval.0, l.partial_interval.1],
                        "first_share": l.first_share, "partial_gap_days": l.partial_gap_days,
                        "confirmed_lines": l.confirmed_lines, "confirmed_slip_days": l.confirmed_slip_days,
                        "confirmed_slip_interval": [l.confirmed_slip_interval.0, l.confirmed_slip_interval.1],
                        "late_vs_confirmed_share": l.late_vs_confirmed_share,
                    })).collect::<Vec<_>>(),
                    "demand": demand.iter().map(|d| serde_json::json!({
                        "part": d.part_id, "weeks": d.weeks, "mean_per_week": d.mean_per_week,
                        "mean_interval": [d.mean_interval.0, d.mean_interval.1], "sd_per_week": d.sd_per_week,
                        "season": d.season, "trend_per_year": d.trend_per_year,
                        "level_date": (!d.season.is_empty()).then(|| kausa_supply::Date(d.level_day).to_string()),
                    })).collect::<Vec<_>>(),
                    "scrap": scrap.iter().map(|x| serde_json::json!({
                        "shift_type": x.shift_type, "orders": x.orders, "units": x.units, "rate": x.rate,
                        "interval": [x.interval.0, x.interval.1],
                    })).collect::<Vec<_>>(),
                    "energy": energy,
                    "productivity": productivity,
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
            let holiday = |l: &kausa_supply::LeadTime| {
                if l.holiday_lines > 0 {
                    format!("  +{:.0} d near holidays ({} lines)", l.holiday_days, l.holiday_lines)
                } else {
                    String::new()
                }
            };
            for l in &leads {
                println!(
                    "  {:<12} {:>6} {:>8.1} {:>17} {:>9.3} {:>8.1} {:>8} {:>5.0}%{}",
                    l.supplier_site_id,
                    l.lines,
                    l.median_days,
                    format!("[{:.1}, {:.1}]", l.median_interval.0, l.median_interval.1),
                    l.sigma_log,
                    l.p90_days,
                    l.planned_days.map_or("—".into(), |p| format!("{p:.1}")),
                    100.0 * l.late_share,
                    holiday(l)
                );
            }
            if let Some(l) = leads.first().filter(|l| l.load_effect == 0.0 && l.load_effect_interval.1 > 0.0) {
                println!(
                    "  Load: no effect of a site's orders of the last {} days on its lead times that the data can tell from none (interval [{:.2}, {:.2}]): not applied",
                    kausa_supply::LOAD_WINDOW,
                    l.load_effect_interval.0,
                    l.load_effect_interval.1
                );
            }
            if let Some(l) = leads.first().filter(|l| l.load_effect > 0.0) {
                println!(
                    "  Load: lead times grow by {:.2} [{:.2}, {:.2}] x the excess of a site's orders of the last {} days over its mean (pooled over the sites; medians above are at normal load)",
                    l.load_effect,
                    l.load_effect_interval.0,
                    l.load_effect_interval.1,
                    kausa_supply::LOAD_WINDOW
                );
            }
            if let Some(l) = leads.first().filter(|l| l.month_factors.len() == 12) {
                println!(
                    "  Month of the order (lead-time factor, Jan-Dec, pooled, net of load and holidays): {}",
                    l.month_factors.iter().map(|f| format!("{f:.2}")).collect::<Vec<_>>().join(" ")
                );
            }
            if leads.iter().any(|l| l.partial_share > 0.0 || l.confirmed_lines > 0 || l.transit_lines > 0) {
                println!("Delivery behaviour (95% bootstrap intervals over lines)");
                println!(
                    "  {:<12} {:>16} {:>8} {:>15} {:>11} {:>9} {:>17} {:>14}",
                    "site",
                    "lane transit",
                    "partial",
                    "interval",
                    "first part",
                    "rest in",
                    "receipt vs conf.",
                    "late vs conf."
                );
                for l in &leads {
                    let transit = if l.transit_lines > 0 {
                        format!(
                            "{:.0} d [{:.0}, {:.0}]",
                            l.transit_median_days, l.transit_interval.0, l.transit_interval.1
                        )
                    } else {
                        "—".to_string()
                    };
                    println!(
                        "  {:<12} {:>16} {:>7.1}% {:>15} {:>10.0}% {:>7.0} d {:>17} {:>13.0}%",
                        l.supplier_site_id,
                        transit,
                        100.0 * l.partial_share,
                        format!("[{:.1}%, {:.1}%]", 100.0 * l.partial_interval.0, 100.0 * l.partial_interval.1),
                        100.0 * l.first_share,
                        l.partial_gap_days,
                        format!(
                            "{:+.0} d [{:+.0}, {:+.0}]",
                            l.confirmed_slip_days, l.confirmed_slip_interval.0, l.confirmed_slip_interval.1
                        ),
                        100.0 * l.late_vs_confirmed_share
                    );
                }
            }
            println!("Scrap by shift type (95% bootstrap intervals over production orders)");
            for x in &scrap {
                println!(
                    "  {:<8} {:>6.2}% [{:.2}%, {:.2}%]  {} orders, {:.0} units",
                    x.shift_type,
                    100.0 * x.rate,
                    100.0 * x.interval.0,
                    100.0 * x.interval.1,
                    x.orders,
                    x.units
                );
            }
            if !productivity.is_empty() {
                println!(
                    "Output per hour by shift type, relative to weekday shifts (95% bootstrap intervals over timed production orders)"
                );
                for p in &productivity {
                    println!(
                        "  {:<8} {:>6.3} [{:.3}, {:.3}]  {} orders",
                        p.shift_type, p.relative, p.interval.0, p.interval.1, p.orders
                    );
                }
            }
            print_energy(&energy);
            if let Some(d) = demand.first().filter(|d| d.season.len() == 12) {
                println!(
                    "Demand season (monthly factors, Jan-Dec, pooled): {}; trend {:+.1}% a year",
                    d.season.iter().map(|f| format!("{f:.2}")).collect::<Vec<_>>().join(" "),
                    100.0 * d.trend_per_year.exp_m1()
                );
                println!(
                    "Weekly demand per finished part at its level of {} net of season (95% bootstrap intervals over weeks)",
                    kausa_supply::Date(d.level_day)
                );
            } else {
                println!("Weekly demand per finished part (95% bootstrap intervals over weeks)");
            }
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

/// The text summary of what was learned about energy (nothing without energy tables).
fn print_energy(energy: &kausa_supply::Energy) {
    if energy.is_empty() {
        return;
    }
    println!("Electricity prices (baseline: mean of the last 90 days)");
    for m in &energy.markets {
        println!("  {:<8} {:>8.1} EUR/MWh  {} days priced, last {}", m.market, m.baseline_eur_per_mwh, m.days, m.last);
    }
    if !energy.use_by_work_center.is_empty() {
        println!("Electricity use: kWh = base + rate x staffed hours (95% intervals of the rate)");
        for u in &energy.use_by_work_center {
            println!(
                "  {:<8} {:<8} base {:>7.0} kWh/day  rate {:>6.1} kWh/h [{:.1}, {:.1}]  R2 {:.2}  {} days",
                u.plant_id,
                u.work_center_id.as_deref().unwrap_or("(plant)"),
                u.base_kwh_per_day,
                u.kwh_per_hour,
                u.kwh_per_hour_interval.0,
                u.kwh_per_hour_interval.1,
                u.r2,
                u.days
            );
        }
    }
    for h in &energy.hedges {
        println!(
            "  {} hedges {:.0}% of its electricity{}",
            h.plant_id,
            100.0 * h.hedged_share,
            h.fixed_price_eur_per_mwh.map_or(String::new(), |p| format!(" at {p} EUR/MWh"))
        );
    }
    if !energy.pass_through.is_empty() {
        println!(
            "Supplier price pass-through of electricity prices, {} days later ({} part-site pairs; elasticity at the mean price, 95% bootstrap intervals)",
            energy.lag_days,
            energy.pass_through.len()
        );
        for c in &energy.commodities {
            println!(
                "  {:<16} {:>6.3} [{:.3}, {:.3}]  {} pairs",
                c.commodity, c.elasticity, c.interval.0, c.interval.1, c.pairs
            );
        }
    }
}

fn stats(values: &[f64]) -> serde_json::Value {
    use kausa_stats::summary::quantile;
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    serde_json::json!({
        "mean": values.iter().sum::<f64>() / values.len() as f64,
        "q05": quantile(&s, 0.05), "q50": quantile(&s, 0.5), "q95": quantile(&s, 0.95),
    })
}

/// Reads an export and compiles it, with the mechanisms learned from its history (or read
/// from a supply model file learned from this very export), into a network.
fn network(
    dir: &std::path::Path,
    seed: u64,
    model: Option<&std::path::Path>,
) -> Result<(kausa_supply::Export, kausa_supply::sim::Network)> {
    let export = kausa_io::read_export(dir)?;
    let (leads, demand, scrap, energy, productivity) = match model {
        Some(path) => {
            let m = kausa_io::read_supply_model(path)?;
            if m.export_blake3 != kausa_io::export_fingerprint(dir, &export)? {
                bail!(
                    "{}: learned from the export {} as it was then, not from {} as it is now (its files differ): relearn with `kausa supply learn {} --out {}`",
                    path.display(),
                    m.export,
                    dir.display(),
                    dir.display(),
                    path.display()
                );
            }
            (m.lead_times, m.demand, m.scrap, m.energy, m.productivity)
        }
        None => (
            kausa_supply::lead_times(&export, seed),
            kausa_supply::demand(&export, seed),
            kausa_supply::scrap(&export, seed),
            kausa_supply::energy::learn(&export, seed),
            kausa_supply::productivity(&export, seed),
        ),
    };
    let net = kausa_supply::sim::Network::new(&export, &leads, &demand, &scrap)
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
        .with_energy(&export, &energy)
        .with_productivity(&productivity);
    Ok((export, net))
}

/// Reads `name,ttr_days` rows.
fn read_ttr(path: &std::path::Path) -> Result<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == "name,ttr_days" => {}
        _ => bail!("{}:1: the header must be `name,ttr_days`", path.display()),
    }
    let mut out = Vec::new();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let (name, days) = line.split_once(',').unwrap_or((line, ""));
        let days: f64 = match days.trim().parse() {
            Ok(d) if d >= 0.0 && f64::is_finite(d) => d,
            _ => bail!("{}:{}: column 2: {days:?} is not a non-negative number of days", path.display(), i + 1),
        };
        out.push((name.trim().to_string(), days));
    }
    Ok(out)
}

fn exposure(
    dir: &std::path::Path,
    ttr: f64,
    ttr_file: Option<&std::path::Path>,
    flex: f64,
    seed: u64,
    model: Option<&std::path::Path>,
    write_lp: Option<&std::path::Path>,
    json: bool,
) -> Result<()> {
    let (_, net) = network(dir, seed, model)?;
    let overrides = match ttr_file {
        Some(p) => read_ttr(p)?,
        None => Vec::new(),
    };
    let started = std::time::Instant::now();
    let screen = net.exposure(ttr, &overrides, flex).map_err(|e| match ttr_file {
        Some(p) => anyhow::anyhow!("{}: {e}", p.display()),
        None => anyhow::anyhow!("{e}"),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(out) = write_lp {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        for e in &screen {
            let down: Vec<usize> = e.sites.iter().filter_map(|s| net.site(s)).collect();
            let p = net.program(&down, flex);
            let v = serde_json::json!({
                "kind": e.kind, "name": e.name, "ttr_days": e.ttr_days, "finished": p.finished,
                "demand": p.demand, "finished_stock": p.finished_stock, "margin": p.margin, "price": p.price,
                "purchased": p.purchased, "bom": p.bom, "stock": p.stock, "supply": p.supply,
                "minutes": p.minutes, "capacity": p.capacity,
                "kausa": {"tts_days": e.tts_days, "lost_margin": e.lost_margin, "lost_units": e.lost_units},
            });
            let path = out.join(format!("{}-{}.json", e.kind, e.name));
            std::fs::write(&path, serde_json::to_string_pretty(&v)? + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let rows: Vec<serde_json::Value> = screen
        .iter()
        .map(|e| {
            serde_json::json!({
                "kind": e.kind, "name": e.name, "sites": e.sites, "parts": e.parts, "tts_days": e.tts_days,
                "ttr_days": e.ttr_days, "survives": e.tts_days.is_none_or(|t| t >= e.ttr_days),
                "lost_margin": e.lost_margin, "lost_revenue": e.lost_revenue, "lost_units": e.lost_units, "rei": e.rei,
            })
        })
        .collect();
    if json {
        let out = serde_json::json!({
            "export": dir.display().to_string(), "ttr_days": ttr, "flex": flex, "seed": seed,
            "disruptions": rows, "seconds": seconds,
        });
        return crate::output::json(&out);
    }
    println!(
        "Exposure of {} disruptions ({} days to recover unless given, alternates at {:.0}% above their quota; {:.3} s)",
        screen.len(),
        ttr,
        100.0 * flex,
        seconds
    );
    println!(
        "  {:<8} {:<10} {:>9} {:>5} {:>12} {:>12} {:>10} {:>5}  hit",
        "kind", "name", "TTS", "TTR", "lost margin", "lost revenue", "lost units", "REI"
    );
    for e in &screen {
        let tts = e.tts_days.map_or("never".to_string(), |t| format!("{t:.1}"));
        let flag = if e.tts_days.is_some_and(|t| t < e.ttr_days) { "TTS<TTR" } else { "" };
        println!(
            "  {:<8} {:<10} {:>9} {:>5.0} {:>12.0} {:>12.0} {:>10.0} {:>5.2}  {} {}",
            e.kind,
            e.name,
            tts,
            e.ttr_days,
            e.lost_margin,
            e.lost_revenue,
            e.lost_units,
            e.rei,
            flag,
            e.sites.join(" ")
        );
    }
    Ok(())
}

/// Each plan's KPI summary: mean, quantiles, the paired difference to `compare_to`, the
/// share of runs in which it does better, and why its lines were late.
fn summarise(
    net: &kausa_supply::sim::Network,
    sc: &kausa_supply::sim::Scenario,
    results: &[(String, Vec<kausa_supply::sim::Kpis>)],
) -> Vec<serde_json::Value> {
    use kausa_supply::sim::{KPI_HIGHER_BETTER, KPI_NAMES};
    let base = results.iter().find(|r| r.0 == sc.compare_to).expect("validated").1.clone();
    let mut variants = Vec::new();
    for (name, runs) in results {
        let mut kpis = serde_json::Map::new();
        for (i, k) in KPI_NAMES.iter().enumerate() {
            let values: Vec<f64> = runs.iter().map(|r| r.values()[i]).collect();
            let diffs: Vec<f64> = runs.iter().zip(&base).map(|(r, b)| r.values()[i] - b.values()[i]).collect();
            let better = diffs.iter().filter(|d| if KPI_HIGHER_BETTER[i] { **d > 0.0 } else { **d < 0.0 }).count();
            let mut entry = stats(&values);
            entry["diff"] = stats(&diffs);
            entry["p_better"] = serde_json::json!(better as f64 / diffs.len() as f64);
            kpis.insert(k.to_string(), entry);
        }
        // Why lines were late: shares of all late lines over the runs, largest first.
        let causes = runs.first().map_or(0, |r| r.late_by_cause.len());
        let totals: Vec<f64> = (0..causes).map(|c| runs.iter().map(|r| r.late_by_cause[c]).sum()).collect();
        let all: f64 = totals.iter().sum();
        let mut order: Vec<usize> = (0..causes).filter(|&c| totals[c] > 0.0).collect();
        order.sort_by(|&a, &b| totals[b].total_cmp(&totals[a]).then(a.cmp(&b)));
        let events: &[kausa_supply::sim::Event] = if name == "no_events" { &[] } else { &sc.events };
        let late_causes: Vec<serde_json::Value> = order
            .iter()
            .take(5)
            .map(|&c| serde_json::json!({"cause": net.cause_name(c, events), "share": totals[c] / all}))
            .collect();
        variants.push(serde_json::json!({"variant": name, "kpis": kpis, "late_causes": late_causes}));
    }
    variants
}

/// The scenarios whose oracle answers the full example carries: (file stem, text).
const ORACLE_SCENARIOS: [(&str, &str); 3] = [
    ("pl-strike-full", include_str!("../../../examples/pl-strike-full.toml")),
    ("fire-plant1-full", include_str!("../../../examples/fire-plant1-full.toml")),
    ("cn-delay-full", include_str!("../../../examples/cn-delay-full.toml")),
];

/// Runs the engine on the full company's true mechanisms (`example::full_truth`) for
/// the oracle scenarios and writes `DIR/oracle/<scenario>.toml` and `.json`.
fn write_oracle(dir: &std::path::Path, seed: u64, runs: usize) -> Result<()> {
    let export = kausa_io::read_export(dir)?;
    let par = crate::scm_cmd::par_of(None)?;
    let out = dir.join("oracle");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for (stem, text) in ORACLE_SCENARIOS {
        let path = out.join(format!("{stem}.toml"));
        let text = text.replace("runs = 1000", &format!("runs = {runs}"));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        let sc = kausa_io::read_scenario(&path)?;
        let truth = kausa_supply::example::full_truth(seed, sc.start, sc.horizon_days);
        let net = kausa_supply::sim::Network::new(&export, &truth.leads, &truth.demand, &truth.scrap)
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
            .with_energy(&export, &truth.energy)
            .with_productivity(&truth.productivity);
        let results = net.simulate(&sc, par).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let v = serde_json::json!({
            "scenario": sc.id, "runs": sc.runs, "seed": sc.seed, "horizon_days": sc.horizon_days,
            "compare_to": sc.compare_to, "model": "the generator's true mechanisms (example::full_truth)",
            "variants": summarise(&net, &sc, &results),
        });
        let json = out.join(format!("{stem}.json"));
        std::fs::write(&json, serde_json::to_string_pretty(&v)? + "\n")
            .with_context(|| format!("cannot write {}", json.display()))?;
    }
    Ok(())
}

/// A what-if run: the scenario, the export it ran on, each variant's KPI summary.
pub(crate) struct Whatif {
    pub(crate) scenario: kausa_supply::sim::Scenario,
    pub(crate) export: kausa_supply::Export,
    /// Per variant: `{variant, kpis: {name: {mean, q05, q50, q95, diff, p_better}}, late_causes}`.
    pub(crate) variants: Vec<serde_json::Value>,
    pub(crate) warnings: Vec<String>,
    pub(crate) seconds: f64,
}

/// Reads the export and the scenario, learns the mechanisms and runs every variant.
pub(crate) fn run_whatif(
    dir: &std::path::Path,
    scenario: &std::path::Path,
    model: Option<&std::path::Path>,
    threads: Option<usize>,
    quiet: bool,
    explain: Option<&std::path::Path>,
) -> Result<Whatif> {
    let par = crate::scm_cmd::par_of(threads)?;
    let sc = kausa_io::read_scenario(scenario)?;
    let (export, net) = network(dir, sc.seed, model)?;
    let warnings = net.warnings(&sc);
    for w in &warnings {
        eprintln!("warning: {}: {w}", scenario.display());
    }
    let started = std::time::Instant::now();
    let bar = crate::progress::Bar::new(quiet);
    let results = net.simulate_with(&sc, par, &bar);
    bar.finish();
    let results = results.map_err(|e| match e.line {
        Some(line) => anyhow::anyhow!("{}:{line}: {e}", scenario.display()),
        None => anyhow::anyhow!("{}: {e}", scenario.display()),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let variants = summarise(&net, &sc, &results);
    if let Some(path) = explain {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut text = String::from("variant,run,part,customer,promised,qty,shipped,days_late,cause\n");
        for (name, lines) in net.explain(&sc, 0).map_err(|e| anyhow::anyhow!("{}: {e}", scenario.display()))? {
            let events: &[kausa_supply::sim::Event] = if name == "no_events" { &[] } else { &sc.events };
            for l in lines {
                let end = sc.start.0 + sc.horizon_days;
                let late = l.shipped.map_or(end, |d| d.0) - l.promised.0;
                text.push_str(&format!(
                    "{},0,{},{},{},{},{},{}{},{}\n",
                    quote(&name),
                    quote(net.finished_part(l.part)),
                    quote(net.customer(l.customer)),
                    l.promised,
                    l.qty,
                    l.shipped.map_or(String::new(), |d| d.to_string()),
                    if l.shipped.is_none() { ">=" } else { "" },
                    late,
                    quote(&net.cause_name(l.cause, events))
                ));
            }
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Whatif { scenario: sc, export, variants, warnings, seconds })
}

fn whatif(a: &WhatifArgs) -> Result<()> {
    let (dir, scenario, json) = (a.dir.as_path(), a.scenario.as_path(), a.json);
    let (owner, intended_use) = (a.owner.as_deref(), a.intended_use.as_deref());
    use kausa_supply::sim::KPI_NAMES;
    let Whatif { scenario: sc, export, variants, warnings, seconds } =
        run_whatif(dir, scenario, a.model.as_deref(), a.threads, json, a.explain.as_deref())?;
    if let Some(out) = a.report.as_deref() {
        crate::report::whatif_report(&crate::report::WhatifReport {
            out,
            export_dir: dir,
            export: &export,
            scenario_path: scenario,
            scenario: &sc,
            variants: &variants,
            owner,
            intended_use,
        })?;
    }
    if json {
        let out = serde_json::json!({
            "scenario": sc.id, "runs": sc.runs, "seed": sc.seed, "horizon_days": sc.horizon_days,
            "compare_to": sc.compare_to, "reference": "no_events", "variants": variants, "warnings": warnings,
            "seconds": seconds,
        });
        return crate::output::json(&out);
    }
    println!(
        "Scenario {} from {} for {} days: {} runs per variant, seed {}, {:.2} s (differences paired with {:?} under common random numbers)",
        sc.id, sc.start, sc.horizon_days, sc.runs, sc.seed, seconds, sc.compare_to
    );
    for v in &variants {
        println!("  {}", v["variant"].as_str().unwrap_or(""));
        if let Some(causes) = v["late_causes"].as_array().filter(|c| !c.is_empty()) {
            let text: Vec<String> = causes
                .iter()
                .take(3)
                .map(|c| {
                    format!(
                        "{} ({:.0}%)",
                        c["cause"].as_str().unwrap_or(""),
                        100.0 * c["share"].as_f64().unwrap_or(0.0)
                    )
                })
                .collect();
            println!("    late lines waited for: {}", text.join("; "));
        }
        for k in KPI_NAMES {
            let e = &v["kpis"][k];
            let f = |x: &serde_json::Value| x.as_f64().unwrap_or(f64::NAN);
            println!(
                "    {k:<18} {:>12.2}  P50 {:.2} [{:.2}, {:.2}]   vs {}: {:+.2} [{:+.2}, {:+.2}], better in {:.0}% of runs",
                f(&e["mean"]),
                f(&e["q50"]),
                f(&e["q05"]),
                f(&e["q95"]),
                sc.compare_to,
                f(&e["diff"]["mean"]),
                f(&e["diff"]["q05"]),
                f(&e["diff"]["q95"]),
                100.0 * f(&e["p_better"])
            );
        }
    }
    Ok(())
}
