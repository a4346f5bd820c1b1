//! `08-lstm`: LSTM and GRU cells from tensor ops on Tiny Shakespeare. See the crate docs and
//! chapter 8.
//!
//! `08-lstm` trains the default model (a 2 × 256 LSTM) and saves a checkpoint;
//! `08-lstm sample` writes text with it; `08-lstm compare` trains chapter 7's RNN, the GRU
//! and the LSTM for the same wall-clock budget each and tables them beside the n-grams.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use charlm::text::Text;
use charlm::Baseline;
use clap::{Args, Parser, Subcommand, ValueEnum};
use lstm::model::{Cell, CharModel, ModelConfig};
use lstm::train::{self, TrainConfig, Training};
use lstm::{checkpoint, figures};
use rand::SeedableRng;

#[derive(Parser)]
#[command(
    version,
    about = "08 · gated recurrent networks: LSTM and GRU cells from tensor ops on Tiny Shakespeare",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Train one model (what running without a subcommand does).
    Train(TrainArgs),
    /// Write text with a trained model.
    Sample(SampleArgs),
    /// Train the RNN, the GRU and the LSTM for the same wall-clock budget each, and table
    /// their validation losses beside the best n-gram's.
    Compare(CompareArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CellArg {
    /// Chapter 7's tanh cell.
    Rnn,
    /// The gated recurrent unit.
    Gru,
    /// Long short-term memory.
    Lstm,
}

impl From<CellArg> for Cell {
    fn from(arg: CellArg) -> Cell {
        match arg {
            CellArg::Rnn => Cell::Rnn,
            CellArg::Gru => Cell::Gru,
            CellArg::Lstm => Cell::Lstm,
        }
    }
}

#[derive(Args, Clone)]
struct ModelArgs {
    #[command(flatten)]
    base: charlm::cli::RunArgs,
    /// Units per recurrent layer.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    hidden: u32,
    /// Recurrent layers stacked.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    layers: u32,
    /// Probability of dropping each unit between two layers, in training.
    #[arg(long, default_value_t = 0.1, value_parser = dropout_probability)]
    dropout: f32,
    /// Steps of backpropagation through time per window.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    seq_len: u32,
    /// Text streams read side by side per step.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    batch_size: u32,
    /// Adam's learning rate at the start (it falls along half a cosine to 1/20 of it).
    // Chosen among 0.002, 0.005, 0.01 and 0.02 on a tenth carved off the training split, by
    // scripts/book-figures.sh (chapter 8, "Choosing the learning rate"), which checks it.
    #[arg(long, default_value_t = 1e-2, value_parser = run::flags::positive)]
    lr: f32,
    /// The largest global gradient norm a step may take.
    #[arg(long, default_value_t = 1.0, value_parser = run::flags::positive)]
    clip: f32,
    /// Measure the validation loss on only the first N characters of the validation split
    /// during training (the final loss is always on all of it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    eval_chars: Option<u32>,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The recurrent cell.
    #[arg(long, value_enum, default_value_t = CellArg::Lstm)]
    cell: CellArg,
    /// Training steps (windows of --batch-size × --seq-len characters). The default is
    /// about 9 minutes of training on 2 cores here.
    #[arg(long, default_value_t = 3_600, value_parser = clap::value_parser!(u32).range(1..))]
    steps: u32,
    /// Temperature of the samples the run writes.
    #[arg(long, default_value_t = 0.8, value_parser = run::flags::positive)]
    temperature: f32,
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Seconds of training for each model: each is timed on a few steps first and given the
    /// number of steps that fills this budget.
    #[arg(long, default_value_t = 180.0, value_parser = run::flags::positive)]
    seconds: f32,
}

#[derive(Args)]
struct SampleArgs {
    /// The checkpoint a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/08-lstm/model.safetensors"
    )]
    checkpoint: PathBuf,
    #[command(flatten)]
    sample: charlm::cli::PromptArgs,
}

fn dropout_probability(s: &str) -> Result<f32, String> {
    let p: f32 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability below 1 (try 0.1)"))
    }
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        match cli.command {
            None => train(cli.train),
            Some(Command::Train(args)) => train(args),
            Some(Command::Sample(args)) => sample(args),
            Some(Command::Compare(args)) => compare(args),
        }
    })
}

impl ModelArgs {
    fn train_config(&self, steps: usize) -> TrainConfig {
        TrainConfig {
            seq_len: self.seq_len as usize,
            batch: self.batch_size as usize,
            lr: self.lr,
            clip: self.clip,
            steps,
            eval_every: (steps / 12).max(1),
            eval_chars: self.eval_chars.map(|n| n as usize),
            ..TrainConfig::default()
        }
    }

    fn model_config(&self, cell: Cell, vocab: usize) -> ModelConfig {
        ModelConfig {
            cell,
            vocab,
            hidden: self.hidden as usize,
            layers: self.layers as usize,
            dropout: self.dropout,
        }
    }

    fn settings(&self) -> Vec<(&'static str, String)> {
        let mut settings = vec![
            ("hidden", self.hidden.to_string()),
            ("layers", self.layers.to_string()),
            ("dropout", self.dropout.to_string()),
            ("seq_len", self.seq_len.to_string()),
            ("batch", self.batch_size.to_string()),
            ("lr", self.lr.to_string()),
            ("clip", self.clip.to_string()),
        ];
        // Only when given, so that the configuration line of a default run stays short;
        // `--resume` refuses a run on another text, or another cut or measure of it.
        settings.extend(self.base.text.settings());
        if let Some(n) = self.eval_chars {
            settings.push(("eval_chars", n.to_string()));
        }
        settings
    }
}

fn start(
    project_args: &ModelArgs,
    extra: &[(&'static str, String)],
) -> anyhow::Result<run::Session> {
    let mut settings = project_args.settings();
    settings.extend_from_slice(extra);
    #[cfg_attr(not(feature = "learner"), allow(unused_mut))] // on_your_code needs it mutable
    let mut session = run::Session::start("08-lstm", &project_args.base.common, &settings)?;
    #[cfg(feature = "learner")]
    session.on_your_code(lstm::YOUR_FUNCTIONS);
    std::fs::create_dir_all(&session.out_dir).with_context(|| {
        format!(
            "cannot create the output folder {}; pass --out with a writable folder",
            session.out_dir.display()
        )
    })?;
    Ok(session)
}

fn best_ngram(baselines: &[Baseline]) -> &Baseline {
    baselines
        .iter()
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss))
        .expect("at least one baseline")
}

fn train(args: TrainArgs) -> anyhow::Result<()> {
    let cell = Cell::from(args.cell);
    let extra = [
        ("cell", cell.name().to_owned()),
        ("steps", args.steps.to_string()),
    ];
    let mut session = start(&args.model, &extra)?;
    // A checkpoint is saved at each evaluation; `--resume` continues from it (and checks it
    // is this run's) before any data is loaded.
    let checkpoint_path = session.out_dir.join("model.safetensors");
    let resumed = session.resume_from(
        &checkpoint_path,
        || Ok(nn::checkpoint::read_metadata(&checkpoint_path)?),
        args.resume.resume,
    )?;
    let history: History = resumed.history()?;
    let (text, dataset) = load_text(&args.model, &session)?;
    let baselines = charlm::cli::baselines(&text, &session.output("baselines.md"))?;
    let config = args.model.train_config(args.steps as usize);
    let model = CharModel::new(
        args.model.model_config(cell, text.vocab.len()),
        &mut session.rngs.init.clone(),
    );
    let saving = Saving {
        path: session.output("model.safetensors"),
        resume: history.cursor.map(|c| (checkpoint_path.clone(), c)),
        samples: history.samples,
        sample_rng: history.sample_rng,
    };
    let (training, samples) = fit(
        &model,
        &config,
        &text,
        args.temperature,
        Some(saving),
        &session,
    )?;
    let valid_loss = training.final_valid_loss();
    let best = best_ngram(&baselines);
    println!(
        "{}: validation loss {valid_loss:.4} after {:.1} s of training ({:.1} ms/step; the {}: {:.4})",
        cell.name(),
        training.train_seconds,
        training.ms_per_step(),
        best.name(),
        best.valid_loss
    );
    run::write_atomic(
        &session.output("samples.md"),
        charlm::figures::samples_markdown(&samples).as_bytes(),
    )?;
    charlm::figures::loss_against_time(
        &session.output("loss_time.svg"),
        &format!(
            "2 × {} {}: validation loss against training time",
            args.model.hidden,
            cell.name().to_uppercase()
        ),
        &[(cell.name().to_uppercase(), &training)],
        &baselines,
        3,
    )?;
    let mut speed = serde_json::Map::new();
    speed.insert(
        "ms_per_step".into(),
        round(training.ms_per_step(), 2).into(),
    );
    speed.insert(
        "train_seconds".into(),
        round(training.train_seconds, 2).into(),
    );
    run::write_atomic(
        &session.output("speed.json"),
        (serde_json::to_string_pretty(&speed)? + "\n").as_bytes(),
    )?;

    let mut report = run::Report::new(&dataset)
        .metric("val_loss", valid_loss)
        .metric("best_ngram_val_loss", best.valid_loss)
        .count("best_ngram_order", best.order);
    report.train_seconds = Some(training.train_seconds);
    report.steps = Some(config.steps);
    report.examples_per_second = training.chars as f64 / training.train_seconds.max(1e-9);
    report.params = model.num_parameters();
    session.finish(&report)
}

/// What a training run keeps in its checkpoint besides the weights, for `--resume`: the
/// training loop's cursor, and the samples taken so far with the random stream they are
/// drawn from.
type History = charlm::training::History<(train::Point, String)>;

/// Where training saves its checkpoint, and what it continues from.
struct Saving {
    path: PathBuf,
    resume: charlm::checkpoint::Resume,
    samples: Vec<(train::Point, String)>,
    sample_rng: Option<run::resume::RngState>,
}

/// The text (Tiny Shakespeare or `--text`), cut to `--text-limit`, and its name.
fn load_text(args: &ModelArgs, session: &run::Session) -> anyhow::Result<(Text, String)> {
    let (batch, seq_len) = (args.batch_size as usize, args.seq_len as usize);
    args.base.text.load(&session.data_dir, batch, seq_len)
}

/// Trains `model` with a progress bar, prints the curve, and returns the training and a
/// sample at a few points of it.
fn fit(
    model: &CharModel,
    config: &TrainConfig,
    text: &Text,
    temperature: f32,
    saving: Option<Saving>,
    session: &run::Session,
) -> anyhow::Result<(Training, Vec<(String, String)>)> {
    let name = model.config.cell.name();
    println!(
        "{name}: {} × {}, {} parameters; {} steps of {} streams × {} characters, Adam lr {} (cosine), clip {}, dropout {}",
        model.config.layers,
        model.config.hidden,
        model.num_parameters(),
        config.steps,
        config.batch,
        config.seq_len,
        config.lr,
        config.clip,
        model.config.dropout
    );
    let mut progress = session.progress(name, config.steps as u64);
    let mut shuffle = session.rngs.shuffle.clone();
    let (path, resume, mut samples, sample_rng) = match saving {
        Some(s) => (Some(s.path), s.resume, s.samples, s.sample_rng),
        None => (None, None, Vec::new(), None),
    };
    let mut noise = match &sample_rng {
        Some(saved) => saved.restore()?,
        None => session.rngs.noise.clone(),
    };
    let chars_per_step = (config.batch * config.seq_len) as u64;
    if let Some((_, cursor)) = &resume {
        progress.advance(cursor.step as u64, chars_per_step * cursor.step as u64, &[]);
    }
    let newline = text
        .vocab
        .encode("\n")
        .unwrap_or_else(|_| vec![text.train[0]]);
    let mut training = train::train_text(
        model,
        &text.train,
        &text.valid,
        config,
        &mut shuffle,
        resume,
        |event| {
            match event {
                train::Event::Step { loss, .. } => {
                    progress.advance(1, chars_per_step, &[("loss", loss)]);
                }
                train::Event::Evaluated {
                    point,
                    model,
                    optimizer,
                    cursor,
                } => {
                    let ids = train::generate(model, &newline, 300, temperature, &mut noise);
                    samples.push((point, text.vocab.decode(&ids)));
                    let Some(path) = &path else { return Ok(()) };
                    // Weights, Adam's moments and where the run stands, in one file:
                    // `--resume` continues from here.
                    let step = cursor.step;
                    let history = History {
                        cursor: Some(*cursor),
                        samples: samples.clone(),
                        sample_rng: Some(run::resume::RngState::of(&noise)),
                    };
                    let state = session.resume_state(0, step, &session.rngs, &history)?;
                    checkpoint::save_training(path, model, &text.vocab, optimizer, &state)?;
                    println!(
                        "{name}: step {step}, validation loss {:.4}; checkpoint saved",
                        point.valid_loss
                    );
                }
            }
            Ok(())
        },
    )?;
    progress.finish();
    if config.eval_chars.is_some() {
        // The curve was measured on part of the validation split; the end is on all of it.
        let last = training
            .curve
            .last_mut()
            .expect("the last step is evaluated");
        last.valid_loss = train::evaluate_text(model, &text.valid);
    }
    for p in &training.curve {
        println!(
            "{name}, step {:>6}  {:>6.1} s  training loss {:.4}  validation loss {:.4}",
            p.step, p.seconds, p.train_loss, p.valid_loss
        );
    }
    // The samples nearest to 100 and 1000 steps, a third of the way, and the end.
    let mut shown: Vec<&(train::Point, String)> = Vec::new();
    for target in [100, 1000, config.steps / 3, config.steps] {
        let nearest = samples.iter().min_by_key(|(p, _)| p.step.abs_diff(target));
        if let Some(s) = nearest.filter(|s| !shown.iter().any(|t| t.0.step == s.0.step)) {
            shown.push(s);
        }
    }
    let headed = shown
        .iter()
        .map(|(p, s)| {
            (
                format!(
                    "after {} steps ({:.0} s of training), validation loss {:.2}",
                    p.step, p.seconds, p.valid_loss
                ),
                s.clone(),
            )
        })
        .collect();
    Ok((training, headed))
}

/// The long-range test scores the newlines that end lines at least this long.
const LONG_LINE: usize = 30;

fn compare(args: CompareArgs) -> anyhow::Result<()> {
    let extra = [("seconds_per_model", args.seconds.to_string())];
    let mut session = start(&args.model, &extra)?;
    let (text, dataset) = load_text(&args.model, &session)?;
    let baselines = charlm::cli::baselines(&text, &session.output("baselines.md"))?;
    let best = best_ngram(&baselines);
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    let mut report = run::Report::new(&dataset);
    let newline = text.vocab.encode("\n").map_or(u32::MAX, |ids| ids[0]);
    let (mut long_range, mut gradients) = (Vec::new(), Vec::new());
    for cell in Cell::ALL {
        let model_config = args.model.model_config(cell, text.vocab.len());
        let steps = calibrate(&args.model, model_config, &text, args.seconds as f64);
        println!("{}: {steps} steps fill {} s", cell.name(), args.seconds);
        let config = args.model.train_config(steps);
        let model = CharModel::new(model_config, &mut session.rngs.init.clone());
        let (training, _) = fit(&model, &config, &text, 0.8, None, &session)?;
        let loss = training.final_valid_loss();
        report = report.metric(&format!("{}_val_loss", cell.name()), loss);
        // The long-range test, on the validation split.
        let losses = train::losses_per_char(&model, &text.valid);
        let (ends, n_ends, rest) =
            figures::line_end_losses(&text.valid, &losses, newline, LONG_LINE);
        report = report.metric(&format!("{}_line_end_loss", cell.name()), ends);
        long_range.push(vec![
            cell.name().to_uppercase(),
            format!("{ends:.3}"),
            format!("{rest:.3}"),
            n_ends.to_string(),
        ]);
        // How far back the gradient reaches, at initialisation and trained.
        if cell != Cell::Gru && text.valid.len() > 40 * (64 + 64) {
            let fresh = CharModel::new(model_config, &mut session.rngs.init.clone());
            let name = cell.name().to_uppercase();
            let trained = figures::gradient_through_time(&model, &text.valid, 64, 40);
            let initial = figures::gradient_through_time(&fresh, &text.valid, 64, 40);
            println!(
                "{name}: the gradient 32 steps back is {:.1e} of its size at the last step (trained), {:.1e} (at initialisation)",
                trained[32], initial[32]
            );
            report = report
                .metric(&format!("{}_gradient_32_back", cell.name()), trained[32])
                .metric(
                    &format!("{}_gradient_32_back_init", cell.name()),
                    initial[32],
                );
            gradients.push((format!("{name}, trained"), trained));
            gradients.push((format!("{name}, at initialisation"), initial));
        }
        rows.push(vec![
            format!(
                "{} {} × {}",
                cell.name().to_uppercase(),
                model_config.layers,
                model_config.hidden
            ),
            model.num_parameters().to_string(),
            steps.to_string(),
            format!("{:.0}", training.train_seconds),
            format!("{loss:.3}"),
        ]);
        runs.push((cell.name().to_uppercase(), training));
    }
    rows.push(vec![
        format!(
            "{} (add-k, k = {})",
            best.name(),
            charlm::ngram::format_k(best.k)
        ),
        "".into(),
        "".into(),
        "".into(),
        format!("{:.3}", best.valid_loss),
    ]);
    let table = figures::markdown_table(
        &["model", "parameters", "steps", "seconds", "validation loss"],
        &[false, true, true, true, true],
        &rows,
    );
    print!("{table}");
    run::write_atomic(&session.output("compare.md"), table.as_bytes())?;
    let named: Vec<(String, &Training)> = runs.iter().map(|(n, t)| (n.clone(), t)).collect();
    charlm::figures::loss_against_time(
        &session.output("compare.svg"),
        "The three cells on the same budget",
        &named,
        &baselines,
        3,
    )?;
    let table = figures::markdown_table(
        &[
            "model",
            &format!("loss on the newline ending a line of {LONG_LINE}+ characters"),
            "loss on every other character",
            "such newlines",
        ],
        &[false, true, true, true],
        &long_range,
    );
    print!("{table}");
    run::write_atomic(&session.output("long_range.md"), table.as_bytes())?;
    if !gradients.is_empty() {
        figures::gradient_decay(&session.output("gradient_decay.svg"), &gradients)?;
    }
    run::write_atomic(
        &session.output("lstm_cell.svg"),
        figures::lstm_cell_svg().as_bytes(),
    )?;
    report = report.metric("best_ngram_val_loss", best.valid_loss);
    report.train_seconds = Some(runs.iter().map(|(_, t)| t.train_seconds).sum());
    session.finish(&report)
}

/// How many training steps of this model fill `seconds`, from the median of a few timed
/// steps (the first ones, which find the caches cold, not counted).
fn calibrate(args: &ModelArgs, config: ModelConfig, text: &Text, seconds: f64) -> usize {
    let model = CharModel::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let probe = TrainConfig {
        steps: 12,
        eval_every: usize::MAX,
        ..args.train_config(12)
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut step_seconds = Vec::new();
    let _ = train::train_text(
        &model,
        &text.train,
        &text.valid[..2],
        &probe,
        &mut rng,
        None,
        |_| Ok(()),
    )
    .map(|t| step_seconds = t.step_seconds[4..].to_vec());
    step_seconds.sort_by(f64::total_cmp);
    let median = step_seconds
        .get(step_seconds.len() / 2)
        .copied()
        .unwrap_or(1.0);
    ((seconds / median) as usize).max(1)
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

fn sample(args: SampleArgs) -> anyhow::Result<()> {
    let (model, vocab) = checkpoint::load(&args.checkpoint)?;
    let prompt = charlm::sample::encode_prompt(&vocab, &args.sample.prompt)
        .with_context(|| format!("--prompt {:?}", args.sample.prompt))?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.sample.seed);
    let text = train::generate(
        &model,
        &prompt,
        args.sample.length as usize,
        args.sample.temperature,
        &mut rng,
    );
    println!("{}{}", args.sample.prompt, vocab.decode(&text));
    Ok(())
}
