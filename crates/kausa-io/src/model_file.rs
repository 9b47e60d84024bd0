//! The model file: a fitted structural causal model with its provenance,
//! versioned and checksummed.
//!
//! ```text
//! { "format": "kausa-model", "format_version": 1, "kausa_version": "0.1.0",
//!   "checksum": "blake3:<hex>",            ← of the compact JSON of "body"
//!   "body": { "provenance": {…}, "model": {…} } }
//! ```
//!
//! The checksum covers the bytes of the body exactly as written, so any change
//! to it (a value, or even its layout) breaks it. Value arrays are base64 (see
//! `kausa_scm`), so a model of 100,000 rows reads in milliseconds.

use std::path::Path;

use kausa_core::Dataset;
use kausa_scm::Scm;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The `format` field of every model file.
pub const MODEL_FORMAT: &str = "kausa-model";
/// The model format version this kausa writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// Where a model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The kausa version that fitted it.
    pub kausa_version: String,
    /// The seed of the fit (cross-validation folds, subsamples).
    pub seed: u64,
    /// The random generator the seed drives.
    pub rng: String,
    /// The training data.
    pub data: DataFingerprint,
    /// The graph file.
    pub graph: String,
    /// Where the graph came from: `learned by kausa discover (method …)`, or `given`
    /// (written by people or another tool).
    #[serde(default)]
    pub graph_origin: String,
    /// BLAKE3 of the graph file, hex.
    #[serde(default)]
    pub graph_blake3: String,
    /// The domain-equation file, when there was one, with its BLAKE3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equations: Option<(String, String)>,
    /// How each node's mechanism was chosen (free-form, for people and reports).
    pub fit_report: serde_json::Value,
}

/// What identifies the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFingerprint {
    /// The file as given.
    pub file: String,
    /// Rows used.
    pub rows: usize,
    /// The columns used, in model order.
    pub columns: Vec<String>,
    /// BLAKE3 of the columns used (names, then values as little-endian f64 bits), hex.
    pub blake3: String,
}

/// A model with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Where it came from.
    pub provenance: Provenance,
    /// The model.
    pub model: Scm,
}

/// The fingerprint of the node columns `columns` named `names`.
pub fn fingerprint(file: &str, names: &[String], columns: &[Vec<f64>]) -> DataFingerprint {
    let mut h = blake3::Hasher::new();
    for name in names {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
    }
    for c in columns {
        for v in c {
            h.update(&v.to_le_bytes());
        }
    }
    DataFingerprint {
        file: file.to_string(),
        rows: columns.first().map_or(0, Vec::len),
        columns: names.to_vec(),
        blake3: h.finalize().to_hex().to_string(),
    }
}

/// BLAKE3 of a file's bytes, hex.
pub fn file_blake3(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

pub(crate) fn checksum(body: &str) -> String {
    format!("blake3:{}", blake3::hash(body.as_bytes()).to_hex())
}

/// Writes `model` to `path`.
pub fn write_model(path: &Path, model: &ModelFile) -> Result<()> {
    write_envelope(path, MODEL_FORMAT, MODEL_FORMAT_VERSION, &model.provenance.kausa_version, model)
}

/// Writes `body` to `path` inside the versioned, checksummed envelope of `format`.
pub(crate) fn write_envelope<T: Serialize + serde::de::DeserializeOwned>(
    path: &Path,
    format: &str,
    version: u32,
    kausa_version: &str,
    body: &T,
) -> Result<()> {
    let body = serde_json::to_string(body).map_err(|e| Error::invalid(path, format!("cannot encode the file: {e}")))?;
    // JSON has no NaN or infinity: serde_json writes them as null, and the file would not
    // read back. Say so now, not when the file is next read.
    if let Err(e) = serde_json::from_str::<T>(&body) {
        return Err(Error::invalid(
            path,
            format!("cannot write the file: it would not read back ({e}); a number in it is not finite"),
        ));
    }
    // The header first, so the format is visible at the top of the file.
    let text = format!(
        "{{\"format\":{},\"format_version\":{},\"kausa_version\":{},\"checksum\":{},\"body\":{}}}\n",
        serde_json::Value::from(format),
        version,
        serde_json::Value::from(kausa_version),
        serde_json::Value::from(checksum(&body)),
        body
    );
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

#[derive(Deserialize)]
struct Envelope<'a> {
    format: Option<String>,
    format_version: Option<u64>,
    kausa_version: Option<String>,
    checksum: Option<String>,
    #[serde(borrow)]
    body: Option<&'a serde_json::value::RawValue>,
}

/// Reads a model file, checking its format, version and checksum.
pub fn read_model(path: &Path) -> Result<ModelFile> {
    let file: ModelFile = read_envelope(path, MODEL_FORMAT, MODEL_FORMAT_VERSION, "kausa model", "kausa fit", "refit")?;
    let model = file.model.validated().map_err(|e| Error::invalid(path, format!("the model is not valid: {e}")))?;
    Ok(ModelFile { model, ..file })
}

/// Reads the body of a file in the envelope of `format` and `version`: a foreign file,
/// another version, a damaged file or a changed body are errors that say what to do
/// (`what`: the kind of file in words; `maker`: the command that writes such files;
/// `redo`: the verb for doing it again).
pub(crate) fn read_envelope<T: serde::de::DeserializeOwned>(
    path: &Path,
    format: &str,
    version: u32,
    what: &str,
    maker: &str,
    redo: &str,
) -> Result<T> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let not_ours = || Error::invalid(path, format!("not a {what} file (write one with `{maker}`)"));
    let envelope: Envelope<'_> = serde_json::from_slice(&text).map_err(|e| {
        if text.starts_with(format!("{{\"format\":\"{format}\"").as_bytes()) {
            Error::Parse {
                path: path.into(),
                line: e.line() as u64,
                column: None,
                message: format!("the {what} file is damaged (column {}: {e}); {redo} it", e.column()),
            }
        } else {
            not_ours()
        }
    })?;
    if envelope.format.as_deref() != Some(format) {
        return Err(not_ours());
    }
    let written_by = envelope.kausa_version.as_deref().unwrap_or("an unknown version");
    if envelope.format_version != Some(u64::from(version)) {
        let v = envelope.format_version.map_or("an unknown".to_string(), |v| v.to_string());
        return Err(Error::invalid(
            path,
            format!(
                "{what} format version {v} (written by kausa {written_by}); this kausa {} reads version {version}: {redo} it with this version",
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    let body = envelope.body.ok_or_else(not_ours)?.get();
    if envelope.checksum.as_deref() != Some(checksum(body).as_str()) {
        return Err(Error::invalid(
            path,
            format!("checksum mismatch: the {what} file was changed after kausa wrote it (or is damaged); {redo} it"),
        ));
    }
    serde_json::from_str(body).map_err(|e| Error::invalid(path, format!("the file's body is not valid: {e}")))
}

/// Whether the file at `path` looks like a model file (starts with its format tag).
pub fn is_model_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let n = f.read(&mut head).unwrap_or(0);
    String::from_utf8_lossy(&head[..n]).contains(MODEL_FORMAT)
}

/// The node columns of `data` for a model's nodes, with the model's kinds
/// (categorical codes follow the model's levels, by label). A noise-free
/// equation node may be absent: its column is left empty, for
/// [`kausa_scm::Scm::fill_equations`].
pub fn model_columns(path: &Path, data: &Dataset, model: &Scm) -> Result<Vec<Vec<f64>>> {
    use kausa_core::Column;
    use kausa_scm::NodeKind;
    let mut out = Vec::with_capacity(model.nodes().len());
    for node in model.nodes() {
        let Some(j) = data.index_of(&node.name) else {
            // A noise-free equation's values follow from its inputs: the caller fills them in.
            if matches!(node.mechanism, kausa_scm::Mechanism::Equation { noise: kausa_scm::EquationNoise::None, .. }) {
                out.push(Vec::new());
                continue;
            }
            return Err(Error::invalid(path, format!("no column {:?} (a node of the model)", node.name)));
        };
        let col = data.column(j);
        match &node.kind {
            NodeKind::Continuous => out.push(col.to_f64().ok_or_else(|| {
                Error::invalid(path, format!("column {:?} holds labels; the model's node is continuous", node.name))
            })?),
            NodeKind::Categorical { levels } => {
                let labels: Vec<String> = match col {
                    Column::Discrete { codes, levels: own, .. } => {
                        codes.iter().map(|&c| own[c as usize].clone()).collect()
                    }
                    Column::Continuous { values, .. } => values.iter().map(|v| v.to_string()).collect(),
                };
                let mut codes = Vec::with_capacity(labels.len());
                for (row, label) in labels.iter().enumerate() {
                    let code = levels.iter().position(|l| l == label).ok_or_else(|| Error::Cell {
                        path: path.to_path_buf(),
                        row: row + 1,
                        column: node.name.clone(),
                        message: format!("level {label:?} is not one of the model's levels {levels:?}"),
                    })?;
                    codes.push(code as f64);
                }
                out.push(codes);
            }
        }
    }
    Ok(out)
}
