//! `10-gan`: generative adversarial networks, on a 2-D mixture of eight Gaussians and on
//! MNIST. See the crate docs and chapter 10.
//!
//! `10-gan` trains both parts (and saves the MNIST generator); `10-gan sample` draws digits
//! from a saved generator; `10-gan interpolate` walks between latent points.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use gan::digits::{train_digits, DigitsConfig, DigitsState};
use gan::gan::Averaged;
use gan::mixture::{train_mixture, MixtureConfig, MixtureRun};
use gan::models::{discriminator, latent, Arch, GanConfig, Generator};
use gan::score::{self, Score, ScorerSource};
use gan::{figures, Gan, Objective};
use nn::Module;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use run::resume::{Resumed, RngState};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(
    version,
    about = "10 · generative adversarial networks: eight Gaussians, then MNIST digits a classifier scores",
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
    /// Draw digits from a saved generator: a PNG grid, and optionally an MNIST-format IDX file.
    Sample(SampleArgs),
    /// Walk between random latent points of a saved generator, one walk per row of a PNG.
    Interpolate(InterpolateArgs),
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Which part to run: the 2-D mixture, MNIST, or both.
    #[arg(long, value_enum, default_value_t = Part::Both)]
    part: Part,
    /// Training steps on the 2-D mixture, for each of the two generator losses.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    mixture_steps: u32,
    /// Points the mixture's discriminator judges at once, all real or all generated
    /// (PacGAN; 1: one at a time). A pack shows the discriminator a generator that repeats
    /// itself.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    mixture_pack: u32,
    /// Images MNIST's discriminator judges at once (1: one at a time, DCGAN's way). Packs of
    /// two even out the digits the generator draws, as they do the modes of part 1, and make
    /// each step cheaper. Must divide the batch size.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    pack: u32,
    /// The networks that play on MNIST.
    #[arg(long, value_enum, default_value_t = ModelArg::Dcgan)]
    model: ModelArg,
    /// Width W of the MNIST networks (default: 32 channels for dcgan, 256 units for mlp).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    width: Option<u32>,
    /// Size Z of a latent point.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    latent: u32,
    /// Training steps on MNIST (one update of each player per step). The default, with the
    /// mixture's, is at most 10 minutes of training on this project's 2-core machine.
    #[arg(long, default_value_t = 22_000, value_parser = clap::value_parser!(u32).range(1..))]
    steps: u32,
    /// Real and generated images per step.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=60_000))]
    batch_size: u32,
    /// Adam's learning rate, for both players. DCGAN's 2e-4 is made for long runs; in a
    /// 10-minute game 1e-3 gets further (chapter 10).
    #[arg(long, default_value_t = 1e-3, value_parser = run::flags::positive)]
    lr: f32,
    /// Adam's β₁, for both players.
    #[arg(long, default_value_t = 0.5, value_parser = beta)]
    beta1: f32,
    /// Sample from a running average of the generator's weights with this decay (0: no
    /// average, sample from the generator as it is). The average measures batch-norm
    /// statistics of its own before it draws.
    #[arg(long, default_value_t = 0.0, value_parser = beta)]
    average: f32,
    /// Train on only the first N training images, for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    train_limit: Option<u32>,
    /// Samples the final score is measured on.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    samples: u32,
    /// Also score 2,000 samples after every epoch (slower; to watch the score climb).
    #[arg(long)]
    monitor: bool,
    #[command(flatten)]
    scorer: ScorerArgs,
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
}

#[derive(Args)]
struct ScorerArgs {
    /// The digit classifier that scores samples: a checkpoint of 05-cnn's default model.
    /// Default: runs/05-cnn/model.safetensors if it exists, else the scorer cached in the
    /// output folder, else one trained now (and cached there).
    #[arg(long, value_name = "PATH")]
    scorer: Option<PathBuf>,
    /// Epochs to train the scorer for, when it has to be trained (05-cnn's default is 5).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    scorer_epochs: u32,
    /// Train the scorer on only the first N training images, for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    scorer_train_limit: Option<u32>,
}

#[derive(Args)]
struct SampleArgs {
    /// The generator a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/10-gan/generator.safetensors"
    )]
    checkpoint: PathBuf,
    /// How many digits to draw.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    count: u32,
    /// The PNG grid to write (at most the first 1,024 digits).
    #[arg(long, value_name = "FILE", default_value = "runs/10-gan/sample.png")]
    png: PathBuf,
    /// Also write every digit to this IDX image file (MNIST's format), for any classifier.
    #[arg(long, value_name = "FILE")]
    idx: Option<PathBuf>,
    /// Seed of the latent points: the same seed draws the same digits.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Worker threads. Default: SMALLNETS_THREADS if set, else every core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
}

#[derive(Args)]
struct InterpolateArgs {
    /// The generator a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/10-gan/generator.safetensors"
    )]
    checkpoint: PathBuf,
    /// Walks, one per row.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    walks: u32,
    /// Digits along each walk, both ends included.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=256))]
    steps: u32,
    /// The PNG to write.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "runs/10-gan/interpolation.png"
    )]
    png: PathBuf,
    /// Seed of the walks' ends.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Worker threads. Default: SMALLNETS_THREADS if set, else every core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    Both,
    Mixture,
    Mnist,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModelArg {
    Mlp,
    Dcgan,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        match cli.command {
            None => train(cli.train),
            Some(Command::Train(args)) => train(args),
            Some(Command::Sample(args)) => sample(args),
            Some(Command::Interpolate(args)) => interpolate(args),
        }
    })
}

/// Random streams of their own for each use, from the run's seed: drawing more of one never
/// changes another.
fn stream(seed: u64, id: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    rng
}

fn train(args: TrainArgs) -> anyhow::Result<()> {
    let arch = match args.model {
        ModelArg::Mlp => Arch::Mlp,
        ModelArg::Dcgan => Arch::Dcgan,
    };
    let default_width = match arch {
        Arch::Mlp => 256,
        Arch::Dcgan => 32,
    };
    let config = GanConfig {
        arch,
        latent: args.latent as usize,
        width: args.width.map_or(default_width, |w| w as usize),
    };
    let mut settings = vec![("part", format!("{:?}", args.part).to_lowercase())];
    if args.part != Part::Mnist {
        settings.push(("mixture_steps", args.mixture_steps.to_string()));
        settings.push(("mixture_pack", args.mixture_pack.to_string()));
    }
    if args.part != Part::Mixture {
        settings.extend([
            ("model", arch.name().to_owned()),
            ("width", config.width.to_string()),
            ("latent", args.latent.to_string()),
            ("steps", args.steps.to_string()),
            ("batch", args.batch_size.to_string()),
            ("lr", args.lr.to_string()),
            ("beta1", args.beta1.to_string()),
            ("average", args.average.to_string()),
            ("pack", args.pack.to_string()),
        ]);
        // Shown only when given, so that a resumed run is checked against it too.
        if let Some(n) = args.train_limit {
            settings.push(("train_limit", n.to_string()));
        }
    }
    let mut session = run::Session::start("10-gan", &args.common, &settings)?;
    #[cfg(feature = "learner")]
    session.on_your_code(gan::YOUR_FUNCTIONS);
    std::fs::create_dir_all(&session.out_dir).with_context(|| {
        format!(
            "cannot create the output folder {}; pass --out with a writable folder",
            session.out_dir.display()
        )
    })?;
    // The MNIST game saves a checkpoint after every epoch; `--resume` continues from it
    // (and checks it now, before any training). Part 1 takes well under a minute: a resumed
    // run plays it again, to the same numbers.
    let game_path = session.out_dir.join(GAME_CHECKPOINT);
    let resumed = session.resume_from(
        &game_path,
        || gan::checkpoint::read_metadata(&game_path),
        args.resume.resume,
    )?;

    let mut report = run::Report::new(match args.part {
        Part::Mixture => "eight-gaussians",
        _ => "mnist",
    });
    let mut train_seconds = 0.0;
    if args.part != Part::Mnist {
        let mixture = mixture_part(&args, &mut session)?;
        train_seconds += mixture.train_seconds;
        report = report
            .count("modes_covered", mixture.modes_covered)
            .metric("high_quality_share", mixture.high_quality)
            .count("modes_covered_saturating", mixture.modes_covered_saturating);
    }
    if args.part != Part::Mixture {
        let mnist = mnist_part(&args, config, &mut session, &resumed)?;
        train_seconds += mnist.train_seconds;
        report.steps = Some(mnist.steps);
        report.examples_per_second = mnist.images_per_second;
        report.params = mnist.params;
        report = report
            .metric("mnist_score", mnist.score.inception)
            .metric("min_class_share", mnist.score.min_share())
            .metric("real_test_score", mnist.real.inception)
            .metric("scorer_test_accuracy", mnist.scorer_accuracy)
            .count(
                "scorer_from_05_cnn",
                usize::from(mnist.scorer_from_chapter5),
            );
    } else {
        report.steps = Some(2 * args.mixture_steps as usize);
    }
    // Both parts' training time, in the report's own field: metrics stay identical between
    // two runs with the same seed.
    report.train_seconds = Some(train_seconds);
    session.finish(&report)
}

/// What part 1 measured.
struct MixtureOutcome {
    modes_covered: usize,
    high_quality: f64,
    modes_covered_saturating: usize,
    train_seconds: f64,
}

/// Part 1: the same pair, from the same initial weights and on the same data, trained once
/// with each generator loss; figures of both games as they went.
fn mixture_part(args: &TrainArgs, session: &mut run::Session) -> anyhow::Result<MixtureOutcome> {
    let config = MixtureConfig {
        steps: args.mixture_steps as usize,
        pack: args.mixture_pack as usize,
        snapshot_every: (args.mixture_steps as usize / 10).max(1),
        ..MixtureConfig::default()
    };
    anyhow::ensure!(
        config.batch_size % config.pack == 0,
        "--mixture-pack {} must divide the mixture's batch of {} points",
        config.pack,
        config.batch_size
    );
    let m = config.mixture;
    println!(
        "part 1: {} Gaussians (σ {}) on a circle of radius {}; generator and discriminator \
         with two hidden layers of {} units, {} steps with each generator loss",
        m.modes, m.std, m.radius, config.hidden, config.steps
    );
    let real = m.sample(1000, &mut stream(session.seed, 20));
    let mut runs: Vec<MixtureRun> = Vec::new();
    for objective in [Objective::NonSaturating, Objective::Saturating] {
        let (mut init, mut noise) = (stream(session.seed, 21), stream(session.seed, 22));
        let run = train_mixture(
            &config,
            objective,
            &mut init,
            &mut noise,
            &|label, steps| session.progress(label, steps),
        )?;
        let last = run.last();
        let shares: Vec<String> = last
            .coverage
            .shares
            .iter()
            .map(|s| format!("{s:.3}"))
            .collect();
        println!(
            "{} loss: {} of {} modes covered, {:.1}% of samples within 3σ of a mode \
             (per mode: {})  ({:.1} s)",
            objective.name(),
            last.coverage.modes_covered,
            m.modes,
            100.0 * last.coverage.high_quality,
            shares.join(" "),
            run.train_seconds
        );
        // Six pictures of each game: the start and every fifth of the way.
        let every = (run.snapshots.len() - 1).div_ceil(5).max(1);
        for (i, snapshot) in run.snapshots.iter().enumerate() {
            if i % every == 0 || i == run.snapshots.len() - 1 {
                let name = format!("mixture_{}_{:05}.svg", file_word(objective), snapshot.step);
                let title = format!(
                    "{} loss, step {}: {} of {} modes",
                    objective.name(),
                    snapshot.step,
                    snapshot.coverage.modes_covered,
                    m.modes
                );
                figures::mixture_snapshot(&session.output(&name), &title, &real, snapshot)?;
            }
        }
        runs.push(run);
    }
    let [ns, sat] = [&runs[0], &runs[1]];
    figures::mixture_coverage(&session.output("mixture_coverage.svg"), &[ns, sat], &m)?;
    Ok(MixtureOutcome {
        modes_covered: ns.last().coverage.modes_covered,
        high_quality: ns.last().coverage.high_quality,
        modes_covered_saturating: sat.last().coverage.modes_covered,
        train_seconds: ns.train_seconds + sat.train_seconds,
    })
}

fn file_word(objective: Objective) -> &'static str {
    match objective {
        Objective::NonSaturating => "nonsaturating",
        Objective::Saturating => "saturating",
    }
}

/// The MNIST game's checkpoint, in the output folder: both players, their optimisers and
/// where the run stands, saved after every epoch for `--resume`.
const GAME_CHECKPOINT: &str = "game.safetensors";

/// What the MNIST game's checkpoint keeps besides the weights (see `run::resume`): where
/// training stands, the progress strip drawn so far, and the `--monitor` stream.
#[derive(Debug, Default, Serialize, Deserialize)]
struct GameHistory {
    digits: DigitsState,
    /// One row of the progress strip per epoch done: 10 images of 28x28, row-major.
    strip: Vec<Vec<u8>>,
    monitor: Option<RngState>,
}

/// What part 2 measured.
struct MnistOutcome {
    score: Score,
    real: Score,
    scorer_accuracy: f64,
    scorer_from_chapter5: bool,
    steps: usize,
    train_seconds: f64,
    images_per_second: f64,
    params: usize,
}

/// Part 2: the scorer, the game on MNIST, the score of 10,000 samples, the figures and the
/// checkpoint.
fn mnist_part(
    args: &TrainArgs,
    config: GanConfig,
    session: &mut run::Session,
    resumed: &Resumed,
) -> anyhow::Result<MnistOutcome> {
    let mnist = data::mnist::load(&session.data_dir).context("loading the dataset")?;
    anyhow::ensure!(
        (mnist.train.rows(), mnist.train.cols()) == (28, 28) && mnist.classes == 10,
        "{} holds {} classes of {}x{} images; the GANs here draw 28x28 images of 10 classes \
         (MNIST, or another MNIST-format dataset of that size)",
        session.data_dir.display(),
        mnist.classes,
        mnist.train.rows(),
        mnist.train.cols()
    );
    let train_set = match args.train_limit {
        Some(n) => mnist.train.take(n as usize),
        None => mnist.train.clone(),
    };
    anyhow::ensure!(
        args.batch_size % args.pack == 0 && train_set.len() % args.pack as usize == 0,
        "--pack {} must divide --batch-size ({}) and the number of training images ({})",
        args.pack,
        args.batch_size,
        train_set.len()
    );

    // The scorer first: a run that cannot measure its result should fail before it trains.
    let cache = session.out_dir.join("scorer.safetensors");
    let source = ScorerSource {
        explicit: args.scorer.scorer.as_deref(),
        chapter5: Path::new(score::CHAPTER5_CHECKPOINT),
        cache: &cache,
        epochs: args.scorer.scorer_epochs as usize,
        train_limit: args.scorer.scorer_train_limit.map(|n| n as usize),
    };
    let (scorer, origin) = score::get_scorer(&source, &mnist, &mut stream(session.seed, 30))?;
    let scorer_accuracy = score::accuracy(&scorer, &mnist.test);
    let real = score::score(&scorer, mnist.test.images.view());
    println!(
        "part 2: MNIST. Scorer: {} (test accuracy {:.2}%); the real test set scores {:.3}",
        origin.describe(),
        100.0 * scorer_accuracy,
        real.inception
    );

    let mut init = stream(session.seed, 31);
    let generator = Generator::new(config, &mut init);
    let rival = discriminator(config, args.pack as usize, &mut init);
    let params = generator.num_parameters() + rival.num_parameters();
    println!(
        "{} GAN: generator {} parameters, discriminator {}; {} steps of {} real and {} \
         generated images",
        config.arch.name(),
        generator.num_parameters(),
        rival.num_parameters(),
        args.steps,
        args.batch_size,
        args.batch_size
    );
    let mut game = Gan::new(
        Box::new(generator),
        rival,
        args.lr,
        args.beta1,
        Objective::NonSaturating,
    );
    let mut averaged = (args.average > 0.0).then(|| {
        let shadow = Generator::new(config, &mut ChaCha8Rng::seed_from_u64(0));
        let mut statistics_rng = stream(session.seed, 38);
        let statistics_batches = (0..100)
            .map(|_| latent(100, config.latent, &mut statistics_rng))
            .collect();
        Averaged::new(
            Box::new(shadow),
            game.generator.as_ref(),
            args.average,
            statistics_batches,
        )
    });
    let mut rngs = run::Rngs {
        init,
        shuffle: stream(session.seed, 34),
        noise: stream(session.seed, 35),
    };

    // Resuming: the players, their optimisers and the average as the checkpoint saved them,
    // the random streams where they stood (`Session::resume_from` put them back), and the
    // record so far.
    let game_path = session.output(GAME_CHECKPOINT);
    let history: GameHistory = resumed.history()?;
    if resumed.state.is_some() {
        gan::checkpoint::load(&game_path, &mut game, averaged.as_ref())?;
        rngs = session.rngs.clone();
    }

    // Ten fixed latent points, drawn after every epoch: the progress strip.
    let fixed_z = latent(10, config.latent, &mut stream(session.seed, 32));
    let mut strip = history
        .strip
        .into_iter()
        .map(|row| ndarray::Array3::from_shape_vec((10, 28, 28), row))
        .collect::<Result<Vec<_>, _>>()
        .context("--resume: the progress strip in the checkpoint is damaged")?;
    let mut monitor_rng = match &history.monitor {
        Some(state) => state.restore()?,
        None => stream(session.seed, 33),
    };
    let mut on_epoch = |epoch: usize,
                        game: &mut Gan,
                        mut averaged: Option<&mut Averaged>,
                        state: &DigitsState,
                        rngs: &run::Rngs| {
        let sampler = sampler(game, averaged.as_deref_mut());
        strip.push(score::to_bytes(&gan::generate(sampler, &fixed_z)));
        if args.monitor {
            let z = latent(2000, config.latent, &mut monitor_rng);
            let s = score::score(&scorer, score::to_bytes(&gan::generate(sampler, &z)).view());
            println!("  epoch {epoch}: {}", describe(&s));
        }
        // Where the game stands, with both players and their optimisers: `--resume`
        // continues from here.
        let history = GameHistory {
            digits: state.clone(),
            strip: strip
                .iter()
                .map(|row| row.iter().copied().collect())
                .collect(),
            monitor: Some(RngState::of(&monitor_rng)),
        };
        let mut metadata = config.metadata();
        metadata.extend([session
            .resume_state(epoch, state.step, rngs, &history)?
            .to_metadata()]);
        gan::checkpoint::save(&game_path, game, averaged.as_deref(), &metadata)
    };
    let digits = DigitsConfig {
        steps: args.steps as usize,
        batch_size: args.batch_size as usize,
        latent: config.latent,
    };
    let training = train_digits(
        &mut game,
        averaged.as_mut(),
        &train_set,
        &digits,
        &mut rngs,
        history.digits,
        &|label, steps| session.progress(label, steps),
        &mut on_epoch,
    )?;

    let sampler = sampler(&mut game, averaged.as_mut());
    let z = latent(
        args.samples as usize,
        config.latent,
        &mut stream(session.seed, 36),
    );
    let samples = score::to_bytes(&gan::generate(sampler, &z));
    let result = score::score(&scorer, samples.view());
    println!(
        "{} samples: {}; the real test set: score {:.3}",
        args.samples,
        describe(&result),
        real.inception
    );

    // What the chapter shows, and the generator itself.
    let path = session.output("generator.safetensors");
    nn::checkpoint::save(&path, &*sampler, None, Some(&config.metadata()))?;
    figures::progress_strip(&session.output("mnist_progress.png"), &strip)?;
    let shown = samples.len_of(ndarray::Axis(0)).min(100);
    figures::image_grid(
        &session.output("mnist_samples.png"),
        samples.slice(ndarray::s![..shown, .., ..]),
        10,
    )?;
    figures::mnist_losses(&session.output("mnist_losses.svg"), &training.losses)?;
    figures::class_shares(&session.output("mnist_classes.svg"), &result, &real)?;
    let walks = gan::export::walks(
        &latent(16, config.latent, &mut stream(session.seed, 37)),
        10,
    );
    let walk_images = score::to_bytes(&gan::generate(sampler, &walks));
    figures::image_grid(
        &session.output("mnist_interpolation.png"),
        walk_images.view(),
        10,
    )?;
    figures::score_table(&session.output("mnist_score.md"), &result, &real, &origin)?;

    Ok(MnistOutcome {
        score: result,
        real,
        scorer_accuracy,
        scorer_from_chapter5: matches!(origin, score::Origin::Chapter5(_)),
        steps: training.steps,
        train_seconds: training.train_seconds,
        images_per_second: (training.steps * digits.batch_size) as f64
            / training.train_seconds.max(1e-9),
        params,
    })
}

/// The generator to draw samples from: the running average if there is one (with batch-norm
/// statistics measured on its own outputs).
fn sampler<'a>(game: &'a mut Gan, averaged: Option<&'a mut Averaged>) -> &'a mut dyn Module {
    match averaged {
        Some(average) => average.ready(),
        None => game.generator.as_mut(),
    }
}

fn describe(score: &Score) -> String {
    let shares: Vec<String> = score
        .class_shares
        .iter()
        .map(|s| format!("{:.1}", 100.0 * s))
        .collect();
    format!(
        "score {:.3}, rarest class {:.1}% (class shares, %: {})",
        score.inception,
        100.0 * score.min_share(),
        shares.join(" ")
    )
}

fn load_generator(path: &Path, threads: Option<u16>) -> anyhow::Result<Generator> {
    host::threads::use_threads(host::threads::resolve(threads.map(usize::from))?);
    Generator::load(path).with_context(|| {
        format!(
            "loading the generator {}; pass --checkpoint with the generator.safetensors a \
             training run of 10-gan wrote (by default into runs/10-gan/)",
            path.display()
        )
    })
}

fn sample(args: SampleArgs) -> anyhow::Result<()> {
    let mut generator = load_generator(&args.checkpoint, args.threads)?;
    let z = latent(
        args.count as usize,
        generator.config.latent,
        &mut stream(args.seed, 40),
    );
    let images = score::to_bytes(&gan::generate(&mut generator, &z));
    let shown = images.len_of(ndarray::Axis(0)).min(1024);
    let cols = (shown as f64).sqrt().ceil() as usize;
    figures::image_grid(&args.png, images.slice(ndarray::s![..shown, .., ..]), cols)?;
    println!(
        "drew {} digits from {} ({} generator); wrote {}",
        args.count,
        args.checkpoint.display(),
        generator.config.arch.name(),
        args.png.display()
    );
    if let Some(idx) = &args.idx {
        gan::export::write_idx(idx, images.view())?;
        println!(
            "wrote {} ({} images of 28x28, IDX format)",
            idx.display(),
            args.count
        );
    }
    Ok(())
}

fn interpolate(args: InterpolateArgs) -> anyhow::Result<()> {
    let mut generator = load_generator(&args.checkpoint, args.threads)?;
    let ends = latent(
        2 * args.walks as usize,
        generator.config.latent,
        &mut stream(args.seed, 41),
    );
    let walks = gan::export::walks(&ends, args.steps as usize);
    let images = score::to_bytes(&gan::generate(&mut generator, &walks));
    figures::image_grid(&args.png, images.view(), args.steps as usize)?;
    println!(
        "{} walks of {} steps through {}'s latent space; wrote {}",
        args.walks,
        args.steps,
        args.checkpoint.display(),
        args.png.display()
    );
    Ok(())
}

fn beta(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{text}` is not a β: give a number from 0 up to (not including) 1"
        )),
    }
}
