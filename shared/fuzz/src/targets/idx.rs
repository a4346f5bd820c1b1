//! IDX files, raw and gzipped: `data::idx::parse_images` and `parse_labels`, which every
//! MNIST project reads its four files with.

use super::{gunzip, gzip, outcome, read_data, Outcome, Target};
use crate::mutate::{havoc, interesting_u32};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

pub struct Idx {
    seeds: Vec<Vec<u8>>,
}

/// Images kept from each committed image file for a seed: enough for a real header and
/// real pixels, few enough that an input parses in microseconds.
const IMAGES_PER_SEED: usize = 4;

impl Idx {
    /// Seeds: the first images and labels of MNIST's training and test files, as IDX files
    /// of their own, raw and gzipped (the committed files are 47 MB raw; a fuzzer wants
    /// many small inputs, not a few large ones).
    pub fn new() -> anyhow::Result<Idx> {
        let mut seeds = Vec::new();
        for split in ["train", "t10k"] {
            let images = gunzip(&read_data(&format!("mnist/{split}-images-idx3-ubyte.gz"))?)
                .ok_or_else(|| anyhow::anyhow!("the committed {split} images are not gzip"))?;
            let labels = gunzip(&read_data(&format!("mnist/{split}-labels-idx1-ubyte.gz"))?)
                .ok_or_else(|| anyhow::anyhow!("the committed {split} labels are not gzip"))?;
            let n = IMAGES_PER_SEED as u32;
            let mut head = images[..4].to_vec();
            head.extend(n.to_be_bytes());
            head.extend(&images[8..16]); // rows, cols
            head.extend(&images[16..16 + IMAGES_PER_SEED * 28 * 28]);
            let mut label_head = labels[..4].to_vec();
            label_head.extend(n.to_be_bytes());
            label_head.extend(&labels[8..8 + IMAGES_PER_SEED]);
            seeds.push(gzip(&head));
            seeds.push(head);
            seeds.push(gzip(&label_head));
            seeds.push(label_head);
        }
        Ok(Idx { seeds })
    }
}

/// Sets big-endian word `i` of an IDX header (0: the magic number, then the sizes).
fn set_header_word(raw: &mut [u8], i: usize, value: u32) {
    if let Some(word) = raw.get_mut(4 * i..4 * i + 4) {
        word.copy_from_slice(&value.to_be_bytes());
    }
}

impl Target for Idx {
    fn name(&self) -> &'static str {
        "idx"
    }

    fn describe(&self) -> &'static str {
        "MNIST's IDX files, raw and gzipped (data::idx::parse_images, parse_labels)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let original = &self.seeds[seed];
        let gzipped = original.starts_with(&[0x1f, 0x8b]);
        // Damage the IDX bytes inside a gzip stream, then compress again: damage to the
        // compressed bytes alone would mostly test the gzip decoder.
        let mut raw = match gzipped && rng.random_bool(0.7) {
            true => gunzip(original).unwrap_or_else(|| original.clone()),
            false => original.clone(),
        };
        let recompress = gzipped && raw.as_slice() != original.as_slice();
        match rng.random_range(0..3) {
            // A header field at an edge value: a claim of a billion images, a magic number
            // of another type, a zero size.
            0 => {
                for _ in 0..rng.random_range(1..=2) {
                    let word = rng.random_range(0..4);
                    let value = match rng.random_range(0..3) {
                        0 => [0x801, 0x803, 0x80d, 0x0b03, 0x0803_0000, 0x0804]
                            [rng.random_range(0..6)],
                        _ => interesting_u32(rng),
                    };
                    set_header_word(&mut raw, word, value);
                }
                if rng.random_bool(0.3) {
                    havoc(&mut raw, rng, &self.seeds);
                }
            }
            _ => havoc(&mut raw, rng, &self.seeds),
        }
        if recompress {
            gzip(&raw)
        } else {
            raw
        }
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/input.idx");
        let images = data::idx::parse_images(input, path);
        if let Ok(images) = &images {
            // What the header promised is what came back.
            let (n, rows, cols) = images.dim();
            assert!(n > 0 && rows > 0 && cols > 0, "accepted an empty image set");
        }
        let labels = data::idx::parse_labels(input, path);
        if let Ok(labels) = &labels {
            assert!(!labels.is_empty(), "accepted an empty label file");
        }
        vec![outcome("images", &images), outcome("labels", &labels)]
    }
}
