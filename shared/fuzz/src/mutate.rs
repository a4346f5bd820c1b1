//! Byte-level mutations, as AFL's "havoc" stage makes them: a few random edits stacked on
//! one seed, each a kind of damage a real file suffers (a flipped bit, a cut-off end, a
//! block copied twice) or a number chosen to sit on an edge (0, 1, 2^31, 2^32 - 1...).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// 32-bit values on the edges parsers get wrong: zero, one, powers of two and their
/// neighbours, the largest signed and unsigned values, and the sizes of MNIST.
pub const INTERESTING_U32: [u32; 26] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    16,
    28,
    127,
    128,
    255,
    256,
    1000,
    2049,
    2051,
    10_000,
    60_000,
    65_535,
    65_536,
    1_000_000_000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    0x0001_0000,
];

/// Bytes that mean something in the formats fuzzed here: zero, all ones, the sign bit,
/// and the separators of CSV and text.
const INTERESTING_BYTES: [u8; 10] = [0, 0xff, 0x7f, 0x80, b'\n', b'\r', b',', b'"', b' ', b'.'];

/// No input grows past this many bytes beyond its seed: a parser's speed on huge inputs is
/// not what is being tested, and small inputs keep the fuzzer fast.
const MAX_GROWTH: usize = 4096;

/// An edge value: mostly from [`INTERESTING_U32`], sometimes a random one.
pub fn interesting_u32(rng: &mut ChaCha8Rng) -> u32 {
    if rng.random_bool(0.8) {
        INTERESTING_U32[rng.random_range(0..INTERESTING_U32.len())]
    } else {
        rng.random()
    }
}

/// A random position in `0..=len`.
fn position(rng: &mut ChaCha8Rng, len: usize) -> usize {
    rng.random_range(0..=len)
}

/// Applies one to four random edits to `data`; `others` are the other seeds, for splicing.
pub fn havoc(data: &mut Vec<u8>, rng: &mut ChaCha8Rng, others: &[Vec<u8>]) {
    let limit = data.len() + MAX_GROWTH;
    for _ in 0..rng.random_range(1..=4) {
        edit(data, rng, others);
        data.truncate(limit);
    }
}

/// One random edit.
fn edit(data: &mut Vec<u8>, rng: &mut ChaCha8Rng, others: &[Vec<u8>]) {
    let len = data.len();
    match rng.random_range(0..11) {
        // Flip one bit.
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] ^= 1 << rng.random_range(0..8);
        }
        // Set a byte to an interesting or random value.
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] = if rng.random_bool(0.5) {
                INTERESTING_BYTES[rng.random_range(0..INTERESTING_BYTES.len())]
            } else {
                rng.random()
            };
        }
        // Add or subtract a little.
        2 if len > 0 => {
            let i = rng.random_range(0..len);
            let delta = rng.random_range(1..=35u8);
            data[i] = if rng.random_bool(0.5) {
                data[i].wrapping_add(delta)
            } else {
                data[i].wrapping_sub(delta)
            };
        }
        // Cut the end off, as an interrupted copy does.
        3 => data.truncate(position(rng, len)),
        // Insert random bytes.
        4 => {
            let at = position(rng, len);
            let n = rng.random_range(1..=16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            data.splice(at..at, bytes);
        }
        // Delete a range.
        5 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = (start + rng.random_range(1..=64)).min(len);
            data.drain(start..end);
        }
        // Copy a range somewhere else (a block written twice).
        6 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = (start + rng.random_range(1..=256)).min(len);
            let block = data[start..end].to_vec();
            let at = position(rng, len);
            data.splice(at..at, block);
        }
        // Splice with another seed: its tail after our head, or a chunk of it inside.
        7 if !others.is_empty() => {
            let other = &others[rng.random_range(0..others.len())];
            let from = position(rng, other.len());
            if rng.random_bool(0.5) {
                data.truncate(position(rng, len));
                data.extend_from_slice(&other[from..]);
            } else {
                let end = (from + rng.random_range(1..=512)).min(other.len());
                let at = position(rng, len);
                data.splice(at..at, other[from..end].iter().copied());
            }
        }
        // Overwrite four bytes with an interesting number, big- or little-endian.
        8 if len >= 4 => {
            let i = rng.random_range(0..=len - 4);
            let value = interesting_u32(rng);
            let bytes = if rng.random_bool(0.5) {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            };
            data[i..i + 4].copy_from_slice(&bytes);
        }
        // Overwrite eight bytes with a little-endian u64 (safetensors' header length).
        9 if len >= 8 => {
            let i = rng.random_range(0..=len - 8);
            let value = match rng.random_range(0..4) {
                0 => u64::from(interesting_u32(rng)),
                1 => u64::MAX - u64::from(rng.random_range(0..4u8)),
                2 => 1 << rng.random_range(0..64),
                _ => rng.random(),
            };
            data[i..i + 8].copy_from_slice(&value.to_le_bytes());
        }
        // Swap two bytes.
        10 if len >= 2 => {
            let (i, j) = (rng.random_range(0..len), rng.random_range(0..len));
            data.swap(i, j);
        }
        _ => data.push(rng.random()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn havoc_changes_inputs_and_keeps_them_small() {
        let seed = b"sepal_length,species\n5.1,setosa\n".to_vec();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut changed = 0;
        for _ in 0..1000 {
            let mut data = seed.clone();
            havoc(&mut data, &mut rng, std::slice::from_ref(&seed));
            changed += usize::from(data != seed);
            assert!(data.len() <= seed.len() + MAX_GROWTH);
        }
        assert!(
            changed > 950,
            "only {changed} of 1000 inputs differ from the seed"
        );
    }
}
