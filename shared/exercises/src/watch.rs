//! `cargo exercises watch`: a screen in the manner of rustlings' watch mode.
//!
//! It shows the current exercise, its file, and what is wrong with it (the compiler's errors
//! in full, or each failing test's name and assertion message), a progress bar, and the keys:
//! `h` hint, `l` list, `r` check again, `q` quit. It checks again whenever a file under
//! `projects/` is saved, and moves on to the next exercise when the current one passes.
//!
//! Three threads feed one channel of [`Event`]s that the main loop handles: the file watcher,
//! the keyboard, and the checker, which builds and tests in the background so that the keys
//! work while cargo runs. On a terminal the keyboard is read in raw mode (through
//! `crossterm`), which is restored on the way out and on a panic; elsewhere (a pipe, an
//! editor's output panel) the screen is printed as plain text and a key is a line of input.

use crate::catalog::{Catalog, Exercise};
use crate::check::{Check, Checker, Outcome};
use crate::view;
use anyhow::Context;
use crossterm::event::{Event as TerminalEvent, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::{cursor, terminal, QueueableCommand};
use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the main loop reacts to.
enum Event {
    /// A key (or, without a terminal, the first letter of a line of input).
    Key(char),
    Quit,
    /// The terminal changed size: draw again.
    Resize,
    /// A source file under `projects/` was saved.
    Saved,
    /// What the running check is doing now.
    Progress(String),
    /// A check finished.
    Checked(anyhow::Result<Check>),
}

/// Runs the watch screen until `q` (or Ctrl-C).
///
/// # Errors
/// If the file watcher or the terminal cannot be set up.
pub fn watch(catalog: Catalog) -> anyhow::Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (sender, events) = mpsc::channel();

    let saved = sender.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| is_source_change(&e)) {
            let _ = saved.send(Event::Saved);
        }
    })
    .context("starting the file watcher")?;
    let projects = catalog.root.join("projects");
    watcher
        .watch(&projects, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", projects.display()))?;

    let checks = start_checker(&catalog, sender.clone());
    let raw_mode = if interactive {
        crate::process::use_own_groups();
        let guard = RawMode::enter()?;
        let keys = sender.clone();
        std::thread::spawn(move || read_keys(&keys));
        Some(guard)
    } else {
        let keys = sender.clone();
        std::thread::spawn(move || read_lines(&keys));
        None
    };
    drop(sender);

    let mut screen = Screen::new(catalog, interactive);
    checks.send(()).ok();
    screen.checking = Some("starting".to_owned());
    screen.draw()?;
    let mut check_again = false;
    while let Ok(event) = events.recv() {
        match event {
            Event::Quit | Event::Key('q') => break,
            Event::Key('h') => {
                screen.show_hint = !screen.show_hint;
                screen.show_list = false;
            }
            Event::Key('l') => screen.show_list = !screen.show_list,
            Event::Key('\x1b') => screen.show_list = false,
            Event::Key('r') | Event::Saved => {
                // An editor's save is often several events in a row: let the burst settle.
                std::thread::sleep(Duration::from_millis(200));
                while let Ok(Event::Saved) = events.try_recv() {}
                if screen.checking.is_some() {
                    check_again = true;
                } else {
                    checks.send(()).ok();
                    screen.checking = Some("starting".to_owned());
                }
            }
            Event::Progress(status) => {
                screen.checking = Some(status);
                screen.draw_status()?;
                continue;
            }
            Event::Checked(result) => {
                screen.checking = None;
                screen.take(result);
                if check_again {
                    check_again = false;
                    checks.send(()).ok();
                    screen.checking = Some("starting".to_owned());
                }
            }
            Event::Key(_) | Event::Resize => {}
        }
        screen.draw()?;
    }
    crate::process::stop_all();
    drop(raw_mode);
    println!("\nStopped watching. `cargo exercises watch` carries on where you are.");
    Ok(ExitCode::SUCCESS)
}

/// Starts the thread that checks the learner's code each time it is sent `()`.
fn start_checker(catalog: &Catalog, events: mpsc::Sender<Event>) -> mpsc::Sender<()> {
    let (requests, received) = mpsc::channel::<()>();
    let catalog = catalog.clone();
    std::thread::spawn(move || {
        let mut checker = Checker::default();
        for () in received {
            let progress = events.clone();
            let result = checker.check(&catalog, &mut |status| {
                let _ = progress.send(Event::Progress(status.to_owned()));
            });
            if events.send(Event::Checked(result)).is_err() {
                return;
            }
        }
    });
    requests
}

/// True for a change worth checking again: a `.rs` or `.toml` file outside `target/`.
fn is_source_change(event: &notify::Event) -> bool {
    let source = event.paths.iter().any(|path| {
        let text = path.to_string_lossy();
        !text.contains("/target") && (text.ends_with(".rs") || text.ends_with(".toml"))
    });
    source && (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
}

/// Reads keys in raw mode; Ctrl-C and Esc work as they look.
fn read_keys(events: &mpsc::Sender<Event>) {
    loop {
        let event = match crossterm::event::read() {
            Ok(TerminalEvent::Key(key)) if key.kind == KeyEventKind::Press => {
                let control = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Char('c') if control => Event::Quit,
                    KeyCode::Char(c) => Event::Key(c.to_ascii_lowercase()),
                    KeyCode::Esc => Event::Key('\x1b'),
                    _ => continue,
                }
            }
            Ok(TerminalEvent::Resize(..)) => Event::Resize,
            Ok(_) => continue,
            Err(_) => Event::Quit,
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// Without a terminal: each line of input is a key.
fn read_lines(events: &mpsc::Sender<Event>) {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        if let Some(key) = line.trim().chars().next() {
            if events.send(Event::Key(key.to_ascii_lowercase())).is_err() {
                return;
            }
        }
    }
}

/// Raw mode for as long as it lives; restored when dropped, and by a panic too.
struct RawMode;

impl RawMode {
    fn enter() -> anyhow::Result<Self> {
        terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            crate::process::stop_all();
            previous(info);
        }));
        let mut stdout = std::io::stdout();
        stdout.queue(cursor::Hide)?;
        stdout.flush()?;
        Ok(Self)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut stdout = std::io::stdout();
    let _ = stdout.queue(cursor::Show);
    let _ = stdout.flush();
}

/// What the screen shows, and what it remembers between checks.
struct Screen {
    catalog: Catalog,
    interactive: bool,
    check: Option<Check>,
    /// The latest problem running the check itself (cargo missing, ...).
    failure: Option<String>,
    /// The current exercise's id.
    current: Option<String>,
    /// Exercises seen passing this session: one that cannot be checked now (its project
    /// does not compile because of another file) still counts as done.
    passed: HashSet<String>,
    /// A line about what just happened: "predict passes: on to update".
    news: Option<String>,
    /// What the running check is doing, while one runs.
    checking: Option<String>,
    show_hint: bool,
    show_list: bool,
    last_status_drawn: Instant,
}

impl Screen {
    fn new(catalog: Catalog, interactive: bool) -> Self {
        Self {
            catalog,
            interactive,
            check: None,
            failure: None,
            current: None,
            passed: HashSet::new(),
            news: None,
            checking: None,
            show_hint: false,
            show_list: false,
            last_status_drawn: Instant::now(),
        }
    }

    /// Takes in a finished check: the current exercise may move on.
    fn take(&mut self, result: anyhow::Result<Check>) {
        let check = match result {
            Ok(check) => check,
            Err(error) => {
                self.failure = Some(format!("{error:#}"));
                return;
            }
        };
        self.failure = None;
        let passed = &self.passed;
        let current = check
            .current(&self.catalog, &|e: &Exercise| passed.contains(&e.id()))
            .map(Exercise::id);
        let finished = self
            .current
            .as_ref()
            .filter(|before| check.outcomes.get(*before).is_some_and(Outcome::passed));
        self.news = match (finished, &current) {
            (Some(before), Some(now)) if *before != *now => {
                Some(format!("✓ {before} passes: on to {now}."))
            }
            (Some(before), None) => Some(format!("✓ {before} passes.")),
            _ => None,
        };
        if current != self.current {
            self.show_hint = false;
        }
        for exercise in &self.catalog.exercises {
            if check
                .outcomes
                .get(&exercise.id())
                .is_some_and(Outcome::passed)
            {
                self.passed.insert(exercise.id());
            }
        }
        self.current = current;
        self.check = Some(check);
    }

    fn current_exercise(&self) -> Option<&Exercise> {
        let id = self.current.as_ref()?;
        self.catalog.exercises.iter().find(|e| e.id() == *id)
    }

    /// Every line of the screen, the status line last.
    fn lines(&self, width: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let current = self.current_exercise();
        if let Some(failure) = &self.failure {
            lines.push(format!("The check could not run: {failure}"));
            lines.push(String::new());
        }
        match &self.check {
            None => lines.extend([
                "Checking your exercises. The first time, cargo builds every project on your \
                 code, which takes a few minutes; after that it rebuilds only what you change."
                    .to_owned(),
                String::new(),
            ]),
            Some(check) if self.show_list => {
                lines.push("All exercises (l: back to the current one)".to_owned());
                lines.push(String::new());
                lines.extend(view::list(&self.catalog, check, current));
                lines.push(String::new());
            }
            Some(check) => match current {
                None => lines.extend(["Every exercise is done. Well done!".into(), String::new()]),
                Some(exercise) => {
                    let report = view::report(check, exercise);
                    if report.is_empty() {
                        lines.push("Its tests pass.".into());
                    }
                    lines.extend(report);
                    lines.push(String::new());
                }
            },
        }
        if let (true, false, Some(exercise)) = (self.show_hint, self.show_list, current) {
            lines.push(format!("Hint for {}:", exercise.name));
            lines.extend(exercise.hint.trim().lines().map(str::to_owned));
            lines.push(String::new());
        }
        lines.extend(self.news.clone());
        if let Some(check) = &self.check {
            let total = self.catalog.exercises.len();
            lines.push(view::progress_bar(check.done(), total, width));
        }
        match current {
            Some(exercise) => lines.push(format!(
                "Current exercise: {}  ({})",
                exercise.id(),
                exercise.file_display()
            )),
            None if self.check.is_some() => {}
            None => lines.push("Current exercise: not known yet".into()),
        }
        let hint_key = if self.show_hint {
            "h: hide hint"
        } else {
            "h: hint"
        };
        let list_key = if self.show_list { "l: back" } else { "l: list" };
        lines.push(format!(
            "{hint_key} · {list_key} · r: check again · q: quit"
        ));
        lines.push(self.status_line());
        // One entry per screen line: messages can hold line breaks of their own.
        let mut lines: Vec<String> = lines
            .iter()
            .flat_map(|line| {
                let parts: Vec<String> = line.lines().map(str::to_owned).collect();
                if parts.is_empty() {
                    vec![String::new()]
                } else {
                    parts
                }
            })
            .collect();
        // The status line is redrawn in place: it must not wrap.
        if let Some(status) = lines.last_mut() {
            *status = status.chars().take(width.saturating_sub(1)).collect();
        }
        lines
    }

    fn status_line(&self) -> String {
        match &self.checking {
            Some(status) => format!("checking: {status}"),
            None => "watching projects/ for saves".to_owned(),
        }
    }

    /// Draws the whole screen: cleared, then every line; on a terminal the last line stays
    /// open so that [`Screen::draw_status`] can redraw it in place.
    fn draw(&mut self) -> anyhow::Result<()> {
        let width = terminal::size().map_or(80, |(w, _)| usize::from(w));
        let lines = self.lines(width);
        let mut stdout = std::io::stdout().lock();
        if self.interactive {
            stdout
                .queue(cursor::MoveTo(0, 0))?
                .queue(terminal::Clear(terminal::ClearType::All))?
                .queue(terminal::Clear(terminal::ClearType::Purge))?;
            // Raw mode does not turn "\n" into a new line at the left edge: say both.
            write!(stdout, "{}", lines.join("\r\n"))?;
        } else {
            writeln!(stdout, "\n{}", "-".repeat(72))?;
            writeln!(stdout, "{}", lines.join("\n"))?;
        }
        stdout.flush()?;
        self.last_status_drawn = Instant::now();
        Ok(())
    }

    /// Redraws only the status line, at most ten times a second.
    fn draw_status(&mut self) -> anyhow::Result<()> {
        if !self.interactive || self.last_status_drawn.elapsed() < Duration::from_millis(100) {
            return Ok(());
        }
        let width = terminal::size().map_or(80, |(w, _)| usize::from(w));
        let status: String = self
            .status_line()
            .chars()
            .take(width.saturating_sub(1))
            .collect();
        let mut stdout = std::io::stdout().lock();
        stdout
            .queue(cursor::MoveToColumn(0))?
            .queue(terminal::Clear(terminal::ClearType::CurrentLine))?;
        write!(stdout, "{status}")?;
        stdout.flush()?;
        self.last_status_drawn = Instant::now();
        Ok(())
    }
}
