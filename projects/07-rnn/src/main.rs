//! `07-rnn`: min-char-rnn by hand, then a batched RNN on the tensor engine. See the crate
//! docs and chapter 7.
//!
//! `07-rnn` trains everything (the n-gram baselines, Part 1, Part 2 on Tiny Shakespeare and
//! on names) and saves a checkpoint; `07-rnn sample --checkpoint PATH --prompt ...` writes
//! text with it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use charlm::text::Text;
use charlm::{Baseline, Names};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rand::SeedableRng;
use rnn::minimal::{MinimalConfig, MinimalRun};
use rnn::model::CharRnn;
use rnn::train::{self, TrainConfig, Training};
use rnn::{checkpoint, figures};

#[derive(Parser)]
#[command(
    version,
    about = "07 · recurrent networks: min-char-rnn by hand, then a batched RNN on the tensor engine",
    args_conflicts_with_subcommands = true,
    after_help = "--resume continues Part 2 from its checkpoints in the output folder \
                  (model.safetensors for the text, names.safetensors for the names); Part 1 \
                  (min-char-rnn, a few seconds) runs again from the start."
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
    common: run::CommonArgs,
    // `--text FILE` trains on your text; the names part is then skipped.
    #[command(flatten)]
    text: charlm::cli::TextArgs,
    /// Which parts to run.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
    /// Part 1: iterations of min-char-rnn (chunks of 25 characters).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    minimal_iterations: u32,
    /// Part 2: training steps on the text (windows of --batch-size × --seq-len characters).
    /// The default is calibrated to 5 minutes of training on the 2-core machine the project
    /// was built on (13.3 ms a step there): a step count, not a clock, so that the same seed
    /// gives the same model anywhere.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    steps: u32,
    /// Part 2: training steps on the names (batches of --batch-size names).
    // Chosen on the validation names: 3,000, 10,000 and 20,000 steps gave 2.14, 2.03 and 2.01
    // nats per character (the tuned 4-gram: 2.11); 10,000 keeps the default run's training,
    // both parts, within 5 minutes on the machine the project was built on.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    names_steps: u32,
    /// Part 2: hidden units.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    hidden: u32,
    /// Part 2: steps of backpropagation through time per window.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    seq_len: u32,
    /// Part 2: sequences (text streams, or names) per step.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    batch_size: u32,
    /// Part 2: Adam's learning rate at the start (it falls along half a cosine to 1/20 of it).
    #[arg(long, default_value_t = 2e-3, value_parser = run::flags::positive)]
    lr: f32,
    /// Part 2: the largest global gradient norm a step may take.
    #[arg(long, default_value_t = 1.0, value_parser = run::flags::positive)]
    clip: f32,
    /// Temperature of the samples the run writes.
    #[arg(long, default_value_t = 0.8, value_parser = run::flags::positive)]
    temperature: f32,
    /// Use only the first N names of the list (then shuffle and split), for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    names_limit: Option<u32>,
    // Part 2 continues from its checkpoints; Part 1, a few seconds, runs again.
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// Everything: baselines, Part 1, Part 2 on the text and on names.
    All,
    /// Part 1 only: min-char-rnn.
    Minimal,
    /// Part 2 on the text only.
    Batched,
    /// Part 2 on names only.
    Names,
}

#[derive(Args)]
struct SampleArgs {
    /// The checkpoint a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/07-rnn/model.safetensors"
    )]
    checkpoint: PathBuf,
    /// The text to start from; the model continues it. Default: "ROMEO:" for a model of
    /// text; for a model of names, nothing (every name it writes starts with the prompt).
    #[arg(long)]
    prompt: Option<String>,
    /// Below 1: safer, more repetitive text; above 1: more surprising, more mistakes.
    #[arg(long, default_value_t = 0.8, value_parser = run::flags::positive)]
    temperature: f32,
    /// Characters to write after the prompt (a model of names writes names, one a line,
    /// until it has written this many characters).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    length: u32,
    /// Seed of the draws: the same command prints the same text.
    #[arg(long, default_value_t = 42)]
    seed: u64,
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
        hidden: args.hidden as usize,
        seq_len: args.seq_len as usize,
        batch: args.batch_size as usize,
        lr: args.lr,
        clip: args.clip,
        steps: args.steps as usize,
        eval_every: (args.steps as usize / 12).max(1),
        ..TrainConfig::default()
    };
    let mut settings = vec![
        ("part", format!("{:?}", args.part).to_lowercase()),
        ("minimal_iterations", args.minimal_iterations.to_string()),
        ("steps", args.steps.to_string()),
        ("names_steps", args.names_steps.to_string()),
        ("hidden", args.hidden.to_string()),
        ("seq_len", args.seq_len.to_string()),
        ("batch", args.batch_size.to_string()),
        ("lr", args.lr.to_string()),
        ("clip", args.clip.to_string()),
        ("temperature", args.temperature.to_string()),
    ];
    // Only when given, so that the configuration line of a default run stays short.
    settings.extend(args.text.settings());
    if let Some(limit) = args.names_limit {
        settings.push(("names_limit", limit.to_string()));
    }
    let mut session = run::Session::start("07-rnn", &args.common, &settings)?;
    #[cfg(feature = "learner")]
    session.on_your_code(rnn::YOUR_FUNCTIONS);
    let wants = |part: Part| args.part == Part::All || args.part == part;
    let names_wanted = wants(Part::Names) && args.text.text.is_none();
    if wants(Part::Names) && args.text.text.is_some() {
        println!("names: skipped (--text trains on your text only)");
    }
    std::fs::create_dir_all(&session.out_dir).with_context(|| {
        format!(
            "cannot create the output folder {}; pass --out with a writable folder",
            session.out_dir.display()
        )
    })?;
    // Checkpoints are saved at each evaluation; `--resume` continues from them (and checks
    // they are this run's) before any data is loaded.
    let (text_history, names_history) = resumed(&args, &config, &mut session, names_wanted)?;

    // The text: Tiny Shakespeare, or the learner's own.
    let (text, dataset) = args
        .text
        .load(&session.data_dir, config.batch, config.seq_len)?;

    let mut report = run::Report::new(&dataset);

    // The baselines the networks must beat.
    let baselines = charlm::cli::baselines(&text, &session.output("baselines.md"))?;

    // Speeds go to speed.json, not among the metrics: two runs with the same seed give the
    // same metrics (a workspace test checks), never the same timings.
    let mut speed = serde_json::Map::new();
    // Where the run's time went, for the chapter: (part, what, seconds, speed).
    let mut timings: Vec<(String, String, f64, String)> = Vec::new();
    let mut minimal_run = None;
    let mut minimal_loss = None;
    if wants(Part::Minimal) {
        let (run, valid_loss) = minimal(&args, &text, &mut session)?;
        let iterations = args.minimal_iterations as usize;
        let per_second = run.iterations_per_second(iterations);
        speed.insert(
            "minimal_iterations_per_second".into(),
            round(per_second, 1).into(),
        );
        speed.insert("minimal_seconds".into(), round(run.seconds, 2).into());
        timings.push((
            "Part 1: min-char-rnn".into(),
            format!("{iterations} iterations (samples included)"),
            run.seconds,
            format!("{per_second:.0} iterations/s"),
        ));
        report.train_seconds = Some(run.seconds);
        report.steps = Some(iterations);
        report.examples_per_second = (iterations * 25) as f64 / run.seconds.max(1e-9);
        report.params = run.rnn.num_parameters();
        minimal_run = Some(run);
        minimal_loss = Some(valid_loss);
    }

    let mut text_training = None;
    let mut decay = None;
    if wants(Part::Batched) {
        let (training, model) = batched(
            &config,
            &text,
            &baselines,
            &args,
            text_history,
            &mut session,
        )?;
        activations(&model, &text, &mut session)?;
        decay = gradients(&model, &config, &text, &mut session)?;
        speed.insert(
            "ms_per_step".into(),
            round(training.ms_per_step(), 2).into(),
        );
        speed.insert(
            "train_seconds".into(),
            round(training.train_seconds, 2).into(),
        );
        timings.push((
            match &args.text.text {
                None => "Part 2: Tiny Shakespeare".to_owned(),
                Some(_) => format!("Part 2: {dataset}"),
            },
            format!(
                "{} steps (training only, evaluation excluded)",
                config.steps
            ),
            training.train_seconds,
            format!("{:.1} ms/step (median)", training.ms_per_step()),
        ));
        report.train_seconds = Some(training.train_seconds);
        report.steps = Some(config.steps);
        report.examples_per_second = training.chars as f64 / training.train_seconds.max(1e-9);
        report.params = model.num_parameters();
        text_training = Some(training);
    }

    // The headline first: what Part 2 reaches on the text, then what it is compared with.
    if let Some(training) = &text_training {
        report = report.metric("val_loss", training.final_valid_loss());
    }
    for b in &baselines {
        report = report.metric(&format!("ngram{}_val_loss", b.order), b.valid_loss);
    }
    if let Some(loss) = minimal_loss {
        report = report.metric("minimal_val_loss", loss);
    }
    // What each model reaches on the validation split, for the chapter.
    let mut rows: Vec<(String, f64)> = baselines
        .iter()
        .map(|b| {
            (
                format!("{} (add-k, k = {})", b.name(), charlm::ngram::format_k(b.k)),
                b.valid_loss,
            )
        })
        .collect();
    if let (Some(run), Some(loss)) = (&minimal_run, minimal_loss) {
        rows.push((
            format!(
                "Part 1: min-char-rnn, hidden 100, {} iterations ({:.0} s)",
                args.minimal_iterations, run.seconds
            ),
            loss,
        ));
    }
    if let Some(training) = &text_training {
        rows.push((
            format!(
                "Part 2: batched RNN, hidden {}, {} steps ({:.0} s)",
                config.hidden, config.steps, training.train_seconds
            ),
            training.final_valid_loss(),
        ));
    }
    run::write_atomic(
        &session.output("comparison.md"),
        loss_table(&rows, "validation loss").as_bytes(),
    )?;

    if names_wanted {
        let names_path = data::data_file(&session.data_dir, "text/names.txt")?;
        let mut split_rng = session.rngs.shuffle.clone();
        let mut names = charlm::names::load_names(&names_path, &mut split_rng)?;
        if let Some(limit) = args.names_limit {
            names = limit_names(names, limit as usize);
        }
        let names_baselines = charlm::ngram::names_baselines(&names);
        println!("n-gram baselines on names (nats per character, end mark included):");
        print!("{}", charlm::ngram::table(&names_baselines));
        run::write_atomic(
            &session.output("names_baselines.md"),
            charlm::ngram::table(&names_baselines).as_bytes(),
        )?;
        let (valid, test, names_training) =
            names_part(&args, &config, &names, names_history, &mut session)?;
        speed.insert(
            "names_ms_per_step".into(),
            round(names_training.ms_per_step(), 2).into(),
        );
        speed.insert(
            "names_train_seconds".into(),
            round(names_training.train_seconds, 2).into(),
        );
        timings.push((
            "Part 2: names".into(),
            format!(
                "{} steps (training only, evaluation excluded)",
                args.names_steps
            ),
            names_training.train_seconds,
            format!("{:.1} ms/step (median)", names_training.ms_per_step()),
        ));
        let bigram = names_baselines[1];
        let mut rows: Vec<(String, f64)> = names_baselines
            .iter()
            .map(|b| (b.name(), b.test_loss.expect("names have a test split")))
            .collect();
        rows.push((
            format!(
                "Part 2: batched RNN, hidden {}, {} steps",
                config.hidden, args.names_steps
            ),
            test,
        ));
        run::write_atomic(
            &session.output("names_comparison.md"),
            loss_table(&rows, "test loss").as_bytes(),
        )?;
        let bigram_test = bigram.test_loss.expect("names have a test split");
        report = report
            .metric("names_test_loss", test)
            .metric("bigram_names_test_loss", bigram_test)
            .metric("names_gain_over_bigram", bigram_test - test)
            .metric("names_val_loss", valid)
            .metric("bigram_names_val_loss", bigram.valid_loss);
    }

    // What the chapter says about the gradients of Part 2 on the text.
    if let Some(training) = &text_training {
        // How often the gradient's norm was above the threshold, and so shortened.
        report = report.metric(
            "clipped_fraction",
            training.clipped_steps as f64 / config.steps.max(1) as f64,
        );
    }
    if let Some((trained, initial)) = decay {
        report = report
            .metric("gradient_factor_per_step_trained", trained)
            .metric("gradient_factor_per_step_initial", initial);
    }
    if let Some(training) = &text_training {
        charlm::figures::loss_against_time(
            &session.output("loss_time.svg"),
            "Part 2: validation loss against training time",
            &[("RNN".into(), training)],
            &baselines,
            2,
        )?;
    }
    if let Some(run) = &minimal_run {
        figures::minimal_loss(&session.output("minimal_loss.svg"), run)?;
    }
    let total = session.elapsed_seconds();
    timings.push((
        "the whole run".into(),
        "data, baselines, every part, evaluations, samples, figures".into(),
        total,
        String::new(),
    ));
    speed.insert("total_seconds".into(), round(total, 2).into());
    let speed = serde_json::to_string_pretty(&speed)? + "\n";
    run::write_atomic(&session.output("speed.json"), speed.as_bytes())?;
    run::write_atomic(
        &session.output("timings.md"),
        timings_table(&timings).as_bytes(),
    )?;
    session.finish(&report)
}

/// What a part of the run keeps in its checkpoint besides the weights, for `--resume`: the
/// training loop's cursor, and the samples taken so far (the names part keeps none) with
/// the random stream they are drawn from.
type History = charlm::training::History<(train::Point, String)>;

/// With `--resume`, where Part 2 continues from on the text and on the names (read from
/// their checkpoints, each checked to be this run's); otherwise fresh starts. The names
/// continue from theirs only once the text is done (a names checkpoint beside an unfinished
/// text one is an earlier run's), or when they are the only part; Part 1 runs again.
///
/// # Errors
/// If a checkpoint needed is missing, damaged, or from other settings.
fn resumed(
    args: &TrainArgs,
    config: &TrainConfig,
    session: &mut run::Session,
    names_wanted: bool,
) -> anyhow::Result<(History, History)> {
    let wants = |part: Part| args.part == Part::All || args.part == part;
    if !args.resume.resume {
        return Ok(Default::default());
    }
    if wants(Part::Minimal) {
        println!("--resume: part 1 (min-char-rnn, a few seconds) runs again from the start");
    }
    let names_saved = session.out_dir.join("names.safetensors").exists();
    let mut from = |name: &str| -> anyhow::Result<History> {
        let path = session.out_dir.join(name);
        let metadata = || Ok(nn::checkpoint::read_metadata(&path)?);
        session.resume_from(&path, metadata, true)?.history()
    };
    let mut text = History::default();
    let mut text_done = true;
    if wants(Part::Batched) {
        text = from("model.safetensors")?;
        text_done = text.cursor.as_ref().is_some_and(|c| c.step >= config.steps);
    }
    let mut names = History::default();
    if names_wanted && text_done && (names_saved || !wants(Part::Batched)) {
        names = from("names.safetensors")?;
    }
    Ok((text, names))
}

/// Where the run's time went, as a markdown table.
fn timings_table(rows: &[(String, String, f64, String)]) -> String {
    let mut table = "| part | what | time | speed |\n|---|---|---:|---:|\n".to_owned();
    for (part, what, seconds, speed) in rows {
        table.push_str(&format!(
            "| {part} | {what} | {} | {speed} |\n",
            duration(*seconds)
        ));
    }
    table
}

/// `8.2 s`, `43 s`, `4 min 32 s`.
fn duration(seconds: f64) -> String {
    if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// A two-column markdown table of models and losses.
fn loss_table(rows: &[(String, f64)], column: &str) -> String {
    let mut table = format!("| model | {column} (nats per character) |\n|---|---:|\n");
    for (model, loss) in rows {
        table.push_str(&format!("| {model} | {loss:.3} |\n"));
    }
    table
}

/// The first `limit` names of each split, in proportion (at least one in each).
fn limit_names(mut names: Names, limit: usize) -> Names {
    let total = names.train.len() + names.valid.len() + names.test.len();
    let keep = |n: usize| ((n * limit).div_ceil(total)).max(1);
    let (train, valid, test) = (
        keep(names.train.len()),
        keep(names.valid.len()),
        keep(names.test.len()),
    );
    names.train.truncate(train);
    names.valid.truncate(valid);
    names.test.truncate(test);
    names
}

/// Part 1: min-char-rnn on the text. Returns the run and its validation loss.
fn minimal(
    args: &TrainArgs,
    text: &Text,
    session: &mut run::Session,
) -> anyhow::Result<(MinimalRun, f64)> {
    let config = MinimalConfig {
        iterations: args.minimal_iterations as usize,
        ..MinimalConfig::default()
    };
    println!(
        "part 1: min-char-rnn, hidden {}, {} steps unrolled, Adagrad lr {}, {} iterations",
        config.hidden, config.seq_len, config.lr, config.iterations
    );
    let mut progress = session.progress("part 1", config.iterations as u64);
    let (mut init, mut noise) = (session.rngs.init.clone(), session.rngs.noise.clone());
    let mut shown = Vec::new();
    let mut last = 0;
    let run = rnn::minimal::train(
        &config,
        &text.train,
        text.vocab.len(),
        &mut init,
        &mut noise,
        |i, loss, ids| {
            progress.advance(
                (i - last) as u64,
                ((i - last) * config.seq_len) as u64,
                &[("loss", loss)],
            );
            last = i;
            // Show the samples at 0, 100, 1000, ... iterations, as the text improves, and
            // the last one, from the model as it ends.
            let last_sample = i + config.sample_every >= config.iterations;
            if i == 0 || (i as f64).log10().fract() == 0.0 || last_sample {
                shown.push((i, loss, text.vocab.decode(ids)));
            }
        },
    )?;
    progress.finish();
    let valid_loss = rnn::minimal::evaluate(&run.rnn, &text.valid);
    for (i, loss, sample) in &shown {
        println!(
            "part 1, iteration {i} (smoothed loss {loss:.3}):\n{}\n",
            sample.trim_end()
        );
    }
    println!(
        "part 1: {} iterations in {:.1} s ({:.0} iterations/s); validation loss {valid_loss:.4}",
        config.iterations,
        run.seconds,
        run.iterations_per_second(config.iterations)
    );
    let samples: Vec<(String, String)> = shown
        .iter()
        .map(|(i, loss, s)| {
            (
                format!("after {i} iterations (smoothed training loss {loss:.2})"),
                s.clone(),
            )
        })
        .collect();
    run::write_atomic(
        &session.output("minimal_samples.md"),
        charlm::figures::samples_markdown(&samples).as_bytes(),
    )?;
    Ok((run, valid_loss))
}

/// Part 2 on the text: trains, samples at several points, returns the run and the model.
fn batched(
    config: &TrainConfig,
    text: &Text,
    baselines: &[Baseline],
    args: &TrainArgs,
    history: History,
    session: &mut run::Session,
) -> anyhow::Result<(Training, CharRnn)> {
    let model = CharRnn::new(
        text.vocab.len(),
        config.hidden,
        &mut session.rngs.init.clone(),
    );
    println!(
        "part 2: batched RNN, hidden {}, {} parameters; {} steps of {} streams × {} characters, \
         Adam lr {} (cosine), clip {}",
        config.hidden,
        model.num_parameters(),
        config.steps,
        config.batch,
        config.seq_len,
        config.lr,
        config.clip
    );
    let mut progress = session.progress("part 2", config.steps as u64);
    let mut shuffle = session.rngs.shuffle.clone();
    let mut noise = match &history.sample_rng {
        Some(saved) => saved.restore()?,
        None => session.rngs.noise.clone(),
    };
    let chars_per_step = (config.batch * config.seq_len) as u64;
    let path = session.output("model.safetensors");
    let resume = history.cursor.map(|c| (path.clone(), c));
    if let Some((_, cursor)) = &resume {
        progress.advance(cursor.step as u64, chars_per_step * cursor.step as u64, &[]);
    }
    let newline = text
        .vocab
        .encode("\n")
        .unwrap_or_else(|_| vec![text.train[0]]);
    // A sample at every evaluation, to show how the text improves.
    let mut samples: Vec<(train::Point, String)> = history.samples;
    let training = train::train_text(
        &model,
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
                    let ids = train::generate(model, &newline, 300, args.temperature, &mut noise);
                    samples.push((point, text.vocab.decode(&ids)));
                    // Weights, Adam's moments and where the run stands, in one file:
                    // `--resume` continues from here.
                    let step = cursor.step;
                    let history = History {
                        cursor: Some(*cursor),
                        samples: samples.clone(),
                        sample_rng: Some(run::resume::RngState::of(&noise)),
                    };
                    let state = session.resume_state(0, step, &session.rngs, &history)?;
                    let vocab = &text.vocab;
                    checkpoint::save_training(&path, model, vocab, None, optimizer, &state)?;
                    println!(
                        "part 2: step {step}, validation loss {:.4}; checkpoint saved",
                        point.valid_loss
                    );
                }
            }
            Ok(())
        },
    )?;
    progress.finish();
    for p in &training.curve {
        println!(
            "part 2, step {:>6}  {:>6.1} s  training loss {:.4}  validation loss {:.4}",
            p.step, p.seconds, p.train_loss, p.valid_loss
        );
    }
    let four = baselines
        .iter()
        .find(|b| b.order == 4)
        .map_or(f64::NAN, |b| b.valid_loss);
    println!(
        "part 2: validation loss {:.4} after {:.1} s of training ({:.1} ms/step; the 4-gram: {four:.4})",
        training.final_valid_loss(),
        training.train_seconds,
        training.ms_per_step()
    );
    // The samples nearest to 100 and 1000 steps, a third of the way, and the end.
    let mut shown: Vec<&(train::Point, String)> = Vec::new();
    for target in [100, 1000, config.steps / 3, config.steps] {
        let nearest = samples.iter().min_by_key(|(p, _)| p.step.abs_diff(target));
        if let Some(s) = nearest.filter(|s| !shown.iter().any(|t| t.0.step == s.0.step)) {
            shown.push(s);
        }
    }
    let headed: Vec<(String, String)> = shown
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
    let last = &headed.last().expect("the last step is evaluated").1;
    println!(
        "part 2, a sample at temperature {}:\n{}\n",
        args.temperature,
        last.trim_end()
    );
    run::write_atomic(
        &session.output("samples.md"),
        charlm::figures::samples_markdown(&headed).as_bytes(),
    )?;
    // The same model at several temperatures.
    let prompt = text
        .vocab
        .encode("ROMEO:")
        .unwrap_or_else(|_| newline.clone());
    let at: Vec<(String, String)> = [0.5, 0.8, 1.0, 1.5]
        .iter()
        .map(|&t| {
            let ids = train::generate(&model, &prompt, 300, t, &mut noise);
            (
                format!("temperature {t}"),
                text.vocab.decode(&[prompt.as_slice(), &ids].concat()),
            )
        })
        .collect();
    run::write_atomic(
        &session.output("temperatures.md"),
        charlm::figures::samples_markdown(&at).as_bytes(),
    )?;
    Ok((training, model))
}

/// The hidden-unit figure: a validation passage coloured by the unit that best follows
/// the position in the line.
fn activations(model: &CharRnn, text: &Text, session: &mut run::Session) -> anyhow::Result<()> {
    let passage = &text.valid[..text.valid.len().min(800)];
    let states = figures::hidden_states(model, passage);
    let units = figures::find_units(&states, passage, &text.vocab);
    let mut html = String::new();
    for unit in &units {
        println!(
            "part 2: hidden unit {} follows {} (correlation {:.2})",
            unit.unit, unit.feature, unit.correlation
        );
        html.push_str(&figures::activation_html(
            &states,
            passage,
            &text.vocab,
            unit,
        ));
    }
    run::write_atomic(&session.output("activations.html"), html.as_bytes())
}

/// The vanishing-gradient figure: how far back the trained model's gradient reaches,
/// against the same model at initialisation. Returns, for each, the factor one step back
/// multiplies the gradient's size by, on average over the figure's steps (the geometric
/// mean); `None` for a text too short for the figure.
fn gradients(
    model: &CharRnn,
    config: &TrainConfig,
    text: &Text,
    session: &mut run::Session,
) -> anyhow::Result<Option<(f64, f64)>> {
    let (len, chunks) = (60, 40);
    if text.valid.len() <= chunks * (len + 64) {
        return Ok(None); // a short --text: no figure
    }
    let fresh = CharRnn::new(
        text.vocab.len(),
        config.hidden,
        &mut session.rngs.init.clone(),
    );
    let trained = figures::gradient_through_time(model, &text.valid, len, chunks);
    let initial = figures::gradient_through_time(&fresh, &text.valid, len, chunks);
    println!(
        "part 2: the gradient 20 steps back is {:.1e} of its size at the last step (trained), {:.1e} (at initialisation)",
        trained[20], initial[20]
    );
    let per_step = |relative: &[f64]| relative[len - 1].powf(1.0 / (len - 1) as f64);
    let factors = (per_step(&trained), per_step(&initial));
    figures::gradient_decay(
        &session.output("gradient_decay.svg"),
        &[("trained", trained), ("at initialisation", initial)],
    )?;
    run::write_atomic(
        &session.output("unrolled.svg"),
        figures::unrolled_svg().as_bytes(),
    )?;
    Ok(Some(factors))
}

/// Part 2 on names: trains, reports validation and test loss, samples a few names.
/// Returns the validation and test losses and the training's record.
fn names_part(
    args: &TrainArgs,
    base: &TrainConfig,
    names: &Names,
    history: History,
    session: &mut run::Session,
) -> anyhow::Result<(f64, f64, Training)> {
    let config = TrainConfig {
        steps: args.names_steps as usize,
        eval_every: (args.names_steps as usize / 6).max(1),
        ..base.clone()
    };
    let model = CharRnn::new(
        names.vocab.len(),
        config.hidden,
        &mut session.rngs.init.clone(),
    );
    println!(
        "names: {} to train, {} to validate, {} to test; {} steps of {} names",
        names.train.len(),
        names.valid.len(),
        names.test.len(),
        config.steps,
        config.batch
    );
    let mut progress = session.progress("names", config.steps as u64);
    let mut shuffle = session.rngs.shuffle.clone();
    let end = names.end();
    let path = session.output("names.safetensors");
    let resume = history.cursor.map(|c| (path.clone(), c));
    if let Some((_, cursor)) = &resume {
        progress.advance(cursor.step as u64, (config.batch * cursor.step) as u64, &[]);
    }
    let training = train::train_names(
        &model,
        &names.train,
        &names.valid,
        end,
        &config,
        &mut shuffle,
        resume,
        |event| {
            match event {
                train::Event::Step { loss, .. } => {
                    progress.advance(1, config.batch as u64, &[("loss", loss)]);
                }
                train::Event::Evaluated {
                    point,
                    model,
                    optimizer,
                    cursor,
                } => {
                    let step = cursor.step;
                    let history = History {
                        cursor: Some(*cursor),
                        ..History::default()
                    };
                    let state = session.resume_state(0, step, &session.rngs, &history)?;
                    let (vocab, end) = (&names.vocab, Some(charlm::names::END));
                    checkpoint::save_training(&path, model, vocab, end, optimizer, &state)?;
                    println!(
                        "names: step {step}, validation loss {:.4}; checkpoint saved",
                        point.valid_loss
                    );
                }
            }
            Ok(())
        },
    )?;
    progress.finish();
    let valid = training.final_valid_loss();
    let test = train::evaluate_names(&model, &names.test, end);
    println!(
        "names: validation loss {valid:.4}, test loss {test:.4} after {:.1} s of training",
        training.train_seconds
    );
    let mut noise = session.rngs.noise.clone();
    let made: Vec<String> = (0..20)
        .map(|_| {
            names.decode(&train::generate_until(
                &model,
                &[end],
                30,
                Some(end),
                1.0,
                &mut noise,
            ))
        })
        .collect();
    println!("names: {}", made.join(", "));
    run::write_atomic(
        &session.output("names.md"),
        (made.join(", ") + "\n").as_bytes(),
    )?;
    Ok((valid, test, training))
}

fn sample(args: SampleArgs) -> anyhow::Result<()> {
    let (model, vocab) = checkpoint::load(&args.checkpoint)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed);
    let encode = |prompt: &str| {
        charlm::sample::encode_prompt(&vocab, prompt)
            .with_context(|| format!("--prompt {prompt:?}"))
    };
    let Some(end) = checkpoint::end_mark(&args.checkpoint)? else {
        // A model of text: continue the prompt.
        let prompt = args.prompt.as_deref().unwrap_or("ROMEO:");
        let ids = encode(prompt)?;
        let text = train::generate(
            &model,
            &ids,
            args.length as usize,
            args.temperature,
            &mut rng,
        );
        println!("{prompt}{}", vocab.decode(&text));
        return Ok(());
    };
    // A model of names: each name is read from the end mark, as in training, and stops at
    // the next one; the state is not carried from one name to the next.
    let end = vocab
        .id(end)
        .expect("end_mark checks it is in the vocabulary");
    let prompt = args.prompt.as_deref().unwrap_or("");
    let mut start = vec![end];
    if !prompt.is_empty() {
        start.extend(encode(prompt)?);
    }
    let mut written = 0;
    while written < args.length as usize {
        let rest = train::generate_until(&model, &start, 50, Some(end), args.temperature, &mut rng);
        let name = format!("{prompt}{}", vocab.decode(&rest));
        written += name.chars().count() + 1;
        println!("{name}");
    }
    Ok(())
}
