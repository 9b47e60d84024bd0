/// The mark at one end of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    /// `-`: the node is a cause (or not an effect).
    Tail,
    /// `>`: the node is not a cause of the other.
    Arrow,
    /// `o`: undetermined (PAGs).
    Circle,
}

/// The type of an edge `from ? to` as written in kausa's canonical graph JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeType {
    /// `-->`
    Directed,
    /// `---`
    Undirected,
    /// `<->`
    Bidirected,
    /// `o->`
    PartiallyDirected,
    /// `o-o`
    Nondirected,
}

impl EdgeType {
    /// The canonical spelling (`-->`, `---`, `<->`, `o->`, `o-o`).
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeType::Directed => "-->",
            EdgeType::Undirected => "---",
            EdgeType::Bidirected => "<->",
            EdgeType::PartiallyDirected => "o->",
            EdgeType::Nondirected => "o-o",
        }
    }

    /// Parses the canonical spelling.
    pub fn parse(s: &str) -> Option<EdgeType> {
        Some(match s {
            "-->" => EdgeType::Directed,
            "---" => EdgeType::Undirected,
            "<->" => EdgeType::Bidirected,
            "o->" => EdgeType::PartiallyDirected,
            "o-o" => EdgeType::Nondirected,
            _ => return None,
        })
    }

    /// True for types that read the same in both directions.
    pub fn is_symmetric(self) -> bool {
        matches!(self, EdgeType::Undirected | EdgeType::Bidirected | EdgeType::Nondirected)
    }

    /// Marks at the `from` and `to` ends.
    pub fn marks(self) -> (Mark, Mark) {
        match self {
            EdgeType::Directed => (Mark::Tail, Mark::Arrow),
            EdgeType::Undirected => (Mark::Tail, Mark::Tail),
            EdgeType::Bidirected => (Mark::Arrow, Mark::Arrow),
            EdgeType::PartiallyDirected => (Mark::Circle, Mark::Arrow),
            EdgeType::Nondirected => (Mark::Circle, Mark::Circle),
        }
    }
}

/// A graph on nodes `0..p` with at most one edge per pair and a mark at each end.
///
/// Stored as a dense `p×p` matrix of end marks: `end(i, j)` is the mark at `j`
/// on the edge between `i` and `j`.
/// Dense storage keeps adjacency tests O(1) in the inner loops of discovery.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Graph {
    p: usize,
    ends: Vec<Option<Mark>>,
}

impl Graph {
    /// The empty graph on `p` nodes.
    pub fn empty(p: usize) -> Graph {
        Graph { p, ends: vec![None; p * p] }
    }

    /// The complete graph on `p` nodes with every edge of type `t`.
    pub fn complete(p: usize, t: EdgeType) -> Graph {
        let mut g = Graph::empty(p);
        for i in 0..p {
            for j in i + 1..p {
                g.set_edge(i, j, t);
            }
        }
        g
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.p
    }

    /// The mark at `j` on the edge `i ? j`, or `None` when `i` and `j` are not adjacent.
    #[inline]
    pub fn end(&self, i: usize, j: usize) -> Option<Mark> {
        self.ends[i * self.p + j]
    }

    /// True when `i` and `j` are adjacent.
    #[inline]
    pub fn adjacent(&self, i: usize, j: usize) -> bool {
        self.ends[i * self.p + j].is_some()
    }

    /// Sets the edge `from t to`, replacing any edge between the two.
    pub fn set_edge(&mut self, from: usize, to: usize, t: EdgeType) {
        assert_ne!(from, to, "self loop");
        let (a, b) = t.marks();
        self.ends[to * self.p + from] = Some(a);
        self.ends[from * self.p + to] = Some(b);
    }

    /// Sets the mark at `j` on the existing edge between `i` and `j`.
    pub fn set_end(&mut self, i: usize, j: usize, mark: Mark) {
        debug_assert!(self.adjacent(i, j), "no edge {i} - {j}");
        self.ends[i * self.p + j] = Some(mark);
    }

    /// Removes the edge between `i` and `j`, if any.
    pub fn remove_edge(&mut self, i: usize, j: usize) {
        self.ends[i * self.p + j] = None;
        self.ends[j * self.p + i] = None;
    }

    /// True for `i --> j`.
    #[inline]
    pub fn is_directed(&self, i: usize, j: usize) -> bool {
        self.end(i, j) == Some(Mark::Arrow) && self.end(j, i) == Some(Mark::Tail)
    }

    /// True for `i --- j`.
    #[inline]
    pub fn is_undirected(&self, i: usize, j: usize) -> bool {
        self.end(i, j) == Some(Mark::Tail) && self.end(j, i) == Some(Mark::Tail)
    }

    /// The nodes adjacent to `i`, ascending.
    pub fn neighbors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.p).filter(move |&j| self.adjacent(i, j))
    }

    /// For every node, the nodes adjacent to it, ascending (one `p²` scan).
    pub fn adjacency_lists(&self) -> Vec<Vec<usize>> {
        (0..self.p).map(|i| self.neighbors(i).collect()).collect()
    }

    /// The parents of `i` (nodes `j` with `j --> i`), ascending.
    pub fn parents(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.p).filter(move |&j| self.is_directed(j, i))
    }

    /// Number of adjacent pairs.
    pub fn n_edges(&self) -> usize {
        (0..self.p).map(|i| (i + 1..self.p).filter(|&j| self.adjacent(i, j)).count()).sum()
    }

    /// The type of the edge between `i` and `j` read from `i` to `j`, if it has one
    /// (`None` also for mark combinations without a canonical name, such as `<-o`,
    /// which is `o->` read from `j`).
    pub fn edge_type(&self, i: usize, j: usize) -> Option<EdgeType> {
        let (a, b) = (self.end(j, i)?, self.end(i, j)?);
        Some(match (a, b) {
            (Mark::Tail, Mark::Arrow) => EdgeType::Directed,
            (Mark::Tail, Mark::Tail) => EdgeType::Undirected,
            (Mark::Arrow, Mark::Arrow) => EdgeType::Bidirected,
            (Mark::Circle, Mark::Arrow) => EdgeType::PartiallyDirected,
            (Mark::Circle, Mark::Circle) => EdgeType::Nondirected,
            _ => return None,
        })
    }

    /// All edges in canonical form, sorted by `(from, to)`: symmetric edges once
    /// with `from < to`, asymmetric ones in their direction.
    /// A mark pair without a canonical name (such as tail–circle) is reported as `o-o`.
    pub fn edges(&self) -> Vec<(usize, usize, EdgeType)> {
        let mut out = Vec::new();
        for i in 0..self.p {
            for j in i + 1..self.p {
                if !self.adjacent(i, j) {
                    continue;
                }
                let e = match (self.edge_type(i, j), self.edge_type(j, i)) {
                    (Some(t), _) => (i, j, t),
                    (None, Some(t)) => (j, i, t),
                    (None, None) => (i, j, EdgeType::Nondirected),
                };
                out.push(e);
            }
        }
        out.sort_by_key(|&(a, b, _)| (a, b));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_canonical_edges() {
        let mut g = Graph::empty(4);
        g.set_edge(2, 0, EdgeType::Directed);
        g.set_edge(3, 1, EdgeType::Undirected);
        g.set_edge(1, 2, EdgeType::PartiallyDirected);
        assert!(g.is_directed(2, 0) && !g.is_directed(0, 2));
        assert!(g.is_undirected(1, 3) && g.is_undirected(3, 1));
        assert_eq!(
            g.edges(),
            vec![(1, 2, EdgeType::PartiallyDirected), (1, 3, EdgeType::Undirected), (2, 0, EdgeType::Directed)]
        );
        assert_eq!(g.parents(0).collect::<Vec<_>>(), vec![2]);
        assert_eq!(g.n_edges(), 3);
        g.remove_edge(0, 2);
        assert_eq!(g.n_edges(), 2);
        assert_eq!(EdgeType::parse("o-o"), Some(EdgeType::Nondirected));
        assert_eq!(EdgeType::parse("<--"), None);
    }
}
