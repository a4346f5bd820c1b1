//! Numbers from runs into prose: `{{#metric 05-cnn test_accuracy %}}` in a chapter becomes
//! `99.01%`, read from `book/src/figures/05-cnn/metrics.json` when the book is built.
//!
//! A marker has two or three words after `#metric`:
//!
//! | word | what it says | examples |
//! |---|---|---|
//! | source | a folder under `figures/` (its `metrics.json` is read), or a `.json` file there | `05-cnn`, `05-cnn/best`, `05-cnn/bench.json` |
//! | key | a dotted path into the JSON; a bare name is looked up in `metrics` too | `test_accuracy`, `metrics.test_accuracy`, `train_seconds`, `runs.0.loss` |
//! | format | how to write the number (see [`format_value`]); none writes it as the JSON has it | `%`, `%1`, `.4`, `,`, `time`, `x.1` |
//!
//! Every marker that cannot be resolved (a missing file, a missing key, a value that is not a
//! number, an unknown format) is an error naming the chapter, the line and the key, and the
//! build fails: a number never silently goes missing from the book. `\{{#metric ...}}` is
//! left alone, for mdBook to print without the backslash.
//!
//! The same functions are used by the workspace's book checks (`tests/book.rs`), so a marker
//! that `cargo test` accepts is one that `mdbook build` accepts.

use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// One `{{#metric ...}}` marker found in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// Byte range of the whole marker, `{{` to `}}`, in the chapter's text.
    pub start: usize,
    pub end: usize,
    /// The source word: a folder under `figures/`, or a `.json` file there.
    pub source: String,
    /// The dotted key.
    pub key: String,
    /// The format word, if given.
    pub format: Option<String>,
}

impl Marker {
    /// The JSON file this marker reads, under the book's `figures` folder.
    pub fn file(&self, figures: &Path) -> PathBuf {
        if self.source.ends_with(".json") {
            figures.join(&self.source)
        } else {
            figures.join(&self.source).join("metrics.json")
        }
    }
}

/// A marker that could not be turned into a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerError {
    /// 1-based line of the marker in the chapter.
    pub line: usize,
    /// The marker as written.
    pub marker: String,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for MarkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`: {}", self.line, self.marker, self.message)
    }
}

/// Every `{{#metric ...}}` in `text`, in order, with malformed ones as errors. Escaped markers
/// (`\{{#metric ...}}`) are skipped.
pub fn find_markers(text: &str) -> Vec<Result<Marker, MarkerError>> {
    const OPEN: &str = "{{#metric";
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find(OPEN) {
        let start = from + pos;
        from = start + OPEN.len();
        if start > 0 && text.as_bytes()[start - 1] == b'\\' {
            continue;
        }
        let after = &text[from..];
        // `{{#metrics` or `{{#metric_x` is some other directive, not ours.
        if !after.starts_with(|c: char| c.is_whitespace()) {
            continue;
        }
        let line = line_of(text, start);
        let stop = after.find(['}', '\n']).unwrap_or(after.len());
        if !after[stop..].starts_with("}}") {
            let shown: String = text[start..from + stop].chars().take(80).collect();
            found.push(Err(MarkerError {
                line,
                marker: shown,
                message: "is not closed with `}}` on the same line".to_string(),
            }));
            continue;
        }
        let end = from + stop + 2;
        from = end;
        let words: Vec<&str> = after[..stop].split_whitespace().collect();
        let marker = text[start..end].to_string();
        match words.as_slice() {
            [source, key] | [source, key, _] => found.push(Ok(Marker {
                start,
                end,
                source: source.to_string(),
                key: key.to_string(),
                format: words.get(2).map(|f| f.to_string()),
            })),
            _ => found.push(Err(MarkerError {
                line,
                marker,
                message: format!(
                    "needs a source, a key and optionally a format, as in \
                     `{{{{#metric 05-cnn test_accuracy %}}}}`; it has {} word(s)",
                    words.len()
                ),
            })),
        }
    }
    found
}

/// Reads and parses the JSON files that markers name, each once.
#[derive(Debug)]
pub struct Figures {
    dir: PathBuf,
    cache: HashMap<PathBuf, Result<Value, String>>,
}

impl Figures {
    /// The figures folder of a book, usually `book/src/figures`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Figures {
            dir: dir.into(),
            cache: HashMap::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The parsed JSON of `path`, or why it cannot be had.
    pub fn json(&mut self, path: &Path) -> Result<&Value, String> {
        let shown = self.show(path);
        self.cache
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!(
                        "cannot read {shown} ({e}); the figures of a project are written by \
                         `bash scripts/book-figures.sh NN-name`"
                    )
                })?;
                serde_json::from_str(&text).map_err(|e| format!("{shown} is not valid JSON: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The value a marker names, formatted.
    pub fn resolve(&mut self, marker: &Marker) -> Result<String, String> {
        let path = marker.file(&self.dir);
        let shown = self.show(&path);
        let json = self.json(&path)?;
        let value = lookup(json, &marker.key).map_err(|e| format!("{shown}: {e}"))?;
        format_value(value, marker.format.as_deref())
            .map_err(|e| format!("{shown}, key `{}`: {e}", marker.key))
    }

    /// `path` relative to the folder that holds `figures/` (so `figures/05-cnn/metrics.json`).
    fn show(&self, path: &Path) -> String {
        let base = self.dir.parent().unwrap_or(&self.dir);
        path.strip_prefix(base)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// `text` with every marker replaced by its formatted value, or every marker that failed.
pub fn expand(text: &str, figures: &mut Figures) -> Result<String, Vec<MarkerError>> {
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut copied = 0;
    for marker in find_markers(text) {
        match marker {
            Err(e) => errors.push(e),
            Ok(marker) => match figures.resolve(&marker) {
                Ok(value) => {
                    out.push_str(&text[copied..marker.start]);
                    out.push_str(&value);
                    copied = marker.end;
                }
                Err(message) => errors.push(MarkerError {
                    line: line_of(text, marker.start),
                    marker: text[marker.start..marker.end].to_string(),
                    message,
                }),
            },
        }
    }
    if errors.is_empty() {
        out.push_str(&text[copied..]);
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The value at dotted `key` in `json`. A path is first followed from the top of the file; a
/// bare name that is not there is looked up in the `metrics` object, where runs put their
/// results. Number segments index arrays (`runs.0.loss`).
pub fn lookup<'a>(json: &'a Value, key: &str) -> Result<&'a Value, String> {
    let direct = follow(json, key);
    let in_metrics = if key.contains('.') {
        None
    } else {
        json.get("metrics").and_then(|m| m.get(key))
    };
    match (direct, in_metrics) {
        (Ok(a), Some(b)) if a != b => Err(format!(
            "`{key}` is both a top-level key and a key of `metrics`; write `metrics.{key}` or \
             say which another way"
        )),
        (Ok(value), _) => Ok(value),
        (Err(_), Some(value)) => Ok(value),
        (Err(e), None) => Err(e),
    }
}

/// Follows the dotted `key` from `json`, or says where it stopped and what was there.
fn follow<'a>(json: &'a Value, key: &str) -> Result<&'a Value, String> {
    let mut here = json;
    let mut walked = String::new();
    for segment in key.split('.') {
        let next = match here {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            let at = if walked.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{walked}`")
            };
            let there = match here {
                Value::Object(map) => {
                    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    keys.sort_unstable();
                    format!("its keys are: {}", keys.join(", "))
                }
                Value::Array(items) => format!("it is a list of {} items", items.len()),
                other => format!("it is the value {other}"),
            };
            let hint = if walked.is_empty() && json.get("metrics").is_some() {
                " (and `metrics` has no such key either)"
            } else {
                ""
            };
            return Err(format!("no key `{segment}` at {at}{hint}; {there}"));
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
        here = next;
    }
    Ok(here)
}

/// Writes `value` in `format`:
///
/// | format | writes | 0.98765 | 60000 | 205.8 |
/// |---|---|---|---|---|
/// | none | the number as the JSON has it, a string as is | `0.98765` | `60000` | `205.8` |
/// | `%`, `%N` | times 100, N decimals (default 2), then `%` | `98.77%` | | |
/// | `.N` | N decimals | `.3`: `0.988` | `.0`: `60000` | |
/// | `,`, `,.N` | thousands separated by commas, N decimals (default 0) | | `60,000` | |
/// | `s` | seconds: one decimal under 10, whole seconds from 10 | | | `206 s` |
/// | `min` | minutes, one decimal | | | `3.4 min` |
/// | `time` | `43 s` under a minute, `3 min 26 s` under an hour, `2 h 5 min` above | | | `3 min 26 s` |
/// | `x`, `x.N` | a ratio: N decimals (default 0), then `×` | | | `x`: `206×` |
///
/// # Errors
/// An unknown format, or a format for numbers applied to something that is not a number.
pub fn format_value(value: &Value, format: Option<&str>) -> Result<String, String> {
    let Some(format) = format else {
        return match value {
            Value::Number(n) => Ok(n.to_string()),
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err("the value is null".to_string()),
            Value::Array(_) | Value::Object(_) => Err(not_a_leaf(value)),
        };
    };
    let x = match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("{n} does not fit an f64"))?,
        Value::Array(_) | Value::Object(_) => return Err(not_a_leaf(value)),
        other => {
            return Err(format!(
                "format `{format}` needs a number, and the value is {other}"
            ))
        }
    };
    if !x.is_finite() {
        return Err(format!("the value {x} is not a finite number"));
    }
    let decimals = |digits: &str, default: usize| -> Result<usize, String> {
        if digits.is_empty() {
            Ok(default)
        } else {
            digits
                .parse::<usize>()
                .ok()
                .filter(|&n| n <= 12)
                .ok_or_else(|| unknown_format(format))
        }
    };
    let text = if let Some(rest) = format.strip_prefix('%') {
        format!("{:.*}%", decimals(rest, 2)?, 100.0 * x)
    } else if let Some(rest) = format.strip_prefix(',') {
        let rest = match rest {
            "" => "",
            r => r.strip_prefix('.').ok_or_else(|| unknown_format(format))?,
        };
        thousands(&format!("{:.*}", decimals(rest, 0)?, x))
    } else if let Some(rest) = format.strip_prefix('.') {
        if rest.is_empty() {
            return Err(unknown_format(format));
        }
        format!("{:.*}", decimals(rest, 0)?, x)
    } else if let Some(rest) = format.strip_prefix('x') {
        let rest = match rest {
            "" => "",
            r => r.strip_prefix('.').ok_or_else(|| unknown_format(format))?,
        };
        format!("{:.*}×", decimals(rest, 0)?, x)
    } else {
        match format {
            "s" if x.abs() < 10.0 => format!("{x:.1} s"),
            "s" => format!("{x:.0} s"),
            "min" => format!("{:.1} min", x / 60.0),
            "time" => duration(x),
            _ => return Err(unknown_format(format)),
        }
    };
    // `-0.00` reads as a negative number that is not there.
    Ok(
        if text.starts_with('-') && text[1..].chars().all(|c| !c.is_ascii_digit() || c == '0') {
            text[1..].to_string()
        } else {
            text
        },
    )
}

fn not_a_leaf(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            format!(
                "the key names an object, not a number; name one of its keys: {}",
                keys.join(", ")
            )
        }
        _ => "the key names a list, not a number; add `.0`, `.1`, ... for an item".to_string(),
    }
}

fn unknown_format(format: &str) -> String {
    format!(
        "unknown format `{format}`; the formats are `%` or `%N` (percent, N decimals), `.N` (N \
         decimals), `,` or `,.N` (thousands separators), `s`, `min`, `time` (durations), `x` or \
         `x.N` (a ratio, as 169×)"
    )
}

/// `1234567.89` as `1,234,567.89`.
fn thousands(number: &str) -> String {
    let (sign, digits) = match number.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", number),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::from(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Seconds as a reader says a duration: `43 s`, `3 min 26 s`, `2 h 5 min`.
fn duration(seconds: f64) -> String {
    let whole = seconds.round() as i64;
    if seconds.abs() < 10.0 {
        format!("{seconds:.1} s")
    } else if whole < 60 {
        format!("{whole} s")
    } else if whole < 3600 {
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        let minutes = (seconds / 60.0).round() as i64;
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The names a reader might see in code font where a number should be: every key of the
/// `metrics` object, and every top-level key whose value is a number.
pub fn metric_names(json: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if let Some(Value::Object(metrics)) = json.get("metrics") {
        names.extend(metrics.keys().cloned());
    }
    if let Value::Object(top) = json {
        names.extend(
            top.iter()
                .filter(|(_, v)| v.is_number())
                .map(|(k, _)| k.clone()),
        );
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fmt(value: Value, format: &str) -> String {
        format_value(&value, Some(format)).unwrap()
    }

    #[test]
    fn formats_write_numbers_as_a_reader_expects() {
        assert_eq!(fmt(json!(0.9901), "%"), "99.01%");
        assert_eq!(fmt(json!(0.9901), "%1"), "99.0%");
        assert_eq!(fmt(json!(1.0), "%0"), "100%");
        assert_eq!(fmt(json!(0.4533506), ".4"), "0.4534");
        assert_eq!(fmt(json!(57.1762), ".2"), "57.18");
        assert_eq!(fmt(json!(60000), ","), "60,000");
        assert_eq!(fmt(json!(1234567.891), ",.2"), "1,234,567.89");
        assert_eq!(fmt(json!(-1234.5), ",.1"), "-1,234.5");
        assert_eq!(fmt(json!(999), ","), "999");
        assert_eq!(fmt(json!(8.021), "s"), "8.0 s");
        assert_eq!(fmt(json!(42.857), "s"), "43 s");
        assert_eq!(fmt(json!(205.826), "min"), "3.4 min");
        assert_eq!(fmt(json!(42.857), "time"), "43 s");
        assert_eq!(fmt(json!(205.826), "time"), "3 min 26 s");
        assert_eq!(fmt(json!(7500.0), "time"), "2 h 5 min");
        assert_eq!(fmt(json!(169.242), "x"), "169×");
        assert_eq!(fmt(json!(1.08), "x.2"), "1.08×");
        assert_eq!(fmt(json!(-0.0001), ".2"), "0.00");
        assert_eq!(fmt(json!(-0.0203), ".4"), "-0.0203");
    }

    #[test]
    fn without_a_format_a_value_is_written_as_the_json_has_it() {
        assert_eq!(format_value(&json!(7), None).unwrap(), "7");
        assert_eq!(format_value(&json!(0.25), None).unwrap(), "0.25");
        assert_eq!(format_value(&json!("mnist"), None).unwrap(), "mnist");
    }

    #[test]
    fn bad_formats_and_values_say_what_is_wrong() {
        let err = format_value(&json!(1.0), Some("pct")).unwrap_err();
        assert!(err.contains("unknown format `pct`"), "{err}");
        assert!(format_value(&json!(1.0), Some(".")).is_err());
        assert!(format_value(&json!(1.0), Some(",3")).is_err());
        let err = format_value(&json!("mnist"), Some("%")).unwrap_err();
        assert!(err.contains("needs a number"), "{err}");
        let err = format_value(&json!({"a": 1, "b": 2}), Some("%")).unwrap_err();
        assert!(err.contains("name one of its keys: a, b"), "{err}");
    }

    #[test]
    fn keys_are_found_at_the_top_in_metrics_and_along_paths() {
        let j = json!({
            "epochs": 5,
            "metrics": {"test_accuracy": 0.99, "steps": 10},
            "runs": [{"loss": 0.5}, {"loss": 0.25}],
            "steps": 10
        });
        assert_eq!(lookup(&j, "epochs").unwrap(), &json!(5));
        assert_eq!(lookup(&j, "test_accuracy").unwrap(), &json!(0.99));
        assert_eq!(lookup(&j, "metrics.test_accuracy").unwrap(), &json!(0.99));
        assert_eq!(lookup(&j, "runs.1.loss").unwrap(), &json!(0.25));
        // The same number in both places is not ambiguous.
        assert_eq!(lookup(&j, "steps").unwrap(), &json!(10));
        let err = lookup(&j, "test_acuracy").unwrap_err();
        assert!(
            err.contains("no key `test_acuracy` at the top level"),
            "{err}"
        );
        assert!(err.contains("epochs, metrics, runs, steps"), "{err}");
        let err = lookup(&j, "metrics.train_accuracy").unwrap_err();
        assert!(
            err.contains("at `metrics`; its keys are: steps, test_accuracy"),
            "{err}"
        );
        let err = lookup(&j, "runs.7.loss").unwrap_err();
        assert!(err.contains("a list of 2 items"), "{err}");
    }

    #[test]
    fn a_key_in_both_places_with_different_values_is_ambiguous() {
        let j = json!({"steps": 300, "metrics": {"steps": 5628}});
        let err = lookup(&j, "steps").unwrap_err();
        assert!(err.contains("write `metrics.steps`"), "{err}");
        assert_eq!(lookup(&j, "metrics.steps").unwrap(), &json!(5628));
    }

    #[test]
    fn markers_are_found_escapes_skipped_and_malformed_ones_reported() {
        let text = "a {{#metric 05-cnn test_accuracy %}} b\n\\{{#metric x y}} \
                    {{#metrics x}} {{#metric  05-cnn/best  params }}\n{{#metric only}}\n\
                    {{#metric open key\n";
        let found = find_markers(text);
        assert_eq!(found.len(), 4, "{found:#?}");
        let first = found[0].as_ref().unwrap();
        assert_eq!(
            (
                first.source.as_str(),
                first.key.as_str(),
                first.format.as_deref()
            ),
            ("05-cnn", "test_accuracy", Some("%"))
        );
        assert_eq!(
            &text[first.start..first.end],
            "{{#metric 05-cnn test_accuracy %}}"
        );
        let second = found[1].as_ref().unwrap();
        assert_eq!(
            (second.source.as_str(), second.format.as_deref()),
            ("05-cnn/best", None)
        );
        let e = found[2].as_ref().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("1 word(s)"), "{e}");
        let e = found[3].as_ref().unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("not closed"), "{e}");
    }

    fn figures() -> (tempfile::TempDir, Figures) {
        let dir = tempfile::tempdir().unwrap();
        let figures = dir.path().join("figures");
        std::fs::create_dir_all(figures.join("05-cnn/best")).unwrap();
        std::fs::write(
            figures.join("05-cnn/metrics.json"),
            r#"{"examples_per_second": 4653.6, "metrics": {"test_accuracy": 0.9901}}"#,
        )
        .unwrap();
        std::fs::write(
            figures.join("05-cnn/best/metrics.json"),
            r#"{"metrics": {"test_accuracy": 0.9959}}"#,
        )
        .unwrap();
        std::fs::write(
            figures.join("05-cnn/bench.json"),
            r#"{"rows": [{"ratio": 1.08}]}"#,
        )
        .unwrap();
        (dir, Figures::new(figures))
    }

    #[test]
    fn expand_replaces_every_marker_from_the_right_file() {
        let (_dir, mut figures) = figures();
        let text = "Accuracy {{#metric 05-cnn test_accuracy %}} ({{#metric 05-cnn/best \
                    test_accuracy %}} at best), {{#metric 05-cnn examples_per_second ,}} images/s, \
                    {{#metric 05-cnn/bench.json rows.0.ratio x.2}}; \\{{#metric shown as is}}.";
        assert_eq!(
            expand(text, &mut figures).unwrap(),
            "Accuracy 99.01% (99.59% at best), 4,654 images/s, 1.08×; \\{{#metric shown as is}}."
        );
    }

    #[test]
    fn expand_reports_every_bad_marker_with_its_line_and_key() {
        let (_dir, mut figures) = figures();
        let text = "ok {{#metric 05-cnn test_accuracy %}}\n\
                    {{#metric 05-cnn test_acc %}}\n\
                    {{#metric 06-optim test_accuracy %}}\n\
                    {{#metric 05-cnn test_accuracy pct}}\n";
        let errors = expand(text, &mut figures).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert_eq!(errors[0].line, 2);
        assert!(
            errors[0].to_string().starts_with(
                "2: `{{#metric 05-cnn test_acc %}}`: figures/05-cnn/metrics.json: no key `test_acc`"
            ),
            "{}",
            errors[0]
        );
        assert_eq!(errors[1].line, 3);
        assert!(
            errors[1]
                .message
                .contains("cannot read figures/06-optim/metrics.json"),
            "{}",
            errors[1]
        );
        assert!(
            errors[1].message.contains("scripts/book-figures.sh"),
            "{}",
            errors[1]
        );
        assert_eq!(errors[2].line, 4);
        assert!(
            errors[2].message.contains("unknown format `pct`"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn metric_names_are_the_results_and_the_top_level_numbers() {
        let j = json!({"project": "x", "epochs": 3, "metrics": {"test_accuracy": 0.9}});
        assert_eq!(metric_names(&j), ["epochs", "test_accuracy"]);
    }
}
