use std::collections::BTreeSet;

/// Background knowledge: what an expert already knows about the causal structure.
///
/// - *tiers*: variables in a later tier cannot cause variables in an earlier one
///   (time order: machine settings before sensor readings before quality checks);
/// - *required* edges `a → b`: kept in the skeleton whatever the tests say, and oriented;
/// - *forbidden* edges `a → b`: never in the output; forbidding both directions
///   removes the adjacency before any test.
///
/// Adjacencies removed by knowledge have no separating set, so they are never used
/// as evidence for a v-structure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Knowledge {
    tier: Vec<Option<usize>>,
    required: BTreeSet<(usize, usize)>,
    forbidden: BTreeSet<(usize, usize)>,
}

/// Background knowledge that contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnowledgeError {
    /// An edge is both required and forbidden.
    #[error("edge {0} -> {1} is both required and forbidden")]
    RequiredAndForbidden(usize, usize),
    /// Both directions of an edge are required.
    #[error("edges {0} -> {1} and {1} -> {0} are both required")]
    RequiredBothWays(usize, usize),
    /// A required edge goes from a later tier to an earlier one.
    #[error("required edge {0} -> {1} goes from tier {2} back to tier {3}")]
    RequiredAgainstTiers(usize, usize, usize, usize),
    /// The required edges form a directed cycle.
    #[error("the required edges form a cycle through {0:?}")]
    RequiredCycle(Vec<usize>),
    /// A variable index is out of range.
    #[error("variable {0} is out of range")]
    OutOfRange(usize),
}

impl Knowledge {
    /// No knowledge about `p` variables.
    pub fn new(p: usize) -> Knowledge {
        Knowledge { tier: vec![None; p], ..Knowledge::default() }
    }

    /// Number of variables.
    pub fn n_vars(&self) -> usize {
        self.tier.len()
    }

    /// Puts `v` in tier `t` (tiers are ordered by number).
    pub fn set_tier(&mut self, v: usize, t: usize) {
        self.tier[v] = Some(t);
    }

    /// Requires the edge `a → b`.
    pub fn require(&mut self, a: usize, b: usize) {
        self.required.insert((a, b));
    }

    /// Forbids the edge `a → b`.
    pub fn forbid(&mut self, a: usize, b: usize) {
        self.forbidden.insert((a, b));
    }

    /// True when the knowledge says nothing.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.forbidden.is_empty() && self.tier.iter().all(Option::is_none)
    }

    /// True when `a → b` may not appear: forbidden explicitly or by the tiers.
    pub fn is_forbidden(&self, a: usize, b: usize) -> bool {
        if self.forbidden.contains(&(a, b)) {
            return true;
        }
        matches!((self.tier[a], self.tier[b]), (Some(ta), Some(tb)) if ta > tb)
    }

    /// True when `a → b` is required.
    pub fn is_required(&self, a: usize, b: usize) -> bool {
        self.required.contains(&(a, b))
    }

    /// The required edges.
    pub fn required(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.required.iter().copied()
    }

    /// Checks that the knowledge does not contradict itself.
    pub fn validate(&self) -> Result<(), KnowledgeError> {
        let p = self.tier.len();
        for &(a, b) in self.required.iter().chain(&self.forbidden) {
            for v in [a, b] {
                if v >= p {
                    return Err(KnowledgeError::OutOfRange(v));
                }
            }
        }
        for &(a, b) in &self.required {
            if self.forbidden.contains(&(a, b)) {
                return Err(KnowledgeError::RequiredAndForbidden(a, b));
            }
            if self.required.contains(&(b, a)) {
                return Err(KnowledgeError::RequiredBothWays(a.min(b), a.max(b)));
            }
            if let (Some(ta), Some(tb)) = (self.tier[a], self.tier[b])
                && ta > tb
            {
                return Err(KnowledgeError::RequiredAgainstTiers(a, b, ta, tb));
            }
        }
        // Cycle among required edges: depth-first search with colours.
        let mut children = vec![Vec::new(); p];
        for &(a, b) in &self.required {
            children[a].push(b);
        }
        let mut colour = vec![0u8; p];
        let mut path = Vec::new();
        fn dfs(v: usize, ch: &[Vec<usize>], colour: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
            colour[v] = 1;
            path.push(v);
            for &c in &ch[v] {
                if colour[c] == 1 {
                    let at = path.iter().position(|&u| u == c).unwrap_or(0);
                    return Some(path[at..].to_vec());
                }
                if colour[c] == 0
                    && let Some(cy) = dfs(c, ch, colour, path)
                {
                    return Some(cy);
                }
            }
            path.pop();
            colour[v] = 2;
            None
        }
        for v in 0..p {
            if colour[v] == 0
                && let Some(cycle) = dfs(v, &children, &mut colour, &mut path)
            {
                return Err(KnowledgeError::RequiredCycle(cycle));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contradictions_are_found() {
        let mut k = Knowledge::new(4);
        k.require(0, 1);
        k.forbid(0, 1);
        assert_eq!(k.validate(), Err(KnowledgeError::RequiredAndForbidden(0, 1)));
        let mut k = Knowledge::new(4);
        k.set_tier(0, 1);
        k.set_tier(1, 0);
        k.require(0, 1);
        assert_eq!(k.validate(), Err(KnowledgeError::RequiredAgainstTiers(0, 1, 1, 0)));
        assert!(k.is_forbidden(0, 1) && !k.is_forbidden(1, 0));
        let mut k = Knowledge::new(4);
        k.require(0, 1);
        k.require(1, 2);
        k.require(2, 0);
        assert_eq!(k.validate(), Err(KnowledgeError::RequiredCycle(vec![0, 1, 2])));
        let mut k = Knowledge::new(3);
        k.require(2, 1);
        k.require(1, 2);
        assert_eq!(k.validate(), Err(KnowledgeError::RequiredBothWays(1, 2)));
        let mut ok = Knowledge::new(3);
        ok.require(0, 2);
        ok.forbid(2, 1);
        assert_eq!(ok.validate(), Ok(()));
    }
}
