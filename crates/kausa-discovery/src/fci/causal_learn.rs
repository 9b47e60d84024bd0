//! FCI's orientation and Possible-D-Sep steps exactly as causal-learn 0.1.4.x
//! codes them, for `--compat causal-learn`.
//!
//! Deliberately reproduced (see the README's FCI section): Possible-D-Sep reaches
//! at most two edges from `x`, is ordered by node name descending, never tests
//! sets of one node, and skips the first subset of each size (testing the last
//! one twice); its separating sets are stored under one ordered key only; R4 runs
//! only in passes where R1–R3 changed something, runs two new independence tests
//! before reading the separating set, and handles only `b o-> c`; R8 checks one
//! order of each pair; R9 and R10 use causal-learn's path searches; R5–R7 always
//! run. Set iteration that is hash-ordered in Python is done in index order.

use std::collections::{HashMap, HashSet, VecDeque};

use kausa_graph::{EdgeType, Graph, Mark};
use kausa_stats::{CiTest, Scratch};

use super::{TestKey, TestMap};
use crate::subsets::combinations;
use crate::{Knowledge, Result};

/// Which rule R9 to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum R9 {
    /// causal-learn since PR #243: an uncovered potentially directed path.
    #[default]
    Uncovered,
    /// causal-learn before PR #243, which produced its reference outputs: any semi-directed path.
    Legacy,
}

/// Separating sets keyed by ordered pairs, as causal-learn's `sep_sets` dict.
pub(super) type OrderedSeps = HashMap<(usize, usize), Vec<usize>>;

pub(super) struct ClFci<'a> {
    pub(super) test: &'a dyn CiTest,
    pub(super) alpha: f64,
    pub(super) names: &'a [String],
    pub(super) knowledge: Option<&'a Knowledge>,
    pub(super) r9: R9,
    pub(super) seps: OrderedSeps,
    pub(super) n_tests: u64,
    scratch: Scratch,
    /// p-values already computed, keyed by the pair and the sorted conditioning set
    /// (causal-learn caches its tests the same way; the subset loop repeats some),
    /// including those of speculative trials that were tried again; with whether
    /// a sequential run has made the test (`n_tests` counts each once).
    cache: TestMap<(f64, bool)>,
}

/// A test's key as causal-learn caches it: the pair smaller first, the set sorted.
fn test_key(x: usize, y: usize, s: &[usize]) -> TestKey {
    let mut set = s.to_vec();
    set.sort_unstable();
    (x.min(y), x.max(y), set)
}

/// What testing one edge in the Possible-D-Sep step found.
struct EdgeTrial {
    /// The tests consulted, in order, with their p-values.
    tests: Vec<(TestKey, f64)>,
    /// The separating set that removes the edge, if one was found.
    outcome: Result<Option<Vec<usize>>>,
}

fn end(g: &Graph, a: usize, b: usize) -> Option<Mark> {
    g.end(a, b)
}

fn adj(g: &Graph, v: usize) -> Vec<usize> {
    g.neighbors(v).collect()
}

/// Nodes `j` with mark `m` at `v` on the edge `j – v`, ascending.
fn nodes_into(g: &Graph, v: usize, m: Mark) -> Vec<usize> {
    (0..g.n_nodes()).filter(|&j| j != v && end(g, j, v) == Some(m)).collect()
}

fn is_def_collider(g: &Graph, a: usize, b: usize, c: usize) -> bool {
    end(g, a, b) == Some(Mark::Arrow) && end(g, c, b) == Some(Mark::Arrow)
}

fn is_parent_of(g: &Graph, a: usize, c: usize) -> bool {
    end(g, c, a) == Some(Mark::Tail) && end(g, a, c) == Some(Mark::Arrow)
}

/// causal-learn's `existsSemiDirectedPath`: a search from `from` stepping to `u`
/// when the mark at the current node on its edge to `u` is a tail or a circle.
fn semi_directed(g: &Graph, from: usize, to: usize) -> bool {
    let p = g.n_nodes();
    let mut seen = vec![false; p];
    let mut queue = VecDeque::new();
    let step = |t: usize, seen: &mut Vec<bool>, queue: &mut VecDeque<usize>| {
        for u in g.neighbors(t) {
            if matches!(end(g, u, t), Some(Mark::Tail | Mark::Circle)) && !seen[u] {
                seen[u] = true;
                queue.push_back(u);
            }
        }
    };
    step(from, &mut seen, &mut queue);
    while let Some(t) = queue.pop_front() {
        if t == to {
            return true;
        }
        step(t, &mut seen, &mut queue);
    }
    false
}

/// causal-learn's `existsUncoveredPdPath(from, next, to)`.
fn uncovered_pd_path(g: &Graph, from: usize, next: usize, to: usize) -> bool {
    let pd = |t: usize, u: usize| {
        matches!(end(g, u, t), Some(Mark::Tail | Mark::Circle))
            && matches!(end(g, t, u), Some(Mark::Arrow | Mark::Circle))
    };
    let uncovered = |path: &[usize]| path.windows(3).all(|w| !g.adjacent(w[0], w[2]));
    let mut seen: HashSet<usize> = HashSet::from([from, next]);
    let mut queue: VecDeque<(usize, Vec<usize>)> = VecDeque::new();
    for u in g.neighbors(next) {
        if pd(next, u) && seen.insert(u) {
            queue.push_back((u, vec![from, next, u]));
        }
    }
    while let Some((t, path)) = queue.pop_front() {
        if t == to && uncovered(&path) {
            return true;
        }
        for u in g.neighbors(t) {
            if pd(t, u) && seen.insert(u) {
                let mut longer = path.clone();
                longer.push(u);
                queue.push_back((u, longer));
            }
        }
    }
    false
}

/// causal-learn's `GetUncoveredCirclePath(from, to, exclude)`: every path it yields, in order.
fn uncovered_circle_paths(g: &Graph, from: usize, to: usize, exclude: [usize; 2]) -> Vec<Vec<usize>> {
    let circle = |t: usize, u: usize| end(g, t, u) == Some(Mark::Circle) && end(g, u, t) == Some(Mark::Circle);
    let uncovered = |path: &[usize]| path.windows(3).all(|w| !g.adjacent(w[0], w[2]));
    let mut out = Vec::new();
    let mut seen: HashSet<usize> = HashSet::new();
    let mut queue: VecDeque<(usize, Vec<usize>)> = VecDeque::new();
    for u in g.neighbors(from) {
        if exclude.contains(&u) || !circle(from, u) {
            continue;
        }
        if seen.insert(u) {
            queue.push_back((u, vec![from, u]));
        }
    }
    while let Some((t, path)) = queue.pop_front() {
        if t == to && uncovered(&path) {
            out.push(path.clone());
        }
        for u in g.neighbors(t) {
            if exclude.contains(&u) || !circle(t, u) {
                continue;
            }
            if seen.insert(u) {
                let mut longer = path.clone();
                longer.push(u);
                queue.push_back((u, longer));
            }
        }
    }
    out
}

/// The subsets causal-learn's Possible-D-Sep loop actually tests, in order
/// (`DepthChoiceGenerator` consumed one step ahead: for each size ≥ 2 with
/// combinations `c1 … cm`, it tests `c2 … cm, cm`, or `c1` when `m = 1`).
fn aliased_subsets(n: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for k in 2..=n {
        let mut combos = combinations(n, k);
        if combos.len() == 1 {
            out.push(combos.remove(0));
        } else {
            let last = combos.last().cloned().expect("at least two");
            out.extend(combos.into_iter().skip(1));
            out.push(last);
        }
    }
    out
}

impl<'a> ClFci<'a> {
    pub(super) fn new(
        test: &'a dyn CiTest,
        alpha: f64,
        names: &'a [String],
        knowledge: Option<&'a Knowledge>,
        r9: R9,
        seps: OrderedSeps,
    ) -> ClFci<'a> {
        ClFci {
            test,
            alpha,
            names,
            knowledge,
            r9,
            seps,
            n_tests: 0,
            scratch: Scratch::default(),
            cache: TestMap::default(),
        }
    }

    fn independent(&mut self, x: usize, y: usize, s: &[usize]) -> Result<bool> {
        let key = test_key(x, y, s);
        let p = match self.cache.get(&key) {
            Some(&(p, true)) => p,
            // Not made yet, or only by a speculative trial that was tried again
            // (with its own order of x, y and s, which can change the last bits):
            // made here, as the sequential run makes it.
            _ => {
                let p = self.test.p_value(x, y, s, &mut self.scratch)?;
                self.cache.insert(key, (p, true));
                self.n_tests += 1;
                p
            }
        };
        Ok(p > self.alpha)
    }

    fn forbidden(&self, a: usize, b: usize) -> bool {
        self.knowledge.is_some_and(|k| k.is_forbidden(a, b))
    }

    fn required(&self, a: usize, b: usize) -> bool {
        self.knowledge.is_some_and(|k| k.is_required(a, b))
    }

    /// `is_arrow_point_allowed(x, y)`: may an arrowhead go at `y` on `x – y`?
    fn arrow_allowed(&self, g: &Graph, x: usize, y: usize) -> bool {
        match end(g, x, y) {
            Some(Mark::Arrow) => return true,
            Some(Mark::Tail) => return false,
            _ => {}
        }
        if matches!(end(g, y, x), Some(Mark::Arrow | Mark::Tail)) && self.forbidden(x, y) {
            return false;
        }
        end(g, x, y) == Some(Mark::Circle)
    }

    /// `reorientAllWith(CIRCLE)`, `fci_orient_bk` and the collider rule R0.
    pub(super) fn rule0(&self, g: &mut Graph) {
        for (a, b, _) in g.edges() {
            g.set_edge(a, b, EdgeType::Nondirected);
        }
        if self.knowledge.is_some() {
            for i in 0..g.n_nodes() {
                for j in i + 1..g.n_nodes() {
                    if !g.adjacent(i, j) {
                        continue;
                    }
                    if self.forbidden(i, j) {
                        g.set_edge(j, i, EdgeType::Directed);
                    } else if self.forbidden(j, i) || self.required(i, j) {
                        g.set_edge(i, j, EdgeType::Directed);
                    } else if self.required(j, i) {
                        g.set_edge(j, i, EdgeType::Directed);
                    }
                }
            }
        }
        for b in 0..g.n_nodes() {
            let nb = adj(g, b);
            for i in 0..nb.len() {
                for j in i + 1..nb.len() {
                    let (a, c) = (nb[i], nb[j]);
                    if g.adjacent(a, c) || is_def_collider(g, a, b, c) {
                        continue;
                    }
                    let Some(sep) = self.seps.get(&(a, c)) else { continue };
                    if sep.contains(&b) {
                        continue;
                    }
                    if !self.arrow_allowed(g, a, b) || !self.arrow_allowed(g, c, b) {
                        continue;
                    }
                    g.set_end(a, b, Mark::Arrow);
                    g.set_end(c, b, Mark::Arrow);
                }
            }
        }
    }

    /// causal-learn's `getPossibleDsep(x, y)`, with its two-hop limit.
    fn possible_dsep(&self, g: &Graph, x: usize, y: usize) -> Vec<usize> {
        let mut dsep: HashSet<usize> = HashSet::new();
        let mut queue: VecDeque<(usize, usize)> = VecDeque::new();
        let mut visited: HashSet<(usize, usize)> = HashSet::new();
        let mut previous: HashMap<usize, HashSet<usize>> = HashMap::new();
        for b in adj(g, x) {
            if b == y {
                continue;
            }
            queue.push_back((x, b));
            visited.insert((x, b));
            previous.entry(x).or_default().insert(b);
            dsep.insert(b);
        }
        while let Some((a, b)) = queue.pop_front() {
            // existOnePathWithPossibleParents(previous, b, x, b)
            let found = previous.get(&b).is_some_and(|ps| {
                ps.iter().any(|&r| r != b && r != x && (semi_directed(g, r, x) || semi_directed(g, r, b)))
            });
            if found {
                dsep.insert(b);
            }
            for c in adj(g, b) {
                if c == a || c == x || c == y {
                    continue;
                }
                previous.entry(c).or_default().insert(b);
                if is_def_collider(g, a, b, c) || g.adjacent(a, c) {
                    let u = (a, c);
                    if visited.insert(u) {
                        queue.push_back(u);
                    }
                }
            }
        }
        dsep.remove(&x);
        dsep.remove(&y);
        let mut out: Vec<usize> = dsep.into_iter().collect();
        out.sort_by(|&u, &v| self.names[v].cmp(&self.names[u]));
        out
    }

    /// causal-learn's `removeByPossibleDsep`: its edges in order, each tested
    /// against the graph the removals before it left (in parallel by speculation
    /// on a pool; see [`crate::speculate`]).
    pub(super) fn remove_by_possible_dsep(&mut self, g: &mut Graph, pool: Option<&rayon::ThreadPool>) -> Result<usize> {
        // The edge list of get_graph_edges: pairs i < j, flipped when the edge reads i <-o j or i <-- j.
        let mut edges = Vec::new();
        for i in 0..g.n_nodes() {
            for j in i + 1..g.n_nodes() {
                if !g.adjacent(i, j) {
                    continue;
                }
                let (mi, mj) = (end(g, j, i), end(g, i, j));
                if mi == Some(Mark::Arrow) && matches!(mj, Some(Mark::Tail | Mark::Circle)) {
                    edges.push((j, i));
                } else {
                    edges.push((i, j));
                }
            }
        }
        let mut removed = 0;
        let mut state = (self, g);
        crate::speculate::in_order(
            pool,
            &mut state,
            edges.len(),
            |(cl, g), i, scratch| cl.edge_trial(g, edges[i], scratch),
            |(cl, g), i, trial| {
                let (a, b) = edges[i];
                cl.absorb(trial.tests, true);
                let set = trial.outcome?;
                if let Some(s) = set {
                    g.remove_edge(a, b);
                    cl.seps.insert((a, b), s);
                    removed += 1;
                    return Ok(true);
                }
                Ok(false)
            },
            |(cl, _), trial| cl.absorb(trial.tests, false),
        )?;
        Ok(removed)
    }

    /// Tests one edge `(a, b)` of the Possible-D-Sep step against `g`: from `a`,
    /// then from `b`, the aliased subsets of its Possible-D-Sep, until one separates.
    fn edge_trial(&self, g: &Graph, (a, b): (usize, usize), scratch: &mut Scratch) -> EdgeTrial {
        let mut trial = EdgeTrial { tests: Vec::new(), outcome: Ok(None) };
        let mut local: TestMap<f64> = TestMap::default();
        for (from, to) in [(a, b), (b, a)] {
            if !g.adjacent(a, b) {
                break;
            }
            let pds = self.possible_dsep(g, from, to);
            // Every test of this edge stays within a, b and its Possible-D-Sep:
            // where they are many (some 2^|pds|), the test is focused on those
            // variables before the first.
            let mut focused = pds.len() < super::FOCUS_FROM;
            for choice in aliased_subsets(pds.len()) {
                let s: Vec<usize> = choice.iter().map(|&k| pds[k]).collect();
                if s.iter().all(|&v| g.adjacent(a, v)) || s.iter().all(|&v| g.adjacent(b, v)) {
                    continue;
                }
                let key = test_key(a, b, &s);
                let p = match self.cache.get(&key).map(|c| &c.0).or_else(|| local.get(&key)) {
                    Some(&p) => p,
                    None => {
                        if !focused {
                            let mut vars: Vec<usize> = pds.iter().copied().chain([a, b]).collect();
                            vars.sort_unstable();
                            self.test.focus(&vars, scratch);
                            focused = true;
                        }
                        match self.test.p_value(a, b, &s, scratch) {
                            Ok(p) => {
                                local.insert(key.clone(), p);
                                p
                            }
                            Err(e) => {
                                trial.outcome = Err(e.into());
                                self.test.focus(&[], scratch);
                                return trial;
                            }
                        }
                    }
                };
                trial.tests.push((key, p));
                if p > self.alpha {
                    trial.outcome = Ok(Some(s));
                    self.test.focus(&[], scratch);
                    return trial;
                }
            }
            self.test.focus(&[], scratch);
        }
        trial
    }

    /// Keeps a trial's p-values; `counted`: the trial is one a sequential run
    /// makes, so its tests not made before count (as causal-learn's cache counts them).
    fn absorb(&mut self, tests: Vec<(TestKey, f64)>, counted: bool) {
        for (key, p) in tests {
            let (_, made) = self.cache.entry(key).or_insert((p, false));
            if counted && !*made {
                *made = true;
                self.n_tests += 1;
            }
        }
    }

    /// The orientation loop of causal-learn's `fci`.
    pub(super) fn orient(&mut self, g: &mut Graph) -> Result<()> {
        let mut first_time = true;
        let bk_clause = false; // needs explicit forbidden, required and tier knowledge at once; kausa's knowledge never sets it
        loop {
            let mut change = self.r1_r2(g);
            change |= self.r3(g);
            if change || (first_time && bk_clause) {
                change = self.r4(g, change)?;
                first_time = false;
            }
            change |= self.r5(g);
            change |= r6(g);
            change |= r7(g);
            change |= r8(g);
            change |= self.r9(g);
            change |= r10(g);
            if !change {
                break;
            }
        }
        Ok(())
    }

    fn r1_r2(&self, g: &mut Graph) -> bool {
        let mut change = false;
        for b in 0..g.n_nodes() {
            let nb = adj(g, b);
            for i in 0..nb.len() {
                for j in i + 1..nb.len() {
                    let (a, c) = (nb[i], nb[j]);
                    change |= self.r1(g, a, b, c);
                    change |= self.r1(g, c, b, a);
                    change |= self.r2(g, a, b, c);
                    change |= self.r2(g, c, b, a);
                }
            }
        }
        change
    }

    fn r1(&self, g: &mut Graph, a: usize, b: usize, c: usize) -> bool {
        if g.adjacent(a, c) {
            return false;
        }
        if end(g, a, b) == Some(Mark::Arrow) && end(g, c, b) == Some(Mark::Circle) {
            if !self.arrow_allowed(g, b, c) {
                return false;
            }
            g.set_end(b, c, Mark::Arrow);
            g.set_end(c, b, Mark::Tail);
            return true;
        }
        false
    }

    fn r2(&self, g: &mut Graph, a: usize, b: usize, c: usize) -> bool {
        if g.adjacent(a, c)
            && end(g, a, c) == Some(Mark::Circle)
            && end(g, a, b) == Some(Mark::Arrow)
            && end(g, b, c) == Some(Mark::Arrow)
            && (end(g, b, a) == Some(Mark::Tail) || end(g, c, b) == Some(Mark::Tail))
        {
            if !self.arrow_allowed(g, a, c) {
                return false;
            }
            g.set_end(a, c, Mark::Arrow);
            return true;
        }
        false
    }

    fn r3(&self, g: &mut Graph) -> bool {
        let mut change = false;
        for b in 0..g.n_nodes() {
            let arrows = nodes_into(g, b, Mark::Arrow);
            let circles = nodes_into(g, b, Mark::Circle);
            for &d in &circles {
                if arrows.len() < 2 {
                    continue;
                }
                for i in 0..arrows.len() {
                    for j in i + 1..arrows.len() {
                        let (a, c) = (arrows[i], arrows[j]);
                        if g.adjacent(a, c) || !g.adjacent(a, d) || !g.adjacent(c, d) {
                            continue;
                        }
                        if !self.seps.get(&(a, c)).is_some_and(|s| s.contains(&d)) {
                            continue;
                        }
                        if end(g, a, d) != Some(Mark::Circle) || end(g, c, d) != Some(Mark::Circle) {
                            continue;
                        }
                        if !self.arrow_allowed(g, d, b) {
                            continue;
                        }
                        g.set_end(d, b, Mark::Arrow);
                        change = true;
                    }
                }
            }
        }
        change
    }

    fn r4(&mut self, g: &mut Graph, mut change: bool) -> Result<bool> {
        for b in 0..g.n_nodes() {
            let poss_a: Vec<usize> =
                (0..g.n_nodes()).filter(|&j| j != b && end(g, b, j) == Some(Mark::Arrow)).collect();
            let poss_c = nodes_into(g, b, Mark::Circle);
            for &a in &poss_a {
                for &c in &poss_c {
                    if !is_parent_of(g, a, c) || end(g, b, c) != Some(Mark::Arrow) {
                        continue;
                    }
                    if self.ddp_orient(g, a, b, c)? {
                        change = true;
                    }
                }
            }
        }
        Ok(change)
    }

    /// `ddpOrient`: breadth-first search back from `a` for a discriminating path.
    fn ddp_orient(&mut self, g: &mut Graph, a: usize, b: usize, c: usize) -> Result<bool> {
        let c_parents: Vec<usize> = (0..g.n_nodes()).filter(|&i| is_parent_of(g, i, c)).collect();
        let mut queue = VecDeque::from([a]);
        let mut visited: HashSet<usize> = HashSet::from([a, b]);
        let mut previous: HashMap<usize, usize> = HashMap::from([(a, b)]);
        while let Some(t) = queue.pop_front() {
            for d in nodes_into(g, t, Mark::Arrow) {
                if visited.contains(&d) {
                    continue;
                }
                previous.insert(d, t);
                let p = previous[&t];
                if !is_def_collider(g, d, t, p) {
                    continue;
                }
                if !g.adjacent(d, c) && d != c && self.ddp_orientation(g, d, a, b, c, &previous)? {
                    return Ok(true);
                }
                if c_parents.contains(&d) {
                    queue.push_back(d);
                    visited.insert(d);
                }
            }
        }
        Ok(false)
    }

    /// `doDdpOrientation`: two new tests, then the separating set, decide tail or collider at `b`.
    fn ddp_orientation(
        &mut self,
        g: &mut Graph,
        d: usize,
        a: usize,
        b: usize,
        c: usize,
        previous: &HashMap<usize, usize>,
    ) -> Result<bool> {
        let mut path = Vec::new();
        let mut node = previous.get(&d).copied();
        while let Some(v) = node {
            path.push(v);
            node = previous.get(&v).copied();
        }
        let mut ind = self.independent(d, c, &path)?;
        let path2: Vec<usize> = path.iter().copied().filter(|&v| v != b).collect();
        let ind2 = self.independent(d, c, &path2)?;
        if !ind && !ind2 {
            let Some(sep) = self.seps.get(&(d, c)) else { return Ok(false) };
            ind = sep.contains(&b);
        }
        if ind {
            g.set_end(c, b, Mark::Tail);
            return Ok(true);
        }
        if !self.arrow_allowed(g, a, b) || !self.arrow_allowed(g, c, b) {
            return Ok(false);
        }
        g.set_end(a, b, Mark::Arrow);
        g.set_end(c, b, Mark::Arrow);
        Ok(true)
    }

    fn r5(&self, g: &mut Graph) -> bool {
        let mut change = false;
        for b in 0..g.n_nodes() {
            let circles = nodes_into(g, b, Mark::Circle);
            for a in circles {
                if end(g, b, a) != Some(Mark::Circle) {
                    continue;
                }
                let oo = |v: usize, g: &Graph| -> Vec<usize> {
                    adj(g, v)
                        .into_iter()
                        .filter(|&u| {
                            u != a && u != b && end(g, u, v) == Some(Mark::Circle) && end(g, v, u) == Some(Mark::Circle)
                        })
                        .collect()
                };
                let (cs, ds) = (oo(a, g), oo(b, g));
                let mut found: Vec<(usize, usize)> = Vec::new();
                for &c in &cs {
                    if g.adjacent(b, c) {
                        continue;
                    }
                    for &d in &ds {
                        if g.adjacent(a, d) {
                            continue;
                        }
                        found.push((c, d));
                    }
                }
                // The generators run lazily on the graph as it is when they are consumed.
                for (c, d) in found {
                    for path in uncovered_circle_paths(g, c, d, [a, b]) {
                        change = true;
                        g.set_edge(a, b, EdgeType::Undirected);
                        g.set_edge(a, path[0], EdgeType::Undirected);
                        g.set_edge(b, path[path.len() - 1], EdgeType::Undirected);
                        for w in path.windows(2) {
                            g.set_edge(w[0], w[1], EdgeType::Undirected);
                        }
                    }
                }
            }
        }
        change
    }

    fn r9(&self, g: &mut Graph) -> bool {
        let mut change = false;
        for c in 0..g.n_nodes() {
            for a in nodes_into(g, c, Mark::Arrow) {
                if end(g, c, a) != Some(Mark::Circle) {
                    continue;
                }
                // Possible children of a: adjacent, no arrowhead at a (a Python set; only existence matters).
                let kids: Vec<usize> =
                    adj(g, a).into_iter().filter(|&v| v != c && end(g, v, a) != Some(Mark::Arrow)).collect();
                for bb in kids {
                    if g.adjacent(bb, c) {
                        continue;
                    }
                    let fires = match self.r9 {
                        R9::Uncovered => uncovered_pd_path(g, a, bb, c),
                        R9::Legacy => semi_directed(g, bb, c),
                    };
                    if fires {
                        g.set_edge(a, c, EdgeType::Directed);
                        change = true;
                        break;
                    }
                }
            }
        }
        change
    }
}

fn r6(g: &mut Graph) -> bool {
    let mut change = false;
    for b in 0..g.n_nodes() {
        let tails = nodes_into(g, b, Mark::Tail);
        if !tails.iter().any(|&a| end(g, b, a) == Some(Mark::Tail)) {
            continue;
        }
        for c in nodes_into(g, b, Mark::Circle) {
            g.set_end(c, b, Mark::Tail);
            change = true;
        }
    }
    change
}

fn r7(g: &mut Graph) -> bool {
    let mut change = false;
    for b in 0..g.n_nodes() {
        let circles = nodes_into(g, b, Mark::Circle);
        let a_list: Vec<usize> = circles.iter().copied().filter(|&a| end(g, b, a) == Some(Mark::Tail)).collect();
        for &c in &circles {
            for &a in &a_list {
                if a != c && !g.adjacent(a, c) {
                    g.set_end(c, b, Mark::Tail);
                    change = true;
                }
            }
        }
    }
    change
}

fn r8(g: &mut Graph) -> bool {
    let mut change = false;
    for b in 0..g.n_nodes() {
        let nb = adj(g, b);
        for i in 0..nb.len() {
            for j in i + 1..nb.len() {
                let (a, c) = (nb[i], nb[j]);
                let chain = (end(g, a, b) == Some(Mark::Arrow) || end(g, a, b) == Some(Mark::Circle))
                    && end(g, b, a) == Some(Mark::Tail)
                    && end(g, b, c) == Some(Mark::Arrow)
                    && end(g, c, b) == Some(Mark::Tail);
                if chain && g.adjacent(a, c) && end(g, a, c) == Some(Mark::Arrow) && end(g, c, a) == Some(Mark::Circle)
                {
                    g.set_edge(a, c, EdgeType::Directed);
                    change = true;
                }
            }
        }
    }
    change
}

fn r10(g: &mut Graph) -> bool {
    let mut change = false;
    for c in 0..g.n_nodes() {
        let into = nodes_into(g, c, Mark::Arrow);
        if into.len() < 2 {
            continue;
        }
        let a_nodes: Vec<usize> = into.iter().copied().filter(|&a| end(g, c, a) == Some(Mark::Circle)).collect();
        for a in a_nodes {
            let kids: Vec<usize> =
                adj(g, a).into_iter().filter(|&v| v != c && end(g, v, a) != Some(Mark::Arrow)).collect();
            if kids.len() < 2 {
                continue;
            }
            for i in 0..into.len() {
                for j in i + 1..into.len() {
                    let (b, d) = (into[i], into[j]);
                    if end(g, c, b) != Some(Mark::Tail) || end(g, c, d) != Some(Mark::Tail) {
                        continue;
                    }
                    'kids: for k1 in 0..kids.len() {
                        for k2 in k1 + 1..kids.len() {
                            let (one, two) = (kids[k1], kids[k2]);
                            if !semi_directed(g, one, b) || !semi_directed(g, two, d) {
                                continue;
                            }
                            if !g.adjacent(one, two) {
                                g.set_edge(a, c, EdgeType::Directed);
                                change = true;
                                break 'kids;
                            }
                        }
                    }
                }
            }
        }
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aliased_subset_sequence_matches_causal_learn() {
        assert_eq!(aliased_subsets(2), vec![vec![0, 1]]);
        assert_eq!(aliased_subsets(3), vec![vec![0, 2], vec![1, 2], vec![1, 2], vec![0, 1, 2]]);
        assert_eq!(
            aliased_subsets(4),
            vec![
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3],
                vec![2, 3],
                vec![0, 1, 3],
                vec![0, 2, 3],
                vec![1, 2, 3],
                vec![1, 2, 3],
                vec![0, 1, 2, 3]
            ]
        );
        assert!(aliased_subsets(1).is_empty());
    }
}
