//! Progress during training: an animated bar on a terminal, plain periodic lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

/// How often a non-terminal (or `--quiet`) run prints a plain progress line. Short phases
/// print none: the project's own summary line (one per epoch) says how each ended.
const PLAIN_LINE_EVERY: Duration = Duration::from_secs(10);

/// Progress over `total` steps (batches, epochs, ...) of one phase of training.
///
/// On a terminal it draws an indicatif bar with the latest metrics, examples per second and
/// time left; when standard error is not a terminal, or with `--quiet`, it prints a plain line
/// every ten seconds instead, so logs stay readable. Progress goes to standard error;
/// results go to standard output.
#[derive(Debug)]
pub struct Progress {
    label: String,
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    examples: u64,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    /// Starts a display for `total` steps; `animated` chooses the bar over plain lines.
    pub fn new(label: &str, total: u64, animated: bool) -> Self {
        let bar = animated.then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} {msg}  ({elapsed}, {eta} left)",
            )
            .expect("the template is valid")
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_owned());
            bar
        });
        Self {
            label: label.to_owned(),
            bar,
            total,
            done: 0,
            examples: 0,
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    /// Records `steps` more steps covering `examples` training examples, and the latest
    /// metrics to show (e.g. `&[("loss", 0.31)]`).
    pub fn advance(&mut self, steps: u64, examples: u64, metrics: &[(&str, f64)]) {
        self.done = (self.done + steps).min(self.total);
        self.examples += examples;
        let mut message: String = metrics
            .iter()
            .map(|(name, value)| format!("{name} {value:.4}  "))
            .collect();
        message.push_str(&format!("{:.0} ex/s", self.examples_per_second()));
        match &self.bar {
            Some(bar) => {
                bar.set_position(self.done);
                bar.set_message(message);
            }
            None => {
                if self.last_line.elapsed() >= PLAIN_LINE_EVERY {
                    self.last_line = Instant::now();
                    eprintln!("{}  {}/{}  {message}", self.label, self.done, self.total);
                }
            }
        }
    }

    /// Training examples seen per second of wall time so far.
    pub fn examples_per_second(&self) -> f64 {
        self.examples as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }

    /// Examples seen so far.
    pub fn examples(&self) -> u64 {
        self.examples
    }

    /// Clears the bar and returns how long this display ran.
    pub fn finish(self) -> Duration {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_examples_and_never_runs_past_the_total() {
        let mut progress = Progress::new("epoch 1/1", 4, false);
        for _ in 0..6 {
            progress.advance(1, 32, &[("loss", 0.5)]);
        }
        assert_eq!(progress.done, 4);
        assert_eq!(progress.examples(), 6 * 32);
        assert!(progress.examples_per_second() > 0.0);
    }
}
