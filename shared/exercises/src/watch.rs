//! `cargo exercises watch`: re-check whenever a file under `projects/` is saved.

use crate::catalog::Catalog;
use anyhow::Context;
use notify::{RecursiveMode, Watcher};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `show` now and again after every burst of saves, until interrupted (Ctrl-C).
pub fn watch(catalog: &Catalog, show: impl Fn() -> anyhow::Result<()>) -> anyhow::Result<ExitCode> {
    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender).context("starting the file watcher")?;
    let projects = catalog.root.join("projects");
    watcher
        .watch(&projects, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", projects.display()))?;
    loop {
        show()?;
        println!(
            "\nwatching {} for changes (Ctrl-C to stop)...",
            projects.display()
        );
        wait_for_source_change(&events)?;
        // An editor's save is often several events in a row; let the burst settle.
        std::thread::sleep(Duration::from_millis(300));
        while events.try_recv().is_ok() {}
        println!("\n{}\n", "-".repeat(72));
    }
}

fn wait_for_source_change(
    events: &mpsc::Receiver<notify::Result<notify::Event>>,
) -> anyhow::Result<()> {
    loop {
        let event = events.recv().context("the file watcher stopped")?;
        let Ok(event) = event else { continue };
        let is_source = event.paths.iter().any(|p| {
            let text = p.to_string_lossy();
            !text.contains("/target") && (text.ends_with(".rs") || text.ends_with(".toml"))
        });
        if is_source && (event.kind.is_modify() || event.kind.is_create()) {
            return Ok(());
        }
    }
}
