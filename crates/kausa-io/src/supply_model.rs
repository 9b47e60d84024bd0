//! The supply model file: the mechanisms `kausa supply learn` learned from an ERP
//! export (lead times per supplier site, demand per finished part, scrap per shift
//! type, energy, productivity by shift type), with the export's fingerprint, in the versioned, checksummed envelope of
//! model files (`model_file.rs`).

use std::path::Path;

use kausa_supply::{Demand, Energy, Export, LeadTime, Productivity, Scrap};
use serde::{Deserialize, Serialize};

use crate::model_file::{read_envelope, write_envelope};
use crate::{Error, Result};

/// The `format` field of supply model files.
pub const SUPPLY_MODEL_FORMAT: &str = "kausa-supply-model";
/// The supply model format version this kausa writes and reads.
pub const SUPPLY_MODEL_VERSION: u32 = 1;

/// What was learned from an export, and from which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplyModel {
    /// The kausa version that learned it.
    pub kausa_version: String,
    /// The seed of the bootstrap intervals.
    pub seed: u64,
    /// The export folder, as given.
    pub export: String,
    /// [`export_fingerprint`] of the export.
    pub export_blake3: String,
    /// Lead times per supplier site.
    pub lead_times: Vec<LeadTime>,
    /// Weekly demand per finished part.
    pub demand: Vec<Demand>,
    /// Scrap per shift type.
    pub scrap: Vec<Scrap>,
    /// Energy use, prices, hedges and supplier pass-through (empty without energy tables;
    /// absent in files written before it was learned).
    #[serde(default)]
    pub energy: Energy,
    /// Output per hour by shift type (empty without timed production orders; absent in
    /// files written before it was learned).
    #[serde(default)]
    pub productivity: Vec<Productivity>,
}

/// BLAKE3 over the files an export was read from (each name, then its bytes), hex.
pub fn export_fingerprint(dir: &Path, export: &Export) -> Result<String> {
    let mut h = blake3::Hasher::new();
    for name in &export.files {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(h.finalize().to_hex().to_string())
}

/// Writes a supply model.
pub fn write_supply_model(path: &Path, model: &SupplyModel) -> Result<()> {
    write_envelope(path, SUPPLY_MODEL_FORMAT, SUPPLY_MODEL_VERSION, &model.kausa_version, model)
}

/// Reads a supply model, checking its format, version and checksum, and that its
/// numbers mean what they say (shares in [0, 1], days and spreads not negative).
pub fn read_supply_model(path: &Path) -> Result<SupplyModel> {
    let model: SupplyModel = read_envelope(
        path,
        SUPPLY_MODEL_FORMAT,
        SUPPLY_MODEL_VERSION,
        "kausa supply model",
        "kausa supply learn --out",
        "relearn",
    )?;
    check(&model).map_err(|m| Error::invalid(path, format!("the supply model is not valid: {m}; relearn it")))?;
    Ok(model)
}

/// What `kausa supply learn` never writes: a share outside [0, 1], negative days,
/// spreads or quantities, a factor that is not positive. The checksum catches
/// accidents; this catches a file edited by hand and re-sealed.
fn check(m: &SupplyModel) -> std::result::Result<(), String> {
    let share = |what: &str, v: f64| {
        if (0.0..=1.0).contains(&v) { Ok(()) } else { Err(format!("{what} {v} is not a share in [0, 1]")) }
    };
    let at_least_0 = |what: &str, v: f64| if v >= 0.0 { Ok(()) } else { Err(format!("{what} {v} is negative")) };
    let positive = |what: &str, v: f64| if v > 0.0 { Ok(()) } else { Err(format!("{what} {v} is not positive")) };
    for l in &m.lead_times {
        let site = |e: String| format!("lead time of supplier site {:?}: {e}", l.supplier_site_id);
        (|| {
            at_least_0("median_days", l.median_days)?;
            at_least_0("sigma_log", l.sigma_log)?;
            at_least_0("p90_days", l.p90_days)?;
            at_least_0("transit_median_days", l.transit_median_days)?;
            at_least_0("partial_gap_days", l.partial_gap_days)?;
            l.planned_days.map_or(Ok(()), |d| at_least_0("planned_days", d))?;
            share("late_share", l.late_share)?;
            share("partial_share", l.partial_share)?;
            share("first_share", l.first_share)?;
            share("late_vs_confirmed_share", l.late_vs_confirmed_share)?;
            l.month_factors.iter().try_for_each(|&f| positive("a month factor", f))
        })()
        .map_err(site)?;
    }
    for d in &m.demand {
        let part = |e: String| format!("demand for part {:?}: {e}", d.part_id);
        (|| {
            at_least_0("mean_per_week", d.mean_per_week)?;
            at_least_0("sd_per_week", d.sd_per_week)?;
            d.season.iter().try_for_each(|&f| at_least_0("a season factor", f))
        })()
        .map_err(part)?;
    }
    for s in &m.scrap {
        let shift = |e: String| format!("scrap of shift type {:?}: {e}", s.shift_type);
        share("rate", s.rate).and(at_least_0("units", s.units)).map_err(shift)?;
    }
    for p in &m.productivity {
        positive("relative", p.relative).map_err(|e| format!("productivity of shift type {:?}: {e}", p.shift_type))?;
    }
    for h in &m.energy.hedges {
        share("hedged_share", h.hedged_share).map_err(|e| format!("energy hedge of plant {:?}: {e}", h.plant_id))?;
    }
    at_least_0("the energy pass-through lag_days", f64::from(m.energy.lag_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model written with an impossible number (as a hand edit re-sealed with a
    /// fresh checksum would be) is refused on reading, naming what and where.
    #[test]
    fn supply_models_with_impossible_numbers_are_refused() {
        let dir = std::env::temp_dir().join(format!("kausa-supply-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in kausa_supply::example::tiny(1) {
            std::fs::write(dir.join(file), text).unwrap();
        }
        let export = crate::read_export(&dir).unwrap();
        let model = SupplyModel {
            kausa_version: env!("CARGO_PKG_VERSION").into(),
            seed: 1,
            export: dir.display().to_string(),
            export_blake3: export_fingerprint(&dir, &export).unwrap(),
            lead_times: kausa_supply::lead_times(&export, 1),
            demand: kausa_supply::demand(&export, 1),
            scrap: kausa_supply::scrap(&export, 1),
            energy: kausa_supply::energy::learn(&export, 1),
            productivity: kausa_supply::productivity(&export, 1),
        };
        let path = dir.join("model.json");
        let read = |m: &SupplyModel| {
            write_supply_model(&path, m).unwrap();
            read_supply_model(&path)
        };
        assert_eq!(read(&model).unwrap(), model, "what learn writes reads back");
        let mut bad = model.clone();
        bad.lead_times[0].late_share = 1.5;
        let site = bad.lead_times[0].supplier_site_id.clone();
        let err = read(&bad).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "lead time of supplier site {site:?}: late_share 1.5 is not a share in [0, 1]; relearn it"
            )),
            "{err}"
        );
        let mut bad = model.clone();
        bad.demand[0].sd_per_week = -2.0;
        assert!(read(&bad).unwrap_err().to_string().contains("sd_per_week -2 is negative"));
        let mut bad = model;
        bad.scrap[0].rate = -0.1;
        assert!(read(&bad).unwrap_err().to_string().contains("rate -0.1 is not a share"));
    }
}
