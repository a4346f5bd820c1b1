//! `mdbook-metrics`: the mdBook preprocessor that writes numbers from committed runs into the
//! book. See the crate docs (`src/lib.rs`) for the marker, and book/README.md for how chapters
//! use it.
//!
//! mdBook's protocol: it first runs `mdbook-metrics supports <renderer>` (exit 0: yes, for
//! every renderer, since the output is plain markdown), then `mdbook-metrics` with
//! `[context, book]` as JSON on stdin, and reads the changed book as JSON from stdout. A
//! non-zero exit fails the build; the errors go to stderr, one line per bad marker.

use mdbook_metrics::{expand, Figures, MarkerError};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("supports") {
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("mdbook-metrics: cannot read the book from stdin: {e}"))?;
    let parsed: Value = serde_json::from_str(&input).map_err(|e| {
        format!(
            "mdbook-metrics: stdin is not mdBook's [context, book] JSON ({e}); this program is run \
             by `mdbook build`, not by hand"
        )
    })?;
    let Value::Array(mut pair) = parsed else {
        return Err("mdbook-metrics: expected [context, book] on stdin".to_string());
    };
    if pair.len() != 2 {
        return Err("mdbook-metrics: expected [context, book] on stdin".to_string());
    }
    let mut book = pair.pop().expect("two items");
    let context = pair.pop().expect("two items");

    let root = PathBuf::from(context["root"].as_str().unwrap_or("."));
    let src = context["config"]["book"]["src"].as_str().unwrap_or("src");
    let figures_dir = match context["config"]["preprocessor"]["metrics"]["figures"].as_str() {
        Some(dir) => root.join(src).join(dir),
        None => root.join(src).join("figures"),
    };
    // Messages name chapters as `book/src/ch.md` when the book's folder is called `book`.
    let shown_src = match root.file_name() {
        Some(name) => Path::new(name).join(src),
        None => PathBuf::from(src),
    };

    let mut figures = Figures::new(figures_dir);
    let mut errors: Vec<String> = Vec::new();
    // mdBook 0.5 calls the list `items`, 0.4 `sections`.
    for list in ["items", "sections"] {
        if let Some(Value::Array(items)) = book.get_mut(list) {
            for item in items {
                visit(item, &mut figures, &shown_src, &mut errors);
            }
        }
    }
    if !errors.is_empty() {
        return Err(format!(
            "ERROR mdbook-metrics: {} marker(s) could not be filled in:\n{}",
            errors.len(),
            errors.join("\n")
        ));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer(&mut out, &book)
        .map_err(|e| format!("mdbook-metrics: cannot write the book: {e}"))?;
    out.flush()
        .map_err(|e| format!("mdbook-metrics: cannot write the book: {e}"))
}

/// Expands the markers of one book item (a chapter and its sub-chapters).
fn visit(item: &mut Value, figures: &mut Figures, src: &Path, errors: &mut Vec<String>) {
    let Some(chapter) = item.get_mut("Chapter") else {
        return; // a separator or a part title
    };
    let name = chapter["path"]
        .as_str()
        .map(|p| src.join(p).display().to_string())
        .unwrap_or_else(|| format!("chapter `{}`", chapter["name"].as_str().unwrap_or("?")));
    if let Some(content) = chapter.get("content").and_then(Value::as_str) {
        match expand(content, figures) {
            Ok(expanded) => chapter["content"] = Value::String(expanded),
            Err(found) => errors.extend(found.iter().map(|e: &MarkerError| format!("{name}:{e}"))),
        }
    }
    if let Some(Value::Array(subs)) = chapter.get_mut("sub_items") {
        for sub in subs {
            visit(sub, figures, src, errors);
        }
    }
}
