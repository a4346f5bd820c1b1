//! N-gram models: the baselines a neural language model must beat.
//!
//! An n-gram model predicts a character from the `n - 1` characters before it (its
//! *context*) by counting, in the training text, how often each character followed that
//! context:
//!
//! `p(x | context) = (count(context, x) + k) / (count(context) + k·V)`
//!
//! The `k` added to every count (*add-k* or Lidstone smoothing) keeps a character never seen
//! after a context from getting probability 0, which would make its loss infinite; a context
//! never seen at all gets the uniform `1 / V`. A unigram (n = 1) ignores context and is the
//! characters' frequency; longer contexts predict better until the counts get too thin to
//! trust, which is where a neural network, sharing what it learns between similar contexts,
//! pulls ahead. `k` is tuned on the validation split, one value per order.

use std::collections::{BTreeMap, HashMap};

use crate::names::{padded, Names};
use crate::text::Text;

/// The longest context the baselines use is `MAX_ORDER - 1` characters.
pub const MAX_ORDER: usize = 5;

/// Part of a sequence to count or score: `ids[from..]` are the predicted characters, each
/// with the `order - 1` ids before it as its context (so `from >= order - 1`).
#[derive(Debug, Clone, Copy)]
pub struct Span<'a> {
    pub ids: &'a [u32],
    pub from: usize,
}

impl<'a> Span<'a> {
    /// All of `ids` after the first `from`.
    pub fn new(ids: &'a [u32], from: usize) -> Self {
        Span { ids, from }
    }

    /// The positions predicted.
    fn positions(&self) -> std::ops::Range<usize> {
        self.from..self.ids.len()
    }
}

/// The counts of an n-gram model of one order.
#[derive(Debug, Clone)]
pub struct Ngram {
    order: usize,
    vocab: usize,
    /// How often each (context, next character) pair occurred, keyed by [`Ngram::key`].
    pairs: HashMap<u128, u32>,
    /// How often each context occurred (as a context: followed by something).
    contexts: HashMap<u128, u32>,
}

/// One tuned baseline: an order, its best `k`, its loss on the validation split, and on
/// the test split where there is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub order: usize,
    pub k: f64,
    pub valid_loss: f64,
    pub test_loss: Option<f64>,
}

impl Baseline {
    /// "unigram", "bigram", "trigram", "4-gram", "5-gram".
    pub fn name(&self) -> String {
        match self.order {
            1 => "unigram".into(),
            2 => "bigram".into(),
            3 => "trigram".into(),
            n => format!("{n}-gram"),
        }
    }
}

impl Ngram {
    /// Counts every predicted position of `train`.
    ///
    /// # Panics
    /// If `order` is 0 or above [`MAX_ORDER`], an id is `>= vocab`, or a span starts before
    /// `order - 1` (its first contexts would be cut short): bugs in the caller.
    #[track_caller]
    pub fn fit(order: usize, vocab: usize, train: &[Span]) -> Ngram {
        assert!(
            (1..=MAX_ORDER).contains(&order),
            "n-gram order must be 1 to {MAX_ORDER}, got {order}"
        );
        let mut model = Ngram {
            order,
            vocab,
            pairs: HashMap::new(),
            contexts: HashMap::new(),
        };
        for span in train {
            model.check(span);
            for t in span.positions() {
                let (context, pair) = model.key(span.ids, t);
                *model.contexts.entry(context).or_default() += 1;
                *model.pairs.entry(pair).or_default() += 1;
            }
        }
        model
    }

    /// The order `n`.
    pub fn order(&self) -> usize {
        self.order
    }

    /// `(context key, pair key)` for predicting `ids[t]`: the ids from `t - order + 1` to `t`
    /// as one number in base `vocab` (at most 5 ids below 2²¹, any Unicode text, fit in
    /// 128 bits).
    fn key(&self, ids: &[u32], t: usize) -> (u128, u128) {
        let base = self.vocab as u128;
        let context = ids[t + 1 - self.order..t]
            .iter()
            .fold(0u128, |key, &id| key * base + u128::from(id));
        (context, context * base + u128::from(ids[t]))
    }

    #[track_caller]
    fn check(&self, span: &Span) {
        assert!(
            span.from + 1 >= self.order,
            "a span scored by a {}-gram must start at position {} or later, not {}",
            self.order,
            self.order - 1,
            span.from
        );
        if let Some(&id) = span.ids.iter().find(|&&id| id as usize >= self.vocab) {
            panic!("id {id} is outside the vocabulary of {}", self.vocab);
        }
    }

    /// `(count(context, x), count(context))` at every predicted position of `spans`,
    /// gathered with how often each pair of counts occurs: the loss for any `k` follows from
    /// these alone, so tuning `k` does not re-read the text. (Sorted, so that the loss is
    /// summed in the same order on every run: a hash map's order changes from run to run.)
    fn count_pairs(&self, spans: &[Span]) -> (BTreeMap<(u32, u32), u64>, u64) {
        let mut seen: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        let mut total = 0;
        for span in spans {
            self.check(span);
            for t in span.positions() {
                let (context, pair) = self.key(span.ids, t);
                let counts = (
                    self.pairs.get(&pair).copied().unwrap_or(0),
                    self.contexts.get(&context).copied().unwrap_or(0),
                );
                *seen.entry(counts).or_default() += 1;
                total += 1;
            }
        }
        (seen, total)
    }

    /// Mean cross-entropy (nats per character) over the predicted positions of `spans`,
    /// with add-`k` smoothing.
    ///
    /// # Panics
    /// If `k` is not positive, or the spans predict nothing.
    #[track_caller]
    pub fn loss(&self, spans: &[Span], k: f64) -> f64 {
        let (seen, total) = self.count_pairs(spans);
        self.loss_of_counts(&seen, total, k)
    }

    // ANCHOR: add_k
    #[track_caller]
    fn loss_of_counts(&self, seen: &BTreeMap<(u32, u32), u64>, total: u64, k: f64) -> f64 {
        assert!(k > 0.0, "add-k smoothing needs k > 0, got {k}");
        assert!(total > 0, "no characters to score");
        let v = self.vocab as f64;
        let sum: f64 = seen
            .iter()
            .map(|(&(pair, context), &n)| {
                let p = (f64::from(pair) + k) / (f64::from(context) + k * v);
                -(n as f64) * p.ln()
            })
            .sum();
        sum / total as f64
    }
    // ANCHOR_END: add_k

    /// The `k` from [`k_grid`] with the lowest loss on `valid`, and that loss.
    pub fn tune(&self, valid: &[Span]) -> (f64, f64) {
        let (seen, total) = self.count_pairs(valid);
        k_grid()
            .map(|k| (k, self.loss_of_counts(&seen, total, k)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("the grid is not empty")
    }
}

/// The values of `k` tried: 10⁻⁵ to 10, eight steps per factor of ten.
pub fn k_grid() -> impl Iterator<Item = f64> {
    (-40..=8).map(|e| 10f64.powf(f64::from(e) / 8.0))
}

/// Fits the n-gram models of order 1 to `max_order` on `train`, tunes each one's `k` on
/// `valid`, and returns the models with their tuned baselines.
#[track_caller]
pub fn baselines(
    vocab: usize,
    max_order: usize,
    train: &[Span],
    valid: &[Span],
) -> Vec<(Ngram, Baseline)> {
    (1..=max_order)
        .map(|order| {
            let model = Ngram::fit(order, vocab, train);
            let (k, valid_loss) = model.tune(valid);
            (
                model,
                Baseline {
                    order,
                    k,
                    valid_loss,
                    test_loss: None,
                },
            )
        })
        .collect()
}

/// The baselines of a text: orders 1 to [`MAX_ORDER`] counted on its first 90% and tuned
/// on its last 10% (each validation character's context reaching back into training).
pub fn text_baselines(text: &Text) -> Vec<Baseline> {
    let all = text.all();
    // Counting starts at MAX_ORDER - 1 for every order, so that all of them count the
    // same characters.
    let train = [Span::new(&text.train, MAX_ORDER - 1)];
    let valid = [Span::new(&all, text.train.len())];
    baselines(text.vocab.len(), MAX_ORDER, &train, &valid)
        .into_iter()
        .map(|(_, b)| b)
        .collect()
}

/// The baselines of a word list: orders 1 to [`MAX_ORDER`] counted on the training names,
/// tuned on the validation names, and scored once on the test names. Each name is preceded
/// by end marks as its context (a bigram's first letter is "a letter after `.`").
pub fn names_baselines(names: &Names) -> Vec<Baseline> {
    let end = names.end();
    let pad = MAX_ORDER - 1;
    let [train, valid, test] =
        [&names.train, &names.valid, &names.test].map(|split| padded(split, end, pad));
    fn spans(split: &[Vec<u32>], pad: usize) -> Vec<Span<'_>> {
        split.iter().map(|ids| Span::new(ids, pad)).collect()
    }
    baselines(
        names.vocab.len(),
        MAX_ORDER,
        &spans(&train, pad),
        &spans(&valid, pad),
    )
    .into_iter()
    .map(|(model, b)| Baseline {
        test_loss: Some(model.loss(&spans(&test, pad), b.k)),
        ..b
    })
    .collect()
}

/// A value of `k` as the tables show it: k spans 1e-5 to 10, so small ones are written in
/// scientific notation rather than shown as 0.000.
pub fn format_k(k: f64) -> String {
    if k >= 0.01 {
        format!("{k:.3}")
    } else {
        format!("{k:.0e}")
    }
}

/// The baselines as a markdown table, for the book and the terminal.
pub fn table(baselines: &[Baseline]) -> String {
    let with_test = baselines.iter().any(|b| b.test_loss.is_some());
    let mut out = String::from("| model | context | k (tuned) | validation loss |");
    out.push_str(if with_test {
        " test loss |\n|---|---:|---:|---:|---:|\n"
    } else {
        "\n|---|---:|---:|---:|\n"
    });
    for b in baselines {
        let k = format_k(b.k);
        out.push_str(&format!(
            "| {} | {} | {k} | {:.3} |",
            b.name(),
            b.order - 1,
            b.valid_loss
        ));
        if let Some(test) = b.test_loss {
            out.push_str(&format!(" {test:.3} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unigram_is_the_smoothed_character_frequency() {
        // "aab": a twice, b once, c never (V = 3). With k = 1: p(a) = 3/6, p(b) = 2/6.
        let ids = [0, 0, 1];
        let model = Ngram::fit(1, 3, &[Span::new(&ids, 0)]);
        let loss = model.loss(&[Span::new(&[0, 1], 0)], 1.0);
        let want = -((3.0f64 / 6.0).ln() + (2.0f64 / 6.0).ln()) / 2.0;
        assert!((loss - want).abs() < 1e-12, "{loss} vs {want}");
    }

    #[test]
    fn a_bigram_counts_what_follows_each_character() {
        // "abab": a→b twice, b→a once. With k = 0.5, V = 2:
        // p(b | a) = (2 + 0.5) / (2 + 1), p(a | b) = (1 + 0.5) / (1 + 1).
        let ids = [0, 1, 0, 1];
        let model = Ngram::fit(2, 2, &[Span::new(&ids, 1)]);
        let loss = model.loss(&[Span::new(&[0, 1, 0], 1)], 0.5);
        let want = -((2.5f64 / 3.0).ln() + (1.5f64 / 2.0).ln()) / 2.0;
        assert!((loss - want).abs() < 1e-12, "{loss} vs {want}");
    }

    #[test]
    fn an_unseen_context_gets_the_uniform_guess() {
        let model = Ngram::fit(2, 4, &[Span::new(&[0, 1], 1)]);
        let loss = model.loss(&[Span::new(&[3, 2], 1)], 0.01);
        assert!((loss - 4f64.ln()).abs() < 1e-12, "{loss}");
    }

    #[test]
    fn a_text_that_repeats_itself_is_learned_by_longer_contexts() {
        // A period-3 pattern is random to a unigram but certain to a trigram.
        let text: Vec<u32> = (0..300).map(|i| [0, 1, 2][i % 3]).collect();
        let (train, valid) = text.split_at(240);
        let all = [train, valid].concat();
        let tuned = baselines(
            3,
            3,
            &[Span::new(train, MAX_ORDER - 1)],
            &[Span::new(&all, 240)],
        );
        let losses: Vec<f64> = tuned.iter().map(|(_, b)| b.valid_loss).collect();
        println!("{tuned:?}");
        assert!((losses[0] - 3f64.ln()).abs() < 1e-3, "{losses:?}");
        assert!(losses[1] < 1e-3 && losses[2] < 1e-3, "{losses:?}");
        assert_eq!(
            tuned[1].1.k,
            k_grid().next().unwrap(),
            "certain: the smallest k"
        );
    }

    #[test]
    fn tuning_picks_the_k_with_the_lowest_validation_loss() {
        let train = [0, 1, 2, 0, 1, 3, 0, 1, 2, 2];
        let valid = [0, 1, 2, 1, 3, 0];
        let model = Ngram::fit(2, 4, &[Span::new(&train, 1)]);
        let spans = [Span::new(&valid, 1)];
        let (k, loss) = model.tune(&spans);
        assert_eq!(loss, model.loss(&spans, k));
        for other in k_grid() {
            assert!(model.loss(&spans, other) >= loss);
        }
    }

    #[test]
    #[should_panic(expected = "must start at position 2 or later, not 1")]
    fn a_span_without_room_for_its_context_is_a_bug() {
        Ngram::fit(3, 2, &[Span::new(&[0, 1, 0], 1)]);
    }
}
