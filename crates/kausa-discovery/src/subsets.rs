//! Subsets in lexicographic order, the visiting order every reference algorithm uses.

/// Advances `idx` (a `k`-combination of `0..n`, ascending) to the next combination in
/// lexicographic order; returns `false`, leaving `idx` unchanged, after the last one.
pub(crate) fn next_combination(idx: &mut [usize], n: usize) -> bool {
    let k = idx.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if idx[i] < i + n - k {
            idx[i] += 1;
            for j in i + 1..k {
                idx[j] = idx[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// Every `k`-combination of `0..n` in lexicographic order (one empty combination for `k = 0`).
pub(crate) fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    if k > n {
        return Vec::new();
    }
    let mut idx: Vec<usize> = (0..k).collect();
    let mut out = vec![idx.clone()];
    while next_combination(&mut idx, n) {
        out.push(idx.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicographic_combinations() {
        assert_eq!(combinations(4, 2), vec![vec![0, 1], vec![0, 2], vec![0, 3], vec![1, 2], vec![1, 3], vec![2, 3]]);
        assert_eq!(combinations(3, 0), vec![Vec::<usize>::new()]);
        assert!(combinations(2, 3).is_empty());
        assert_eq!(combinations(3, 3), vec![vec![0, 1, 2]]);
    }
}
