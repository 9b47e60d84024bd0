//! Bootstrap confidence for any discovery method: rerun it on resamples of the
//! rows and count, for every pair of variables, how often each edge appeared.

use std::collections::BTreeMap;

use kausa_core::{Dataset, Par, Rng};
use kausa_graph::{EdgeType, Graph};

use crate::{Error, Result};

/// How often each edge between one pair appeared across resamples.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFrequencies {
    /// The pair, `a < b`.
    pub a: usize,
    /// The pair, `a < b`.
    pub b: usize,
    /// Each edge seen, as `(from, to, type)` in canonical form, with its share of the successful resamples.
    pub edges: Vec<(usize, usize, EdgeType, f64)>,
    /// Share of the successful resamples with any edge between `a` and `b`.
    pub adjacency: f64,
}

/// The outcome of a bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    /// Resamples drawn.
    pub resamples: usize,
    /// Resamples on which the method failed (for example a column that came out constant), with the first message.
    pub failed: usize,
    /// The first failure's message, if any.
    pub first_failure: Option<String>,
    /// Every pair adjacent in at least one successful resample, in pair order.
    pub pairs: Vec<PairFrequencies>,
}

impl Bootstrap {
    /// The frequencies of the pair `a`, `b`, if it was ever adjacent.
    pub fn pair(&self, a: usize, b: usize) -> Option<&PairFrequencies> {
        let (a, b) = (a.min(b), a.max(b));
        self.pairs.iter().find(|f| f.a == a && f.b == b)
    }
}

/// Runs `method` on `resamples` bootstrap resamples of `data` (rows drawn with
/// replacement; resample `k` uses the random stream `(seed, k)`), in parallel
/// over resamples, and counts the edges. The result does not depend on `par`.
pub fn bootstrap<E: std::fmt::Display>(
    data: &Dataset,
    resamples: usize,
    seed: u64,
    par: Par,
    method: impl Fn(&Dataset) -> std::result::Result<Graph, E> + Sync,
) -> Result<Bootstrap> {
    if resamples == 0 {
        return Err(Error::Param("the number of bootstrap resamples must be at least 1".into()));
    }
    let n = data.n_rows();
    let run = |k: usize| -> std::result::Result<Graph, String> {
        let mut rng = Rng::stream(seed, k as u64);
        let rows: Vec<usize> = (0..n).map(|_| rng.below(n as u64) as usize).collect();
        let sample = data.select_rows(&rows).map_err(|e| e.to_string())?;
        method(&sample).map_err(|e| e.to_string())
    };
    let graphs: Vec<std::result::Result<Graph, String>> = par.map(resamples, run).map_err(Error::Internal)?;
    let failed = graphs.iter().filter(|g| g.is_err()).count();
    let first_failure = graphs.iter().find_map(|g| g.as_ref().err().cloned());
    let ok: Vec<&Graph> = graphs.iter().filter_map(|g| g.as_ref().ok()).collect();
    // Per pair (a < b): count of each (from, to, type code).
    type Counts = BTreeMap<(usize, usize, u8), usize>;
    let mut counts: BTreeMap<(usize, usize), Counts> = BTreeMap::new();
    let code = |t: EdgeType| match t {
        EdgeType::Directed => 0u8,
        EdgeType::Undirected => 1,
        EdgeType::Bidirected => 2,
        EdgeType::PartiallyDirected => 3,
        EdgeType::Nondirected => 4,
    };
    let types = [
        EdgeType::Directed,
        EdgeType::Undirected,
        EdgeType::Bidirected,
        EdgeType::PartiallyDirected,
        EdgeType::Nondirected,
    ];
    for g in &ok {
        for (x, y, t) in g.edges() {
            *counts.entry((x.min(y), x.max(y))).or_default().entry((x, y, code(t))).or_default() += 1;
        }
    }
    let total = ok.len().max(1) as f64;
    let pairs = counts
        .into_iter()
        .map(|((a, b), seen)| {
            let adjacency = seen.values().sum::<usize>() as f64 / total;
            let mut edges: Vec<(usize, usize, EdgeType, f64)> =
                seen.into_iter().map(|((x, y, c), k)| (x, y, types[c as usize], k as f64 / total)).collect();
            edges.sort_by(|p, q| q.3.total_cmp(&p.3).then((p.0, p.1, code(p.2)).cmp(&(q.0, q.1, code(q.2)))));
            PairFrequencies { a, b, edges, adjacency }
        })
        .collect();
    Ok(Bootstrap { resamples, failed, first_failure, pairs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Column;

    #[test]
    fn frequencies_count_edge_types_and_do_not_depend_on_threads() {
        let data = Dataset::new(vec![
            Column::Continuous { name: "a".into(), values: (0..50).map(|i| i as f64).collect() },
            Column::Continuous { name: "b".into(), values: (0..50).map(|i| (i * 7 % 13) as f64).collect() },
            Column::Continuous { name: "c".into(), values: (0..50).map(|i| (i % 5) as f64).collect() },
        ])
        .unwrap();
        // A toy "method": a --> b when the resample's first row is even, b --> a otherwise; c always alone.
        let method = |d: &Dataset| -> std::result::Result<Graph, String> {
            let first = d.column(0).to_f64().unwrap()[0];
            let mut g = Graph::empty(3);
            if first as i64 % 2 == 0 {
                g.set_edge(0, 1, EdgeType::Directed);
            } else {
                g.set_edge(1, 0, EdgeType::Directed);
            }
            if first > 45.0 {
                return Err("too large".to_string());
            }
            Ok(g)
        };
        let one = bootstrap(&data, 200, 7, Par::Seq, method).unwrap();
        let two = bootstrap(&data, 200, 7, Par::threads(2), method).unwrap();
        assert_eq!(one, two);
        let f = one.pair(1, 0).unwrap();
        assert_eq!(f.adjacency, 1.0);
        let share: f64 = f.edges.iter().map(|e| e.3).sum();
        assert!((share - 1.0).abs() < 1e-12);
        // About half each way, and about 4 of 50 first rows fail.
        assert!(f.edges.iter().all(|e| (e.3 - 0.5).abs() < 0.15), "{f:?}");
        assert!(one.failed > 0 && one.failed < 40 && one.first_failure.as_deref() == Some("too large"));
        assert!(one.pair(0, 2).is_none());
        assert!(bootstrap(&data, 0, 7, Par::Seq, method).is_err());
    }
}
