//! Pictures of digits for `05-cnn predict`: `cnn::digit::digit_from_bytes`, which decodes a
//! PNG or JPEG and turns it into a 28×28 MNIST-style digit.

use super::{outcome, read_data, Outcome, Target};
use crate::mutate::{havoc, interesting_u32};
use image::{DynamicImage, ImageFormat};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::io::{Cursor, Read, Write};
use std::path::Path;

pub struct Digit {
    seeds: Vec<Vec<u8>>,
}

/// Encodes a picture in `format`.
fn encode(picture: &DynamicImage, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Cursor::new(Vec::new());
    picture.write_to(&mut bytes, format)?;
    Ok(bytes.into_inner())
}

impl Digit {
    /// Seeds: MNIST test digits as the pictures a learner would try: 28×28 grayscale PNG and
    /// JPEG, a larger dark-on-light "photo" in colour, one with transparency, one in 16 bits.
    pub fn new() -> anyhow::Result<Digit> {
        let raw = super::gunzip(&read_data("mnist/t10k-images-idx3-ubyte.gz")?)
            .ok_or_else(|| anyhow::anyhow!("the committed test images are not gzip"))?;
        let digit = |i: usize| {
            let pixels = raw[16 + i * 784..16 + (i + 1) * 784].to_vec();
            image::GrayImage::from_raw(28, 28, pixels).expect("784 pixels")
        };
        let gray = DynamicImage::ImageLuma8(digit(0));
        let big = image::imageops::resize(&digit(1), 56, 56, image::imageops::FilterType::Triangle);
        let photo = DynamicImage::ImageRgb8(image::RgbImage::from_fn(56, 56, |x, y| {
            let ink = f32::from(big.get_pixel(x, y).0[0]) / 255.0;
            let v = (220.0 - 190.0 * ink) as u8;
            image::Rgb([v, v, v.saturating_add(10)])
        }));
        let d2 = digit(2);
        let transparent = DynamicImage::ImageRgba8(image::RgbaImage::from_fn(28, 28, |x, y| {
            image::Rgba([0, 0, 0, d2.get_pixel(x, y).0[0]])
        }));
        let deep = DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(28, 28, |x, y| {
            image::Luma([u16::from(digit(3).get_pixel(x, y).0[0]) * 257])
        }));
        Ok(Digit {
            seeds: vec![
                encode(&gray, ImageFormat::Png)?,
                encode(&photo, ImageFormat::Png)?,
                encode(&transparent, ImageFormat::Png)?,
                encode(&deep, ImageFormat::Png)?,
                encode(&gray, ImageFormat::Jpeg)?,
                encode(&photo, ImageFormat::Jpeg)?,
            ],
        })
    }
}

/// A PNG chunk: its type and data (the length and CRC are recomputed when written).
struct Chunk {
    kind: [u8; 4],
    data: Vec<u8>,
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// The chunks of a PNG file, `None` if it does not parse as one.
fn png_chunks(bytes: &[u8]) -> Option<Vec<Chunk>> {
    let mut rest = bytes.strip_prefix(&PNG_SIGNATURE)?;
    let mut chunks = Vec::new();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind: [u8; 4] = rest[4..8].try_into().ok()?;
        let data = rest.get(8..8 + len)?.to_vec();
        chunks.push(Chunk { kind, data });
        rest = &rest[12 + len..];
    }
    Some(chunks)
}

/// A PNG file of `chunks`, each with its length and a correct CRC: damage inside a chunk
/// then reaches the decoder instead of stopping at the checksum.
fn png_bytes(chunks: &[Chunk]) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    for chunk in chunks {
        out.extend((chunk.data.len() as u32).to_be_bytes());
        out.extend(chunk.kind);
        out.extend(&chunk.data);
        let mut crc = flate2::Crc::new();
        crc.update(&chunk.kind);
        crc.update(&chunk.data);
        out.extend(crc.sum().to_be_bytes());
    }
    out
}

/// Damages a PNG knowingly: a field of its header, its pixel rows (inside the compressed
/// stream), or its chunks; the checksums are fixed up afterwards.
fn mutate_png(chunks: &mut Vec<Chunk>, rng: &mut ChaCha8Rng, seeds: &[Vec<u8>]) {
    match rng.random_range(0..4) {
        // IHDR: width, height (u32), bit depth, colour type, compression, filter, interlace.
        0 => {
            if let Some(ihdr) = chunks.iter_mut().find(|c| &c.kind == b"IHDR") {
                if ihdr.data.len() >= 13 {
                    let field = rng.random_range(0..7);
                    if field < 2 {
                        let at = 4 * field;
                        let value = match rng.random_range(0..3) {
                            0 => interesting_u32(rng),
                            1 => rng.random_range(1..=20_000),
                            _ => rng.random_range(1..=64),
                        };
                        ihdr.data[at..at + 4].copy_from_slice(&value.to_be_bytes());
                    } else {
                        let values = [0u8, 1, 2, 3, 4, 6, 7, 8, 16, 255];
                        ihdr.data[6 + field] = values[rng.random_range(0..values.len())];
                    }
                }
            }
        }
        // The pixel rows: decompress every IDAT, damage, compress into one IDAT.
        1 => {
            let compressed: Vec<u8> = chunks
                .iter()
                .filter(|c| &c.kind == b"IDAT")
                .flat_map(|c| c.data.iter().copied())
                .collect();
            let mut rows = Vec::new();
            let _ = flate2::read::ZlibDecoder::new(&compressed[..]).read_to_end(&mut rows);
            havoc(&mut rows, rng, seeds);
            let mut encoder =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(&rows).expect("writing to a Vec");
            let data = encoder.finish().expect("writing to a Vec");
            let first = chunks.iter().position(|c| &c.kind == b"IDAT");
            chunks.retain(|c| &c.kind != b"IDAT");
            let at = first.unwrap_or(chunks.len().saturating_sub(1));
            chunks.insert(
                at.min(chunks.len()),
                Chunk {
                    kind: *b"IDAT",
                    data,
                },
            );
        }
        // A chunk's data, damaged.
        2 if !chunks.is_empty() => {
            let i = rng.random_range(0..chunks.len());
            havoc(&mut chunks[i].data, rng, seeds);
        }
        // A chunk dropped, doubled or moved.
        _ if !chunks.is_empty() => {
            let i = rng.random_range(0..chunks.len());
            match rng.random_range(0..3) {
                0 => {
                    chunks.remove(i);
                }
                1 => {
                    let copy = Chunk {
                        kind: chunks[i].kind,
                        data: chunks[i].data.clone(),
                    };
                    chunks.insert(rng.random_range(0..=chunks.len()), copy);
                }
                _ => {
                    let j = rng.random_range(0..chunks.len());
                    chunks.swap(i, j);
                }
            }
        }
        _ => {}
    }
}

/// Damages a JPEG knowingly: the size and components in its frame header, or a byte inside
/// one of its marker segments (tables, scan header).
fn mutate_jpeg(data: &mut [u8], rng: &mut ChaCha8Rng) {
    // Marker segments: 0xFF, a marker byte, a two-byte length (standalone markers aside).
    let markers: Vec<usize> = (0..data.len().saturating_sub(4))
        .filter(|&i| data[i] == 0xff && (0xc0..=0xfe).contains(&data[i + 1]))
        .filter(|&i| !(0xd0..=0xd9).contains(&data[i + 1]))
        .collect();
    if markers.is_empty() {
        return;
    }
    let at = markers[rng.random_range(0..markers.len())];
    let len = usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
    let is_frame = matches!(data[at + 1], 0xc0..=0xc2);
    if is_frame && at + 10 <= data.len() && rng.random_bool(0.7) {
        // precision (1 byte), height, width (2 bytes each), components (1 byte)
        match rng.random_range(0..4) {
            0 => data[at + 4] = [0u8, 1, 8, 12, 16, 255][rng.random_range(0..6)],
            1 | 2 => {
                let field = at + 5 + 2 * rng.random_range(0..2);
                let value: u16 = match rng.random_range(0..3) {
                    0 => [0, 1, 2, 7, 8, 9, 16, 17, 4096, 10_001, 65_535][rng.random_range(0..11)],
                    1 => rng.random_range(1..=20_000),
                    _ => rng.random(),
                };
                data[field..field + 2].copy_from_slice(&value.to_be_bytes());
            }
            _ => data[at + 9] = [0u8, 1, 2, 3, 4, 5, 255][rng.random_range(0..7)],
        }
    } else if len >= 2 {
        let end = (at + 2 + len).min(data.len());
        let i = rng.random_range(at + 2..end.max(at + 3).min(data.len()));
        data[i] = rng.random();
    }
}

impl Target for Digit {
    fn name(&self) -> &'static str {
        "digit"
    }

    fn describe(&self) -> &'static str {
        "pictures for 05-cnn predict, PNG and JPEG (cnn::digit::digit_from_bytes)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let mut data = self.seeds[seed].clone();
        if rng.random_bool(0.6) {
            if let Some(mut chunks) = png_chunks(&data) {
                for _ in 0..rng.random_range(1..=2) {
                    mutate_png(&mut chunks, rng, &self.seeds);
                }
                return png_bytes(&chunks);
            }
            if data.starts_with(&[0xff, 0xd8]) {
                for _ in 0..rng.random_range(1..=3) {
                    mutate_jpeg(&mut data, rng);
                }
                return data;
            }
        }
        havoc(&mut data, rng, &self.seeds);
        data
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let digit = cnn::digit::digit_from_bytes(input, Path::new("fuzz/input.png"), (28, 28));
        if let Ok(d) = &digit {
            assert_eq!(d.dim(), (28, 28), "a digit of the wrong size");
            assert!(
                d.iter().all(|v| (0.0..=1.0).contains(v)),
                "a pixel outside [0, 1]"
            );
        }
        vec![outcome("digit", &digit)]
    }
}
