//! Outputs survive a kill: a short training run is killed (SIGKILL, which nothing can catch)
//! at random moments, many of them while it writes its checkpoint, figures and metrics, and
//! after each kill every file in its output folder must be a complete file (the previous
//! run's or the new one), parsed as what it is: never truncated, never missing once it
//! existed. `host::files::write_atomic` is what makes this hold; this test is its proof on a
//! real program.
//!
//! To cover another project, copy this file and change `command` (a short run writing into
//! `out`) and, if it writes a new kind of file, `check`.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Kills per test run.
const KILLS: usize = 50;

/// A training run small enough to take about a second, writing everything a full run does.
fn command(data: &Path, out: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_05-cnn"));
    command
        .args(["--model", "lenet5", "--epochs", "1", "--batch-size", "16"])
        .args(["--threads", "1", "--quiet", "--data-dir"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .env_remove("SMALLNETS_THREADS")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// A tiny MNIST-format folder: 96 training and 32 test images of random ink, 10 classes.
fn tiny_mnist(dir: &Path) {
    let mut state = 12345u64;
    let mut byte = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 56) as u8
    };
    for (prefix, n) in [("train", 96u32), ("t10k", 32)] {
        let pixels: Vec<u8> = (0..n * 28 * 28).map(|_| byte()).collect();
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        write_idx(
            &dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
            2051,
            &[n, 28, 28],
            &pixels,
        );
        write_idx(
            &dir.join(format!("{prefix}-labels-idx1-ubyte.gz")),
            2049,
            &[n],
            &labels,
        );
    }
}

fn write_idx(path: &Path, magic: u32, dims: &[u32], bytes: &[u8]) {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    out.write_all(&magic.to_be_bytes()).unwrap();
    for d in dims {
        out.write_all(&d.to_be_bytes()).unwrap();
    }
    out.write_all(bytes).unwrap();
    std::fs::write(path, out.finish().unwrap()).unwrap();
}

/// Checks that `bytes` are a complete file of the kind its name says; the error says why not.
fn check(name: &str, bytes: &[u8]) -> Result<(), String> {
    let extension = name.rsplit('.').next().unwrap_or("");
    match extension {
        "json" => serde_json::from_slice::<serde_json::Value>(bytes)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        "svg" => {
            let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
            let document = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
            match document.root_element().tag_name().name() {
                "svg" => Ok(()),
                other => Err(format!("root element <{other}>")),
            }
        }
        "png" => image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
            .map(|_| ())
            .map_err(|e| e.to_string())
            .and_then(|()| {
                bytes
                    .ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82])
                    .then_some(())
                    .ok_or_else(|| "no IEND chunk at the end".to_owned())
            }),
        "safetensors" => safetensors::SafeTensors::deserialize(bytes)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        "md" => match std::str::from_utf8(bytes) {
            Ok(text) if text.ends_with('\n') && text.contains('|') => Ok(()),
            Ok(_) => Err("not a whole table ending in a newline".to_owned()),
            Err(e) => Err(e.to_string()),
        },
        _ => Err(format!(
            "no check for .{extension} files: add one to tests/kill.rs"
        )),
    }
}

/// The files in `out`, by name, with their inode numbers (a file replaced by a rename has a
/// new one), and how many hidden temporaries there are beside them.
fn snapshot(out: &Path) -> (BTreeMap<String, (Vec<u8>, u64)>, usize) {
    use std::os::unix::fs::MetadataExt;
    let mut files = BTreeMap::new();
    let mut temporaries = 0;
    let Ok(entries) = std::fs::read_dir(out) else {
        return (files, 0);
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            temporaries += 1;
        } else {
            let inode = entry.metadata().unwrap().ino();
            files.insert(name, (std::fs::read(entry.path()).unwrap(), inode));
        }
    }
    (files, temporaries)
}

#[test]
fn every_output_file_is_whole_after_fifty_kills() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    std::fs::create_dir_all(&data).unwrap();
    tiny_mnist(&data);

    // One whole run: the files a run writes, and how long it takes.
    let started = Instant::now();
    let status = command(&data, &out).status().unwrap();
    let mut whole = started.elapsed();
    assert!(status.success(), "the run to kill fails on its own");
    let (mut known, temporaries) = snapshot(&out);
    assert_eq!(temporaries, 0, "a whole run left temporary files");
    assert!(
        known.len() >= 5,
        "a run writes its files: {:?}",
        known.keys()
    );
    for (name, (bytes, _)) in &known {
        check(name, bytes).unwrap_or_else(|e| panic!("{name} after a whole run: {e}"));
    }

    // Kill moments spread over the run, most in its second half, where it writes.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut killed, mut finished, mut while_writing) = (0, 0, 0);
    for k in 0..KILLS {
        let at = whole.mul_f64(if k % 3 == 0 {
            uniform()
        } else {
            0.5 + 0.5 * uniform()
        });
        let mut child = command(&data, &out).spawn().unwrap();
        let spawned = Instant::now();
        std::thread::sleep(at);
        if child.try_wait().unwrap().is_some() {
            finished += 1;
            // Aim earlier next time: this machine runs it faster than the first run did.
            whole = whole.min(spawned.elapsed());
        } else {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();

        let (now, temporaries) = snapshot(&out);
        let mut changed = 0;
        for (name, (_, before)) in &known {
            let Some((_, after)) = now.get(name) else {
                panic!("kill {k} at {at:?}: {name} existed and is gone");
            };
            if after != before {
                changed += 1;
            }
        }
        for (name, (bytes, _)) in &now {
            check(name, bytes)
                .unwrap_or_else(|e| panic!("kill {k} at {at:?}: {name} is not whole: {e}"));
        }
        // Some files replaced and some old: this kill landed among the writes.
        if changed > 0 && changed < known.len() {
            while_writing += 1;
        }
        assert!(
            temporaries <= 1,
            "kill {k}: {temporaries} temporary files left; the next run must remove a \
             killed run's"
        );
        known = now;
    }
    println!(
        "{KILLS} runs: {killed} killed ({while_writing} while writing their outputs), \
         {finished} finished first; a whole run takes {whole:?}"
    );
    assert!(killed >= KILLS / 2, "too few runs were killed: {killed}");
}
