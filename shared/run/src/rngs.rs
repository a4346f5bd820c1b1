//! Seeded random streams, one per purpose.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One random stream per purpose, all from one seed: drawing one more initial weight never
/// changes the shuffle order, so changing a model's size leaves the data order alone.
///
/// ChaCha8 is pinned on purpose: `rand`'s `StdRng` may change algorithm between releases,
/// and then the same seed would stop giving the same numbers.
#[derive(Debug, Clone)]
pub struct Rngs {
    /// Weight initialisation.
    pub init: ChaCha8Rng,
    /// Shuffling and data splits.
    pub shuffle: ChaCha8Rng,
    /// Everything else that is random during training: dropout, augmentation, sampling.
    pub noise: ChaCha8Rng,
}

impl Rngs {
    /// The three streams of `seed`.
    pub fn new(seed: u64) -> Self {
        let stream = |id: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(id);
            rng
        };
        Self {
            init: stream(0),
            shuffle: stream(1),
            noise: stream(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn the_same_seed_gives_the_same_streams_and_the_streams_differ() {
        let mut a = Rngs::new(7);
        let mut b = Rngs::new(7);
        let draws = |r: &mut ChaCha8Rng| (0..4).map(|_| r.random::<u32>()).collect::<Vec<_>>();
        let (ai, bi) = (draws(&mut a.init), draws(&mut b.init));
        assert_eq!(ai, bi);
        assert_ne!(ai, draws(&mut a.shuffle));
        assert_ne!(draws(&mut a.noise), draws(&mut Rngs::new(8).noise));
    }
}
