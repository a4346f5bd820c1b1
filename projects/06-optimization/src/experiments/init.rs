//! `init`: why deep networks would not train before 2010. A 10-layer MLP started from five
//! kinds of initial weights: what reaches each layer in the first forward pass, what comes
//! back in the first backward pass, and how training goes from there.

use plot::{Scale, Series};
use serde::Serialize;

use super::{accuracy_spread, mean_curve, write_json, write_text, Clock, Finding, Lab};
use crate::models::{Arch, Init, Net, NetConfig};
use crate::optimizers::Method;
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, Evaluation, Outcome, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Size {
    /// Units in each of the 9 hidden layers (10 layers of weights with the output layer).
    pub width: usize,
    pub train_images: usize,
    pub steps: usize,
    pub batch: usize,
    pub validation_images: usize,
    pub test_images: usize,
}

/// The experiment's size: full, or with `--quick`.
pub fn size(lab: &Lab) -> Size {
    lab.size(
        Size {
            width: 128,
            train_images: 50_000,
            steps: 2000,
            batch: 128,
            validation_images: 5000,
            test_images: 10_000,
        },
        Size {
            width: 32,
            train_images: 2000,
            steps: 40,
            batch: 128,
            validation_images: 500,
            test_images: 1000,
        },
    )
}

/// Hidden layers of the deep MLP.
pub const HIDDEN_LAYERS: usize = 9;
/// SGD with momentum at one rate for every initialisation.
pub const METHOD: Method = Method::Momentum;
pub const LR: f32 = 0.01;
/// The layers whose histograms are drawn (counting from 1).
pub const SHOWN_LAYERS: [usize; 5] = [1, 3, 5, 7, 9];
/// Bins of each histogram.
const BINS: usize = 41;

/// The five initialisations, in the chapter's order.
pub fn inits() -> [Init; 5] {
    [
        Init::Zeros,
        Init::Normal(1.0),
        Init::Normal(0.01),
        Init::Xavier,
        Init::Kaiming,
    ]
}

/// The deep MLP with initialisation `init`.
pub fn deep_mlp(width: usize, init: Init) -> NetConfig {
    NetConfig {
        init,
        ..NetConfig::new(Arch::Mlp(vec![width; HIDDEN_LAYERS]))
    }
}

// ANCHOR: first_batch
/// What one forward and backward pass over a batch shows at the start: the values each
/// hidden layer hands its ReLU, `[N, width]` each, and each layer's weight gradient.
pub struct FirstBatch {
    pub inputs_to_relu: Vec<Vec<f32>>,
    pub weight_gradients: Vec<Vec<f32>>,
}

/// Initialises the deep MLP with `init` (from `seed`) and passes the first batch of `rows`
/// forwards and backwards, recording what reaches each layer.
pub fn first_batch(
    config: &NetConfig,
    set: &crate::digits::Examples,
    rows: &[usize],
    seed: u64,
) -> FirstBatch {
    let mut rngs = run::Rngs::new(seed);
    let net = Net::new(config, (set.height, set.width), 10, &mut rngs.init);
    let (x, labels) = set.batch(rows, None::<&mut rand_chacha::ChaCha8Rng>);
    let mut inputs = Vec::new();
    let logits = net.forward_recording(&x, None, &mut inputs);
    tensor::cross_entropy(&logits, &labels).backward();
    FirstBatch {
        inputs_to_relu: inputs.iter().map(tensor::Tensor::to_vec).collect(),
        weight_gradients: net
            .dense_weights()
            .iter()
            .map(|w| {
                w.grad()
                    .map_or_else(Vec::new, |g| g.iter().copied().collect())
            })
            .collect(),
    }
}
// ANCHOR_END: first_batch

/// The layers of [`SHOWN_LAYERS`] among `all`, each with its number.
fn shown(all: &[Vec<f32>]) -> Vec<(usize, &Vec<f32>)> {
    SHOWN_LAYERS
        .iter()
        .filter(|&&l| l <= all.len())
        .map(|&l| (l, &all[l - 1]))
        .collect()
}

/// The standard deviation of `values` around 0 (their root mean square).
fn rms(values: &[f32]) -> f64 {
    let sum: f64 = values.iter().map(|&v| f64::from(v).powi(2)).sum();
    (sum / values.len().max(1) as f64).sqrt()
}

/// A histogram of each of `layers` as a frequency polygon: `BINS` equal bins over the range
/// ±(the largest magnitude among them), each point (bin centre, fraction of the values in
/// it). Values that are not finite are left out.
fn histograms(layers: &[(usize, &Vec<f32>)]) -> Vec<Series> {
    let finite = |v: &&f32| v.is_finite();
    let largest = layers
        .iter()
        .flat_map(|(_, values)| values.iter().filter(finite))
        .fold(0.0f32, |m, v| m.max(v.abs()));
    let half = if largest > 0.0 { largest } else { 1.0 }; // all zeros: any range will do
    let width = 2.0 * half / BINS as f32;
    layers
        .iter()
        .map(|(layer, values)| {
            let mut counts = vec![0usize; BINS];
            let kept: Vec<&f32> = values.iter().filter(finite).collect();
            for &&v in &kept {
                let bin = ((v + half) / width).floor() as isize;
                counts[bin.clamp(0, BINS as isize - 1) as usize] += 1;
            }
            let total = kept.len().max(1) as f64;
            let points = counts.iter().enumerate().map(|(b, &c)| {
                let centre = -half + (b as f32 + 0.5) * width;
                (f64::from(centre), c as f64 / total)
            });
            Series::new(format!("layer {layer}"), points)
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct InitResult {
    init: String,
    /// Per hidden layer: the RMS of what it hands its ReLU in the first batch.
    relu_input_rms: Vec<Spread>,
    /// Per layer: the RMS of its weight gradient in the first batch.
    weight_gradient_rms: Vec<Spread>,
    final_train_loss: Spread,
    validation_accuracy: Spread,
    test_accuracy: Spread,
    diverged: usize,
}

struct RunResult {
    first: FirstBatch,
    outcome: Outcome,
    test: Evaluation,
}

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let (digits, seeds) = (lab.digits, &lab.seeds);
    let (validation, test) = (
        digits.validation_rows(size.validation_images),
        digits.test_rows(size.test_images),
    );
    let inits = inits();
    let runs = lab.run(session, "init", inits.len() * seeds.len(), |i| {
        let (init, seed) = (inits[i / seeds.len()], seeds[i % seeds.len()]);
        let net = deep_mlp(size.width, init);
        let rows = digits.training_rows(size.train_images, seed);
        let first = first_batch(&net, &digits.train, &rows[..size.batch], seed);
        let mut config = TrainConfig::new(net, METHOD, LR, size.steps);
        config.batch_size = size.batch;
        let (mut trained, outcome) = train(
            &config,
            &digits.train,
            &rows,
            &validation,
            digits.classes,
            seed,
        );
        let test = evaluate(&mut trained, &digits.test, &test);
        RunResult {
            first,
            outcome,
            test,
        }
    });
    let runs_of = |n: usize| &runs[n * seeds.len()..(n + 1) * seeds.len()];
    let per_layer = |runs: &[RunResult], pick: fn(&FirstBatch) -> &Vec<Vec<f32>>| -> Vec<Spread> {
        let layers = pick(&runs[0].first).len();
        (0..layers)
            .map(|l| Spread::of(runs.iter().map(|r| rms(&pick(&r.first)[l]))))
            .collect()
    };
    let results: Vec<InitResult> = inits
        .iter()
        .enumerate()
        .map(|(n, init)| {
            let runs = runs_of(n);
            InitResult {
                init: init.name(),
                relu_input_rms: per_layer(runs, |f| &f.inputs_to_relu),
                weight_gradient_rms: per_layer(runs, |f| &f.weight_gradients),
                final_train_loss: Spread::of(runs.iter().map(|r| match r.outcome.diverged_at {
                    Some(_) => f64::NAN,
                    None => r.outcome.train_loss.last().map_or(f64::NAN, |p| p.1),
                })),
                validation_accuracy: accuracy_spread(
                    runs.iter().map(|r| r.outcome.final_validation()),
                ),
                test_accuracy: accuracy_spread(runs.iter().map(|r| r.test)),
                diverged: runs
                    .iter()
                    .filter(|r| r.outcome.diverged_at.is_some())
                    .count(),
            }
        })
        .collect();

    // Per-layer spread, every initialisation on one chart (log scale: zeros cannot show).
    let layer_chart = |pick: fn(&InitResult) -> &Vec<Spread>| -> Vec<Series> {
        results
            .iter()
            .map(|r| {
                let points = pick(r)
                    .iter()
                    .enumerate()
                    .map(|(l, s)| ((l + 1) as f64, s.mean));
                Series::new(r.init.clone(), points)
            })
            .collect()
    };
    plot::line_chart(
        &session.output("activations.svg"),
        "Spread (RMS) of what each layer hands its ReLU, first batch",
        "hidden layer",
        "RMS",
        &layer_chart(|r| &r.relu_input_rms),
        Scale::Log,
    )?;
    plot::line_chart(
        &session.output("gradients.svg"),
        "Spread (RMS) of each layer's weight gradient, first batch",
        "layer",
        "RMS",
        &layer_chart(|r| &r.weight_gradient_rms),
        Scale::Log,
    )?;
    // Histograms, the first seed's, one chart per initialisation and kind.
    for (n, init) in inits.iter().enumerate() {
        let first = &runs_of(n)[0].first;
        let slug = slug(*init);
        plot::line_chart(
            &session.output(&format!("histogram_activations_{slug}.svg")),
            &format!(
                "{}: what hidden layers hand their ReLU, first batch",
                init.name()
            ),
            "value",
            "fraction of the values",
            &histograms(&shown(&first.inputs_to_relu)),
            Scale::Linear,
        )?;
        plot::line_chart(
            &session.output(&format!("histogram_gradients_{slug}.svg")),
            &format!("{}: weight gradients, first batch", init.name()),
            "value",
            "fraction of the values",
            &histograms(&shown(&first.weight_gradients)),
            Scale::Linear,
        )?;
    }
    let losses: Vec<Series> = inits
        .iter()
        .enumerate()
        .map(|(n, init)| {
            Series::new(
                init.name(),
                mean_curve(runs_of(n).iter().map(|r| &r.outcome)),
            )
        })
        .collect();
    plot::line_chart(
        &session.output("loss.svg"),
        "Training loss of the 10-layer MLP from each initialisation (mean of the seeds)",
        "step",
        "cross-entropy (running mean)",
        &losses,
        Scale::Log,
    )?;
    let scientific = |s: &Spread| format!("{:.1e}", s.mean);
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let (first, last) = (
                &r.relu_input_rms[0],
                r.relu_input_rms.last().expect("hidden layers"),
            );
            let (grad_first, grad_last) = (
                &r.weight_gradient_rms[0],
                r.weight_gradient_rms.last().expect("layers"),
            );
            let loss = match r.diverged {
                0 => r.final_train_loss.plain(3),
                d => format!("diverged ({d} of {})", seeds.len()),
            };
            vec![
                r.init.clone(),
                format!("{} → {}", scientific(first), scientific(last)),
                format!("{} → {}", scientific(grad_first), scientific(grad_last)),
                loss,
                r.test_accuracy.percent(),
            ]
        })
        .collect();
    let header = [
        "initialisation",
        "RMS into ReLU, layer 1 → 9",
        "RMS of weight gradient, layer 1 → 10",
        "final training loss",
        "test accuracy",
    ];
    write_text(session, "table.md", &table(&header, &rows))?;
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "inits": results }),
    )?;

    println!("initialisation   final training loss  test accuracy");
    for (r, row) in results.iter().zip(&rows) {
        println!("{:16} {:20} {}", r.init, row[3], r.test_accuracy.percent());
    }
    let mut finding = Finding {
        params: deep_mlp(size.width, Init::Kaiming).num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    for (init, r) in inits.iter().zip(&results) {
        finding.spread(
            &format!("init_{}_test_accuracy", slug(*init)),
            &r.test_accuracy,
        );
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    finding.seconds = clock.seconds();
    Ok(finding)
}

/// A name for files and metric keys: `zeros`, `normal_1`, `normal_0_01`, `xavier`, `kaiming`.
fn slug(init: Init) -> String {
    match init {
        Init::Normal(std) => format!("normal_{std}").replace('.', "_"),
        Init::Xavier => "xavier".into(),
        Init::Kaiming => "kaiming".into(),
        other => other.name().to_lowercase(),
    }
}
