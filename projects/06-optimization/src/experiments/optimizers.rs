//! `optimizers`: SGD, momentum, Nesterov, RMSprop, Adam and AdamW on the same network, the
//! same data and the same number of steps, each at three learning rates (an optimiser is
//! only as good as its tuned rate). Each optimiser's rate is chosen on the validation split;
//! the test set then reports it at that rate.

use plot::{Scale, Series};
use serde::Serialize;
use tensor::Tensor;

use super::{
    accuracy_spread, cell, mean_curve, write_json, write_text, Arm, Clock, Finding, Lab, Tested,
};
use crate::models::{Arch, NetConfig};
use crate::optimizers::{Method, Optimizer};
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Size {
    /// Hidden units of the MLP `784 -> hidden -> 10`.
    pub hidden: usize,
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
            hidden: 128,
            train_images: 50_000,
            steps: 3000,
            batch: 64,
            validation_images: 5000,
            test_images: 10_000,
        },
        Size {
            hidden: 32,
            train_images: 2000,
            steps: 100,
            batch: 64,
            validation_images: 500,
            test_images: 1000,
        },
    )
}

/// The three learning rates tried for each method, a factor of about 3 apart. (Momentum
/// 0.9 multiplies the effective step by ten, so its rates are a tenth of SGD's.) The grid
/// was moved up once, while writing the chapter, when every method chose the highest rate
/// of a grid three times lower: a chosen rate at the edge of a grid says to look beyond it.
pub fn rates(method: Method) -> [f32; 3] {
    match method {
        Method::Sgd => [0.1, 0.3, 1.0],
        Method::Momentum | Method::Nesterov => [0.03, 0.1, 0.3],
        Method::RmsProp | Method::Adam | Method::AdamW => [1e-3, 3e-3, 1e-2],
    }
}

/// AdamW's decoupled weight decay: PyTorch's default.
pub const ADAMW_DECAY: f32 = 0.01;

/// One method's walk: the method, its learning rate, and the points `(x, y)` it visited.
pub type Path = (Method, f32, Vec<(f64, f64)>);

// ANCHOR: paths
/// The path each method takes down a long, narrow valley, `f(x, y) = (x² + 25·y²)/2`,
/// from `(-4, 1)`, for 40 steps: the picture behind the equations. Plain SGD, limited by
/// the steep direction, zigzags across the valley and crawls along it; momentum gathers
/// speed along it and overshoots; Adam steps about `lr` along each axis whatever the slope.
pub fn paths() -> Vec<Path> {
    let settings = [
        (Method::Sgd, 0.075),
        (Method::Momentum, 0.015),
        (Method::Nesterov, 0.015),
        (Method::RmsProp, 0.1),
        (Method::Adam, 0.3),
    ];
    settings
        .into_iter()
        .map(|(method, lr)| {
            let point = Tensor::param(ndarray::array![-4.0f32, 1.0]);
            let mut optimizer = Optimizer::new(vec![point.clone()], method, lr, 0.0);
            let mut path = vec![(-4.0, 1.0)];
            for _ in 0..40 {
                let v = point.value();
                point.set_grad(Some(ndarray::array![v[0], 25.0 * v[1]].into_dyn())); // ∇f
                optimizer.step();
                let v = point.value();
                path.push((f64::from(v[0]), f64::from(v[1])));
            }
            (method, lr, path)
        })
        .collect()
}
// ANCHOR_END: paths

/// One method's rates and the chosen one.
#[derive(Debug, Serialize)]
struct MethodResult {
    method: &'static str,
    arms: Vec<Arm>,
    chosen_lr: f32,
    test_accuracy: Spread,
}

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let net = NetConfig::new(Arch::Mlp(vec![size.hidden]));
    let mut configs = Vec::new();
    for method in Method::ALL {
        for lr in rates(method) {
            let mut config = TrainConfig::new(net.clone(), method, lr, size.steps);
            config.batch_size = size.batch;
            if method == Method::AdamW {
                config.weight_decay = ADAMW_DECAY;
            }
            configs.push(config);
        }
    }
    let digits = lab.digits;
    let (validation, test) = (
        digits.validation_rows(size.validation_images),
        digits.test_rows(size.test_images),
    );
    let seeds = &lab.seeds;
    let runs = lab.run(session, "optimizers", configs.len() * seeds.len(), |i| {
        let (config, seed) = (&configs[i / seeds.len()], seeds[i % seeds.len()]);
        let rows = digits.training_rows(size.train_images, seed);
        let (mut net, outcome) = train(
            config,
            &digits.train,
            &rows,
            &validation,
            digits.classes,
            seed,
        );
        // Computed for every run, reported only for each method's chosen rate: the choice
        // below looks at validation accuracy alone.
        let test = evaluate(&mut net, &digits.test, &test);
        Tested { outcome, test }
    });
    let runs_of = |c: usize| &runs[c * seeds.len()..(c + 1) * seeds.len()];

    let mut results = Vec::new();
    let mut curves = Vec::new();
    let mut by_rate = Vec::new();
    for (m, method) in Method::ALL.into_iter().enumerate() {
        let arms: Vec<Arm> = rates(method)
            .iter()
            .enumerate()
            .map(|(r, &lr)| Arm::over_seeds(lr, runs_of(m * 3 + r)))
            .collect();
        // Chosen on validation: the highest mean validation accuracy.
        let best = (0..3)
            .max_by(|&a, &b| {
                arms[a]
                    .validation_accuracy
                    .mean
                    .total_cmp(&arms[b].validation_accuracy.mean)
            })
            .expect("three rates");
        let chosen = runs_of(m * 3 + best);
        curves.push(Series::new(
            format!("{} (lr {})", method.name(), arms[best].lr),
            mean_curve(chosen.iter().map(|r| &r.outcome)),
        ));
        by_rate.push(Series::new(
            method.name(),
            arms.iter()
                .map(|a| (f64::from(a.lr).log10(), a.validation_accuracy.mean)),
        ));
        results.push(MethodResult {
            method: method.name(),
            chosen_lr: arms[best].lr,
            test_accuracy: accuracy_spread(chosen.iter().map(|r| r.test)),
            arms,
        });
    }

    let mut walks: Vec<Series> = paths()
        .into_iter()
        .map(|(method, lr, path)| Series::new(format!("{} (lr {lr})", method.name()), path))
        .collect();
    walks.push(Series::new("the minimum", [(0.0, 0.0)]));
    plot::line_chart(
        &session.output("paths.svg"),
        "40 steps down the valley f(x, y) = (x² + 25y²)/2",
        "x",
        "y",
        &walks,
        Scale::Linear,
    )?;
    plot::line_chart(
        &session.output("loss.svg"),
        "Training loss of each optimiser at its chosen rate (mean of the seeds)",
        "step",
        "cross-entropy (running mean)",
        &curves,
        Scale::Log,
    )?;
    plot::line_chart(
        &session.output("rates.svg"),
        "Validation accuracy against learning rate",
        "log10(learning rate)",
        "validation accuracy",
        &by_rate,
        Scale::Linear,
    )?;
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let arms: Vec<String> = r
                .arms
                .iter()
                .map(|a| format!("{}: {}", a.lr, cell(&a.validation_accuracy, a.diverged)))
                .collect();
            vec![
                r.method.to_owned(),
                arms.join("<br>"),
                r.chosen_lr.to_string(),
                r.test_accuracy.percent(),
            ]
        })
        .collect();
    let header = [
        "optimiser",
        "validation accuracy at each learning rate",
        "chosen rate",
        "test accuracy",
    ];
    write_text(session, "table.md", &table(&header, &rows))?;
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "methods": results }),
    )?;

    println!("optimiser    chosen lr  test accuracy");
    for r in &results {
        println!(
            "{:12} {:9}  {}",
            r.method,
            r.chosen_lr,
            r.test_accuracy.percent()
        );
    }
    let mut finding = Finding {
        params: net.num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    for r in &results {
        let key = format!("optimizers_{}", r.method.to_lowercase());
        finding.spread(&format!("{key}_test_accuracy"), &r.test_accuracy);
        finding
            .metrics
            .push((format!("{key}_lr"), f64::from(r.chosen_lr)));
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    finding.seconds = clock.seconds();
    Ok(finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_the_valley_every_method_descends_and_momentum_gets_along_it_sooner() {
        let f = |(x, y): (f64, f64)| (x * x + 25.0 * y * y) / 2.0;
        let start = f((-4.0, 1.0));
        let paths = paths();
        for (method, _, path) in &paths {
            let end = f(*path.last().unwrap());
            assert!(
                end < start / 10.0,
                "{}: f went from {start} to {end}",
                method.name()
            );
        }
        // The step at which each path first gets within 1 of the minimum along the valley.
        let arrival = |m: Method| {
            let (_, _, path) = paths.iter().find(|p| p.0 == m).unwrap();
            path.iter().position(|&(x, _)| x > -1.0).unwrap()
        };
        assert!(
            arrival(Method::Momentum) < arrival(Method::Sgd),
            "momentum arrives at step {}, SGD at step {}",
            arrival(Method::Momentum),
            arrival(Method::Sgd)
        );
    }
}
