//! The IDX file format that MNIST (and Fashion-MNIST, KMNIST, EMNIST...) is shipped in.
//!
//! An IDX file is a 4-byte magic number, one 4-byte size per dimension, then the values:
//!
//! ```text
//! magic  = 0x00 0x00 <type> <ndims>    type 0x08 = unsigned byte; images 3 dims, labels 1
//! dims   = ndims big-endian u32s       images: count, rows, cols    labels: count
//! data   = product(dims) values        row-major, one byte each for type 0x08
//! ```
//!
//! so images start with magic `0x00000803` = 2051 and labels with `0x00000801` = 2049.
//!
//! Why not the `mnist` crate: it reads only raw (not gzipped) files, expects exactly
//! 60000/10000 images of 28x28, and panics on a missing or damaged file. Our files are
//! gzipped, other MNIST-format datasets have other sizes, and bad data must give an error
//! that a learner can act on. The format is simple enough to read here in a few lines.
//!
//! Gzip is recognised by its first two bytes (`1f 8b`), not by the file name, so a `.gz`
//! file that was unpacked in place, or a raw file that was compressed, still loads.

use crate::{read_bytes, DataError};
use flate2::read::MultiGzDecoder;
use ndarray::Array3;
use std::io::Read;
use std::path::Path;

/// Magic number of an IDX file of unsigned bytes in 3 dimensions: images.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes in 1 dimension: labels.
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Reads an IDX image file, gzipped or raw, into `[n, rows, cols]` bytes.
///
/// # Errors
/// The file is missing or unreadable, is not gzip-clean, has the wrong magic number, is cut
/// short or has bytes left over, has images of size zero, or holds no images.
pub fn read_images(path: &Path) -> Result<Array3<u8>, DataError> {
    parse_images(&read_bytes(path)?, path)
}

/// Reads an IDX label file, gzipped or raw, into one byte per example.
///
/// # Errors
/// As [`read_images`]; an empty label file is an error too.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    parse_labels(&read_bytes(path)?, path)
}

/// Parses the bytes of an IDX image file (gzipped or raw); `path` is only for messages.
///
/// # Errors
/// As [`read_images`].
pub fn parse_images(bytes: &[u8], path: &Path) -> Result<Array3<u8>, DataError> {
    let (dims, values) = parse_idx(bytes, path, IMAGES_MAGIC, 3)?;
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        let reason = format!("its header gives images of size {rows}x{cols}");
        return Err(DataError::Corrupt {
            path: path.to_path_buf(),
            reason,
        });
    }
    if n == 0 {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: "images",
        });
    }
    let images = Array3::from_shape_vec((n, rows, cols), values)
        .expect("parse_idx checked that the data is n * rows * cols bytes");
    Ok(images)
}

/// Parses the bytes of an IDX label file (gzipped or raw); `path` is only for messages.
///
/// # Errors
/// As [`read_labels`].
pub fn parse_labels(bytes: &[u8], path: &Path) -> Result<Vec<u8>, DataError> {
    let (_, values) = parse_idx(bytes, path, LABELS_MAGIC, 1)?;
    if values.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: "labels",
        });
    }
    Ok(values)
}

/// The most deflate can shrink data: 1032 to 1 (258-byte matches in 2-bit codes).
const MAX_DEFLATE_RATIO: usize = 1032;

/// The dimension sizes and the values of an IDX file, gzipped or raw, after checking its
/// magic number and that its length is what its header says.
///
/// Nothing is allocated for what the header claims, only for what is there: a damaged
/// header claiming a billion images is an error, not a request for a billion images' worth
/// of memory. A gzipped file is decompressed only as far as its header says it goes.
fn parse_idx(
    bytes: &[u8],
    path: &Path,
    magic: u32,
    ndims: usize,
) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let header_len = 4 + 4 * ndims;
    // Every gzip stream starts with these two bytes; an IDX file starts with two zeros.
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        let header = &bytes[..header_len.min(bytes.len())];
        let (dims, total) = check_header(header, bytes.len(), path, magic, ndims)?;
        check_length(
            bytes.len(),
            total,
            bytes.len() - total.min(bytes.len()),
            &dims,
            path,
        )?;
        return Ok((dims, bytes[header_len..].to_vec()));
    }

    // MultiGzDecoder also reads files made by concatenating gzip streams (`cat a.gz b.gz`).
    let mut decoder = MultiGzDecoder::new(bytes);
    let damaged = |e: std::io::Error| DataError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("the gzip data is damaged or cut short ({e})"),
    };
    let mut header = Vec::with_capacity(header_len);
    (&mut decoder)
        .take(header_len as u64)
        .read_to_end(&mut header)
        .map_err(damaged)?;
    let (dims, total) = check_header(&header, header.len(), path, magic, ndims)?;
    // Deflate shrinks data at most 1032 to 1: a header claiming more than that many times
    // the file's size (a billion images in a few kilobytes) is damage, known before any of
    // it is decompressed.
    if total / MAX_DEFLATE_RATIO > bytes.len() {
        let reason = format!(
            "its header (sizes {dims:?}) describes {total} bytes, more than {} bytes of gzip \
             can hold",
            bytes.len()
        );
        return Err(DataError::Corrupt {
            path: path.to_path_buf(),
            reason,
        });
    }
    // `take` stops at what the header describes; `read_to_end` grows the buffer only as
    // decompressed bytes actually arrive.
    let mut values = Vec::new();
    (&mut decoder)
        .take((total - header_len) as u64)
        .read_to_end(&mut values)
        .map_err(damaged)?;
    let found = header_len + values.len();
    // Count what follows without keeping it.
    let extra = if found == total {
        std::io::copy(&mut decoder, &mut std::io::sink()).map_err(damaged)? as usize
    } else {
        0
    };
    check_length(found + extra, total, extra, &dims, path)?;
    Ok((dims, values))
}

/// Checks the magic number of `header` (the first bytes of the file, `file_len` bytes long
/// uncompressed as far as known) and returns the dimension sizes and the total file length
/// they call for.
fn check_header(
    header: &[u8],
    file_len: usize,
    path: &Path,
    magic: u32,
    ndims: usize,
) -> Result<(Vec<usize>, usize), DataError> {
    let header_len = 4 + 4 * ndims;
    let truncated = || DataError::Truncated {
        path: path.to_path_buf(),
        expected: header_len,
        found: file_len,
    };
    // Big-endian u32 number `i` of the header (0 is the magic number).
    let word = |i: usize| -> Option<u32> {
        let four = header.get(4 * i..4 * i + 4)?;
        Some(u32::from_be_bytes(four.try_into().ok()?))
    };

    let found = word(0).ok_or_else(truncated)?;
    if found != magic {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            found,
        });
    }
    let mut dims = Vec::with_capacity(ndims);
    for i in 1..=ndims {
        dims.push(word(i).ok_or_else(truncated)? as usize);
    }

    // A damaged header could claim more bytes than a usize holds; say so instead of wrapping.
    let data_len = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let total = data_len
        .and_then(|d| d.checked_add(header_len))
        .ok_or_else(|| {
            let reason = format!("its header claims sizes {dims:?}, too large for any real file");
            DataError::Corrupt {
                path: path.to_path_buf(),
                reason,
            }
        })?;
    Ok((dims, total))
}

/// Checks that a file of `found` bytes (uncompressed), `extra` of them beyond the `total`
/// its header describes, is exactly as long as the header says.
fn check_length(
    found: usize,
    total: usize,
    extra: usize,
    dims: &[usize],
    path: &Path,
) -> Result<(), DataError> {
    if found < total {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected: total,
            found,
        });
    }
    if extra > 0 {
        let reason = format!(
            "{extra} bytes follow the {total} bytes that its header (sizes {dims:?}) describes"
        );
        return Err(DataError::Corrupt {
            path: path.to_path_buf(),
            reason,
        });
    }
    Ok(())
}

/// The name of an IDX value type, from the third byte of the magic number.
pub(crate) fn type_name(code: u8) -> Option<&'static str> {
    match code {
        0x08 => Some("u8"),
        0x09 => Some("i8"),
        0x0B => Some("i16"),
        0x0C => Some("i32"),
        0x0D => Some("f32"),
        0x0E => Some("f64"),
        _ => None,
    }
}

/// Writes `[n, rows, cols]` images in IDX form: for tests here and in the other modules.
#[cfg(test)]
pub(crate) fn encode_images(images: &Array3<u8>) -> Vec<u8> {
    let mut out = IMAGES_MAGIC.to_be_bytes().to_vec();
    for &d in images.shape() {
        out.extend((d as u32).to_be_bytes());
    }
    out.extend(images.iter());
    out
}

/// Writes labels in IDX form: for tests here and in the other modules.
#[cfg(test)]
pub(crate) fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = LABELS_MAGIC.to_be_bytes().to_vec();
    out.extend((labels.len() as u32).to_be_bytes());
    out.extend(labels);
    out
}

/// Gzips bytes, as `gzip` would: for tests.
#[cfg(test)]
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn path() -> &'static Path {
        Path::new("some/images.idx")
    }

    /// Three 2x3 images whose pixels count up from 0.
    fn small_images() -> Array3<u8> {
        Array3::from_shape_fn((3, 2, 3), |(n, r, c)| (n * 6 + r * 3 + c) as u8)
    }

    #[test]
    fn images_round_trip_raw_and_gzipped() {
        let raw = encode_images(&small_images());
        assert_eq!(parse_images(&raw, path()).unwrap(), small_images());
        assert_eq!(parse_images(&gzip(&raw), path()).unwrap(), small_images());
    }

    #[test]
    fn labels_round_trip_raw_and_gzipped() {
        let raw = encode_labels(&[3, 1, 4, 1, 5]);
        assert_eq!(parse_labels(&raw, path()).unwrap(), [3, 1, 4, 1, 5]);
        assert_eq!(parse_labels(&gzip(&raw), path()).unwrap(), [3, 1, 4, 1, 5]);
    }

    #[test]
    fn concatenated_gzip_streams_are_read_whole() {
        let raw = encode_labels(&[7, 8, 9]);
        let mut two_members = gzip(&raw[..5]);
        two_members.extend(gzip(&raw[5..]));
        assert_eq!(parse_labels(&two_members, path()).unwrap(), [7, 8, 9]);
    }

    #[test]
    fn a_labels_file_passed_as_images_is_named_as_such() {
        let err = parse_images(&encode_labels(&[1, 2]), path()).unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(
            err,
            DataError::BadMagic {
                expected: 2051,
                found: 2049,
                ..
            }
        ));
        assert!(msg.contains("some/images.idx"), "{msg}");
        assert!(
            msg.contains("expected an IDX image file (magic 2051), found 2049"),
            "{msg}"
        );
        assert!(msg.contains("did you pass the labels file?"), "{msg}");
    }

    #[test]
    fn an_images_file_passed_as_labels_is_named_as_such() {
        let msg = parse_labels(&encode_images(&small_images()), path())
            .unwrap_err()
            .to_string();
        println!("{msg}");
        assert!(
            msg.contains("expected an IDX label file (magic 2049), found 2051"),
            "{msg}"
        );
        assert!(msg.contains("did you pass the images file?"), "{msg}");
    }

    #[test]
    fn an_idx_file_of_floats_is_described() {
        let mut bytes = encode_images(&small_images());
        bytes[2] = 0x0D; // f32
        let msg = parse_images(&bytes, path()).unwrap_err().to_string();
        println!("{msg}");
        assert!(
            msg.contains("found 3331 (an IDX file of f32 values in 3 dimensions)"),
            "{msg}"
        );
    }

    #[test]
    fn a_file_that_is_not_idx_says_how_to_restore_it() {
        let msg = parse_labels(b"hello, world", path())
            .unwrap_err()
            .to_string();
        println!("{msg}");
        assert!(
            msg.contains("not an IDX file") && msg.contains("git checkout"),
            "{msg}"
        );
    }

    #[test]
    fn a_truncated_file_reports_both_lengths() {
        let raw = encode_images(&small_images()); // 16 + 18 = 34 bytes
        let err = parse_images(&raw[..30], path()).unwrap_err();
        println!("{err}");
        assert!(
            matches!(
                err,
                DataError::Truncated {
                    expected: 34,
                    found: 30,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("cut short"));
    }

    #[test]
    fn bytes_after_the_data_are_rejected() {
        let mut raw = encode_labels(&[1, 2, 3]);
        raw.push(0);
        let err = parse_labels(&raw, path()).unwrap_err();
        println!("{err}");
        assert!(
            err.to_string().contains("1 bytes follow the 11 bytes"),
            "{err}"
        );
    }

    #[test]
    fn a_header_claiming_absurd_sizes_is_an_error_not_an_overflow() {
        let mut raw = IMAGES_MAGIC.to_be_bytes().to_vec();
        for _ in 0..3 {
            raw.extend(u32::MAX.to_be_bytes());
        }
        let err = parse_images(&raw, path()).unwrap_err();
        println!("{err}");
        assert!(matches!(
            err,
            DataError::Corrupt { .. } | DataError::Truncated { .. }
        ));
    }

    #[test]
    fn a_gzipped_header_claiming_a_billion_images_is_an_error_before_decompressing() {
        // 10^9 images of 28x28 claimed by a header followed by a gzip bomb (a megabyte of
        // zeros in a kilobyte): once decompressed whole into memory before any check, now
        // refused from the header and the file's size alone.
        let mut raw = IMAGES_MAGIC.to_be_bytes().to_vec();
        for d in [1_000_000_000u32, 28, 28] {
            raw.extend(d.to_be_bytes());
        }
        raw.extend(vec![0u8; 1 << 20]); // compresses to about 1 KiB
        let gz = gzip(&raw);
        let err = parse_images(&gz, path()).unwrap_err();
        println!("{err}");
        assert!(
            err.to_string().contains("more than") && err.to_string().contains("gzip"),
            "{err}"
        );
    }

    #[test]
    fn zero_sized_images_and_empty_files_are_rejected() {
        let empty = Array3::<u8>::zeros((0, 28, 28));
        let err = parse_images(&encode_images(&empty), path()).unwrap_err();
        assert!(
            matches!(err, DataError::Empty { what: "images", .. }),
            "{err}"
        );
        let flat = Array3::<u8>::zeros((5, 0, 28));
        let err = parse_images(&encode_images(&flat), path()).unwrap_err();
        assert!(err.to_string().contains("images of size 0x28"), "{err}");
        let err = parse_labels(&encode_labels(&[]), path()).unwrap_err();
        assert!(
            matches!(err, DataError::Empty { what: "labels", .. }),
            "{err}"
        );
    }

    #[test]
    fn damaged_gzip_is_reported_as_such() {
        let mut gz = gzip(&encode_labels(&[1, 2, 3, 4]));
        let middle = gz.len() / 2;
        gz[middle] ^= 0xff;
        let err = parse_labels(&gz, path()).unwrap_err();
        println!("{err}");
        assert!(
            matches!(err, DataError::Corrupt { .. } | DataError::Truncated { .. }),
            "{err}"
        );
    }

    #[test]
    fn reading_a_missing_file_names_it() {
        let err = read_images(Path::new("/no/such/train-images-idx3-ubyte.gz")).unwrap_err();
        assert!(matches!(err, DataError::MissingFile { .. }), "{err}");
        assert!(err
            .to_string()
            .contains("/no/such/train-images-idx3-ubyte.gz"));
    }

    #[test]
    fn reading_files_from_disk_works() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("images.gz");
        std::fs::write(&file, gzip(&encode_images(&small_images()))).unwrap();
        assert_eq!(read_images(&file).unwrap(), small_images());
    }

    proptest! {
        #[test]
        fn every_truncation_of_a_valid_image_file_is_rejected(
            n in 1usize..4, rows in 1usize..5, cols in 1usize..5, seed in any::<u8>(),
        ) {
            let images = Array3::from_shape_fn((n, rows, cols), |(i, r, c)| {
                seed.wrapping_add((i * 31 + r * 7 + c) as u8)
            });
            let raw = encode_images(&images);
            let gz = gzip(&raw);
            prop_assert_eq!(parse_images(&raw, path()).unwrap(), images.clone());
            for cut in 0..raw.len() {
                prop_assert!(parse_images(&raw[..cut], path()).is_err(), "raw cut at {}", cut);
            }
            for cut in 0..gz.len() {
                prop_assert!(parse_images(&gz[..cut], path()).is_err(), "gzip cut at {}", cut);
            }
        }

        #[test]
        fn every_truncation_of_a_valid_label_file_is_rejected(
            labels in proptest::collection::vec(any::<u8>(), 1..20),
        ) {
            let raw = encode_labels(&labels);
            let gz = gzip(&raw);
            prop_assert_eq!(parse_labels(&gz, path()).unwrap(), labels);
            for cut in 0..raw.len() {
                prop_assert!(parse_labels(&raw[..cut], path()).is_err(), "raw cut at {}", cut);
            }
            for cut in 0..gz.len() {
                prop_assert!(parse_labels(&gz[..cut], path()).is_err(), "gzip cut at {}", cut);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_images(&bytes, path());
            let _ = parse_labels(&bytes, path());
        }
    }
}
