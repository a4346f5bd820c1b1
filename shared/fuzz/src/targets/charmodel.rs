//! 07-09's models, as `sample` and `names` rebuild them from a checkpoint alone: the
//! projects' own loaders (`rnn::checkpoint::load_from_bytes`, `lstm::...`,
//! `transformer::...`: the metadata, the sizes it claims checked against the tensors held,
//! then the model built and filled), 07's end mark (`rnn::checkpoint::end_mark_in`), and a
//! forward step of every model that loads.
//!
//! Seeds are what each project's own saver writes for small models (07: a text model, a
//! names model, a training checkpoint with Adam's state; 08: each cell, two layers; 09:
//! tied and untied heads); each input goes to all three loaders, so a file of one project
//! (or whose `project` an edit changed) is also fed to the other two. Edits change the
//! sizes the models are rebuilt from (`hidden`, `layers`, `width`, `context`, ...) to edge
//! values, and the tensors' names, shapes and bytes (see [`super::checkpoint`]).

use super::charlm::mutate_checkpoint;
use super::{outcome, Outcome, Target};
use data::text::Vocab;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use tensor::Tensor;

pub struct CharModel {
    seeds: Vec<Vec<u8>>,
}

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(5)
}

impl CharModel {
    pub fn new() -> anyhow::Result<CharModel> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("model.safetensors");
        let vocab = Vocab::from_text("ab\nc");
        let mut seeds = Vec::new();
        let mut keep = |saved: anyhow::Result<()>| -> anyhow::Result<()> {
            saved?;
            seeds.push(std::fs::read(&path)?);
            Ok(())
        };

        // 07: a text model, a names model, a training checkpoint.
        let model = rnn::model::CharRnn::new(vocab.len(), 3, &mut rng());
        keep(rnn::checkpoint::save(&path, &model, &vocab))?;
        keep(rnn::checkpoint::save_names(&path, &model, &vocab, '\n'))?;
        let adam = nn::Adam::new(model.parameters(), 0.01);
        let resume = run::resume::ResumeState {
            project: "07-rnn".into(),
            seed: 1,
            threads: 1,
            settings: vec![("hidden".into(), "3".into())],
            epoch: 0,
            step: 1,
            rngs: run::Rngs::new(1).state(),
            history: serde_json::json!({"steps": [1], "losses": [1.25]}),
        };
        keep(rnn::checkpoint::save_training(
            &path, &model, &vocab, None, &adam, &resume,
        ))?;

        // 08: each cell, two layers.
        for cell in lstm::model::Cell::ALL {
            let config = lstm::model::ModelConfig {
                cell,
                vocab: vocab.len(),
                hidden: 3,
                layers: 2,
                dropout: 0.0,
            };
            let model = lstm::model::CharModel::new(config, &mut rng());
            keep(lstm::checkpoint::save(&path, &model, &vocab))?;
        }

        // 09: tied and untied.
        for tied in [true, false] {
            let config = transformer::model::GptConfig {
                vocab: vocab.len(),
                context: 4,
                layers: 1,
                heads: 2,
                width: 4,
                tied,
            };
            let model = transformer::model::Gpt::new(config, &mut rng());
            keep(transformer::checkpoint::save(&path, &model, &vocab))?;
        }
        Ok(CharModel { seeds })
    }
}

const KEYS: [&str; 11] = [
    "project", "vocab", "hidden", "end_mark", "cell", "layers", "context", "heads", "width",
    "tied", "resume",
];

const VALUES: [&str; 22] = [
    "",
    "07-rnn",
    "08-lstm",
    "09-transformer",
    "rnn",
    "gru",
    "lstm",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "8",
    "-1",
    "1048576",
    "4294967296",
    "18446744073709551615",
    "a\nbc",
    "ab\nc",
    "\n",
    "é",
];

/// The logits of one step from the first character, as sampling takes it.
fn check_logits(logits: &Tensor, vocab: &Vocab) {
    assert_eq!(
        logits.shape().iter().product::<usize>(),
        vocab.len(),
        "a model that does not score every character of its vocabulary"
    );
}

impl Target for CharModel {
    fn name(&self) -> &'static str {
        "charmodel"
    }

    fn describe(&self) -> &'static str {
        "07-09's model loaders (rnn/lstm/transformer::checkpoint::load_from_bytes, \
         rnn::checkpoint::end_mark_in), then a forward step"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        mutate_checkpoint(&self.seeds, seed, rng, &KEYS, &VALUES)
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/model.safetensors");
        let ids = [0u32];

        let rnn = rnn::checkpoint::load_from_bytes(input, path);
        if let Ok((model, vocab)) = &rnn {
            if !vocab.is_empty() {
                let out = tensor::no_grad(|| model.forward(&ids, 1, &model.zero_state(1)));
                check_logits(&out.logits, vocab);
            }
        }
        let end = nn::checkpoint::metadata_from_bytes(input, path)
            .map_err(anyhow::Error::from)
            .and_then(|metadata| rnn::checkpoint::end_mark_in(&metadata, path));

        let lstm = lstm::checkpoint::load_from_bytes(input, path);
        if let Ok((model, vocab)) = &lstm {
            if !vocab.is_empty() {
                let out = tensor::no_grad(|| model.forward(&ids, 1, &model.zero_state(1), None));
                check_logits(&out.logits, vocab);
            }
        }

        let gpt = transformer::checkpoint::load_from_bytes(input, path);
        if let Ok((model, vocab)) = &gpt {
            if !vocab.is_empty() {
                let mut dropout = transformer::model::Dropout::off();
                let logits = tensor::no_grad(|| model.forward(&ids, 1, 0, None, &mut dropout));
                check_logits(&logits, vocab);
            }
        }

        // The message without the file's name, which every one starts with.
        let message = |e: anyhow::Error| {
            let text = e.to_string();
            text.strip_prefix("fuzz/model.safetensors: ")
                .map_or(text.clone(), str::to_owned)
        };
        vec![
            outcome("07", &rnn.map(|_| ()).map_err(message)),
            // (Its message quotes the mark: one outcome for all of them.)
            outcome(
                "07 end mark",
                &end.map_err(|e| match message(e) {
                    m if m.starts_with("its end mark") => "its end mark is not".to_owned(),
                    m => m,
                }),
            ),
            outcome("08", &lstm.map(|_| ()).map_err(message)),
            outcome("09", &gpt.map(|_| ()).map_err(message)),
        ]
    }
}
