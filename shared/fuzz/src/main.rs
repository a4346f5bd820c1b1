//! `fuzz`: feeds damaged files to every parser a smallnets program reads outside input
//! with, and reports any that panics, hangs or asks for too much memory.
//!
//! A mutation fuzzer on stable Rust, in the manner of AFL's "havoc" stage: each input is a
//! seed (made from the committed datasets, or written by the programs' own savers) with a
//! few random edits, some blind (bit flips, cut-off ends, spliced blocks), some knowing the
//! format (an IDX header claiming a billion images, a PNG whose width is 0 with its checksum
//! fixed, a checkpoint whose metadata describes another network). Input `i` of a run with
//! seed `s` is always the same bytes, so any finding can be replayed from its number.
//!
//! A finding is an input that makes a parser panic (or a check of what it returned fail),
//! take longer than a second (twice in a row), or allocate more than 1 GiB at once or in total (the counting
//! allocator in `alloc.rs` stops it before the memory is taken). Run it through
//! `scripts/fuzz.sh PARSER N`; `fuzz --list` names the parsers.

mod alloc;
mod mutate;
mod targets;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Parser;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use targets::Target;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// An input taking more processor time than this, twice in a row, is a finding.
const SLOW: Duration = Duration::from_secs(1);
/// An input still running after this long is a hang: reported, and the process stops.
/// Counted in the watchdog's own ticks (see [`start_watchdog`]), so time the whole process
/// spends stopped (suspended by a job control or a scheduler) is not counted.
const HANG: Duration = Duration::from_secs(60);
/// How often the watchdog looks.
const WATCHDOG_TICK: Duration = Duration::from_millis(500);
/// How often a plain progress line is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);
/// Findings kept (and saved) per parser; the count goes on.
const KEEP_FINDINGS: usize = 20;

#[derive(Parser)]
#[command(
    version,
    about = "Feeds damaged files to smallnets' parsers; reports panics, hangs and huge allocations"
)]
struct Cli {
    /// The parser to fuzz (`--list` names them), or `all`.
    #[arg(required_unless_present = "list")]
    parser: Option<String>,
    /// Inputs to try per parser (the unmodified seeds first).
    #[arg(long, short = 'n', default_value_t = 10_000)]
    inputs: u64,
    /// The seed of the mutations: the same seed gives the same inputs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Start at input number N (to continue a run, or split one into slices).
    #[arg(long, default_value_t = 0, value_name = "N")]
    start: u64,
    /// Run only input number N, with the usual panic message (to replay a finding).
    #[arg(long, value_name = "N", conflicts_with = "replay")]
    only: Option<u64>,
    /// Run the bytes of FILE instead of generated inputs.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// With --only: write the input's bytes to FILE.
    #[arg(long, value_name = "FILE", requires = "only")]
    save: Option<PathBuf>,
    /// Folder for the inputs of findings.
    #[arg(long, value_name = "DIR", default_value = "target/fuzz")]
    findings: PathBuf,
    /// List the parsers and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs what the flags ask; `Ok(false)` if there were findings.
fn run(cli: &Cli) -> anyhow::Result<bool> {
    if cli.list {
        for target in targets::all()? {
            println!("{:<11} {}", target.name(), target.describe());
        }
        return Ok(true);
    }
    let name = cli.parser.as_deref().expect("clap requires it");
    let chosen: Vec<Box<dyn Target>> = if name == "all" {
        targets::all()?
    } else {
        let target = targets::by_name(name)?.ok_or_else(|| {
            anyhow::anyhow!("no parser `{name}`; `fuzz --list` names them, or give `all`")
        })?;
        vec![target]
    };

    if let Some(file) = &cli.replay {
        let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        for target in &chosen {
            println!("{}: {:?}", target.name(), target.run(&bytes));
        }
        return Ok(true);
    }
    if let Some(i) = cli.only {
        for target in &chosen {
            let input = input(target.as_ref(), cli.seed, i);
            if let Some(file) = &cli.save {
                std::fs::write(file, &input)?;
                println!("wrote input {i} of {} to {}", target.name(), file.display());
            }
            println!("{} input {i}: {:?}", target.name(), target.run(&input));
        }
        return Ok(true);
    }

    quiet_panics();
    start_watchdog();
    let mut clean = true;
    let mut summaries = Vec::new();
    for target in &chosen {
        let summary = fuzz(target.as_ref(), cli)?;
        clean &= summary.findings == 0;
        summaries.push(summary);
    }
    if summaries.len() > 1 {
        println!("\n| parser | inputs | findings | seconds | inputs/s |");
        println!("|---|---:|---:|---:|---:|");
        for s in &summaries {
            println!(
                "| {} | {} | {} | {:.0} | {:.0} |",
                s.parser, s.inputs, s.findings, s.seconds, s.per_second
            );
        }
    }
    Ok(clean)
}

/// Input `i` of `target` for mutation seed `seed`: the seeds themselves first, unmodified,
/// then mutations of them, each from a random stream of its own (so any one can be made
/// again from its number alone).
fn input(target: &dyn Target, seed: u64, i: u64) -> Vec<u8> {
    let seeds = target.seeds().len() as u64;
    if i < seeds {
        return target.seeds()[i as usize].clone();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i);
    let from = rng.random_range(0..seeds) as usize;
    target.mutate(from, &mut rng)
}

/// What fuzzing one parser found.
struct Summary {
    parser: &'static str,
    inputs: u64,
    findings: u64,
    seconds: f64,
    per_second: f64,
}

/// For the watchdog: how many inputs have started, whether one is running now, and which.
static INPUTS_STARTED: AtomicU64 = AtomicU64::new(0);
static INPUT_RUNNING: AtomicBool = AtomicBool::new(false);
static RUNNING_INPUT: AtomicU64 = AtomicU64::new(0);
static REPLAY_COMMAND: Mutex<String> = Mutex::new(String::new());

/// Fuzzes one parser with `cli.inputs` inputs.
fn fuzz(target: &dyn Target, cli: &Cli) -> anyhow::Result<Summary> {
    let name = target.name();
    let replay = format!(
        "cargo run -p fuzz -- {name} --seed {} --only {{}} --save {name}-{{}}.bin",
        cli.seed
    );
    alloc::set_replay_command(replay.clone());
    *REPLAY_COMMAND.lock().unwrap_or_else(|e| e.into_inner()) = replay.clone();
    let folder = cli.findings.join(name);
    println!(
        "fuzz {name}: inputs {}..{} (mutation seed {}) from {} seeds: {}",
        cli.start,
        cli.start + cli.inputs,
        cli.seed,
        target.seeds().len(),
        target.describe()
    );

    let started = Instant::now();
    let mut last_line = Instant::now();
    let (mut findings, mut largest, mut peak) = (0u64, 0usize, 0usize);
    let mut slowest = (Duration::ZERO, 0u64);
    let mut outcomes: std::collections::BTreeMap<&'static str, u64> = Default::default();
    for i in cli.start..cli.start + cli.inputs {
        let bytes = input(target, cli.seed, i);
        RUNNING_INPUT.store(i, Ordering::SeqCst);
        INPUTS_STARTED.fetch_add(1, Ordering::SeqCst);
        INPUT_RUNNING.store(true, Ordering::SeqCst);
        let begun = Cpu::now();
        let (result, usage) = alloc::watch(i, || {
            panic::catch_unwind(AssertUnwindSafe(|| target.run(&bytes)))
        });
        let mut took = begun.elapsed();
        if took > SLOW && result.is_ok() {
            // A slow input counts only if it is slow twice (the clock is this thread's
            // processor time where Linux gives it, else wall-clock time).
            let again = Cpu::now();
            let _ = alloc::watch(i, || {
                panic::catch_unwind(AssertUnwindSafe(|| target.run(&bytes)))
            });
            took = took.min(again.elapsed());
        }
        INPUT_RUNNING.store(false, Ordering::SeqCst);
        (largest, peak) = (largest.max(usage.largest), peak.max(usage.peak));
        if took > slowest.0 {
            slowest = (took, i);
        }

        let finding = match result {
            Ok(ends) => {
                for end in ends {
                    *outcomes.entry(end).or_default() += 1;
                }
                (took > SLOW)
                    .then(|| format!("slow: {:.2} s of processor time", took.as_secs_f64()))
            }
            Err(_) => Some(format!("panic: {}", take_panic_message())),
        };
        if let Some(what) = finding {
            findings += 1;
            println!(
                "FINDING {name} input {i} ({} bytes): {what}\n  replay: {}",
                bytes.len(),
                replay.replace("{}", &i.to_string())
            );
            if findings as usize <= KEEP_FINDINGS {
                save_finding(&folder, i, &bytes);
            }
        }
        if last_line.elapsed() >= PROGRESS_EVERY {
            last_line = Instant::now();
            let done = i + 1 - cli.start;
            println!(
                "fuzz {name}: {done}/{} inputs, {findings} findings, {:.0} inputs/s",
                cli.inputs,
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }

    let seconds = started.elapsed().as_secs_f64();
    let per_second = cli.inputs as f64 / seconds.max(1e-9);
    println!(
        "fuzz {name}: {} inputs in {seconds:.1} s ({per_second:.0}/s): {findings} findings; \
         largest allocation {}, most held at once {}; slowest input {} ({:.1} ms)",
        cli.inputs,
        mib(largest),
        mib(peak),
        slowest.1,
        slowest.0.as_secs_f64() * 1000.0
    );
    println!("  how the inputs ended (each input goes to several parsers):");
    for (end, count) in &outcomes {
        println!("  {count:>10}  {end}");
    }
    Ok(Summary {
        parser: name,
        inputs: cli.inputs,
        findings,
        seconds,
        per_second,
    })
}

/// This thread's processor time, so that an input is not "slow" because the machine is busy
/// with others' builds (it was: at a load of 15 on 2 cores, 50 µs inputs took over 1 s of
/// wall-clock time); wall-clock time where the kernel does not say (no `/proc`).
struct Cpu {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Cpu {
    fn now() -> Cpu {
        Cpu {
            wall: Instant::now(),
            cpu: thread_cpu_time(),
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, thread_cpu_time()) {
            (Some(then), Some(now)) => now.saturating_sub(then),
            _ => self.wall.elapsed(),
        }
    }
}

/// The processor time this thread has used: the first field of
/// `/proc/thread-self/schedstat`, in nanoseconds.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

fn save_finding(folder: &Path, i: u64, bytes: &[u8]) {
    let path = folder.join(format!("input-{i}.bin"));
    let saved = std::fs::create_dir_all(folder).and_then(|()| std::fs::write(&path, bytes));
    match saved {
        Ok(()) => println!("  saved: {}", path.display()),
        Err(e) => println!("  could not save {}: {e}", path.display()),
    }
}

/// The message of the last panic, caught by [`quiet_panics`]'s hook.
static PANIC_MESSAGE: Mutex<String> = Mutex::new(String::new());
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Replaces the panic message on standard error with a note the loop reports itself.
fn quiet_panics() {
    panic::set_hook(Box::new(|info| {
        let message = info.to_string().replace('\n', " ");
        *PANIC_MESSAGE.lock().unwrap_or_else(|e| e.into_inner()) = message;
        PANICKED.store(true, Ordering::SeqCst);
    }));
}

fn take_panic_message() -> String {
    PANICKED.store(false, Ordering::SeqCst);
    std::mem::take(&mut *PANIC_MESSAGE.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A thread that stops the run if one input runs past [`HANG`]: a loop that never ends
/// would otherwise hold the fuzzer forever, reporting nothing.
///
/// It counts its own ticks while the same input runs, rather than reading a clock: a
/// process suspended for half an hour (`kill -STOP`, as a job scheduler pausing niced work
/// does) and then resumed sees a clock jump by half an hour, and an input that needed a
/// fraction of a second was once reported as a hang that way. A suspended watchdog does not
/// tick. A busy machine still lets it tick, so a loop that never ends is still caught, as is
/// a thread that waits forever (which a processor-time limit would miss).
fn start_watchdog() {
    std::thread::spawn(|| {
        let mut watch = Watch::default();
        loop {
            std::thread::sleep(WATCHDOG_TICK);
            let started = INPUTS_STARTED.load(Ordering::SeqCst);
            if !watch.tick(started, INPUT_RUNNING.load(Ordering::SeqCst)) {
                continue;
            }
            let i = RUNNING_INPUT.load(Ordering::SeqCst);
            let replay = REPLAY_COMMAND
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            eprintln!(
                "\nFINDING (hang): input {i} has run for more than {} s\nreplay: {}",
                HANG.as_secs(),
                replay.replace("{}", &i.to_string())
            );
            std::process::abort();
        }
    });
}

/// The watchdog's count: the ticks seen while one input runs.
#[derive(Default)]
struct Watch {
    /// Which input (by the count of inputs started) the ticks belong to.
    watched: u64,
    ticks: u64,
}

impl Watch {
    /// One tick, `started` inputs having begun and one `running` now or not; true when that
    /// input has been running for [`HANG`].
    fn tick(&mut self, started: u64, running: bool) -> bool {
        if !running || started != self.watched {
            (self.watched, self.ticks) = (started, 0);
            return false;
        }
        self.ticks += 1;
        self.ticks * WATCHDOG_TICK.as_millis() as u64 >= HANG.as_millis() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKS_TO_HANG: u64 = (HANG.as_millis() / WATCHDOG_TICK.as_millis()) as u64;

    #[test]
    fn the_watchdog_calls_a_hang_after_hang_seconds_of_ticks_on_one_input() {
        let mut watch = Watch::default();
        assert!(
            !watch.tick(1, true),
            "the first tick on an input only starts its count"
        );
        for _ in 1..TICKS_TO_HANG {
            assert!(!watch.tick(1, true));
        }
        assert!(
            watch.tick(1, true),
            "input 1 has run for {} s of ticks",
            HANG.as_secs()
        );
    }

    #[test]
    fn a_new_input_or_none_running_starts_the_count_again() {
        let mut watch = Watch::default();
        for _ in 0..TICKS_TO_HANG - 1 {
            watch.tick(1, true);
        }
        assert!(!watch.tick(2, true), "input 2 is new");
        for _ in 1..TICKS_TO_HANG - 1 {
            assert!(!watch.tick(2, true));
        }
        assert!(!watch.tick(2, false), "between inputs nothing runs");
        assert!(!watch.tick(2, true), "counting from zero again");
    }
}
