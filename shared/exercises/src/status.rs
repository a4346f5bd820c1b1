//! One line on standard error that says what the tool is doing while cargo builds and the
//! tests run, so that a first build of several minutes is never silent.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a log (not a terminal) gets a line while the status keeps changing.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// On a terminal, a line redrawn in place; in a log, a plain line for each project tested and
/// one every few seconds while cargo builds.
#[derive(Debug)]
pub struct StatusLine {
    terminal: bool,
    started: Instant,
    last_logged: Option<Instant>,
    drawn: bool,
}

impl StatusLine {
    pub fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last_logged: None,
            drawn: false,
        }
    }

    /// Shows `status`, prefixed with the seconds since the start.
    pub fn show(&mut self, status: &str) {
        let text = format!("[{:>3} s] {status}", self.started.elapsed().as_secs());
        let mut stderr = std::io::stderr().lock();
        if self.terminal {
            let width = crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w));
            // Cut to the width: a line that wrapped could not be redrawn in place.
            let shown: String = text.chars().take(width.saturating_sub(1)).collect();
            let _ = write!(stderr, "\r\x1b[2K{shown}");
            self.drawn = true;
        } else {
            // Each project's tests get a line; cargo's progress one every few seconds.
            let due = self.last_logged.is_none_or(|at| at.elapsed() >= LOG_EVERY);
            if status.contains("testing ") || due {
                let _ = writeln!(stderr, "{text}");
                self.last_logged = Some(Instant::now());
            }
        }
        let _ = stderr.flush();
    }

    /// Removes the line from a terminal, before the results are printed.
    pub fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            self.drawn = false;
        }
    }
}
