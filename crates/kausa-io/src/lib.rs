//! The boundary between kausa and files.
//!
//! - [`read_table`]: CSV (comma, semicolon, tab or space; detected or given;
//!   decimal comma for German exports; plain or gzip) and Parquet into a
//!   [`kausa_core::Dataset`], with column kinds inferred or overridden and missing
//!   values refused or dropped; [`write_csv`] writes one back.
//! - [`read_knowledge`]: background knowledge (tiers, required and forbidden
//!   edges) from TOML.
//! - [`GraphJson`]: the canonical graph JSON shared with the reference scripts,
//!   and [`to_dot`] for Graphviz.
//! - [`read_bif`]: discrete Bayesian networks in BIF; [`read_linear_sem`]: linear
//!   structural equation models as graph JSON with weights.
//! - [`read_export`]: an ERP export folder (manifest and one CSV per table) for the supply-chain engine;
//!   [`read_scenario`]: a what-if scenario (TOML).
//! - [`read_equations`]: domain equations (TOML) for structural causal models.
//! - [`write_model`] / [`read_model`]: fitted structural causal models, versioned
//!   and checksummed.
//!
//! Every error names the file and, where there is one, the line and column.
//! This is the only kausa library crate that touches the file system.
#![deny(missing_docs)]

mod bif;
mod equations;
mod error;
#[cfg(test)]
mod fuzz_tests;
mod graph_gml;
mod graph_json;
mod knowledge;
mod model;
mod model_file;
mod scenario;
mod supply;
mod supply_model;
mod table;

pub use bif::read_bif;
pub use equations::{EquationSpec, NoiseSpec, read_equations};
pub use error::{Error, Result};
pub use graph_gml::read_gml;
pub use graph_json::{GraphJson, JsonEdge, to_dot};
pub use knowledge::read_knowledge;
pub use model::{read_linear_sem, write_csv};
pub use model_file::{
    DataFingerprint, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelFile, Provenance, file_blake3, fingerprint,
    is_model_file, model_columns, read_model, write_model,
};
pub use scenario::read_scenario;
pub use supply::read_export;
pub use supply_model::{
    SUPPLY_MODEL_FORMAT, SUPPLY_MODEL_VERSION, SupplyModel, export_fingerprint, read_supply_model, write_supply_model,
};
pub use table::{Format, Missing, ReadOptions, Table, read_table};
