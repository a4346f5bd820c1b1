//! `09-transformer`: a character GPT trained on Tiny Shakespeare. See the crate docs and
//! chapter 9.
//!
//! `09-transformer` trains (and prints the n-gram baselines beside it) and saves a
//! checkpoint; `09-transformer sample --prompt ...` writes text with it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use charlm::text::Text;
use clap::{Args, Parser, Subcommand};
use rand::SeedableRng;
use transformer::model::{Gpt, GptConfig};
use transformer::sample::{generate, Sampling};
use transformer::train::{self, Event, TrainConfig, Training};
use transformer::{checkpoint, figures};

#[derive(Parser)]
#[command(
    version,
    about = "09 · a character GPT: causal self-attention from tensor ops, on Tiny Shakespeare",
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
    /// Train (what running without a subcommand does).
    Train(TrainArgs),
    /// Write text with a trained model.
    Sample(SampleArgs),
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    base: charlm::cli::RunArgs,
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
    /// Training steps (each on --batch-size windows of --seq-len characters).
    ///
    /// The default fits the ten minutes of issue 17 on 2 cores: about 60 ms a step with the
    /// evaluations (scripts/bench-transformer.sh, made 0.7 times as long by skipping the
    /// checkpoint at T 64), 9,000 steps in about 540 s.
    #[arg(long, default_value_t = 9000, value_parser = clap::value_parser!(u32).range(1..))]
    steps: u32,
    /// Transformer blocks.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    layers: u32,
    /// Attention heads per block (the width must be a multiple of it).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    heads: u32,
    /// Width of the residual stream (each position's vector).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=4096))]
    width: u32,
    /// Characters per window: the context the model reads.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    seq_len: u32,
    /// Windows per step.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=4096))]
    batch_size: u32,
    /// AdamW's peak learning rate (after the warm-up; it then falls along half a cosine to
    /// a tenth of it).
    #[arg(long, default_value_t = 2e-3, value_parser = run::flags::positive)]
    lr: f32,
    /// Steps of linear learning-rate warm-up.
    #[arg(long, default_value_t = 100)]
    warmup: u32,
    /// Dropout probability (0 to switch it off).
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    dropout: f32,
    /// AdamW's weight decay on the matrices.
    #[arg(long, default_value_t = 0.1, value_parser = non_negative)]
    weight_decay: f32,
    /// The largest global gradient norm a step may take.
    #[arg(long, default_value_t = 1.0, value_parser = run::flags::positive)]
    clip: f32,
    /// Tie the output layer to the token embedding (transposed) instead of giving it its
    /// own weights.
    #[arg(long)]
    tied: bool,
    /// Measure the validation loss every N steps (and after the last). Default: ten times
    /// in a run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    eval_every: Option<u32>,
    /// Temperature of the samples the run writes.
    #[arg(long, default_value_t = 0.8, value_parser = run::flags::positive)]
    temperature: f32,
}

#[derive(Args)]
struct SampleArgs {
    /// The checkpoint a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/09-transformer/model.safetensors"
    )]
    checkpoint: PathBuf,
    #[command(flatten)]
    sample: charlm::cli::PromptArgs,
    /// Draw each character among the K likeliest only (0: among all).
    #[arg(long, value_name = "K", default_value_t = 0)]
    top_k: usize,
    /// Recompute the whole context for every character instead of keeping a key-value
    /// cache (the same text, more slowly).
    #[arg(long)]
    no_cache: bool,
}

fn probability(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(p) if (0.0..1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{text:?} is not a probability from 0 up to (not including) 1"
        )),
    }
}

fn non_negative(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(x) if x >= 0.0 && x.is_finite() => Ok(x),
        _ => Err(format!("{text:?} is not a number from 0 up")),
    }
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        match cli.command {
            None => train(cli.train),
            Some(Command::Train(args)) => train(args),
            Some(Command::Sample(args)) => sample(args),
        }
    })
}

fn train(args: TrainArgs) -> anyhow::Result<()> {
    let config = TrainConfig {
        batch: args.batch_size as usize,
        seq_len: args.seq_len as usize,
        steps: args.steps as usize,
        lr: args.lr,
        warmup: (args.warmup as usize).min(args.steps as usize / 2),
        weight_decay: args.weight_decay,
        clip: args.clip,
        dropout: args.dropout,
        eval_every: args
            .eval_every
            .map_or((args.steps as usize / 10).max(1), |n| n as usize),
        ..TrainConfig::default()
    };
    anyhow::ensure!(
        args.width % args.heads == 0,
        "--width {} is not a multiple of --heads {}: each head takes an equal share of the \
         width; pick a width that {} divides",
        args.width,
        args.heads,
        args.heads
    );
    let mut settings = vec![
        ("steps", args.steps.to_string()),
        ("layers", args.layers.to_string()),
        ("heads", args.heads.to_string()),
        ("width", args.width.to_string()),
        ("seq_len", args.seq_len.to_string()),
        ("batch", args.batch_size.to_string()),
        ("lr", args.lr.to_string()),
        ("warmup", config.warmup.to_string()),
        ("dropout", args.dropout.to_string()),
        ("weight_decay", args.weight_decay.to_string()),
        ("tied", args.tied.to_string()),
    ];
    // Only when given, so that the configuration line of a default run stays short;
    // `--resume` refuses a run on another text, or another cut of it, or other evaluations.
    settings.extend(args.base.text.settings());
    if let Some(n) = args.eval_every {
        settings.push(("eval_every", n.to_string()));
    }
    let mut session = run::Session::start("09-transformer", &args.base.common, &settings)?;
    #[cfg(feature = "learner")]
    session.on_your_code(transformer::YOUR_FUNCTIONS);
    std::fs::create_dir_all(&session.out_dir).with_context(|| {
        format!(
            "cannot create the output folder {}; pass --out with a writable folder",
            session.out_dir.display()
        )
    })?;

    // A checkpoint is saved at each evaluation; `--resume` continues from it (and checks
    // it is this run's) before any data is loaded.
    let checkpoint_path = session.out_dir.join("model.safetensors");
    let resumed = session.resume_from(
        &checkpoint_path,
        || Ok(nn::checkpoint::read_metadata(&checkpoint_path)?),
        args.resume.resume,
    )?;
    let history: History = resumed.history()?;

    let text_path = args.base.text.path(&session.data_dir)?;
    let mut text = charlm::text::load_text(&text_path, config.batch, config.seq_len)?;
    if let Some(limit) = args.base.text.text_limit {
        text = limited(&text, limit as usize, config.seq_len, &text_path)?;
    }
    anyhow::ensure!(
        text.valid.len() > config.seq_len,
        "{}: the validation part ({} characters) is shorter than one window of --seq-len {}; \
         give a longer text or a smaller --seq-len",
        text_path.display(),
        text.valid.len(),
        config.seq_len
    );
    let dataset = args.base.text.dataset();
    charlm::cli::describe(&text);

    // The baselines the network must beat.
    let baselines = charlm::cli::baselines(&text, &session.output("baselines.md"))?;

    let model = Gpt::new(
        GptConfig {
            vocab: text.vocab.len(),
            context: config.seq_len,
            layers: args.layers as usize,
            heads: args.heads as usize,
            width: args.width as usize,
            tied: args.tied,
        },
        &mut session.rngs.init.clone(),
    );
    println!(
        "model: {} blocks, {} heads, width {}, context {}: {} parameters; {} steps of {} \
         windows × {} characters",
        args.layers,
        args.heads,
        args.width,
        args.seq_len,
        model.num_parameters(),
        config.steps,
        config.batch,
        config.seq_len
    );
    let saving = Saving {
        path: session.output("model.safetensors"),
        resume: history.cursor.map(|c| (checkpoint_path.clone(), c)),
        samples: history.samples,
        sample_rng: history.sample_rng,
    };
    let (training, samples) = train_and_sample(&model, &config, &text, &args, saving, &session)?;
    run::write_atomic(
        &session.output("samples.md"),
        charlm::figures::samples_markdown(&samples).as_bytes(),
    )?;
    charlm::figures::loss_against_time(
        &session.output("loss_time.svg"),
        "validation loss against training time",
        &[("transformer".into(), &training)],
        &baselines,
        2,
    )?;

    // Where each head of the first and last layer looks, for one line of the play.
    let line = "ROMEO:\nWhat light is this?";
    if let Ok(ids) = text.vocab.encode(line) {
        if ids.len() <= config.seq_len {
            let maps = figures::attention_weights(&model, &ids);
            let layers = [0, model.blocks.len() - 1];
            let chars: Vec<char> = line.chars().collect();
            run::write_atomic(
                &session.output("attention.svg"),
                figures::attention_svg(&maps, &layers[..model.blocks.len().min(2)], &chars)
                    .as_bytes(),
            )?;
        }
    }

    // Speeds go to speed.json, not among the metrics: two runs with the same seed give the
    // same metrics (a workspace test checks), never the same timings.
    let speed = serde_json::json!({
        "ms_per_step": round(training.ms_per_step(), 2),
        "train_seconds": round(training.train_seconds, 2),
    });
    let speed = serde_json::to_string_pretty(&speed)? + "\n";
    run::write_atomic(&session.output("speed.json"), speed.as_bytes())?;

    let mut report = run::Report::new(&dataset).metric("val_loss", training.final_valid_loss());
    for b in &baselines {
        report = report.metric(&format!("ngram{}_val_loss", b.order), b.valid_loss);
    }
    report.train_seconds = Some(training.train_seconds);
    report.steps = Some(config.steps);
    report.examples_per_second = training.chars as f64 / training.train_seconds.max(1e-9);
    report.params = model.num_parameters();
    session.finish(&report)
}

/// What the run keeps in its checkpoint besides the weights, for `--resume`: the training
/// loop's cursor, and the samples written so far with the random stream they are drawn from.
type History = charlm::training::History<(String, String)>;

/// Where training saves its checkpoint, and what it continues from.
struct Saving {
    path: PathBuf,
    resume: charlm::checkpoint::Resume,
    samples: Vec<(String, String)>,
    sample_rng: Option<run::resume::RngState>,
}

/// Trains, printing each evaluation and sampling a few lines at each; returns the run and
/// the samples, labelled.
fn train_and_sample(
    model: &Gpt,
    config: &TrainConfig,
    text: &Text,
    args: &TrainArgs,
    saving: Saving,
    session: &run::Session,
) -> anyhow::Result<(Training, Vec<(String, String)>)> {
    let mut progress = session.progress("training", config.steps as u64);
    let mut sample_rng = match &saving.sample_rng {
        Some(saved) => saved.restore()?,
        None => session.rngs.noise.clone(),
    };
    let mut samples = saving.samples;
    let prompt = text
        .vocab
        .encode("\n")
        .unwrap_or_else(|_| vec![text.train[0]]);
    let mut last_step = saving.resume.as_ref().map_or(0, |(_, c)| c.step);
    let mut rng = session.rngs.shuffle.clone();
    let training = train::train(
        model,
        &text.train,
        &text.valid,
        config,
        &mut rng,
        saving.resume,
        |event| {
            match event {
                Event::Step { step, loss } => {
                    progress.advance(
                        (step - last_step) as u64,
                        (config.batch * config.seq_len) as u64,
                        &[("loss", loss)],
                    );
                    last_step = step;
                }
                Event::Evaluated {
                    point,
                    model,
                    optimizer,
                    cursor,
                } => {
                    let how = Sampling {
                        temperature: args.temperature,
                        top_k: None,
                        cache: true,
                    };
                    let ids = generate(model, &prompt, 200, how, &mut sample_rng);
                    let sample = text.vocab.decode(&ids);
                    println!(
                        "step {} ({:.0} s): train loss {:.4}, validation loss {:.4}",
                        point.step, point.seconds, point.train_loss, point.valid_loss
                    );
                    samples.push((
                        format!(
                            "after {} steps ({:.0} s, validation loss {:.2})",
                            point.step, point.seconds, point.valid_loss
                        ),
                        sample,
                    ));
                    // Weights, AdamW's moments and where the run stands, in one file:
                    // `--resume` continues from here.
                    let step = cursor.step;
                    let history = History {
                        cursor: Some(*cursor),
                        samples: samples.clone(),
                        sample_rng: Some(run::resume::RngState::of(&sample_rng)),
                    };
                    let state = session.resume_state(0, step, &session.rngs, &history)?;
                    checkpoint::save_training(
                        &saving.path,
                        model,
                        &text.vocab,
                        Some(optimizer),
                        Some(&state),
                    )?;
                }
            }
            Ok(())
        },
    )?;
    progress.finish();
    println!(
        "trained {} steps in {:.1} s ({:.1} ms per step, median); validation loss {:.4}",
        config.steps,
        training.train_seconds,
        training.ms_per_step(),
        training.final_valid_loss()
    );
    Ok((training, samples))
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// The first `limit` characters of a text, split 90/10 again.
fn limited(
    text: &Text,
    limit: usize,
    seq_len: usize,
    path: &std::path::Path,
) -> anyhow::Result<Text> {
    let all: Vec<u32> = text.all().into_iter().take(limit).collect();
    let valid_len = (all.len() as f64 * charlm::text::VALID_FRACTION).round() as usize;
    anyhow::ensure!(
        valid_len > seq_len,
        "--text-limit {limit}: {} keeps {} characters, too few for a validation window of \
         {seq_len}; raise --text-limit",
        path.display(),
        all.len()
    );
    Ok(charlm::cli::resplit(text, &all))
}

fn sample(args: SampleArgs) -> anyhow::Result<()> {
    let (model, vocab) = checkpoint::load(&args.checkpoint)?;
    let prompt = charlm::sample::encode_prompt(&vocab, &args.sample.prompt)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.sample.seed);
    let how = Sampling {
        temperature: args.sample.temperature,
        top_k: (args.top_k > 0).then_some(args.top_k),
        cache: !args.no_cache,
    };
    let started = Instant::now();
    let ids = generate(&model, &prompt, args.sample.length as usize, how, &mut rng);
    let seconds = started.elapsed().as_secs_f64();
    println!("{}{}", args.sample.prompt, vocab.decode(&ids));
    eprintln!(
        "{} characters in {:.2} s ({:.0} per second, {})",
        ids.len(),
        seconds,
        ids.len() as f64 / seconds.max(1e-9),
        if how.cache {
            "key-value cache"
        } else {
            "no cache"
        }
    );
    Ok(())
}
