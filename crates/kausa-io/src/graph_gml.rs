//! Graphs in GML, as DoWhy and networkx write them:
//! `graph [ directed 1 node [ id "X" label "X" ] edge [ source "X" target "Y" ] ]`.
//!
//! Nodes are named by their `label` (their `id` when there is none). A node
//! with `observed "no"` is latent: it must be a root, and each pair of its
//! children becomes a `<->` edge (its latent projection).

use std::path::Path;

use crate::graph_json::{GraphJson, JsonEdge};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    List(Vec<(String, Value)>),
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
    path: &'a Path,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse { path: self.path.into(), line: self.line, column: None, message: message.into() }
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.text.get(self.pos) {
            if b == b'\n' {
                self.line += 1;
            }
            if !b.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next token: `[`, `]`, a quoted string (unquoted) or a bare word; `None` at the end.
    fn token(&mut self) -> Result<Option<(String, bool)>> {
        self.skip_space();
        let Some(&b) = self.text.get(self.pos) else { return Ok(None) };
        if b == b'[' || b == b']' {
            self.pos += 1;
            return Ok(Some(((b as char).to_string(), false)));
        }
        if b == b'"' {
            let start = self.pos + 1;
            let end = self.text[start..]
                .iter()
                .position(|&c| c == b'"')
                .map(|i| start + i)
                .ok_or_else(|| self.error("a quoted string is not closed"))?;
            let s = std::str::from_utf8(&self.text[start..end]).map_err(|_| self.error("not UTF-8 text"))?;
            self.line += s.matches('\n').count() as u64;
            self.pos = end + 1;
            return Ok(Some((s.to_string(), true)));
        }
        // A number (sign, digits, fraction, exponent) or a key (letters, digits, `_`);
        // DoWhy writes `directed 1node[`, so a number ends where its syntax does.
        let start = self.pos;
        let at = |i: usize| self.text.get(i).copied().unwrap_or(b' ');
        if b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.' {
            let mut i = self.pos + 1;
            while at(i).is_ascii_digit() || at(i) == b'.' {
                i += 1;
            }
            if (at(i) == b'e' || at(i) == b'E')
                && (at(i + 1).is_ascii_digit()
                    || ((at(i + 1) == b'-' || at(i + 1) == b'+') && at(i + 2).is_ascii_digit()))
            {
                i += 2;
                while at(i).is_ascii_digit() {
                    i += 1;
                }
            }
            self.pos = i;
        } else {
            while at(self.pos).is_ascii_alphanumeric() || at(self.pos) == b'_' {
                self.pos += 1;
            }
            if self.pos == start {
                return Err(self.error(format!("unexpected character {:?}", b as char)));
            }
        }
        Ok(Some((String::from_utf8_lossy(&self.text[start..self.pos]).into_owned(), false)))
    }

    /// Key-value pairs up to `]` (nested) or the end (top level).
    fn list(&mut self, nested: bool) -> Result<Vec<(String, Value)>> {
        let mut out = Vec::new();
        loop {
            let Some((key, quoted)) = self.token()? else {
                if nested {
                    return Err(self.error("a list is not closed with ]"));
                }
                return Ok(out);
            };
            if key == "]" && !quoted {
                if nested {
                    return Ok(out);
                }
                return Err(self.error("unexpected ]"));
            }
            if key == "[" && !quoted {
                return Err(self.error("expected a key before ["));
            }
            let value = match self.token()? {
                Some((v, false)) if v == "[" => Value::List(self.list(true)?),
                Some((v, false)) if v == "]" => return Err(self.error(format!("key {key:?} has no value"))),
                Some((v, _)) => Value::Text(v),
                None => return Err(self.error(format!("key {key:?} has no value"))),
            };
            out.push((key, value));
        }
    }
}

fn text<'a>(list: &'a [(String, Value)], key: &str) -> Option<&'a str> {
    list.iter().find_map(|(k, v)| match v {
        Value::Text(s) if k == key => Some(s.as_str()),
        _ => None,
    })
}

/// Reads a GML graph as graph JSON (`-->` edges, `<->` for latent projections).
pub fn read_gml(path: &Path) -> Result<GraphJson> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_gml(path, &bytes)
}

pub(crate) fn parse_gml(path: &Path, bytes: &[u8]) -> Result<GraphJson> {
    let mut parser = Parser { text: bytes, pos: 0, line: 1, path };
    let top = parser.list(false)?;
    let graph = top
        .iter()
        .find_map(|(k, v)| match v {
            Value::List(l) if k == "graph" => Some(l),
            _ => None,
        })
        .ok_or_else(|| Error::invalid(path, "no `graph [ ... ]` in the GML file"))?;
    if text(graph, "directed") != Some("1") {
        return Err(Error::invalid(
            path,
            "the GML graph is not directed (`directed 1`): a causal graph needs directions",
        ));
    }
    let mut ids: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut latent: Vec<bool> = Vec::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (k, v) in graph {
        let Value::List(item) = v else { continue };
        match k.as_str() {
            "node" => {
                let id = text(item, "id").ok_or_else(|| Error::invalid(path, "a node without an id"))?;
                let name = text(item, "label").unwrap_or(id);
                if ids.iter().any(|i| i == id) || names.iter().any(|n| n == name) {
                    return Err(Error::invalid(path, format!("node {name:?} is declared twice")));
                }
                ids.push(id.to_string());
                names.push(name.to_string());
                latent.push(text(item, "observed").is_some_and(|o| o.eq_ignore_ascii_case("no")));
            }
            "edge" => {
                let end = |key: &str| -> Result<usize> {
                    let id = text(item, key).ok_or_else(|| Error::invalid(path, format!("an edge without a {key}")))?;
                    ids.iter().position(|i| i == id).ok_or_else(|| {
                        Error::invalid(path, format!("an edge names node {id:?}, which is not declared"))
                    })
                };
                edges.push((end("source")?, end("target")?));
            }
            _ => {}
        }
    }
    let observed: Vec<usize> = (0..names.len()).filter(|&v| !latent[v]).collect();
    let mut out = Vec::new();
    for &(a, b) in &edges {
        if latent[b] {
            return Err(Error::invalid(
                path,
                format!("latent node {:?} has a parent; only latent roots are supported", names[b]),
            ));
        }
        if !latent[a] {
            out.push(JsonEdge { from: names[a].clone(), to: names[b].clone(), kind: "-->".into(), weight: None });
        }
    }
    for l in (0..names.len()).filter(|&v| latent[v]) {
        let children: Vec<usize> = edges.iter().filter(|&&(a, _)| a == l).map(|&(_, b)| b).collect();
        for (i, &a) in children.iter().enumerate() {
            for &b in &children[i + 1..] {
                out.push(JsonEdge { from: names[a].clone(), to: names[b].clone(), kind: "<->".into(), weight: None });
            }
        }
    }
    Ok(GraphJson { nodes: observed.iter().map(|&v| names[v].clone()).collect(), edges: out, meta: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dowhy_gml_with_a_latent_confounder() {
        let gml = br#"graph[directed 1node[ id "y" label "y"]node[ id "W0" label "W0"] node[ id "v0" label "v0"]
            node [ id "U" label "U" observed "no" ]
            edge[source "v0" target "y"]edge[ source "W0" target "v0"] edge[ source "W0" target "y"]
            edge [ source "U" target "v0" ] edge [ source "U" target "y" ]]"#;
        let g = parse_gml(Path::new("g.gml"), gml).unwrap();
        assert_eq!(g.nodes, vec!["y", "W0", "v0"]);
        let e: Vec<String> = g.edges.iter().map(|e| format!("{} {} {}", e.from, e.kind, e.to)).collect();
        assert_eq!(e, vec!["v0 --> y", "W0 --> v0", "W0 --> y", "v0 <-> y"]);
    }

    #[test]
    fn malformed_gml_names_the_line() {
        let err = |text: &str| parse_gml(Path::new("g.gml"), text.as_bytes()).unwrap_err().to_string();
        assert!(
            err("graph [ directed 1\n node [ id \"a\" ]\n edge [ source \"a\" target \"b\" ] ]")
                .contains("node \"b\", which is not declared")
        );
        assert!(err("graph [ directed 1\n node [ id \"a\" \n").contains("g.gml:3"));
        assert!(err("graph [ directed 0 ]").contains("not directed"));
        assert!(err("node [ id \"a\" ]").contains("no `graph"));
    }
}
