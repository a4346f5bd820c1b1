//! The flags every project takes. Training flags whose defaults differ per project
//! (`--epochs`, `--lr`, `--batch-size`, `--steps`) are declared by each project itself, so that
//! `--help` shows the right default.

use std::path::PathBuf;

/// Flags shared by every smallnets binary. Flatten them into a project's own `clap` parser:
///
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     common: run::CommonArgs,
/// }
/// let cli = Cli::parse_from(["01-perceptron", "--seed", "7"]);
/// assert_eq!(cli.common.seed, 7);
/// ```
#[derive(Debug, Clone, clap::Args)]
// Without this, clap shows the doc comment above (example and all) as the `--help` text of
// every binary that flattens these flags in.
#[command(about = None, long_about = None)]
pub struct CommonArgs {
    /// Seed for every random draw (weight initialisation, shuffling, data splits, noise).
    /// The same seed and thread count give the same numbers.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Folder holding the datasets (`mnist/`, `csv/`, `text/`). Default: the environment
    /// variable SMALLNETS_DATA_DIR if set, else the workspace's `data/` folder.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Folder for figures, checkpoints and metrics.json. Default: runs/<project> in the
    /// current folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Worker threads for the numeric work. Default: the environment variable
    /// SMALLNETS_THREADS if set, else every core of this machine.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,

    /// Print plain progress lines instead of an animated progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl CommonArgs {
    /// The dataset folder: `--data-dir`, else `SMALLNETS_DATA_DIR`, else the workspace's `data/`.
    pub fn data_dir(&self) -> PathBuf {
        data::resolve_data_dir(self.data_dir.as_deref())
    }

    /// The output folder: `--out`, else `runs/<project>`.
    pub fn out_dir(&self, project: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from("runs").join(project))
    }

    /// Threads to use: `--threads`, else `SMALLNETS_THREADS`, else every available core
    /// (see [`host::threads::resolve`]).
    ///
    /// # Errors
    /// If `SMALLNETS_THREADS` is set but is not a whole number from 1 up.
    pub fn threads(&self) -> Result<usize, host::threads::ThreadsError> {
        host::threads::resolve(self.threads.map(usize::from))
    }
}
