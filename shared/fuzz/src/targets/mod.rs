//! What is fuzzed: one target per kind of outside input a smallnets program reads. Each
//! knows its seeds (made from the committed datasets, or written by the program's own
//! saver), how to damage its format knowingly (a header field set to an edge value, with
//! checksums and lengths fixed up so that the damage gets past the first check), and how to
//! feed an input to every parser that reads that kind of file.

mod charlm;
mod charmodel;
mod checkpoint;
mod csv;
mod digit;
mod gan;
mod idx;
mod selftest;
mod text;

use rand_chacha::ChaCha8Rng;

/// How one input ended, when it did not panic: `Ok` with what was accepted, or the kind of
/// error. Counting these shows how deep the inputs get (a fuzzer whose every input fails the
/// first check tests only that check).
pub type Outcome = &'static str;

/// A kind of input and the parsers that read it.
pub trait Target {
    /// The name on the command line: `idx`, `csv`, ...
    fn name(&self) -> &'static str;

    /// What is fuzzed, in a few words, for `--list` and the README.
    fn describe(&self) -> &'static str;

    /// The unmodified inputs mutations start from.
    fn seeds(&self) -> &[Vec<u8>];

    /// A new input made from seed `seed`; the default is [`crate::mutate::havoc`].
    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let mut data = self.seeds()[seed].clone();
        crate::mutate::havoc(&mut data, rng, self.seeds());
        data
    }

    /// Feeds `input` to every parser of this kind; returns how each ended, joined. A panic
    /// here is a finding; so is a check of the result that fails (an assert in here).
    fn run(&self, input: &[u8]) -> Vec<Outcome>;
}

/// Every target, in the order `all` runs them; the self-tests only by name.
pub fn all() -> anyhow::Result<Vec<Box<dyn Target>>> {
    Ok(vec![
        Box::new(idx::Idx::new()?),
        Box::new(csv::Csv::new()?),
        Box::new(text::Text::new()?),
        Box::new(digit::Digit::new()?),
        Box::new(checkpoint::Checkpoint::new()?),
        Box::new(charlm::Charlm::new()?),
        Box::new(charmodel::CharModel::new()?),
        Box::new(gan::GanCheckpoint::new()?),
    ])
}

/// The target called `name`, including the harness's self-tests.
pub fn by_name(name: &str) -> anyhow::Result<Option<Box<dyn Target>>> {
    if let Some(test) = selftest::by_name(name) {
        return Ok(Some(test));
    }
    Ok(all()?.into_iter().find(|t| t.name() == name))
}

/// The committed `data/` folder.
fn data_dir() -> std::path::PathBuf {
    data::workspace_data_dir()
}

/// Reads a committed data file, naming it if that fails.
fn read_data(relative: &str) -> anyhow::Result<Vec<u8>> {
    let path = data_dir().join(relative);
    std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Gzips bytes with the fastest setting (inputs are re-compressed after knowing damage).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("writing to a Vec");
    encoder.finish().expect("writing to a Vec")
}

/// Gunzips bytes, `None` if they are not a whole gzip stream.
fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// How a parse ended, for the outcome table: `"images: ok"`, or `"images: "` and the name of
/// the error (its enum variant, or for a plain message its first words without numbers).
fn outcome<T, E: std::fmt::Debug>(parser: &str, result: &Result<T, E>) -> Outcome {
    match result {
        Ok(_) => intern(&format!("{parser}: ok")),
        Err(e) => {
            let debug = format!("{e:?}");
            let name: String = debug
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `Variant { .. }`, `Variant(..)` or `Variant`: an enum's variant; else a message.
            let rest = &debug[name.len()..];
            let variant = !name.is_empty()
                && (rest.is_empty() || rest.starts_with(" {") || rest.starts_with('('));
            let name = if variant { name } else { first_words(&debug) };
            intern(&format!("{parser}: {name}"))
        }
    }
}

/// The first four words of a message, without digits or quoted text.
fn first_words(message: &str) -> String {
    let words: Vec<String> = message
        .trim_start_matches('"')
        .split_whitespace()
        .take(4)
        .map(|w| w.chars().filter(|c| c.is_alphabetic()).collect())
        .collect();
    words.join(" ")
}

/// The one `&'static str` for each distinct outcome (a few dozen per target; past 500,
/// "other", so that a parser with varied messages cannot grow the table without end).
pub fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(&known) = names.get(name) {
        return known;
    }
    if names.len() >= 500 {
        return "other";
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}
