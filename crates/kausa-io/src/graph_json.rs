use std::collections::HashMap;
use std::path::Path;

use kausa_graph::{EdgeType, Graph};

use crate::{Error, Result};

/// One edge of the canonical graph JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JsonEdge {
    /// Source node name.
    pub from: String,
    /// Target node name.
    pub to: String,
    /// `-->`, `---`, `<->`, `o->` or `o-o`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The edge's coefficient in a linear model, when the graph describes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// The canonical graph JSON shared with the reference scripts:
/// `{"nodes": [...], "edges": [{"from", "to", "type"}], "meta": {...}}`.
///
/// Symmetric edges are listed once with `from` before `to` in node order;
/// edges are sorted by the positions of `(from, to)`; `meta` is free-form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GraphJson {
    /// Node names, in order.
    pub nodes: Vec<String>,
    /// Edges, canonical order.
    pub edges: Vec<JsonEdge>,
    /// Free-form metadata (tool, parameters, timings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

impl GraphJson {
    /// The canonical JSON of `graph` with node names `names`.
    pub fn from_graph(graph: &Graph, names: &[String], meta: Option<serde_json::Value>) -> GraphJson {
        let edges = graph
            .edges()
            .into_iter()
            .map(|(a, b, t)| JsonEdge {
                from: names[a].clone(),
                to: names[b].clone(),
                kind: t.as_str().to_string(),
                weight: None,
            })
            .collect();
        GraphJson { nodes: names.to_vec(), edges, meta }
    }

    /// Reads and validates a graph JSON file (one edge per pair of nodes).
    pub fn read(path: &Path) -> Result<GraphJson> {
        let g = GraphJson::read_mixed(path)?;
        g.to_graph().map_err(|m| Error::invalid(path, m))?;
        Ok(g)
    }

    /// Reads a graph JSON file without checking its edges: a mixed graph for
    /// identification may join a pair by both `-->` and `<->`, which [`Graph`]
    /// cannot hold. The caller checks names and edge types.
    pub fn read_mixed(path: &Path) -> Result<GraphJson> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Parse {
            path: path.into(),
            line: e.line() as u64,
            column: None,
            message: format!("not a graph JSON file: {e}"),
        })
    }

    /// Reads a directed edge list: a CSV file with a header and one `cause,effect`
    /// pair per line (names may contain spaces). Nodes are listed in order of appearance.
    pub fn read_edge_list(path: &Path) -> Result<GraphJson> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| Error::invalid(path, e.to_string()))?;
        let mut nodes: Vec<String> = Vec::new();
        let mut edges = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let record =
                record.map_err(|e| Error::Parse { path: path.into(), line, column: None, message: e.to_string() })?;
            if record.len() != 2 || record.iter().any(str::is_empty) {
                return Err(Error::Parse {
                    path: path.into(),
                    line,
                    column: None,
                    message: format!(
                        "an edge list line holds two names, cause and effect; found {} fields",
                        record.len()
                    ),
                });
            }
            for name in record.iter() {
                if !nodes.iter().any(|n| n == name) {
                    nodes.push(name.to_string());
                }
            }
            edges.push(JsonEdge {
                from: record[0].to_string(),
                to: record[1].to_string(),
                kind: "-->".into(),
                weight: None,
            });
        }
        if edges.is_empty() {
            return Err(Error::invalid(path, "the edge list has no edges"));
        }
        Ok(GraphJson { nodes, edges, meta: None })
    }

    /// The graph, with nodes in `self.nodes` order.
    pub fn to_graph(&self) -> Result<Graph, String> {
        let index: HashMap<&str, usize> = self.nodes.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        if index.len() != self.nodes.len() {
            return Err("duplicate node names".into());
        }
        let mut g = Graph::empty(self.nodes.len());
        for e in &self.edges {
            let a = *index.get(e.from.as_str()).ok_or_else(|| format!("edge from unknown node {:?}", e.from))?;
            let b = *index.get(e.to.as_str()).ok_or_else(|| format!("edge to unknown node {:?}", e.to))?;
            let t = EdgeType::parse(&e.kind).ok_or_else(|| format!("unknown edge type {:?}", e.kind))?;
            if a == b {
                return Err(format!("self loop on {:?}", e.from));
            }
            if g.adjacent(a, b) {
                return Err(format!("two edges between {:?} and {:?}", e.from, e.to));
            }
            g.set_edge(a, b, t);
        }
        Ok(g)
    }

    /// The same graph with its nodes reordered to `names` (which must be a permutation).
    pub fn reorder(&self, names: &[String]) -> Result<Graph, String> {
        let mut a = self.nodes.clone();
        let mut b = names.to_vec();
        a.sort();
        b.sort();
        if a != b {
            let only: Vec<&String> = self.nodes.iter().filter(|n| !names.contains(n)).take(5).collect();
            let missing: Vec<&String> = names.iter().filter(|n| !self.nodes.contains(n)).take(5).collect();
            return Err(format!("the graphs have different nodes (only here: {only:?}; only there: {missing:?})"));
        }
        GraphJson { nodes: names.to_vec(), edges: self.edges.clone(), meta: None }.to_graph()
    }

    /// Pretty JSON text with a final newline.
    pub fn to_json_string(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("graph JSON serialises");
        s.push('\n');
        s
    }
}

/// Graphviz DOT text for `graph` with node names `names`.
pub fn to_dot(graph: &Graph, names: &[String]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from("digraph kausa {\n  node [shape=box, style=rounded];\n");
    for n in names {
        out.push_str(&format!("  {};\n", quote(n)));
    }
    for (a, b, t) in graph.edges() {
        let (tail, head) = match t {
            EdgeType::Directed => ("none", "normal"),
            EdgeType::Undirected => ("none", "none"),
            EdgeType::Bidirected => ("normal", "normal"),
            EdgeType::PartiallyDirected => ("odot", "normal"),
            EdgeType::Nondirected => ("odot", "odot"),
        };
        out.push_str(&format!(
            "  {} -> {} [dir=both, arrowtail={tail}, arrowhead={head}];\n",
            quote(&names[a]),
            quote(&names[b])
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_validation() {
        let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let mut g = Graph::empty(3);
        g.set_edge(2, 0, EdgeType::Directed);
        g.set_edge(1, 2, EdgeType::Undirected);
        let j = GraphJson::from_graph(&g, &names, None);
        let text = j.to_json_string();
        let back: GraphJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_graph().unwrap(), g);
        assert_eq!(j.edges[0], JsonEdge { from: "B".into(), to: "C".into(), kind: "---".into(), weight: None });
        let bad = GraphJson {
            edges: vec![JsonEdge { from: "A".into(), to: "Z".into(), kind: "-->".into(), weight: None }],
            ..j.clone()
        };
        assert!(bad.to_graph().unwrap_err().contains("unknown node \"Z\""));
        let rev: Vec<String> = ["C", "B", "A"].iter().map(|s| s.to_string()).collect();
        let r = j.reorder(&rev).unwrap();
        assert!(r.is_directed(0, 2) && r.is_undirected(1, 0));
        assert!(to_dot(&g, &names).contains("\"C\" -> \"A\" [dir=both, arrowtail=none, arrowhead=normal]"));
    }
}
