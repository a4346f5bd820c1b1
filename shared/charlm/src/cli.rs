//! What the three character models' command lines share: which text to train on (Tiny
//! Shakespeare, or the learner's own `--text FILE`, cut to `--text-limit` for quick runs),
//! loading it with a line that says what was loaded, and the n-gram baselines every run
//! prints and writes first.

use std::path::{Path, PathBuf};

use crate::text::{self, Text};
use crate::Baseline;

/// The flags a character model's training run opens with: those of every smallnets binary
/// (`--seed --data-dir --out --threads --quiet`) and the text to train on. Flattened into
/// each project's training flags, before its own (whose defaults and help differ per model).
#[derive(Debug, Clone, clap::Args)]
// Without this, clap shows the doc comment above as the `--help` text of the binaries.
#[command(about = None, long_about = None)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: run::CommonArgs,
    #[command(flatten)]
    pub text: TextArgs,
}

/// The flags of a character model's `sample` command after its `--checkpoint` (whose default
/// names each project's run folder): the prompt, and how to draw what follows it.
#[derive(Debug, Clone, clap::Args)]
// Without this, clap shows the doc comment above as the `--help` text of `sample`. (Its name
// is the group's: a project's own `SampleArgs` flattening it in must be named otherwise.)
#[command(about = None, long_about = None)]
pub struct PromptArgs {
    /// The text to start from; the model continues it.
    #[arg(long, default_value = "ROMEO:")]
    pub prompt: String,
    /// Below 1: safer, more repetitive text; above 1: more surprising, more mistakes.
    #[arg(long, default_value_t = 0.8, value_parser = run::flags::positive)]
    pub temperature: f32,
    /// Characters to write after the prompt.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub length: u32,
    /// Seed of the draws: the same command prints the same text.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// The text flags, flattened into each project's training flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TextArgs {
    /// Train on this UTF-8 text instead of Tiny Shakespeare (split the same way: the first
    /// 90% to train, the last 10% to validate).
    #[arg(long, value_name = "FILE")]
    pub text: Option<PathBuf>,
    /// Use only the first N characters of the text (then split 90/10), for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub text_limit: Option<u32>,
}

impl TextArgs {
    /// The file to read: `--text`, or Tiny Shakespeare in the data folder `data_dir`.
    ///
    /// # Errors
    /// If Tiny Shakespeare is not in the data folder (the message says how to get it).
    pub fn path(&self, data_dir: &Path) -> anyhow::Result<PathBuf> {
        Ok(match &self.text {
            Some(path) => path.clone(),
            None => data::data_file(data_dir, "text/tinyshakespeare.txt")?,
        })
    }

    /// The flags given, as settings of the run (its configuration line, and what `--resume`
    /// checks: a run resumed on another text, or another cut of it, is not the same run).
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let mut settings = Vec::new();
        if let Some(path) = &self.text {
            settings.push(("text", path.display().to_string()));
        }
        if let Some(limit) = self.text_limit {
            settings.push(("text_limit", limit.to_string()));
        }
        settings
    }

    /// The data set's name in `metrics.json`: `tinyshakespeare`, or the `--text` file's stem.
    pub fn dataset(&self) -> String {
        match &self.text {
            None => "tinyshakespeare".to_owned(),
            Some(path) => path
                .file_stem()
                .map_or("text".into(), |s| s.to_string_lossy().into_owned()),
        }
    }

    /// The text for a model that reads `batch` streams of `seq_len` characters: loaded, cut
    /// to `--text-limit` (at least [`text::min_chars`] kept), described on one line; and its
    /// data set's name.
    ///
    /// # Errors
    /// If the file is missing, not UTF-8 or too short, or `--text-limit` keeps too little.
    pub fn load(
        &self,
        data_dir: &Path,
        batch: usize,
        seq_len: usize,
    ) -> anyhow::Result<(Text, String)> {
        let path = self.path(data_dir)?;
        let mut text = text::load_text(&path, batch, seq_len)?;
        if let Some(limit) = self.text_limit {
            text = limited(
                &text,
                limit as usize,
                text::min_chars(batch, seq_len),
                &path,
            )?;
        }
        describe(&text);
        Ok((text, self.dataset()))
    }
}

/// Prints what was loaded: the file, its size and vocabulary, and the split.
pub fn describe(text: &Text) {
    println!(
        "text: {} ({} characters, {} distinct): {} to train, {} to validate",
        text.path.display(),
        text.train.len() + text.valid.len(),
        text.vocab.len(),
        text.train.len(),
        text.valid.len()
    );
}

/// The first `limit` characters of a text, split 90/10 again.
///
/// # Errors
/// If fewer than `need` characters are kept (the message names `path` and the flag).
pub fn limited(text: &Text, limit: usize, need: usize, path: &Path) -> anyhow::Result<Text> {
    let all: Vec<u32> = text.all().into_iter().take(limit).collect();
    anyhow::ensure!(
        all.len() >= need,
        "--text-limit {limit}: {} keeps {} characters, fewer than the {need} a run needs; \
         raise --text-limit",
        path.display(),
        all.len()
    );
    Ok(resplit(text, &all))
}

/// `text` with `all` its characters instead, split 90/10.
pub fn resplit(text: &Text, all: &[u32]) -> Text {
    let valid_len = (all.len() as f64 * text::VALID_FRACTION).round() as usize;
    let (train, valid) = all.split_at(all.len() - valid_len);
    Text {
        train: train.to_vec(),
        valid: valid.to_vec(),
        ..text.clone()
    }
}

/// The n-gram baselines of `text` (bigram to 5-gram, add-k tuned on the validation split),
/// printed and written as a table to `out`; returns them.
///
/// # Errors
/// If the table cannot be written.
pub fn baselines(text: &Text, out: &Path) -> anyhow::Result<Vec<Baseline>> {
    let baselines = crate::ngram::text_baselines(text);
    println!("n-gram baselines on the validation split (nats per character):");
    print!("{}", crate::ngram::table(&baselines));
    run::write_atomic(out, crate::ngram::table(&baselines).as_bytes())?;
    Ok(baselines)
}
