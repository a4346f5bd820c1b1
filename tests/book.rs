//! The book under `book/` is whole: every `{{#include}}` finds its file and a non-empty region,
//! every relative link and image points to a file that exists (and to a heading that exists,
//! for a `#fragment`), every chapter listed in `SUMMARY.md` exists and every chapter file is
//! listed, the math survives the markdown parser, every `{{#metric}}` marker names a number
//! that a committed run wrote, no sentence names a metric key in code font where its number
//! should be, and no figure folder is older than the code that made it.
//!
//! Why a test and not just `mdbook build`: for a missing file mdBook prints an error and carries
//! on, and for a misspelt anchor it includes nothing at all, silently. These checks read the
//! markdown with pulldown-cmark, the parser mdBook 0.5 uses, with the options mdBook uses, and
//! resolve includes the way mdBook's `links` preprocessor does. `mod checker_catches` at the
//! bottom builds small books in a temporary folder and shows that each kind of mistake is caught,
//! so a green run here means something.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// The checks on the real book.

fn the_book() -> Book {
    Book {
        dir: workspace_checks::workspace_root().join("book"),
    }
}

#[test]
fn every_include_in_the_book_resolves_to_a_non_empty_region() {
    expect_no_problems("in the book's {{#include}}s", check_includes(&the_book()));
}

#[test]
fn every_relative_link_and_image_in_the_book_points_to_something_that_exists() {
    expect_no_problems("in the book's links and images", check_links(&the_book()));
}

#[test]
fn every_chapter_listed_in_summary_exists() {
    expect_no_problems("in book/src/SUMMARY.md", check_summary(&the_book()));
}

#[test]
fn every_chapter_file_is_listed_in_summary() {
    expect_no_problems(
        "with chapter files missing from SUMMARY.md",
        check_unlisted(&the_book()),
    );
}

#[test]
fn math_in_the_book_survives_markdown() {
    expect_no_problems("in the book's math", check_math(&the_book()));
}

#[test]
fn the_book_renders_math_offline_and_never_creates_missing_chapters() {
    let book = the_book();
    let config = read(&book.dir.join("book.toml"));
    let setting = |key: &str| {
        config
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with(key) && line[key.len()..].trim_start().starts_with('='))
            .map(|line| line.split_once('=').unwrap().1.trim().to_string())
    };
    assert_eq!(
        setting("create-missing").as_deref(),
        Some("false"),
        "book/book.toml must say `create-missing = false`: a misspelt chapter path in SUMMARY.md \
         must fail the build, not create an empty page"
    );
    assert_ne!(
        setting("mathjax-support").as_deref(),
        Some("true"),
        "book/book.toml: `mathjax-support = true` loads MathJax from a CDN; the book uses the copy \
         in book/theme/mathjax/ (see book/README.md)"
    );
    for script in ["theme/mathjax/config.js", "theme/mathjax/tex-svg-full.js"] {
        assert!(
            config.contains(script) && book.dir.join(script).is_file(),
            "book/book.toml must load book/{script} through `additional-js`, and the file must exist"
        );
    }
}

#[test]
fn every_metric_marker_in_the_book_names_a_committed_number() {
    expect_no_problems(
        "in the book's {{#metric}} markers",
        check_metrics(&the_book()),
    );
}

#[test]
fn no_sentence_names_a_metric_key_in_code_font() {
    expect_no_problems(
        "with metric keys where their numbers should be",
        check_metric_names(&the_book()),
    );
}

#[test]
fn no_figure_folder_is_older_than_the_code_that_made_it() {
    let root = workspace_checks::workspace_root();
    expect_no_problems(
        "in the figures' made-at.txt records",
        check_figures_made_at(&root, &the_book()),
    );
}

#[test]
fn every_svg_figure_is_legible_in_the_text_column() {
    expect_no_problems(
        "with figures too small to read",
        check_svg_text_size(&the_book()),
    );
}

/// Chapters that still name metric keys in prose and whose figures have no `made-at.txt`: the
/// `engine` and `cnn` helpers are rewriting them, and the markers pass over them comes after
/// they merge. Remove a chapter from this list when it has been through that pass.
const NOT_YET_ON_MARKERS: &[&str] = &["04-autograd", "05-cnn"];

/// Code-font words that are both a metric key and the name of something else the chapter
/// shows, with why: the check lets exactly these through, in exactly these chapters.
const CODE_NAMES_THAT_ARE_ALSO_METRICS: &[(&str, &str, &str)] = &[(
    "01-perceptron.md",
    "margin",
    "the exercise function `margin` computes the metric of the same name",
)];

// ---------------------------------------------------------------------------------------------
// What a check reports.

/// One thing wrong in the book: the markdown file, the line, and what is wrong.
#[derive(Debug)]
struct Problem {
    file: PathBuf,
    line: usize,
    message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// What one check looked at, and what it found wrong.
#[derive(Debug, Default)]
struct Report {
    /// How many things (includes, links, chapters, formulas) were checked.
    checked: usize,
    problems: Vec<Problem>,
}

fn expect_no_problems(what: &str, report: Report) {
    println!("checked {} things {what}", report.checked);
    if !report.problems.is_empty() {
        let list: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        panic!(
            "{} problem(s) {what}:\n{}",
            report.problems.len(),
            list.join("\n")
        );
    }
}

/// A book on disk: `dir/book.toml`, and the markdown under `dir/src`.
struct Book {
    dir: PathBuf,
}

impl Book {
    fn src(&self) -> PathBuf {
        self.dir.join("src")
    }

    /// `path` as messages show it: relative to the folder that holds the book (`book/src/x.md`).
    fn show(&self, path: &Path) -> PathBuf {
        let base = self.dir.parent().unwrap_or(&self.dir);
        path.strip_prefix(base).unwrap_or(path).to_path_buf()
    }

    fn problem(&self, file: &Path, line: usize, message: String) -> Problem {
        Problem {
            file: self.show(file),
            line,
            message,
        }
    }

    /// Every markdown file under `src/`, sorted, `SUMMARY.md` included.
    fn markdown_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
            let entries = std::fs::read_dir(dir)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
            for entry in entries {
                let path = entry.expect("a readable folder entry").path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|ext| ext == "md") {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.src(), &mut found);
        found.sort();
        found
    }

    /// The chapters' markdown: every markdown file but `SUMMARY.md`.
    fn chapter_files(&self) -> Vec<PathBuf> {
        let summary = self.src().join("SUMMARY.md");
        self.markdown_files()
            .into_iter()
            .filter(|path| *path != summary)
            .collect()
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A markdown parser set up as mdBook 0.5 sets up its own (`mdbook-markdown`), with
/// `smart-punctuation = false` as in book/book.toml.
fn markdown(text: &str) -> Parser<'_> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    options.insert(Options::ENABLE_DEFINITION_LIST);
    options.insert(Options::ENABLE_GFM);
    Parser::new_ext(text, options)
}

// ---------------------------------------------------------------------------------------------
// (a) Includes: `{{#include path}}`, `{{#include path:anchor}}`, `{{#include path:10:20}}`,
// and the same for `{{#rustdoc_include}}`; `{{#playground path}}` takes a whole file.

/// A `{{#kind args}}` directive in a markdown file, as mdBook's `links` preprocessor finds it.
#[derive(Debug, PartialEq)]
struct Directive<'a> {
    kind: &'a str,
    /// The first word of the arguments: `path` or `path:anchor` or `path:10:20`.
    target: &'a str,
    /// Byte offset of the opening `{{`.
    offset: usize,
}

/// Finds directives the way mdBook's regex does: `{{`, optional whitespace, `#kind`, whitespace,
/// anything up to the first `}`, then `}}`. `\{{#...}}` is an escape that mdBook prints as is.
fn find_directives(text: &str) -> Vec<Directive<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("{{") {
        let start = from + pos;
        from = start + 2;
        let rest = &text[start + 2..];
        if start > 0 && text.as_bytes()[start - 1] == b'\\' && rest.starts_with('#') {
            // Escaped: mdBook's pattern `\\\{\{\#.*\}\}` runs to the last `}}` on the line.
            let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
            if let Some(end) = line.rfind("}}") {
                from = start + 2 + end + 2;
            }
            continue;
        }
        let Some(body) = rest.trim_start().strip_prefix('#') else {
            continue;
        };
        let kind_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        let (kind, after_kind) = body.split_at(kind_len);
        let args = after_kind.trim_start();
        if kind.is_empty() || args.len() == after_kind.len() {
            continue;
        }
        let Some(close) = args.find('}') else {
            continue;
        };
        if close == 0 || !args[close..].starts_with("}}") {
            continue;
        }
        if let Some(target) = args[..close].split_whitespace().next() {
            found.push(Directive {
                kind,
                target,
                offset: start,
            });
            from = text.len() - args.len() + close + 2;
        }
    }
    found
}

/// Which part of a file an include takes, as mdBook reads `path:...`.
#[derive(Debug, PartialEq)]
enum Part {
    /// 0-based, end excluded; `None` is open.
    Lines(Option<usize>, Option<usize>),
    Anchor(String),
}

/// Splits `path:anchor` / `path:10:20` / `path:10` / `path:10:` / `path::20` / `path` as mdBook
/// 0.5 does (`parse_range_or_anchor`): numbers are 1-based and the end line is included.
fn parse_target(target: &str) -> (&str, Part) {
    let (path, spec) = match target.split_once(':') {
        Some((path, spec)) => (path, spec),
        None => (target, ""),
    };
    let mut parts = spec.splitn(3, ':');
    let first = parts.next().unwrap_or("");
    let start = match first.parse::<usize>() {
        Ok(n) => Some(n.saturating_sub(1)),
        Err(_) if first.is_empty() => None,
        Err(_) => return (path, Part::Anchor(first.to_string())),
    };
    let end = parts.next().map(|s| s.parse::<usize>());
    let part = match (start, end) {
        (Some(s), Some(Ok(e))) => Part::Lines(Some(s), Some(e)),
        (Some(s), Some(Err(_))) => Part::Lines(Some(s), None),
        (Some(s), None) => Part::Lines(Some(s), Some(s + 1)),
        (None, Some(Ok(e))) => Part::Lines(None, Some(e)),
        (None, _) => Part::Lines(None, None),
    };
    (path, part)
}

/// The name on an `ANCHOR:` or `ANCHOR_END:` marker line, as mdBook's
/// `ANCHOR:\s*([\w_-]+)` finds it anywhere in the line.
fn marker<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(pos) = line[from..].find(tag) {
        let after = line[from + pos + tag.len()..].trim_start();
        let len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after.len());
        if len > 0 {
            return Some(&after[..len]);
        }
        from += pos + tag.len();
    }
    None
}

/// The lines mdBook includes for `anchor` (every marker line dropped), or why there are none.
fn anchored_region(source: &str, anchor: &str) -> Result<String, String> {
    let starts: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, line)| marker(line, "ANCHOR:") == Some(anchor))
        .map(|(i, _)| i + 1)
        .collect();
    let Some(&first) = starts.first() else {
        let mut names: Vec<&str> = source
            .lines()
            .filter_map(|line| marker(line, "ANCHOR:"))
            .collect();
        names.dedup();
        let known = if names.is_empty() {
            "it has no anchors at all".to_string()
        } else {
            format!("its anchors are: {}", names.join(", "))
        };
        return Err(format!(
            "has no `ANCHOR: {anchor}` marker ({known}); mdBook would include nothing"
        ));
    };
    if starts.len() > 1 {
        return Err(format!(
            "has `ANCHOR: {anchor}` on {} lines ({starts:?}); mdBook takes only the first, so give \
             each region its own name",
            starts.len()
        ));
    }
    let mut region = Vec::new();
    let mut closed = false;
    for line in source.lines().skip(first) {
        if marker(line, "ANCHOR_END:") == Some(anchor) {
            closed = true;
            break;
        }
        if marker(line, "ANCHOR:").is_none() && marker(line, "ANCHOR_END:").is_none() {
            region.push(line);
        }
    }
    if !closed {
        return Err(format!(
            "has `ANCHOR: {anchor}` on line {first} but no `ANCHOR_END: {anchor}` after it; mdBook \
             would include the rest of the file"
        ));
    }
    if region.iter().all(|line| line.trim().is_empty()) {
        return Err(format!(
            "has an empty region between `ANCHOR: {anchor}` and `ANCHOR_END: {anchor}`"
        ));
    }
    Ok(region.join("\n"))
}

/// Why the 0-based, end-excluded line range `[start, end)` of a file with `lines` lines would
/// include less than asked, if it would.
fn range_problem(start: Option<usize>, end: Option<usize>, lines: usize) -> Option<String> {
    let first = start.unwrap_or(0);
    if first >= lines {
        return Some(format!(
            "starts at line {}, but the file has {lines} lines",
            first + 1
        ));
    }
    match end {
        Some(end) if end > lines => Some(format!(
            "asks for lines up to {end}, but the file has {lines} lines"
        )),
        Some(end) if end <= first => Some(format!(
            "asks for lines {}..={end}, which is no line at all",
            first + 1
        )),
        _ => None,
    }
}

fn check_includes(book: &Book) -> Report {
    let mut report = Report::default();
    for file in book.markdown_files() {
        let text = read(&file);
        let dir = file.parent().expect("a markdown file sits in a folder");
        for directive in find_directives(&text) {
            let line = line_of(&text, directive.offset);
            let whole = matches!(directive.kind, "playground" | "playpen");
            // `#title` is mdBook's; `#metric` is ours (book/preprocessor), checked below.
            if matches!(directive.kind, "title" | "metric") {
                continue;
            }
            if !whole && !matches!(directive.kind, "include" | "rustdoc_include") {
                report.problems.push(book.problem(
                    &file,
                    line,
                    format!(
                        "`{{{{#{} ...}}}}` is not something mdBook knows (it knows #include, \
                         #rustdoc_include, #playground, #title, and the book's #metric); it \
                         would print it as text",
                        directive.kind
                    ),
                ));
                continue;
            }
            report.checked += 1;
            let (path, part) = if whole {
                (directive.target, Part::Lines(None, None))
            } else {
                parse_target(directive.target)
            };
            let resolved = dir.join(path);
            let shown = book.show(&normalize(&resolved));
            let Ok(source) = std::fs::read_to_string(&resolved) else {
                report.problems.push(book.problem(
                    &file,
                    line,
                    format!(
                        "includes `{path}`, which does not exist (looked for {}); paths are \
                         relative to this markdown file",
                        shown.display()
                    ),
                ));
                continue;
            };
            let problem = match part {
                Part::Anchor(anchor) => anchored_region(&source, &anchor).err(),
                Part::Lines(start, end) => range_problem(start, end, source.lines().count()),
            };
            if let Some(problem) = problem {
                report.problems.push(book.problem(
                    &file,
                    line,
                    format!(
                        "`{{{{#{} {}}}}}`: {} {problem}",
                        directive.kind,
                        directive.target,
                        shown.display()
                    ),
                ));
            }
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// (b) Links and images, (c) SUMMARY.md.

/// `path` with `.` and `..` resolved without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `%20` and friends, as a browser decodes a link before asking for the file.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a link leaves the book (`https:`, `mailto:`, `//host`): those are not checked here,
/// as the checks run offline.
fn is_external(dest: &str) -> bool {
    let scheme_len = dest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
        .unwrap_or(0);
    dest.starts_with("//")
        || (scheme_len > 0
            && dest.as_bytes()[0].is_ascii_alphabetic()
            && dest[scheme_len..].starts_with(':'))
}

/// The `id`s mdBook 0.5 gives the headings of a chapter: the heading's text, lower-cased, with
/// whitespace turned into `-` and everything but letters, digits, `_` and `-` dropped, then
/// `-1`, `-2`, ... on repeats; `{#custom-id}` as written. Definition-list terms get ids too.
fn heading_ids(text: &str) -> Vec<String> {
    fn slug(content: &str) -> String {
        content
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c)
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect()
    }
    let mut used = HashSet::new();
    let mut ids = Vec::new();
    let mut current: Option<(Option<String>, String)> = None;
    for event in markdown(text) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                current = Some((id.map(|id| id.to_string()), String::new()));
            }
            Event::Start(Tag::DefinitionListTitle) => current = Some((None, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, content)) = current.as_mut() {
                    content.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => {
                if let Some((custom, content)) = current.take() {
                    ids.push(custom.unwrap_or_else(|| {
                        let base = slug(&content);
                        let mut id = base.clone();
                        let mut counter = 1;
                        while !used.insert(id.clone()) {
                            id = format!("{base}-{counter}");
                            counter += 1;
                        }
                        id
                    }));
                }
            }
            _ => {}
        }
    }
    ids
}

/// What is wrong with a link from `file` to `dest`, if anything.
fn link_problem(book: &Book, file: &Path, dest: &str) -> Option<String> {
    if dest.is_empty() {
        return Some("a link with an empty target `()`".to_string());
    }
    if is_external(dest) {
        return None;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (dest, None),
    };
    let path = percent_decode(path.split('?').next().unwrap_or(""));
    if path.starts_with('/') {
        return Some(format!(
            "`{dest}` is an absolute path; write it relative to this file"
        ));
    }
    let mut target = if path.is_empty() {
        file.to_path_buf()
    } else {
        normalize(&file.parent().expect("a file has a folder").join(&path))
    };
    let shown = book.show(&target);
    if !target.starts_with(book.src()) {
        return Some(format!(
            "`{dest}` points to {}, outside book/src: the built book holds only what is under \
             book/src",
            shown.display()
        ));
    }
    // mdBook turns `x.md` links into `x.html`; a link written as `x.html` means `x.md`.
    if !target.exists() && target.extension().is_some_and(|e| e == "html") {
        let md = target.with_extension("md");
        if md.is_file() {
            target = md;
        }
    }
    if !target.exists() {
        return Some(format!(
            "`{dest}` points to {}, which does not exist",
            shown.display()
        ));
    }
    if target.is_dir() {
        return Some(format!(
            "`{dest}` points to the folder {}; link to a file in it",
            shown.display()
        ));
    }
    let fragment = fragment.filter(|f| !f.is_empty())?;
    if target.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let ids = heading_ids(&read(&target));
    if ids.iter().any(|id| id == fragment) {
        return None;
    }
    Some(format!(
        "`{dest}`: {} has no heading with id `{fragment}` (its heading ids: {})",
        book.show(&target).display(),
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.join(", ")
        }
    ))
}

fn check_links(book: &Book) -> Report {
    let mut report = Report::default();
    for file in book.chapter_files() {
        let text = read(&file);
        for (event, range) in markdown(&text).into_offset_iter() {
            let (what, dest) = match &event {
                Event::Start(Tag::Link { dest_url, .. }) => ("link", dest_url),
                Event::Start(Tag::Image { dest_url, .. }) => ("image", dest_url),
                _ => continue,
            };
            report.checked += 1;
            if let Some(problem) = link_problem(book, &file, dest) {
                report.problems.push(book.problem(
                    &file,
                    line_of(&text, range.start),
                    format!("{what} {problem}"),
                ));
            }
        }
    }
    report
}

/// The chapter files `SUMMARY.md` lists, with the line of each; drafts (`[Title]()`) left out.
fn summary_entries(book: &Book) -> Vec<(String, usize)> {
    let text = read(&book.src().join("SUMMARY.md"));
    markdown(&text)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. }) if !dest_url.is_empty() => {
                Some((percent_decode(&dest_url), line_of(&text, range.start)))
            }
            _ => None,
        })
        .collect()
}

fn check_summary(book: &Book) -> Report {
    let mut report = Report::default();
    let summary = book.src().join("SUMMARY.md");
    if !summary.is_file() {
        report.problems.push(book.problem(
            &summary,
            1,
            "does not exist; mdBook needs it to know the chapters".to_string(),
        ));
        return report;
    }
    for (dest, line) in summary_entries(book) {
        report.checked += 1;
        let path = dest.split('#').next().unwrap_or("");
        let target = normalize(&book.src().join(path));
        let problem = if !path.ends_with(".md") {
            Some(format!(
                "lists `{dest}`; a chapter is a markdown file under book/src"
            ))
        } else if !target.is_file() {
            Some(format!(
                "lists chapter `{dest}`, but {} does not exist; write it, or mark the chapter \
                 a draft with `- [Title]()`",
                book.show(&target).display()
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            report.problems.push(book.problem(&summary, line, problem));
        }
    }
    report
}

/// Markdown files directly in `book/src` that `SUMMARY.md` does not list and no other file
/// includes: the built book would leave them out.
fn check_unlisted(book: &Book) -> Report {
    let mut report = Report::default();
    let src = book.src();
    let mut reachable: HashSet<PathBuf> = summary_entries(book)
        .into_iter()
        .map(|(dest, _)| normalize(&src.join(dest.split('#').next().unwrap_or(""))))
        .collect();
    for file in book.markdown_files() {
        let text = read(&file);
        for directive in find_directives(&text) {
            let (path, _) = parse_target(directive.target);
            reachable.insert(normalize(&file.parent().unwrap().join(path)));
        }
    }
    for file in book.chapter_files() {
        if file.parent() != Some(src.as_path()) {
            continue; // figures/NN-name/metrics.md and the like are included, not chapters
        }
        report.checked += 1;
        if !reachable.contains(&normalize(&file)) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            report.problems.push(book.problem(
                &file,
                1,
                format!(
                    "is not listed in SUMMARY.md, so the built book leaves it out; add \
                     `- [Title]({name})` to SUMMARY.md, or delete the file"
                ),
            ));
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// (d) Math: `\\( ... \\)` and `\\[ ... \\]` must reach the page as plain text, or MathJax sees
// a formula cut in pieces. The classic way to lose it: `\hat{y}_i = w_{1}`, where markdown reads
// the two `_` as emphasis.

fn check_math(book: &Book) -> Report {
    let mut report = Report::default();
    for file in book.chapter_files() {
        let text = read(&file);
        // The open formula: its closing character, where it opened, whether it was reported.
        let mut open: Option<(char, usize, bool)> = None;
        let mut backslash = false;
        // Where the last inline event ended: a Text event that starts one byte later, after a
        // `\`, is the character of a markdown escape whose backslash markdown dropped.
        let mut last_end: Option<usize> = None;
        for (event, range) in markdown(&text).into_offset_iter() {
            let escaped = last_end
                .filter(|&end| range.start == end + 1 && text.as_bytes()[end] == b'\\')
                .and_then(|_| text[range.start..].chars().next());
            last_end = match &event {
                Event::Text(_) | Event::SoftBreak | Event::HardBreak | Event::Code(_) => {
                    Some(range.end)
                }
                Event::InlineHtml(_) => Some(range.end),
                _ => None,
            };
            match event {
                Event::Text(t) => {
                    // `\_`, `\*`, `\~`, `\[`, `\]`, `\<` are markdown escapes written on
                    // purpose; a backslash before other punctuation was meant for TeX.
                    if let Some(c) = escaped.filter(|c| !"\\_*~[]<".contains(*c)) {
                        let what = format!(
                            "markdown ate the backslash of `\\{c}`, so MathJax sees `{c}`; \
                             write `\\\\{c}` for TeX's `\\{c}`"
                        );
                        broken_each(book, &file, &text, range.start, &open, what, &mut report);
                    }
                    for c in t.chars() {
                        if backslash {
                            backslash = false;
                            match (open, c) {
                                (None, '(') => open = Some((')', range.start, false)),
                                (None, '[') => open = Some((']', range.start, false)),
                                (Some((close, ..)), c) if c == close => {
                                    report.checked += 1;
                                    open = None;
                                }
                                _ => {}
                            }
                        } else if c == '\\' {
                            backslash = true;
                        }
                    }
                }
                Event::SoftBreak | Event::HardBreak => backslash = false,
                Event::Start(
                    tag @ (Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Link { .. }
                    | Tag::Image { .. }),
                ) => {
                    backslash = false;
                    let name = match tag {
                        Tag::Emphasis => "emphasis (write `\\_` for `_` and `\\*` for `*` in math)",
                        Tag::Strong => "bold (write `\\_` for `_` and `\\*` for `*` in math)",
                        Tag::Strikethrough => "strikethrough (write `\\~` for `~` in math)",
                        _ => "a link (write `\\[` for `[` in math)",
                    };
                    let what = format!("markdown turned part of a formula into {name}");
                    broken(
                        book,
                        &file,
                        &text,
                        range.start,
                        &mut open,
                        what,
                        &mut report,
                    );
                }
                Event::Code(_) | Event::InlineHtml(_) | Event::Html(_) => {
                    backslash = false;
                    let what = "markdown read part of a formula as code or HTML (write `\\lt` \
                                for `<` and avoid backticks in math)"
                        .to_string();
                    broken(
                        book,
                        &file,
                        &text,
                        range.start,
                        &mut open,
                        what,
                        &mut report,
                    );
                }
                Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Heading(_)
                    | TagEnd::Item
                    | TagEnd::TableCell
                    | TagEnd::BlockQuote(_)
                    | TagEnd::DefinitionListTitle
                    | TagEnd::DefinitionListDefinition
                    | TagEnd::FootnoteDefinition,
                ) => {
                    backslash = false;
                    if let Some((close, at, reported)) = open.take() {
                        if !reported {
                            let line = line_of(&text, at);
                            report.problems.push(book.problem(
                                &file,
                                line,
                                format!(
                                    "a formula opened here is not closed with `\\\\{close}` in the \
                                     same paragraph (a blank line inside display math ends it)"
                                ),
                            ));
                        }
                    }
                }
                _ => backslash = false,
            }
        }
    }
    report
}

/// Reports a lost backslash in the open formula; every one, as each needs its own fix.
fn broken_each(
    book: &Book,
    file: &Path,
    text: &str,
    at: usize,
    open: &Option<(char, usize, bool)>,
    what: String,
    report: &mut Report,
) {
    if open.is_some() {
        let line = line_of(text, at);
        let source = text.lines().nth(line - 1).unwrap_or("").trim();
        report
            .problems
            .push(book.problem(file, line, format!("{what}: `{source}`")));
    }
}

/// Reports the open formula as broken by what markdown did at byte `at`, once per formula.
fn broken(
    book: &Book,
    file: &Path,
    text: &str,
    at: usize,
    open: &mut Option<(char, usize, bool)>,
    what: String,
    report: &mut Report,
) {
    if let Some((_, start, reported)) = open.as_mut() {
        if !*reported {
            *reported = true;
            let line = line_of(text, *start);
            let source = text.lines().nth(line - 1).unwrap_or("").trim();
            report.problems.push(book.problem(
                file,
                line_of(text, at),
                format!("{what}, in the formula that starts on line {line}: `{source}`"),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (e) Numbers: `{{#metric source key format}}` markers resolve (with the book's own
// preprocessor, book/preprocessor), no sentence shows a metric key in code font instead of its
// number, and each figure folder's made-at.txt names a commit whose code is still the code.

fn check_metrics(book: &Book) -> Report {
    let mut report = Report::default();
    let mut figures = mdbook_metrics::Figures::new(book.src().join("figures"));
    for file in book.chapter_files() {
        let text = read(&file);
        report.checked += mdbook_metrics::find_markers(&text).len();
        if let Err(errors) = mdbook_metrics::expand(&text, &mut figures) {
            for e in errors {
                report.problems.push(book.problem(
                    &file,
                    e.line,
                    format!("`{}`: {}", e.marker, e.message),
                ));
            }
        }
    }
    report
}

/// Every metric name in every `metrics.json` under `figures/`.
fn metric_names_of_the_book(book: &Book) -> HashSet<String> {
    fn walk(dir: &Path, names: &mut HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, names);
            } else if path.file_name().is_some_and(|n| n == "metrics.json") {
                let json: serde_json::Value = serde_json::from_str(&read(&path))
                    .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
                names.extend(mdbook_metrics::metric_names(&json));
            }
        }
    }
    let mut names = HashSet::new();
    walk(&book.src().join("figures"), &mut names);
    names
}

/// Whether `file` is a chapter that has not been through the markers pass yet.
fn not_yet_on_markers(file: &Path) -> bool {
    file.file_stem()
        .is_some_and(|stem| NOT_YET_ON_MARKERS.iter().any(|c| stem == *c))
}

fn check_metric_names(book: &Book) -> Report {
    let names = metric_names_of_the_book(book);
    let mut report = Report::default();
    for file in book.chapter_files() {
        if not_yet_on_markers(&file) {
            continue;
        }
        let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = read(&file);
        // Sentences are paragraphs and list items; tables (such as how-to-use's list of the
        // keys in metrics.json) and headings name keys on purpose.
        let mut in_table = 0usize;
        for (event, range) in markdown(&text).into_offset_iter() {
            match event {
                Event::Start(Tag::Table(_)) => in_table += 1,
                Event::End(TagEnd::Table) => in_table -= 1,
                Event::Code(code) if in_table == 0 => {
                    report.checked += 1;
                    let word = code.trim();
                    let allowed = CODE_NAMES_THAT_ARE_ALSO_METRICS
                        .iter()
                        .any(|(f, name, _)| *f == file_name && *name == word);
                    if names.contains(word) && !allowed {
                        report.problems.push(book.problem(
                            &file,
                            line_of(&text, range.start),
                            format!(
                                "names the metric `{word}` in code font; write its number with a \
                                 marker, such as `{{{{#metric NN-name {word} .4}}}}` (formats in \
                                 book/README.md), or say in words what it measures"
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    report
}

/// The folders whose code goes into `crate_dir`'s build: the crate itself and, through its
/// `[dependencies]`, every workspace crate it uses (found with the workspace's
/// `[workspace.dependencies]` paths), relative to `root`.
fn crates_behind(root: &Path, crate_dir: &Path) -> Vec<PathBuf> {
    let workspace: toml::Table = read(&root.join("Cargo.toml"))
        .parse()
        .expect("the workspace Cargo.toml parses");
    let local: Vec<(String, PathBuf)> = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .map(|deps| {
            deps.iter()
                .filter_map(|(name, spec)| {
                    let path = spec.get("path")?.as_str()?;
                    Some((name.clone(), PathBuf::from(path)))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found: Vec<PathBuf> = Vec::new();
    let mut todo = vec![crate_dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        if found.contains(&dir) {
            continue;
        }
        let manifest: toml::Table = read(&root.join(&dir).join("Cargo.toml"))
            .parse()
            .unwrap_or_else(|e| panic!("{}/Cargo.toml does not parse: {e}", dir.display()));
        for table in ["dependencies", "build-dependencies"] {
            let Some(deps) = manifest.get(table).and_then(|d| d.as_table()) else {
                continue;
            };
            for (name, spec) in deps {
                if let Some(path) = spec.get("path").and_then(|p| p.as_str()) {
                    todo.push(normalize(&dir.join(path)));
                } else if let Some((_, path)) = local.iter().find(|(n, _)| n == name) {
                    todo.push(path.clone());
                }
            }
        }
        found.push(dir);
    }
    found.sort();
    found
}

/// What `git` says, or `None` when git cannot be run at all.
fn git(root: &Path, args: &[&str]) -> Option<std::process::Output> {
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()
}

/// For each figure folder of a project (`figures/NN-name/`, with `projects/NN-name/`), the
/// commit in its `made-at.txt` must be one after which the code that builds the project (its
/// `src/`, `solutions/`, `Cargo.toml`, and the same of every workspace crate it uses) has not
/// changed. Skipped, with a note, where git or the commit's history is not available.
fn check_figures_made_at(root: &Path, book: &Book) -> Report {
    let mut report = Report::default();
    let figures = book.src().join("figures");
    let Ok(entries) = std::fs::read_dir(&figures) else {
        return report;
    };
    let mut folders: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    folders.sort();
    let head = git(root, &["rev-parse", "--verify", "--quiet", "HEAD"])
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    if head.is_none() {
        println!(
            "note: not checking figures against their code: git is not available or {} is not \
             a git checkout",
            root.display()
        );
    }
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let project = PathBuf::from("projects").join(&name);
        if !root.join(&project).join("Cargo.toml").is_file() {
            continue; // diagrams/ and other folders that no project writes
        }
        let record = folder.join("made-at.txt");
        let Ok(text) = std::fs::read_to_string(&record) else {
            if NOT_YET_ON_MARKERS.contains(&name.as_str()) {
                println!("note: {name} has no made-at.txt yet (listed in NOT_YET_ON_MARKERS)");
            } else {
                report.problems.push(book.problem(
                    &record,
                    1,
                    format!(
                        "does not exist, so nothing says which code made these figures; run \
                         `bash scripts/book-figures.sh {name}` and commit what it writes"
                    ),
                ));
            }
            continue;
        };
        report.checked += 1;
        let first = text.lines().next().unwrap_or("");
        let words: Vec<&str> = first.split_whitespace().collect();
        let commit = match words.as_slice() {
            ["commit", hash] => *hash,
            ["commit", _, "dirty"] => {
                report.problems.push(book.problem(
                    &record,
                    1,
                    format!(
                        "these figures were made from uncommitted code (`dirty`); commit the code, \
                         then run `bash scripts/book-figures.sh {name}`"
                    ),
                ));
                continue;
            }
            _ => {
                report.problems.push(book.problem(
                    &record,
                    1,
                    format!(
                        "should start with `commit <hash>`, as scripts/book-figures.sh writes it; \
                         found `{first}`"
                    ),
                ));
                continue;
            }
        };
        if head.is_none() {
            continue;
        }
        let known = git(root, &["cat-file", "-e", &format!("{commit}^{{commit}}")])
            .is_some_and(|out| out.status.success());
        if !known {
            println!(
                "note: not checking {name}'s figures: commit {commit} is not in this clone's \
                 history (a shallow clone?)"
            );
            continue;
        }
        let mut args: Vec<String> = vec![
            "diff".into(),
            "--name-only".into(),
            commit.into(),
            "HEAD".into(),
            "--".into(),
        ];
        for dir in crates_behind(root, &project) {
            for part in ["src", "solutions", "Cargo.toml", "build.rs"] {
                args.push(dir.join(part).to_string_lossy().into_owned());
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let Some(out) = git(root, &args).filter(|out| out.status.success()) else {
            println!("note: `git diff` failed; not checking {name}'s figures");
            continue;
        };
        let changed: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        if !changed.is_empty() {
            let shown: Vec<&str> = changed.iter().take(5).map(String::as_str).collect();
            let more = if changed.len() > 5 {
                format!(" and {} more", changed.len() - 5)
            } else {
                String::new()
            };
            report.problems.push(book.problem(
                &record,
                1,
                format!(
                    "the figures were made at {commit}, and the code they come from has changed \
                     since ({}{more}); run `bash scripts/book-figures.sh {name}` and commit the \
                     new figures",
                    shown.join(", ")
                ),
            ));
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// (f) Figures are legible: an SVG wider than the 750-pixel text column is shrunk to fit it,
// and no text in it may then be smaller than 9 pixels.

/// The width of mdBook's text column, in CSS pixels.
const COLUMN_PX: f64 = 750.0;
/// The smallest text a reader can read comfortably, in CSS pixels as shown.
const MIN_TEXT_PX: f64 = 9.0;

/// An SVG length in CSS pixels (`12`, `12px`, `12pt`).
fn css_px(length: &str) -> Option<f64> {
    let length = length.trim();
    if let Some(pt) = length.strip_suffix("pt") {
        pt.trim().parse::<f64>().ok().map(|v| v * 4.0 / 3.0)
    } else {
        length.trim_end_matches("px").trim().parse().ok()
    }
}

fn check_svg_text_size(book: &Book) -> Report {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "svg") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&book.src().join("figures"), &mut files);
    files.sort();
    let mut report = Report::default();
    for file in files {
        let in_folder = file
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if NOT_YET_ON_MARKERS.contains(&in_folder.as_str()) {
            continue;
        }
        report.checked += 1;
        let text = read(&file);
        let doc = match roxmltree::Document::parse_with_options(
            &text,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        ) {
            Ok(doc) => doc,
            Err(e) => {
                report.problems.push(book.problem(
                    &file,
                    1,
                    format!("is not well-formed SVG: {e}"),
                ));
                continue;
            }
        };
        let svg = doc.root_element();
        let unit = if svg.attribute("width").is_some_and(|w| w.ends_with("pt")) {
            4.0 / 3.0
        } else {
            1.0
        };
        let width = svg.attribute("width").and_then(css_px).unwrap_or(COLUMN_PX);
        let shrink = (COLUMN_PX / width).min(1.0);
        let smallest = doc
            .descendants()
            .filter_map(|n| {
                let own = n.attribute("font-size");
                let size = own.and_then(|s| s.trim_end_matches("px").trim().parse::<f64>().ok())?;
                Some((size * unit * shrink, n))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((shown, node)) = smallest {
            if shown < MIN_TEXT_PX {
                let label: String = node
                    .descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect::<String>()
                    .trim()
                    .chars()
                    .take(40)
                    .collect();
                report.problems.push(book.problem(
                    &file,
                    1,
                    format!(
                        "is {width:.0} px wide, so the 750-px column shrinks it and its text \
                         (`{label}`) shows at {shown:.1} px, under {MIN_TEXT_PX} px; draw it \
                         narrower or with larger text"
                    ),
                ));
            }
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// The checks catch what they claim to catch: small books in a temporary folder.

mod checker_catches {
    use super::*;

    /// A temporary folder holding `book/` (and whatever else `files` names), and the book in it.
    fn tiny_book(files: &[(&str, &str)]) -> (tempfile::TempDir, Book) {
        let root = tempfile::tempdir().expect("a temporary folder");
        for (path, text) in files {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let book = Book {
            dir: root.path().join("book"),
        };
        (root, book)
    }

    const SUMMARY: (&str, &str) = (
        "book/src/SUMMARY.md",
        "# Summary\n\n- [Chapter](ch.md)\n- [Later]()\n",
    );
    const CODE: (&str, &str) = (
        "code/lib.rs",
        "use std::fmt;\n\n// ANCHOR: predict\npub fn predict() -> f32 {\n    1.0\n}\n// ANCHOR_END: predict\n\n// ANCHOR: empty\n// ANCHOR_END: empty\n\n// ANCHOR: open\nfn open() {}\n",
    );

    fn messages(report: &Report) -> Vec<String> {
        report.problems.iter().map(|p| p.to_string()).collect()
    }

    /// The problems found in a chapter `ch.md` with this text, next to `code/lib.rs`.
    fn include_problems(chapter: &str) -> Vec<String> {
        let (_root, book) = tiny_book(&[SUMMARY, CODE, ("book/src/ch.md", chapter)]);
        messages(&check_includes(&book))
    }

    #[test]
    fn a_correct_anchor_whole_file_and_line_range_pass() {
        let found = include_problems(
            "# Chapter\n\n```rust,ignore\n{{#include ../../code/lib.rs:predict}}\n```\n\
             {{#include ../../code/lib.rs}}\n{{#rustdoc_include ../../code/lib.rs:4:6}}\n\
             {{ #include ../../code/lib.rs:4: }}\n\\{{#include nowhere.rs:not_checked}}\n",
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_misspelt_anchor_is_caught_with_file_line_and_the_anchors_that_exist() {
        let found = include_problems("# Chapter\n\n{{#include ../../code/lib.rs:predcit}}\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        let message = &found[0];
        assert!(message.starts_with("book/src/ch.md:3: "), "{message}");
        assert!(message.contains("ANCHOR: predcit"), "{message}");
        assert!(message.contains("predict, empty, open"), "{message}");
    }

    #[test]
    fn a_missing_file_is_caught() {
        let found =
            include_problems("# Chapter\n\nText.\n{{#include ../../code/gone.rs:predict}}\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with("book/src/ch.md:4: "), "{}", found[0]);
        assert!(
            found[0].contains("code/gone.rs, which does not exist") || found[0].contains("gone.rs")
        );
    }

    #[test]
    fn an_empty_region_and_an_unclosed_anchor_are_caught() {
        let found = include_problems(
            "{{#include ../../code/lib.rs:empty}}\n{{#rustdoc_include ../../code/lib.rs:open}}\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("empty region"), "{}", found[0]);
        assert!(found[1].contains("no `ANCHOR_END: open`"), "{}", found[1]);
    }

    #[test]
    fn a_line_range_past_the_end_of_the_file_is_caught() {
        let found = include_problems(
            "{{#include ../../code/lib.rs:10:99}}\n{{#include ../../code/lib.rs:40}}\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("up to 99, but the file has 13 lines"),
            "{}",
            found[0]
        );
        assert!(found[1].contains("starts at line 40"), "{}", found[1]);
    }

    #[test]
    fn a_misspelt_directive_is_caught() {
        let found = include_problems("{{#inculde ../../code/lib.rs:predict}}\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("#inculde"), "{}", found[0]);
    }

    #[test]
    fn target_paths_split_like_mdbook_splits_them() {
        assert_eq!(parse_target("a.rs"), ("a.rs", Part::Lines(None, None)));
        assert_eq!(parse_target("a.rs:x"), ("a.rs", Part::Anchor("x".into())));
        assert_eq!(
            parse_target("a.rs:3"),
            ("a.rs", Part::Lines(Some(2), Some(3)))
        );
        assert_eq!(
            parse_target("a.rs:3:5"),
            ("a.rs", Part::Lines(Some(2), Some(5)))
        );
        assert_eq!(
            parse_target("a.rs:3:"),
            ("a.rs", Part::Lines(Some(2), None))
        );
        assert_eq!(
            parse_target("a.rs::5"),
            ("a.rs", Part::Lines(None, Some(5)))
        );
    }

    /// The problems the link check finds in a chapter `ch.md` with this text.
    fn link_problems(chapter: &str) -> Vec<String> {
        let (_root, book) = tiny_book(&[
            SUMMARY,
            ("book/src/ch.md", chapter),
            (
                "book/src/other.md",
                "# Other page\n\n## The update rule: `w += lr * x`\n\n## Try it\n\n## Try it\n",
            ),
            ("book/src/figures/01-perceptron/loss.svg", "<svg/>"),
            ("code/lib.rs", ""),
        ]);
        messages(&check_links(&book))
    }

    #[test]
    fn good_links_images_and_fragments_pass() {
        let found = link_problems(
            "# Chapter\n\nSee [the rule](other.md#the-update-rule-w--lr--x), [again](other.md#try-it-1), \
             [here](#chapter), [web](https://example.org/x.md) and \
             ![loss](figures/01-perceptron/loss.svg).\n\n```text\n[not a link](gone.md)\n```\n",
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_missing_page_image_or_heading_is_caught() {
        let found = link_problems(
            "# Chapter\n\n[gone](gone.md)\n\n![fig](figures/01-perceptron/acc.svg)\n\n\
             [bad fragment](other.md#the-update)\n\n[outside](../../code/lib.rs)\n",
        );
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/ch.md:3: link `gone.md`"),
            "{}",
            found[0]
        );
        assert!(
            found[1].starts_with("book/src/ch.md:5: image"),
            "{}",
            found[1]
        );
        assert!(
            found[1].contains("acc.svg, which does not exist"),
            "{}",
            found[1]
        );
        assert!(
            found[2].contains("no heading with id `the-update`"),
            "{}",
            found[2]
        );
        assert!(
            found[2].contains("the-update-rule-w--lr--x, try-it, try-it-1"),
            "{}",
            found[2]
        );
        assert!(found[3].contains("outside book/src"), "{}", found[3]);
    }

    #[test]
    fn a_summary_entry_without_a_file_is_caught_and_drafts_pass() {
        let (_root, book) = tiny_book(&[
            (
                "book/src/SUMMARY.md",
                "# Summary\n\n[Intro](intro.md)\n\n- [Chapter](ch.md)\n- [Draft]()\n",
            ),
            ("book/src/intro.md", "# Intro\n"),
        ]);
        let found = messages(&check_summary(&book));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/SUMMARY.md:5: lists chapter `ch.md`"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn a_chapter_file_missing_from_summary_is_caught() {
        let (_root, book) = tiny_book(&[
            SUMMARY,
            (
                "book/src/ch.md",
                "# Chapter\n\n{{#include figures/table.md}}\n",
            ),
            ("book/src/stray.md", "# Stray\n"),
            ("book/src/figures/table.md", "| a |\n|---|\n| 1 |\n"),
        ]);
        let found = messages(&check_unlisted(&book));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/stray.md:1: is not listed"),
            "{}",
            found[0]
        );
    }

    fn math_problems(chapter: &str) -> Vec<String> {
        let (_root, book) = tiny_book(&[SUMMARY, ("book/src/ch.md", chapter)]);
        messages(&check_math(&book))
    }

    #[test]
    fn math_that_markdown_leaves_alone_passes() {
        let found = math_problems(
            "# Chapter\n\nThe score \\\\( z = \\sum_i w_i x_i + b \\\\) and\n\n\\\\[\n  \
             \\hat{y}\\_i = \\begin{cases} 1 & z > 0 \\\\\\\\ 0 & \\text{else} \\end{cases}\n\\\\]\n\n\
             Code `\\(` is not math.\n",
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_tex_backslash_that_markdown_eats_is_caught() {
        let found = math_problems(
            "# Chapter\n\nGood \\\\( a \\\\, b \\\\{c\\\\} \\\\) and\n\
             bad \\\\( a \\, b \\{c} \\\\) but \\{ outside math is prose.\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/ch.md:4: markdown ate the backslash of `\\,`"),
            "{}",
            found[0]
        );
        assert!(found[1].contains("`\\{`"), "{}", found[1]);
    }

    #[test]
    fn math_broken_by_emphasis_or_left_open_is_caught() {
        let found = math_problems(
            "# Chapter\n\nBroken: \\\\( \\hat{y}_i = w_{1} \\\\).\n\nOpen \\\\( x + 1\n\nDone.\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0]
                .starts_with("book/src/ch.md:3: markdown turned part of a formula into emphasis"),
            "{}",
            found[0]
        );
        assert!(
            found[1].starts_with("book/src/ch.md:5: a formula opened here is not closed"),
            "{}",
            found[1]
        );
    }

    /// A book with `figures/05-cnn/metrics.json` and a chapter `ch.md` with this text.
    fn number_book(chapter: &str) -> (tempfile::TempDir, Book) {
        tiny_book(&[
            SUMMARY,
            ("book/src/ch.md", chapter),
            (
                "book/src/figures/05-cnn/metrics.json",
                r#"{"epochs": 5, "metrics": {"test_accuracy": 0.9901}}"#,
            ),
        ])
    }

    #[test]
    fn a_marker_whose_key_or_file_is_missing_is_caught_with_its_line() {
        let (_root, book) = number_book(
            "# Chapter\n\nRight {{#metric 05-cnn test_accuracy %}} of the time.\n\
             Then {{#metric 05-cnn test_acc %}} and {{#metric 06-optim test_accuracy %}}.\n",
        );
        let found = messages(&check_metrics(&book));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/ch.md:4: `{{#metric 05-cnn test_acc %}}`"),
            "{}",
            found[0]
        );
        assert!(found[0].contains("no key `test_acc`"), "{}", found[0]);
        assert!(found[1].contains("06-optim/metrics.json"), "{}", found[1]);
    }

    #[test]
    fn a_sentence_naming_a_metric_key_in_code_font_is_caught() {
        let (_root, book) = number_book(
            "# Chapter\n\nThe network is right `test_accuracy` of the time.\n\n\
             - after `epochs` passes\n\n| key | what |\n|---|---|\n| `test_accuracy` | fine in a table |\n\n\
             `metrics.json` and `predict` are not metric keys.\n",
        );
        let found = messages(&check_metric_names(&book));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/ch.md:3: names the metric `test_accuracy`"),
            "{}",
            found[0]
        );
        assert!(
            found[1].starts_with("book/src/ch.md:5: names the metric `epochs`"),
            "{}",
            found[1]
        );
    }

    /// Runs git in `dir`, failing the test if it fails.
    fn git_ok(dir: &Path, args: &[&str]) -> String {
        let out = git(dir, args).expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn figures_older_than_their_code_are_caught() {
        if git(Path::new("."), &["--version"]).is_none_or(|out| !out.status.success()) {
            println!("note: git is not available; skipping this test of the made-at check");
            return;
        }
        let (root, book) = tiny_book(&[
            SUMMARY,
            ("book/src/ch.md", "# Chapter\n"),
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"projects/*\"]\n\n[workspace.dependencies]\n\
                 plot = { path = \"shared/plot\" }\n",
            ),
            (
                "projects/01-a/Cargo.toml",
                "[package]\nname = \"a\"\n\n[dependencies]\nplot = { workspace = true }\n",
            ),
            ("projects/01-a/src/lib.rs", "// a\n"),
            ("projects/01-a/tests/t.rs", "// a test\n"),
            ("projects/02-b/Cargo.toml", "[package]\nname = \"b\"\n"),
            ("projects/02-b/src/lib.rs", "// b\n"),
            ("shared/plot/Cargo.toml", "[package]\nname = \"plot\"\n"),
            ("shared/plot/src/lib.rs", "// plot\n"),
            ("book/src/figures/01-a/metrics.json", "{}"),
            ("book/src/figures/02-b/metrics.json", "{}"),
        ]);
        let dir = root.path();
        let commit = |message: &str| {
            git_ok(dir, &["add", "-A"]);
            git_ok(
                dir,
                &[
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@t",
                    "commit",
                    "-qm",
                    message,
                ],
            );
            git_ok(dir, &["rev-parse", "HEAD"])
        };
        git_ok(dir, &["init", "-q"]);
        let made = commit("code");
        for name in ["01-a", "02-b"] {
            std::fs::write(
                dir.join(format!("book/src/figures/{name}/made-at.txt")),
                format!("commit {made}\nmade by a test\n"),
            )
            .unwrap();
        }
        commit("figures");
        // Tests and other projects' code do not make 01-a's figures stale.
        std::fs::write(dir.join("projects/01-a/tests/t.rs"), "// changed\n").unwrap();
        std::fs::write(dir.join("projects/02-b/src/lib.rs"), "// changed\n").unwrap();
        commit("a test, and b");
        let found = messages(&check_figures_made_at(dir, &book));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/figures/02-b/made-at.txt:1: the figures were made at"),
            "{}",
            found[0]
        );
        assert!(
            found[0].contains("projects/02-b/src/lib.rs"),
            "{}",
            found[0]
        );
        // A shared crate that 01-a uses does.
        std::fs::write(dir.join("shared/plot/src/lib.rs"), "// changed\n").unwrap();
        commit("plot");
        let found = messages(&check_figures_made_at(dir, &book));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("shared/plot/src/lib.rs"), "{}", found[0]);
        // A missing or dirty record is caught too.
        std::fs::remove_file(dir.join("book/src/figures/01-a/made-at.txt")).unwrap();
        std::fs::write(
            dir.join("book/src/figures/02-b/made-at.txt"),
            format!("commit {made} dirty\n"),
        )
        .unwrap();
        let found = messages(&check_figures_made_at(dir, &book));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("01-a/made-at.txt:1: does not exist"),
            "{}",
            found[0]
        );
        assert!(found[1].contains("uncommitted code"), "{}", found[1]);
    }

    #[test]
    fn an_svg_too_wide_for_its_text_is_caught() {
        let (_root, book) = tiny_book(&[
            SUMMARY,
            ("book/src/ch.md", "# Chapter\n"),
            (
                "book/src/figures/01-a/fine.svg",
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="760"><text font-size="12.9">ok</text></svg>"#,
            ),
            (
                "book/src/figures/01-a/wide.svg",
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="1500pt"><text font-size="11">tiny</text></svg>"#,
            ),
        ]);
        let found = messages(&check_svg_text_size(&book));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("book/src/figures/01-a/wide.svg:1: is 2000 px wide"),
            "{}",
            found[0]
        );
        assert!(
            found[0].contains("(`tiny`) shows at 5.5 px"),
            "{}",
            found[0]
        );
    }
}
