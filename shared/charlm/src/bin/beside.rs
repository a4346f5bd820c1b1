//! Chapter 9's "beside" figure: the validation loss against seconds of training of 07's RNN
//! (its Tiny Shakespeare part), 08's LSTM and 09's transformer on the same axes, with the
//! best n-gram across, and a table comparing them at the common budget (the shortest run's
//! seconds). The projects never depend on each other, so this reads the record each run left
//! beside its `loss_time.svg` (`loss_time.json`), one folder per project under `--figures`.
//! `scripts/book-figures.sh` hands it a temporary folder holding 07's and 08's budget runs
//! (each trained for about as long as 09's default run) and 09's default run:
//!
//! ```text
//! cargo run --release -p charlm --bin beside -- --figures FOLDER --out book/src/figures/09-transformer
//! ```
//!
//! It writes `beside.svg` and `beside.md` into 09's figure folder.

use std::path::PathBuf;
use std::process::ExitCode;

use charlm::figures::{self, LossTime};
use clap::Parser;

/// The three models' runs, and where each project's record is.
const PROJECTS: [&str; 3] = ["07-rnn", "08-lstm", "09-transformer"];

#[derive(Debug, Parser)]
#[command(about = "Draw 07's RNN, 08's LSTM and 09's transformer runs on the same axes")]
struct Args {
    /// The folder of the projects' figure folders (each with its loss_time.json).
    #[arg(long, default_value = "book/src/figures")]
    figures: PathBuf,
    /// Where to write beside.svg and beside.md (default: FIGURES/09-transformer).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let args = Args::parse();
        let mut runs = Vec::new();
        let mut baselines = Vec::new();
        for project in PROJECTS {
            let path = args.figures.join(project).join("loss_time.json");
            let record = LossTime::read(&path, &format!("bash scripts/book-figures.sh {project}"))?;
            anyhow::ensure!(
                !record.runs.is_empty() && record.runs.iter().all(|r| !r.points.is_empty()),
                "{} has no learning curve; make it again with `bash scripts/book-figures.sh {project}`",
                path.display()
            );
            runs.extend(record.runs);
            baselines.extend(record.baselines);
        }
        // The three runs train on the same text with the same split, so their baselines are
        // the same; the best is the lowest.
        let best = baselines
            .iter()
            .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss));
        let out = args
            .out
            .unwrap_or_else(|| args.figures.join("09-transformer"));
        figures::beside_figure(
            &out.join("beside.svg"),
            "Three models, validation loss against training time",
            &runs,
            best,
        )?;
        let table = figures::beside_table(&runs, best);
        run::write_atomic(&out.join("beside.md"), table.as_bytes())?;
        print!("{table}");
        println!("wrote {} and beside.md", out.join("beside.svg").display());
        Ok(())
    })
}
