//! Every figure kind, written into a temporary folder and read back: SVGs must be
//! well-formed XML holding the text a learner should see, PNGs must decode to the expected
//! size and pixels, bad input must give an error that names the figure, and no temporary
//! file may be left behind.

use std::fs;
use std::path::{Path, PathBuf};

use ndarray::{array, Array2, ArrayView2};
use plot::{Boundary, Normalise, PlotError, Scale, Series};

/// The trimmed text of every `<text>` element in the SVG at `path`, which must parse as XML.
fn svg_texts(path: &Path) -> Vec<String> {
    let svg = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{}: not XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// The names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Width, height and RGB bytes of the PNG at `path`.
fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn pixel(png: &(u32, u32, Vec<u8>), x: u32, y: u32) -> [u8; 3] {
    let i = 3 * (y * png.0 + x) as usize;
    [png.2[i], png.2[i + 1], png.2[i + 2]]
}

/// A path whose parent is a regular file: no one, not even root, can create it.
fn unwritable(dir: &Path, name: &str) -> PathBuf {
    let blocker = dir.join("a-file");
    fs::write(&blocker, b"not a folder").unwrap();
    blocker.join(name)
}

fn curves() -> Vec<Series> {
    vec![
        Series::from_values("train loss", [2.3f32, 1.1, 0.6, 0.4, 0.3]),
        Series::new("test loss", [(1.0, 2.2), (3.0, 0.8), (5.0, 0.5)]),
    ]
}

#[test]
fn line_chart_writes_an_svg_with_title_axis_labels_and_a_legend() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/run/loss.svg");
    plot::line_chart(
        &path,
        "Loss <MLP & friends>",
        "epoch",
        "cross-entropy",
        &curves(),
        Scale::Linear,
    )
    .unwrap();
    let texts = svg_texts(&path);
    println!("{texts:?}");
    for expected in [
        "Loss <MLP & friends>",
        "epoch",
        "cross-entropy",
        "train loss",
        "test loss",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "no text {expected:?} in {texts:?}"
        );
    }
    // Tick labels are round numbers, written the short way.
    assert!(texts.iter().any(|t| t == "1"), "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains("0000")), "{texts:?}");
    assert_eq!(files_in(&dir.path().join("nested/run")), ["loss.svg"]);
}

#[test]
fn line_chart_on_a_log_scale_skips_points_it_cannot_draw() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loss-log.svg");
    // A run that diverged: 0 and NaN cannot go on a log axis, the rest still should.
    let series = [Series::from_values(
        "loss",
        [1.0, 0.1, 0.01, 0.0, f64::NAN, 0.02],
    )];
    plot::line_chart(&path, "diverged", "step", "loss", &series, Scale::Log).unwrap();
    let texts = svg_texts(&path);
    println!("{texts:?}");
    for tick in ["0.01", "0.1", "1"] {
        assert!(
            texts.iter().any(|t| t == tick),
            "no tick {tick} in {texts:?}"
        );
    }
}

#[test]
fn line_chart_draws_a_single_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.svg");
    plot::line_chart(
        &path,
        "one epoch",
        "epoch",
        "accuracy",
        &[Series::from_values("acc", [0.9])],
        Scale::Linear,
    )
    .unwrap();
    assert!(svg_texts(&path).contains(&"acc".to_string()));
}

#[test]
fn line_chart_rejects_empty_input_with_the_path_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loss.svg");
    let err = plot::line_chart(&path, "t", "x", "y", &[], Scale::Linear).unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    assert!(
        err.to_string().contains("loss.svg") && err.to_string().contains("series"),
        "{err}"
    );

    let no_points = [Series::new("test loss", [])];
    let err = plot::line_chart(&path, "t", "x", "y", &no_points, Scale::Linear).unwrap_err();
    assert!(err.to_string().contains("`test loss`"), "{err}");

    let nan = [Series::from_values("loss", [f64::NAN, f64::INFINITY])];
    let err = plot::line_chart(&path, "t", "x", "y", &nan, Scale::Linear).unwrap_err();
    assert!(matches!(err, PlotError::Invalid { .. }), "{err}");
    println!("{err}");

    let negative = [Series::from_values("log-likelihood", [-3.0, -2.0])];
    let err = plot::line_chart(&path, "t", "x", "y", &negative, Scale::Log).unwrap_err();
    assert!(err.to_string().contains("log scale"), "{err}");
    assert!(
        files_in(dir.path()).is_empty(),
        "an error must write nothing"
    );
}

#[test]
fn an_unwritable_path_gives_an_io_error_naming_it_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = unwritable(dir.path(), "loss.svg");
    let err = plot::line_chart(&path, "t", "x", "y", &curves(), Scale::Linear).unwrap_err();
    println!("{err}");
    assert!(matches!(err, PlotError::Io { .. }), "{err}");
    assert_eq!(err.path(), path);
    assert!(err.to_string().contains("a-file/loss.svg"), "{err}");
    assert_eq!(files_in(dir.path()), ["a-file"]);

    // A folder where the file should go: the rename fails, the temporary file is removed.
    let taken = dir.path().join("taken.svg");
    fs::create_dir(&taken).unwrap();
    let err = plot::line_chart(&taken, "t", "x", "y", &curves(), Scale::Linear).unwrap_err();
    assert!(matches!(err, PlotError::Io { .. }), "{err}");
    assert_eq!(files_in(dir.path()), ["a-file", "taken.svg"]);
}

#[test]
fn writing_again_replaces_the_figure_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loss.svg");
    plot::line_chart(&path, "first", "x", "y", &curves(), Scale::Linear).unwrap();
    plot::line_chart(&path, "second", "x", "y", &curves(), Scale::Linear).unwrap();
    let texts = svg_texts(&path);
    assert!(texts.contains(&"second".to_string()) && !texts.contains(&"first".to_string()));
    assert_eq!(files_in(dir.path()), ["loss.svg"]);
}

fn two_blobs() -> (Vec<(f64, f64)>, Vec<usize>) {
    let points = vec![
        (0.0, 0.0),
        (0.5, 1.0),
        (1.0, 0.2),
        (3.0, 3.0),
        (3.5, 2.0),
        (4.0, 3.5),
    ];
    (points, vec![0, 0, 0, 1, 1, 1])
}

#[test]
fn decision_boundary_with_a_line_shades_both_sides_and_names_the_classes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("boundary.svg");
    let (points, labels) = two_blobs();
    let line = Boundary::Line {
        w0: -4.0,
        w1: 1.0,
        w2: 1.0,
    }; // x + y = 4
    plot::decision_boundary(
        &path,
        "perceptron",
        "x₁",
        "x₂",
        &points,
        &labels,
        &["negative", "positive"],
        line,
    )
    .unwrap();
    let texts = svg_texts(&path);
    println!("{texts:?}");
    for expected in ["perceptron", "x₁", "x₂", "negative", "positive", "boundary"] {
        assert!(
            texts.iter().any(|t| t == expected),
            "no text {expected:?} in {texts:?}"
        );
    }
    // Both classes' region tints appear (blue- and vermillion-tinted rectangles).
    let svg = fs::read_to_string(&path).unwrap();
    assert!(
        svg.contains("#C7E0EE") && svg.contains("#F6DCC7"),
        "missing region tints"
    );
    assert_eq!(files_in(dir.path()), ["boundary.svg"]);
}

#[test]
fn decision_boundary_with_a_classifier_shades_every_class_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regions.svg");
    let (points, labels) = two_blobs();
    let classify = |x: f64, _y: f64| {
        if x < 1.0 {
            0
        } else if x < 2.5 {
            2
        } else {
            1
        }
    };
    let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    plot::decision_boundary(
        &path,
        "three",
        "x",
        "y",
        &points,
        &labels,
        &names,
        Boundary::Regions(&classify),
    )
    .unwrap();
    let svg = fs::read_to_string(&path).unwrap();
    assert!(
        svg.contains("#C7E0EE") && svg.contains("#F6DCC7") && svg.contains("#C7EAE0"),
        "missing region tints"
    );
    assert!(
        !svg_texts(&path).contains(&"boundary".to_string()),
        "no line, so no line in the legend"
    );
    // Merging equal cells keeps the file small: three bands, about 3 rectangles a row.
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
}

#[test]
fn decision_boundary_rejects_bad_labels_and_points() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.svg");
    let (points, labels) = two_blobs();
    let names = ["a", "b"];
    let line = || Boundary::Line {
        w0: 0.0,
        w1: 1.0,
        w2: 1.0,
    };

    let err = plot::decision_boundary(&path, "t", "x", "y", &points, &labels[..5], &names, line())
        .unwrap_err();
    assert!(matches!(err, PlotError::Mismatch { .. }), "{err}");
    println!("{err}");
    let err = plot::decision_boundary(
        &path,
        "t",
        "x",
        "y",
        &points,
        &[0, 0, 0, 1, 1, 2],
        &names,
        line(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("point 5 has label 2"), "{err}");
    let err = plot::decision_boundary(&path, "t", "x", "y", &[], &[], &names, line()).unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    let no_names: [&str; 0] = [];
    let err = plot::decision_boundary(&path, "t", "x", "y", &points, &labels, &no_names, line())
        .unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    let mut nan = points.clone();
    nan[2].1 = f64::NAN;
    let err =
        plot::decision_boundary(&path, "t", "x", "y", &nan, &labels, &names, line()).unwrap_err();
    assert!(err.to_string().contains("point 2"), "{err}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn decision_boundary_of_an_untrained_model_still_draws() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("untrained.svg");
    let (points, labels) = two_blobs();
    let zero = Boundary::Line {
        w0: 0.0,
        w1: 0.0,
        w2: 0.0,
    };
    plot::decision_boundary(
        &path,
        "epoch 0",
        "x",
        "y",
        &points,
        &labels,
        &["a", "b"],
        zero,
    )
    .unwrap();
    svg_texts(&path);
}

/// Two 2×3 images: a ramp and a constant, with one NaN in the constant one.
fn two_images() -> (Array2<f32>, Array2<f32>) {
    let ramp = array![[0.0f32, 0.2, 0.4], [0.6, 0.8, 1.0]];
    let mut flat = Array2::from_elem((2, 3), 0.5f32);
    flat[[1, 2]] = f32::NAN;
    (ramp, flat)
}

#[test]
fn image_grid_lays_out_scaled_images_between_one_pixel_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grid.png");
    let (ramp, flat) = two_images();
    let images = [ramp.view(), flat.view(), ramp.view()];
    // 3 images, 2 columns, scale 4: 2 rows of 2 cells of 12×8 pixels, plus lines.
    plot::image_grid(&path, &images, 2, 4, Normalise::Clamp).unwrap();
    let png = read_png(&path);
    assert_eq!((png.0, png.1), (2 * 12 + 3, 2 * 8 + 3));
    let separator = pixel(&png, 0, 0);
    assert_eq!(pixel(&png, 13, 5), separator, "line between columns");
    assert_eq!(pixel(&png, 5, 9), separator, "line between rows");
    // Image 0 starts at (1, 1): its first pixel (0.0) is black for 4×4 screen pixels,
    // its last (1.0) white.
    assert_eq!(pixel(&png, 1, 1), [0, 0, 0]);
    assert_eq!(pixel(&png, 4, 4), [0, 0, 0]);
    assert_eq!(pixel(&png, 5, 1), [51, 51, 51]); // 0.2
    assert_eq!(pixel(&png, 12, 8), [255, 255, 255]);
    // Image 1 (right of image 0): mid grey, and its NaN pixel red.
    assert_eq!(pixel(&png, 14, 1), [128, 128, 128]);
    assert_eq!(pixel(&png, 13 + 9, 5), [230, 0, 0]);
    // The fourth cell is empty: all line colour.
    assert_eq!(pixel(&png, 20, 14), separator);
    assert_eq!(files_in(dir.path()), ["grid.png"]);
}

#[test]
fn image_grid_normalises_per_image_or_globally() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights.png");
    let small = array![[-0.1f32, 0.1]];
    let large = array![[-5.0f32, 5.0]];
    let images = [small.view(), large.view()];
    plot::image_grid(&path, &images, 2, 1, Normalise::PerImage).unwrap();
    let png = read_png(&path);
    assert_eq!((png.0, png.1), (2 * 2 + 3, 3));
    assert_eq!([pixel(&png, 1, 1), pixel(&png, 2, 1)], [[0; 3], [255; 3]]);
    assert_eq!([pixel(&png, 4, 1), pixel(&png, 5, 1)], [[0; 3], [255; 3]]);

    plot::image_grid(&path, &images, 2, 1, Normalise::Global).unwrap();
    let png = read_png(&path);
    // -0.1 and 0.1 on a -5..5 range are just below and above mid grey.
    assert_eq!([pixel(&png, 1, 1), pixel(&png, 2, 1)], [[125; 3], [130; 3]]);
    assert_eq!([pixel(&png, 4, 1), pixel(&png, 5, 1)], [[0; 3], [255; 3]]);
}

#[test]
fn image_grid_with_more_columns_than_images_is_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("row.png");
    let (ramp, _) = two_images();
    plot::image_grid(&path, &[ramp.view()], 10, 2, Normalise::Clamp).unwrap();
    let png = read_png(&path);
    assert_eq!((png.0, png.1), (6 + 2, 4 + 2));
}

#[test]
fn image_grid_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grid.png");
    let (ramp, _) = two_images();
    let other = Array2::<f32>::zeros((3, 2));
    let none: [ArrayView2<f32>; 0] = [];

    let err = plot::image_grid(&path, &none, 4, 2, Normalise::Clamp).unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    let err =
        plot::image_grid(&path, &[ramp.view(), other.view()], 4, 2, Normalise::Clamp).unwrap_err();
    assert!(matches!(err, PlotError::Mismatch { .. }), "{err}");
    assert!(
        err.to_string().contains("image 1") && err.to_string().contains("3×2"),
        "{err}"
    );
    println!("{err}");
    let err = plot::image_grid(&path, &[ramp.view()], 0, 2, Normalise::Clamp).unwrap_err();
    assert!(err.to_string().contains("cols"), "{err}");
    let err = plot::image_grid(&path, &[ramp.view()], 4, 0, Normalise::Clamp).unwrap_err();
    assert!(err.to_string().contains("scale"), "{err}");
    let err = plot::image_grid(&path, &[ramp.view()], 4, 100_000, Normalise::Clamp).unwrap_err();
    assert!(err.to_string().contains("lower scale"), "{err}");
    let empty = Array2::<f32>::zeros((0, 5));
    let err = plot::image_grid(&path, &[empty.view()], 4, 2, Normalise::Clamp).unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    let err = plot::image_grid(
        &unwritable(dir.path(), "g.png"),
        &[ramp.view()],
        1,
        1,
        Normalise::Clamp,
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::Io { .. }), "{err}");
    assert_eq!(files_in(dir.path()), ["a-file"]);
}

#[test]
fn captioned_image_grid_embeds_one_png_per_image_with_its_caption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong.svg");
    let (ramp, flat) = two_images();
    let captions = ["pred 3 / true 5", "pred 1\ntrue 7"];
    plot::captioned_image_grid(
        &path,
        "Misclassified",
        &[ramp.view(), flat.view()],
        &captions,
        4,
        3,
        Normalise::Clamp,
    )
    .unwrap();
    let texts = svg_texts(&path);
    assert_eq!(
        texts,
        ["Misclassified", "pred 3 / true 5", "pred 1", "true 7"]
    );
    let svg = fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let images: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "image")
        .collect();
    assert_eq!(images.len(), 2);
    // A PNG's first bytes, base64-encoded, and the framed size: 3×2 pixels at scale 3, plus 2.
    assert!(images[0]
        .attribute("href")
        .unwrap()
        .starts_with("data:image/png;base64,iVBORw0KGgo"));
    assert_eq!(images[0].attribute("width"), Some("11"));
    assert_eq!(images[0].attribute("height"), Some("8"));

    let err =
        plot::captioned_image_grid(&path, "", &[ramp.view()], &captions, 4, 3, Normalise::Clamp)
            .unwrap_err();
    assert!(matches!(err, PlotError::Mismatch { .. }), "{err}");
    assert_eq!(files_in(dir.path()), ["wrong.svg"]);
}

#[test]
fn confusion_matrix_shows_counts_names_and_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confusion.svg");
    let counts = array![[50usize, 0, 0], [0, 47, 3], [0, 4, 46]];
    let names = ["setosa", "versicolor", "virginica"];
    plot::confusion_matrix(&path, "iris", counts.view(), &names).unwrap();
    let texts = svg_texts(&path);
    println!("{texts:?}");
    for expected in [
        "iris",
        "setosa",
        "versicolor",
        "virginica",
        "47",
        "3",
        "predicted class",
        "true class",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "no text {expected:?} in {texts:?}"
        );
    }
    assert!(
        texts.contains(&"150 examples, accuracy 95.33%".to_string()),
        "{texts:?}"
    );
    // Class names appear twice (rows and columns); counts once per cell.
    assert_eq!(texts.iter().filter(|t| *t == "setosa").count(), 2);
    assert_eq!(texts.iter().filter(|t| *t == "0").count(), 4);
}

#[test]
fn confusion_matrix_with_an_empty_row_still_draws() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confusion.svg");
    let counts = array![[0usize, 0], [0, 0]];
    plot::confusion_matrix(&path, "nothing yet", counts.view(), &["a", "b"]).unwrap();
    assert!(svg_texts(&path).contains(&"no examples counted".to_string()));
}

#[test]
fn confusion_matrix_rejects_shapes_that_do_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confusion.svg");
    let counts = Array2::<usize>::zeros((3, 2));
    let err = plot::confusion_matrix(&path, "t", counts.view(), &["a", "b", "c"]).unwrap_err();
    assert!(matches!(err, PlotError::Mismatch { .. }), "{err}");
    println!("{err}");
    let counts = Array2::<usize>::zeros((3, 3));
    let err = plot::confusion_matrix(&path, "t", counts.view(), &["a", "b"]).unwrap_err();
    assert!(err.to_string().contains("one class name per row"), "{err}");
    let counts = Array2::<usize>::zeros((0, 0));
    let none: [&str; 0] = [];
    let err = plot::confusion_matrix(&path, "t", counts.view(), &none).unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn scatter_draws_each_group_with_its_name_and_the_diagonal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scatter.svg");
    let groups = [
        Series::new("train", [(50.0, 60.0), (120.0, 110.0), (300.0, 250.0)]),
        Series::new("test", [(80.0, 95.0), (200.0, 180.0)]),
    ];
    plot::scatter(
        &path,
        "Predicted vs true",
        "true progression",
        "predicted progression",
        &groups,
        plot::Guide::Diagonal,
    )
    .unwrap();
    let texts = svg_texts(&path);
    println!("{texts:?}");
    for expected in [
        "Predicted vs true",
        "true progression",
        "predicted progression",
        "train",
        "test",
        "y = x",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "no text {expected:?} in {texts:?}"
        );
    }
    // One marker per point: circles for the first group, polygons (triangles) for the second.
    let svg = fs::read_to_string(&path).unwrap();
    assert!(svg.matches("<circle").count() >= 3, "{svg}");
    assert!(svg.matches("<polygon").count() >= 2, "{svg}");
    assert_eq!(files_in(dir.path()), ["scatter.svg"]);
}

#[test]
fn scatter_without_a_guide_draws_no_diagonal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.svg");
    let groups = [Series::new("points", [(0.0, 10.0), (1.0, 20.0)])];
    plot::scatter(&path, "t", "x", "y", &groups, plot::Guide::None).unwrap();
    let texts = svg_texts(&path);
    assert!(!texts.iter().any(|t| t == "y = x"), "{texts:?}");
}

#[test]
fn scatter_rejects_empty_and_non_finite_input_naming_the_figure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scatter.svg");
    let err = plot::scatter(&path, "t", "x", "y", &[], plot::Guide::None).unwrap_err();
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");
    let empty_group = [Series::new("test", [])];
    let err = plot::scatter(&path, "t", "x", "y", &empty_group, plot::Guide::None).unwrap_err();
    assert!(err.to_string().contains("`test`"), "{err}");
    let nan = [Series::new("test", [(1.0, f64::NAN)])];
    let err = plot::scatter(&path, "t", "x", "y", &nan, plot::Guide::Diagonal).unwrap_err();
    assert!(matches!(err, PlotError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("scatter.svg"), "{err}");
    assert!(
        files_in(dir.path()).is_empty(),
        "an error must write nothing"
    );
}
