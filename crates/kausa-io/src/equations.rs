//! Domain equations from TOML: known physics or business rules that sit beside
//! the learned mechanisms of a structural causal model.
//!
//! ```toml
//! [[equation]]
//! node = "revenue"              # a graph node, or a new one
//! expr = "price * units"        # see kausa_scm::Program for the syntax
//! noise = "none"                # "none", "residuals" (from the node's data column) or "normal"
//!
//! [[equation]]
//! node = "energy_cost"
//! expr = "kwh * 0.31 + 120"
//! noise = "normal"
//! sd = 15.0
//! ```
//!
//! Without `noise`, a node with a data column gets `"residuals"`, one without `"none"`.

use std::path::Path;

use serde::Deserialize;

use crate::{Error, Result};

/// How an equation's noise is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoiseSpec {
    /// Chosen by whether the node has a data column.
    Default,
    /// No noise.
    None,
    /// The residuals of the equation on the data.
    Residuals,
    /// Normal with this standard deviation.
    Normal(f64),
}

/// One equation of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct EquationSpec {
    /// The node it defines.
    pub node: String,
    /// The expression.
    pub expr: String,
    /// Its noise.
    pub noise: NoiseSpec,
    /// The 1-based line of its `node` key.
    pub line: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    equation: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    node: toml::Spanned<String>,
    expr: String,
    noise: Option<String>,
    sd: Option<f64>,
}

/// Reads a domain-equation file; syntax errors, unknown keys, a bad `noise`
/// and a node defined twice name the file and line.
pub fn read_equations(path: &Path) -> Result<Vec<EquationSpec>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() as u64 + 1;
    let file: File = toml::from_str(&text).map_err(|e| Error::toml(path, &text, &e))?;
    if file.equation.is_empty() {
        return Err(Error::invalid(path, "no [[equation]] tables"));
    }
    let mut out: Vec<EquationSpec> = Vec::new();
    for raw in file.equation {
        let line = line_of(raw.node.span().start);
        let bad = |message: String| Error::Parse { path: path.into(), line, column: None, message };
        let node = raw.node.into_inner();
        if let Some(first) = out.iter().find(|e| e.node == node) {
            return Err(bad(format!("{node:?} already has an equation (line {})", first.line)));
        }
        let noise = match (raw.noise.as_deref(), raw.sd) {
            (None, None) => NoiseSpec::Default,
            (Some("none"), None) => NoiseSpec::None,
            (Some("residuals"), None) => NoiseSpec::Residuals,
            (Some("normal"), Some(sd)) if sd.is_finite() && sd > 0.0 => NoiseSpec::Normal(sd),
            (Some("normal"), _) => return Err(bad("noise = \"normal\" needs sd, a positive number".into())),
            (_, Some(_)) => return Err(bad("sd applies to noise = \"normal\" only".into())),
            (Some(other), None) => {
                return Err(bad(format!("noise is \"none\", \"residuals\" or \"normal\", not {other:?}")));
            }
        };
        out.push(EquationSpec { node, expr: raw.expr, noise, line });
    }
    Ok(out)
}
