/// The random number generator of kausa: xoshiro256++ seeded through splitmix64.
///
/// kausa carries its own generator instead of depending on a crate whose stream
/// may change between versions: a recorded seed must reproduce the same numbers
/// in every future version.
/// The generator is named in the audit record as `xoshiro256++/splitmix64`.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The name recorded with every seed.
    pub const NAME: &'static str = "xoshiro256++/splitmix64";

    /// A generator whose whole stream is determined by `seed`.
    pub fn seed_from_u64(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng { s: [next(), next(), next(), next()] }
    }

    /// An independent stream for task `index` of a computation seeded with `seed`.
    ///
    /// Parallel Monte Carlo gives each task its own stream, so results do not
    /// depend on how tasks are scheduled.
    pub fn stream(seed: u64, index: u64) -> Rng {
        Rng::seed_from_u64(seed ^ index.wrapping_mul(0xd134_2543_de82_ef95).rotate_left(17))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = (self.s[0].wrapping_add(self.s[3])).rotate_left(23).wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform draw from `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform draw from `[lo, hi)`.
    pub fn uniform_in(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// A uniform integer in `0..n` (`n > 0`), without bias, by Lemire's
    /// multiply-and-shift (a division only on the rare rejection path): a
    /// faster stream than [`Rng::below`], not the same one.
    pub fn index(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::index(0)");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// A standard normal draw (Marsaglia's polar method).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Fills `out` with standard normal draws, both of each polar-method pair
    /// (half the work of calling [`Rng::normal`] per value; a different stream).
    pub fn fill_normal(&mut self, out: &mut [f64]) {
        let mut i = 0;
        while i < out.len() {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                out[i] = u * f;
                if i + 1 < out.len() {
                    out[i + 1] = v * f;
                }
                i += 2;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates with [`Rng::index`]: faster than
    /// [`Rng::shuffle`], a different stream).
    pub fn permute<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_normal_and_permute() {
        let mut rng = Rng::seed_from_u64(2);
        let mut v = vec![0.0; 100_001];
        rng.fill_normal(&mut v);
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64;
        assert!(m.abs() < 0.015 && (var - 1.0).abs() < 0.02, "{m} {var}");
        let mut p: Vec<usize> = (0..1000).collect();
        rng.permute(&mut p);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(p, sorted);
    }

    #[test]
    fn index_is_uniform() {
        let mut rng = Rng::seed_from_u64(8);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[rng.index(7) as usize] += 1;
        }
        // Each cell ~ Binomial(70000, 1/7): mean 10000, sd 92.6; allow 5 sd.
        assert!(counts.iter().all(|&c| (9_537..=10_463).contains(&c)), "{counts:?}");
        assert!((0..1000).all(|_| rng.index(1) == 0));
    }

    #[test]
    fn stream_is_fixed_by_seed() {
        let a: Vec<u64> = {
            let mut r = Rng::seed_from_u64(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::seed_from_u64(7);
        let b: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(a, b);
        let mut other = Rng::seed_from_u64(8);
        assert_ne!(a[0], other.next_u64());
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut r = Rng::seed_from_u64(1);
        let n = 200_000;
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let z = r.normal();
            s1 += z;
            s2 += z * z;
        }
        let mean = s1 / n as f64;
        let var = s2 / n as f64 - mean * mean;
        // Standard errors are 1/sqrt(n) ≈ 0.0022 for the mean and ≈ 0.0032 for the variance.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
        let u: f64 = (0..n).map(|_| r.uniform()).sum::<f64>() / n as f64;
        assert!((u - 0.5).abs() < 0.005, "uniform mean {u}");
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::seed_from_u64(3);
        let mut seen = [0usize; 5];
        for _ in 0..10_000 {
            seen[r.below(5) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 1800 && c < 2200), "{seen:?}");
    }
}
