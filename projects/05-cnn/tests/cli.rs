//! The binary as a user runs it: a short training run that learns, a checkpoint that `eval`
//! and `predict` agree on, any MNIST-format folder, and errors with the right exit status.

use run::cli_test::{arg, assert_clean_failure, run_args, text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    run_args(env!("CARGO_BIN_EXE_05-cnn"), args)
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The value of `name=` in the `result:` line.
fn result_value(output: &Output, name: &str) -> f64 {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("result:"))
        .unwrap_or_else(|| panic!("no result line in {stdout}"));
    let field = line
        .split_whitespace()
        .find_map(|f| f.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {line}"));
    field.parse().unwrap()
}

/// Writes a gzipped IDX file (the format of MNIST's four files).
fn write_idx(path: &Path, magic: u32, dims: &[u32], bytes: &[u8]) {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    out.write_all(&magic.to_be_bytes()).unwrap();
    for d in dims {
        out.write_all(&d.to_be_bytes()).unwrap();
    }
    out.write_all(bytes).unwrap();
    std::fs::write(path, out.finish().unwrap()).unwrap();
}

#[test]
fn a_short_run_learns_and_eval_and_predict_agree_on_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&[
        "--quiet",
        "--threads",
        "2",
        "--epochs",
        "1",
        "--train-limit",
        "2000",
        "--test-limit",
        "300",
        "--out",
        arg(&out),
    ]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    println!("{all}");
    // One epoch on 2000 images: the essay's model already gets most digits right.
    let accuracy = result_value(&output, "test_accuracy");
    assert!(
        accuracy > 0.80,
        "test accuracy {accuracy} after one short epoch"
    );
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["project"], "05-cnn");
    assert_eq!(metrics["dataset"], "mnist");
    assert_eq!(metrics["epochs"], 1);
    assert_eq!(metrics["params"], 93322);
    assert!(metrics["examples_per_second"].as_f64().unwrap() > 0.0);
    for figure in [
        "loss.svg",
        "accuracy.svg",
        "confusion.svg",
        "misclassified.svg",
        "filters.png",
        "feature_maps_conv1.png",
        "feature_maps_conv3.png",
        "layers.md",
        "model.safetensors",
    ] {
        assert!(out.join(figure).exists(), "{figure} missing");
    }

    // eval on the same 300 test images reproduces the run's accuracy.
    let checkpoint = out.join("model.safetensors");
    let eval = run(&[
        "eval",
        "--checkpoint",
        arg(&checkpoint),
        "--test-limit",
        "300",
        "--threads",
        "2",
    ]);
    assert!(eval.status.success(), "{}", text(&eval));
    let eval_accuracy = result_value(&eval, "test_accuracy");
    assert!(
        (eval_accuracy - accuracy).abs() < 1e-9,
        "{eval_accuracy} vs {accuracy}"
    );

    // The same 300 digits exported as PNG files: predict gets exactly as many right. Then
    // as photos would come: three times larger, dark ink on light grey, as JPEG and PNG.
    let mnist = data::mnist::load(&data_dir()).unwrap();
    let pngs = dir.path().join("png");
    std::fs::create_dir(&pngs).unwrap();
    let (mut plain, mut photos) = (Vec::new(), Vec::new());
    for i in 0..300 {
        let digit = mnist.test.image(i);
        let image = image::GrayImage::from_fn(28, 28, |x, y| {
            image::Luma([digit[[y as usize, x as usize]]])
        });
        let path = pngs.join(format!("{i:03}-label{}.png", mnist.test.labels[i]));
        image.save(&path).unwrap();
        plain.push(path);
        let big = image::imageops::resize(&image, 84, 84, image::imageops::FilterType::Triangle);
        let photo = image::RgbImage::from_fn(84, 84, |x, y| {
            let ink = f32::from(big.get_pixel(x, y).0[0]) / 255.0;
            let v = (220.0 - 190.0 * ink) as u8; // light grey paper, dark ink
            image::Rgb([v, v, v.saturating_add(10)])
        });
        let ext = if i % 2 == 0 { "jpg" } else { "png" };
        let path = pngs.join(format!("{i:03}-photo.{ext}"));
        photo.save(&path).unwrap();
        photos.push(path);
    }
    let predictions = |paths: &[PathBuf]| -> Vec<usize> {
        let mut args = vec![
            "predict",
            "--checkpoint",
            arg(&checkpoint),
            "--threads",
            "2",
        ];
        args.extend(paths.iter().map(|p| arg(p)));
        let output = run(&args);
        assert!(output.status.success(), "{}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), paths.len(), "{stdout}");
        lines
            .iter()
            .map(|line| {
                // "path: 7 (99.12%), 1 (0.50%), 2 (0.10%)"
                let (_, ranked) = line.rsplit_once(": ").unwrap();
                assert_eq!(ranked.matches('%').count(), 3, "top 3 in {line}");
                ranked.split(' ').next().unwrap().parse().unwrap()
            })
            .collect()
    };
    let from_png = predictions(&plain);
    let correct = from_png
        .iter()
        .enumerate()
        .filter(|&(i, &p)| p == usize::from(mnist.test.labels[i]))
        .count();
    // eval prints its accuracy with four decimals, enough to recover the count out of 300.
    let eval_correct = (eval_accuracy * 300.0).round() as usize;
    assert_eq!(
        correct, eval_correct,
        "predict got {correct}/300 right, eval {eval_accuracy} of 300"
    );
    let from_photos = predictions(&photos);
    let same = from_png
        .iter()
        .zip(&from_photos)
        .filter(|(a, b)| a == b)
        .count();
    let photo_correct = from_photos
        .iter()
        .enumerate()
        .filter(|&(i, &p)| p == usize::from(mnist.test.labels[i]))
        .count();
    println!(
        "photos: {same}/300 predictions as from the MNIST pixels; {photo_correct} right, \
         against {correct} from the pixels"
    );
    // A model trained for one short epoch is unsure of many digits, so resampling flips some
    // of its answers; the fully trained one (chapter 5) agrees on nearly all.
    assert!(
        same >= 240 && photo_correct + 15 >= correct,
        "only {same}/300 photos classified as their MNIST originals"
    );
}

#[test]
fn with_a_validation_split_the_run_measures_only_the_held_out_training_images() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&[
        "--quiet",
        "--threads",
        "2",
        "--epochs",
        "1",
        "--train-limit",
        "2000",
        "--validation",
        "500",
        "--out",
        arg(&out),
    ]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(
        all.contains("1500 training and 500 validation images"),
        "the run should train on the first 1500 and hold out the last 500:\n{all}"
    );
    let accuracy = result_value(&output, "validation_accuracy");
    assert!(accuracy > 0.75, "validation accuracy {accuracy}");
    let metrics = run::cli_test::metrics(&out);
    assert!(metrics["metrics"]["validation_loss"].as_f64().unwrap() > 0.0);
    assert!(
        metrics["metrics"].get("test_accuracy").is_none() && !all.contains("test_acc"),
        "a validation run reports nothing about the test set:\n{all}\n{metrics}"
    );
    let curves = std::fs::read_to_string(out.join("accuracy.svg")).unwrap();
    assert!(curves.contains("validation (end of epoch)"));

    // Holding out every training image leaves nothing to train on: a clear error.
    let output = run(&["--train-limit", "100", "--validation", "100"]);
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("--validation 100") && all.contains("hold out fewer"),
        "{all}"
    );
}

#[test]
fn any_mnist_format_folder_trains_whatever_its_class_count_and_image_size() {
    // Three classes (MNIST's 0, 1 and 2) at 20x20, written as the four IDX files.
    let mnist = data::mnist::load(&data_dir()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (set, images_name, labels_name, n) in [
        (
            &mnist.train,
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            300,
        ),
        (
            &mnist.test,
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            100,
        ),
    ] {
        let picked: Vec<usize> = (0..set.len())
            .filter(|&i| set.labels[i] < 3)
            .take(n)
            .collect();
        let mut pixels = Vec::new();
        for &i in &picked {
            let image = set.image(i);
            pixels.extend(image.slice(ndarray::s![4..24, 4..24]).iter().copied());
        }
        let labels: Vec<u8> = picked.iter().map(|&i| set.labels[i]).collect();
        write_idx(
            &dir.path().join(images_name),
            2051,
            &[n as u32, 20, 20],
            &pixels,
        );
        write_idx(&dir.path().join(labels_name), 2049, &[n as u32], &labels);
    }
    let out = dir.path().join("run");
    let output = run(&[
        "--quiet",
        "--threads",
        "2",
        "--epochs",
        "2",
        "--data-dir",
        arg(dir.path()),
        "--out",
        arg(&out),
    ]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(all.contains("3 classes") && all.contains("20x20"), "{all}");
    let accuracy = result_value(&output, "test_accuracy");
    assert!(
        accuracy > 0.75,
        "three easy classes, accuracy {accuracy}\n{all}"
    );
    let eval = run(&[
        "eval",
        "--checkpoint",
        arg(&out.join("model.safetensors")),
        "--data-dir",
        arg(dir.path()),
    ]);
    assert!(
        (result_value(&eval, "test_accuracy") - accuracy).abs() < 1e-9,
        "{}",
        text(&eval)
    );
}

#[test]
fn bad_flags_are_usage_errors_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--lr", "-1"][..],
        &["--lr", "nan"],
        &["--epochs", "0"],
        &["--batch-size", "0"],
        &["--model", "resnet"],
        &["predict"],
        &["eval", "--epochs", "3"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--out", arg(dir.path())]);
        let output = run(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
    }
    assert!(!dir.path().join("metrics.json").exists());
}

#[test]
fn a_folder_without_mnist_names_the_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&[
        "--quiet",
        "--data-dir",
        arg(dir.path()),
        "--out",
        arg(&dir.path().join("o")),
    ]);
    let all = assert_clean_failure(&output);
    assert!(all.contains("train-images-idx3-ubyte"), "{all}");
}

#[test]
fn unreadable_checkpoints_and_non_images_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.safetensors");
    let garbage = dir.path().join("garbage.safetensors");
    std::fs::write(&garbage, b"this is not a checkpoint at all").unwrap();
    for checkpoint in [&missing, &garbage] {
        for sub in ["eval", "predict"] {
            let mut args = vec![sub, "--checkpoint", arg(checkpoint)];
            if sub == "predict" {
                args.push("digit.png");
            }
            let output = run(&args);
            let all = assert_clean_failure(&output);
            assert!(all.contains(arg(checkpoint)), "{all}");
        }
    }

    // A real checkpoint (untrained is fine), then files that are not pictures of digits.
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    let model = cnn::Cnn::new(cnn::Arch::Keras, [1, 28, 28], 10, &mut rng);
    let checkpoint = dir.path().join("model.safetensors");
    model.save(&checkpoint).unwrap();
    let text_file = dir.path().join("notes.png");
    std::fs::write(&text_file, "a text file with a .png name").unwrap();
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(40, 30, image::Luma([200]))
        .save(&blank)
        .unwrap();
    for (file, words) in [
        (&text_file, "not a PNG or JPEG"),
        (&blank, "no ink"),
        (&dir.path().join("missing.png"), "cannot read"),
    ] {
        let output = run(&["predict", "--checkpoint", arg(&checkpoint), arg(file)]);
        let all = assert_clean_failure(&output);
        assert!(all.contains(arg(file)) && all.contains(words), "{all}");
    }
}

#[test]
fn a_diverging_run_stops_and_says_to_lower_the_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&[
        "--quiet",
        "--lr",
        "10",
        "--train-limit",
        "640",
        "--test-limit",
        "100",
        "--out",
        arg(&out),
    ]);
    let all = assert_clean_failure(&output);
    assert!(all.contains("diverged") && all.contains("--lr"), "{all}");
    assert!(!out.join("metrics.json").exists());
}

#[test]
fn a_malformed_threads_variable_is_the_same_clear_error_for_training_and_eval() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("none.safetensors");
    let with_variable = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_05-cnn"))
            .args(args)
            .env("SMALLNETS_THREADS", "many")
            .output()
            .expect("the binary runs")
    };
    let expected = "error: the environment variable SMALLNETS_THREADS is \"many\"; set it to a \
                    whole number of threads from 1 up, or unset it to use every core";
    let out = dir.path().join("out");
    let training = with_variable(&["--quiet", "--out", arg(&out)]);
    let eval = with_variable(&["eval", "--checkpoint", arg(&checkpoint)]);
    for output in [&training, &eval] {
        let all = assert_clean_failure(output);
        assert_eq!(
            String::from_utf8_lossy(&output.stderr).trim(),
            expected,
            "{all}"
        );
    }
    // `--threads` wins over the variable: eval gets as far as the missing checkpoint.
    let eval = with_variable(&["eval", "--threads", "1", "--checkpoint", arg(&checkpoint)]);
    let all = assert_clean_failure(&eval);
    assert!(
        !all.contains("SMALLNETS_THREADS") && all.contains("none.safetensors"),
        "{all}"
    );
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(env!("CARGO_BIN_EXE_05-cnn"), &[], dir.path());
}
