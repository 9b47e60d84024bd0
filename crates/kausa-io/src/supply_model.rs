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

/// Reads a supply model, checking its format, version and checksum. Its numbers
/// are what `kausa supply learn` made of the export, however odd the export (a
/// share above 1 where returns follow receipts, negative demand where credit notes
/// outweigh sales), so they are not refused here; the simulator holds every number
/// of days to a century, so no value can overflow its day arithmetic.
pub fn read_supply_model(path: &Path) -> Result<SupplyModel> {
    read_envelope(
        path,
        SUPPLY_MODEL_FORMAT,
        SUPPLY_MODEL_VERSION,
        "kausa supply model",
        "kausa supply learn --out",
        "relearn",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A learned number that is not finite would be written as null and not read back:
    /// writing refuses it.
    #[test]
    fn a_supply_model_that_would_not_read_back_is_not_written() {
        let path = std::env::temp_dir().join(format!("kausa-supply-model-{}.json", std::process::id()));
        let mut model = SupplyModel {
            kausa_version: "0".into(),
            seed: 1,
            export: "e".into(),
            export_blake3: String::new(),
            lead_times: Vec::new(),
            demand: Vec::new(),
            scrap: Vec::new(),
            energy: Energy::default(),
            productivity: vec![Productivity {
                shift_type: "sat".into(),
                orders: 3,
                relative: 0.9,
                interval: (0.8, 1.0),
            }],
        };
        write_supply_model(&path, &model).unwrap();
        assert_eq!(read_supply_model(&path).unwrap(), model);
        model.productivity[0].relative = f64::NAN;
        let err = write_supply_model(&path, &model).unwrap_err().to_string();
        assert!(err.contains("cannot write the file: it would not read back"), "{err}");
    }
}
