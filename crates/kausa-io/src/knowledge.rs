use std::path::Path;

use kausa_discovery::{Knowledge, KnowledgeError};

use crate::{Error, Result};

/// The TOML shape of a knowledge file.
///
/// ```toml
/// # Variables in a later tier cannot cause variables in an earlier one.
/// tiers = [["supplier", "shift"], ["temperature", "pressure"], ["scrap"]]
/// # Edges as [from, to] pairs or "from -> to" strings.
/// required = [["temperature", "scrap"]]
/// forbidden = ["scrap -> shift"]
/// ```
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFile {
    #[serde(default)]
    tiers: Vec<Vec<String>>,
    #[serde(default)]
    required: Vec<EdgeSpec>,
    #[serde(default)]
    forbidden: Vec<EdgeSpec>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum EdgeSpec {
    Pair([String; 2]),
    Arrow(String),
}

impl EdgeSpec {
    fn ends(&self) -> Option<(String, String)> {
        match self {
            EdgeSpec::Pair([a, b]) => Some((a.clone(), b.clone())),
            EdgeSpec::Arrow(s) => {
                let (a, b) = s.split_once("->")?;
                Some((a.trim().to_string(), b.trim().to_string()))
            }
        }
    }
}

/// Reads background knowledge about the variables `names` from a TOML file.
///
/// Unknown variables, a variable in two tiers, malformed edges and
/// self-contradicting knowledge are errors naming the file and the variables.
pub fn read_knowledge(path: &Path, names: &[String]) -> Result<Knowledge> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file: KnowledgeFile = toml::from_str(&text).map_err(|e| Error::toml(path, &text, &e))?;
    let index = |name: &str, what: &str| -> Result<usize> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            Error::invalid(path, format!("{what} names the unknown variable {name:?} (not a column of the data)"))
        })
    };
    let mut k = Knowledge::new(names.len());
    let mut tier_of: Vec<Option<usize>> = vec![None; names.len()];
    for (t, tier) in file.tiers.iter().enumerate() {
        for name in tier {
            let v = index(name, &format!("tier {}", t + 1))?;
            if let Some(prev) = tier_of[v] {
                return Err(Error::invalid(
                    path,
                    format!("variable {name:?} is in tier {} and tier {}", prev + 1, t + 1),
                ));
            }
            tier_of[v] = Some(t);
            k.set_tier(v, t);
        }
    }
    for (list, what) in [(&file.required, "required"), (&file.forbidden, "forbidden")] {
        for spec in list {
            let (a, b) = spec.ends().ok_or_else(|| {
                Error::invalid(
                    path,
                    format!("a {what} edge must be [\"from\", \"to\"] or \"from -> to\", got {spec:?}"),
                )
            })?;
            let (ia, ib) =
                (index(&a, &format!("{what} edge {a} -> {b}"))?, index(&b, &format!("{what} edge {a} -> {b}"))?);
            if ia == ib {
                return Err(Error::invalid(path, format!("{what} edge {a} -> {b} is a self loop")));
            }
            if what == "required" {
                k.require(ia, ib);
            } else {
                k.forbid(ia, ib);
            }
        }
    }
    k.validate().map_err(|e| {
        let n = |v: usize| names[v].as_str();
        let message = match e {
            KnowledgeError::RequiredAndForbidden(a, b) => {
                format!("edge {} -> {} is both required and forbidden", n(a), n(b))
            }
            KnowledgeError::RequiredBothWays(a, b) => {
                format!("edges {} -> {} and {} -> {} are both required", n(a), n(b), n(b), n(a))
            }
            KnowledgeError::RequiredAgainstTiers(a, b, ta, tb) => {
                format!("required edge {} -> {} goes from tier {} back to tier {}", n(a), n(b), ta + 1, tb + 1)
            }
            KnowledgeError::RequiredCycle(c) => format!(
                "the required edges form a cycle: {}",
                c.iter().chain(c.first()).map(|&v| n(v)).collect::<Vec<_>>().join(" -> ")
            ),
            KnowledgeError::OutOfRange(v) => format!("variable {v} is out of range"),
        };
        Error::invalid(path, format!("the knowledge contradicts itself: {message}"))
    })?;
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect()
    }

    fn read(text: &str) -> Result<Knowledge> {
        let dir = std::env::temp_dir().join(format!("kausa-knowledge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("k{}.toml", text.len()));
        std::fs::write(&p, text).unwrap();
        read_knowledge(&p, &names())
    }

    #[test]
    fn tiers_and_edges() {
        let k =
            read("tiers = [[\"a\", \"b\"], [\"c\"]]\nrequired = [[\"a\", \"d\"]]\nforbidden = [\"d -> b\"]\n").unwrap();
        assert!(k.is_forbidden(2, 0) && !k.is_forbidden(0, 2));
        assert!(k.is_required(0, 3));
        assert!(k.is_forbidden(3, 1));
    }

    #[test]
    fn errors_name_the_problem() {
        let e = read("required = [[\"a\", \"zz\"]]\n").unwrap_err().to_string();
        assert!(e.contains("unknown variable \"zz\""), "{e}");
        let e = read("tiers = [[\"a\"], [\"a\"]]\n").unwrap_err().to_string();
        assert!(e.contains("\"a\" is in tier 1 and tier 2"), "{e}");
        let e = read("required = [\"a -> b\"]\nforbidden = [[\"a\", \"b\"]]\n").unwrap_err().to_string();
        assert!(e.contains("contradicts itself: edge a -> b is both required and forbidden"), "{e}");
        let e = read("required = [\"a -> b\", \"b -> c\", \"c -> a\"]\n").unwrap_err().to_string();
        assert!(e.contains("cycle: a -> b -> c -> a"), "{e}");
        let e = read("tiers = [[\"b\"], [\"a\"]]\nrequired = [\"a -> b\"]\n").unwrap_err().to_string();
        assert!(e.contains("from tier 2 back to tier 1"), "{e}");
        let e = read("tires = []\n").unwrap_err().to_string();
        assert!(e.contains(":1: unknown field `tires`"), "{e}");
        let e = read("required = [\"a b\"]\n").unwrap_err().to_string();
        assert!(e.contains("must be"), "{e}");
    }
}
