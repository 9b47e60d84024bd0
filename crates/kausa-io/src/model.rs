//! Causal models read from files (linear SEMs in graph JSON) and data written to CSV.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use kausa_core::{Column, Dataset};
use kausa_graph::Dag;
use kausa_sim::{LinearSem, Noise};

use crate::{Error, GraphJson, Result};

/// Reads a linear structural equation model from graph JSON.
///
/// Every edge must be directed (`-->`) and carry a coefficient, either as the
/// edge's `"weight"` or in `meta.weights` under `"from->to"` (the form
/// `gen_linear.py` writes). Noise standard deviations come from
/// `meta.noise_sd` (`{"X1": 0.7, ...}`) and default to 1.
/// Returns the node names and the model.
pub fn read_linear_sem(path: &Path, noise: Noise) -> Result<(Vec<String>, LinearSem)> {
    let g = GraphJson::read(path)?;
    let index: HashMap<&str, usize> = g.nodes.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let meta = g.meta.as_ref();
    let meta_weights = meta.and_then(|m| m.get("weights")).and_then(|w| w.as_object());
    let mut edges = Vec::with_capacity(g.edges.len());
    let mut weight_of = HashMap::new();
    for e in &g.edges {
        if e.kind != "-->" {
            return Err(Error::invalid(
                path,
                format!("edge {} {} {} is not directed: a linear model needs a DAG of --> edges", e.from, e.kind, e.to),
            ));
        }
        let (a, b) = (index[e.from.as_str()], index[e.to.as_str()]);
        let w = e
            .weight
            .or_else(|| meta_weights.and_then(|m| m.get(&format!("{}->{}", e.from, e.to))).and_then(|v| v.as_f64()))
            .ok_or_else(|| {
                Error::invalid(
                    path,
                    format!("edge {} --> {} has no weight (give \"weight\" on the edge)", e.from, e.to),
                )
            })?;
        edges.push((a, b));
        weight_of.insert((a, b), w);
    }
    let dag = Dag::new(g.nodes.len(), &edges)
        .map_err(|_| Error::invalid(path, "the edges form a directed cycle: a structural model needs a DAG"))?;
    let weights = (0..g.nodes.len()).map(|j| dag.parents(j).iter().map(|&u| weight_of[&(u, j)]).collect()).collect();
    let sds = meta.and_then(|m| m.get("noise_sd")).and_then(|s| s.as_object());
    let mut noise_sd = Vec::with_capacity(g.nodes.len());
    for name in &g.nodes {
        noise_sd.push(match sds.and_then(|s| s.get(name)) {
            None => 1.0,
            Some(v) => {
                v.as_f64().ok_or_else(|| Error::invalid(path, format!("noise_sd of {name:?} is not a number")))?
            }
        });
    }
    let sem = LinearSem::new(dag, weights, noise_sd, noise).map_err(|e| {
        let message = match &e {
            kausa_sim::SemError::BadNumber { variable, what, value } => {
                format!("{what} of {:?} must be a finite number, got {value}", g.nodes[*variable])
            }
            other => other.to_string(),
        };
        Error::invalid(path, message)
    })?;
    Ok((g.nodes.clone(), sem))
}

fn quoted(field: &str) -> String {
    if field.is_empty() || field.contains([',', '"', '\n', '\r']) || field.trim() != field {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Writes a data set as comma-separated text with a header row.
/// Continuous values are written in the shortest form that reads back to the
/// same number; discrete values as their level labels.
pub fn write_csv(out: &mut dyn Write, data: &Dataset) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    let header: Vec<String> = data.names().iter().map(|n| quoted(n)).collect();
    writeln!(w, "{}", header.join(","))?;
    let labels: Vec<Vec<String>> = data
        .columns()
        .iter()
        .map(|c| match c {
            Column::Discrete { levels, .. } => levels.iter().map(|l| quoted(l)).collect(),
            Column::Continuous { .. } => Vec::new(),
        })
        .collect();
    let mut line = String::new();
    for i in 0..data.n_rows() {
        line.clear();
        for (j, c) in data.columns().iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            match c {
                Column::Continuous { values, .. } => {
                    use std::fmt::Write as _;
                    let _ = write!(line, "{}", values[i]);
                }
                Column::Discrete { codes, .. } => line.push_str(&labels[j][codes[i] as usize]),
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReadOptions, read_table};

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kausa-model-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn linear_models_from_edge_weights_or_meta() {
        let p = write(
            "sem.json",
            r#"{"nodes": ["a", "b", "c"], "edges": [{"from": "a", "to": "b", "type": "-->", "weight": 0.5},
                {"from": "b", "to": "c", "type": "-->"}], "meta": {"weights": {"b->c": -2.0}, "noise_sd": {"c": 0.1}}}"#,
        );
        let (names, sem) = read_linear_sem(&p, Noise::Laplace).unwrap();
        assert_eq!(names, vec!["a", "b", "c"]);
        assert_eq!(sem.weight(0, 1), Some(0.5));
        assert_eq!(sem.weight(1, 2), Some(-2.0));
        assert_eq!((sem.noise_sd(0), sem.noise_sd(2)), (1.0, 0.1));
        assert_eq!(sem.noise(), Noise::Laplace);
        let bad = [
            (
                r#"{"nodes": ["a", "b"], "edges": [{"from": "a", "to": "b", "type": "-->"}]}"#,
                "edge a --> b has no weight",
            ),
            (
                r#"{"nodes": ["a", "b"], "edges": [{"from": "a", "to": "b", "type": "---", "weight": 1}]}"#,
                "is not directed",
            ),
            (
                r#"{"nodes": ["a", "b", "c"], "edges": [{"from": "a", "to": "b", "type": "-->", "weight": 1},
                {"from": "b", "to": "c", "type": "-->", "weight": 1}, {"from": "c", "to": "a", "type": "-->", "weight": 1}]}"#,
                "directed cycle",
            ),
            (
                r#"{"nodes": ["a", "b"], "edges": [{"from": "a", "to": "b", "type": "-->", "weight": 1}], "meta": {"noise_sd": {"b": -1}}}"#,
                "noise sd of \"b\" must be a finite number",
            ),
        ];
        for (text, want) in bad {
            let m = read_linear_sem(&write("bad.json", text), Noise::Gaussian).unwrap_err().to_string();
            assert!(m.contains(want), "{m}");
        }
    }

    #[test]
    fn csv_written_reads_back_identically() {
        let data = Dataset::new(vec![
            Column::Continuous { name: "x, y".into(), values: vec![0.1, -1e-300, 12345.678901234567, 2.0 / 3.0] },
            Column::discrete_from_labels("g", &["lo", "hi \"q\"", "lo", "hi \"q\""]),
            Column::discrete_from_values("k", &[1.0, 2.0, 3.0, 1.0]),
        ])
        .unwrap();
        let mut buf = Vec::new();
        write_csv(&mut buf, &data).unwrap();
        let p = write("round.csv", std::str::from_utf8(&buf).unwrap());
        let back = read_table(&p, &ReadOptions::default()).unwrap();
        assert_eq!(back.data, data);
    }
}
