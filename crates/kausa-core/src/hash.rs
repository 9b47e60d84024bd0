//! A fast hash for keys kausa makes itself: variable indices, test keys,
//! mixed-radix row keys. Those come from the data and the algorithm, never from
//! an adversary, so a keyed hash's defence against chosen collisions buys
//! nothing, while SipHash cost several per cent of the tests that look them up.

use std::hash::{BuildHasherDefault, Hasher};

/// [`WordHasher`] for `HashMap` and `HashSet`.
pub type WordHash = BuildHasherDefault<WordHasher>;

/// Hashes machine words, each mixed in by a folded multiply (the high and low
/// halves of a 128-bit product xor-ed), and the state by another at the end, so
/// that every input bit reaches the low bits a hash table indexes by.
#[derive(Clone, Copy)]
pub struct WordHasher(u64);

impl Default for WordHasher {
    fn default() -> WordHasher {
        // Not zero, so that a zero word does not leave the state at zero.
        WordHasher(0x243f_6a88_85a3_08d3)
    }
}

/// The high and low halves of `a · b` xor-ed.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = folded_multiply(self.0 ^ word, 0x9e37_79b9_7f4a_7c15);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        // One more round, so that the last word is mixed as well as the others.
        folded_multiply(self.0, 0xd6e8_feb8_6659_fd93)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            self.add(u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let mut tail = [0u8; 8];
        tail[..words.remainder().len()].copy_from_slice(words.remainder());
        // The length too, so that trailing zero bytes still tell inputs apart.
        self.add(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u64(&mut self, k: u64) {
        self.add(k);
    }

    fn write_usize(&mut self, k: usize) {
        self.add(k as u64);
    }

    fn write_u128(&mut self, k: u128) {
        self.add(k as u64);
        self.add((k >> 64) as u64);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn close_keys_spread_over_the_low_bits() {
        // A table of 4,096 buckets indexes by the low 12 bits of the hash: keys
        // that differ only in their high bits (mixed-radix keys whose fast-varying
        // variable is constant) must still land in many of them (about 63% of
        // 4,096 for a random function). A plain multiply, which moves bits only
        // upwards, would put them all in one.
        let h = WordHash::default();
        let low = |k: u64| h.hash_one(k) & 0xfff;
        let buckets: HashSet<u64> = (0..4096u64).map(|k| low(k << 40)).collect();
        assert!(buckets.len() > 2400, "{} of 4,096 buckets", buckets.len());
        let wide: HashSet<u64> = (0..4096u128).map(|k| h.hash_one(k << 64) & 0xfff).collect();
        assert!(wide.len() > 2400, "high words: {} of 4,096 buckets", wide.len());
        let tests: HashSet<u64> =
            (0..64usize).flat_map(|x| (0..64usize).map(move |y| (x, y, vec![x ^ y]))).map(|k| h.hash_one(k)).collect();
        assert_eq!(tests.len(), 64 * 64, "test keys collide");
        assert_ne!(h.hash_one(vec![0usize]), h.hash_one(vec![0usize, 0]));
        assert_ne!(h.hash_one([0u8; 3].as_slice()), h.hash_one([0u8; 4].as_slice()));
    }
}
