//! # charlm: what the character-level language models share
//!
//! Chapters 7 (RNN), 8 (LSTM) and 9 (transformer) all train a model that reads a text one
//! character at a time and gives a probability to each possible next character. The models
//! are each chapter's lesson and live in their projects; everything around them is the same
//! for all three and lives here, tested once:
//!
//! - [`text`]: a UTF-8 text (Tiny Shakespeare, or a learner's own `--text FILE`) as character
//!   ids, split by position, the first 90% to train and the last 10% to validate, with a
//!   clear error naming the file when it is missing, empty, not UTF-8 or too short.
//! - [`names`]: a word list (`names.txt`) split 80/10/10 after a seeded shuffle, each name
//!   ended by a mark (`.`) that the models predict like any other character.
//! - [`ngram`]: the baselines every model must beat: n-gram counts (unigram to 5-gram) with
//!   add-k smoothing, k tuned on the validation split.
//! - [`batch`]: the batches of truncated backpropagation through time (parallel streams of
//!   one long text, the hidden state carried from window to window) and padded batches of
//!   names.
//! - [`sample`]: drawing the next character at a temperature, and prompts checked against
//!   the vocabulary.
//!
//! And the plumbing of their runs, so that each project shows only its model and its
//! training loop:
//!
//! - [`cli`]: the `--text`/`--text-limit` flags, loading the text, the baselines' table.
//! - [`training`]: the record a training loop keeps (the learning curve, step times), when
//!   to evaluate, the cosine learning rate, and the cursor `--resume` continues from.
//! - [`checkpoint`]: a model's parameters with its vocabulary (and, during training, the
//!   optimizer's state and the resume state) in one safetensors file.
//! - [`figures`]: the validation loss against training time, and samples as markdown.
//!
//! Losses are always the mean cross-entropy in **nats per character**: `-ln p(next)`
//! averaged over every predicted character (for names, the end mark included). A model that
//! knows nothing, uniform over a vocabulary of `V`, scores `ln V` (4.17 for Shakespeare's 65
//! characters, 3.30 for names' 27).

pub mod batch;
pub mod checkpoint;
pub mod cli;
pub mod figures;
pub mod names;
pub mod ngram;
pub mod sample;
pub mod text;
pub mod training;

pub use data::text::Vocab;
pub use names::Names;
pub use ngram::{Baseline, Ngram};
pub use text::{Text, TextError};
