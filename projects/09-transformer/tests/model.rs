//! The model around the exercises: the cached forward pass, the checkpoint, the schedule,
//! the batches.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use transformer::model::{Dropout, Gpt, GptConfig};

fn model(tied: bool) -> Gpt {
    let config = GptConfig {
        vocab: 9,
        context: 10,
        layers: 2,
        heads: 2,
        width: 8,
        tied,
    };
    Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(1))
}

#[test]
fn the_cached_forward_pass_gives_the_logits_of_the_whole_window() {
    let model = model(false);
    let ids = [1u32, 4, 2, 8, 0, 3, 3, 7];
    let whole = model
        .forward(&ids, 1, 0, None, &mut Dropout::off())
        .to_vec();
    let mut caches = model.new_caches();
    let mut got = Vec::new();
    for (start, piece) in [(0, &ids[..5]), (5, &ids[5..6]), (6, &ids[6..])] {
        let logits = model.forward(piece, 1, start, Some(&mut caches), &mut Dropout::off());
        got.extend(logits.to_vec());
    }
    let worst = whole
        .iter()
        .zip(&got)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(
        worst < 1e-5,
        "cached and whole-window logits differ by {worst}"
    );
}

#[test]
fn a_tied_model_shares_the_embedding_with_its_output_layer() {
    let (tied, untied) = (model(true), model(false));
    assert_eq!(
        untied.num_parameters() - tied.num_parameters(),
        8 * 9,
        "tying removes the output layer's [C, V] weights and nothing else"
    );
    let names: Vec<String> = tied
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(!names.contains(&"head.weight".to_string()), "{names:?}");
    // The gradient of a tied model reaches the embedding from both ends.
    let logits = tied.forward(&[1, 2, 3], 1, 0, None, &mut Dropout::off());
    transformer::train::loss(&logits, &[2, 3, 4]).backward();
    let grad = tied
        .token_embedding
        .grad()
        .expect("the embedding has a gradient");
    let unused_row: f32 = grad
        .index_axis(ndarray::Axis(0), 8)
        .iter()
        .map(|g| g.abs())
        .sum();
    assert!(
        unused_row > 0.0,
        "character 8 is never read, but the output layer scores it"
    );
}

#[test]
fn a_checkpoint_loads_back_to_the_same_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let vocab = data::text::Vocab::from_text("abcdefghi");
    for tied in [false, true] {
        let model = model(tied);
        transformer::checkpoint::save(&path, &model, &vocab).unwrap();
        let (loaded, loaded_vocab) = transformer::checkpoint::load(&path).unwrap();
        assert_eq!(loaded_vocab.chars(), vocab.chars());
        assert_eq!(loaded.config, model.config);
        let logits = |m: &Gpt| {
            m.forward(&[3, 1, 4], 1, 0, None, &mut Dropout::off())
                .to_vec()
        };
        assert_eq!(logits(&loaded), logits(&model));
    }
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let err = format!("{:#}", transformer::checkpoint::load(&path).err().unwrap());
    assert!(err.contains("model.safetensors"), "{err}");
}

#[test]
fn the_schedule_warms_up_then_follows_half_a_cosine() {
    use nn::schedule::LrSchedule;
    let config = transformer::train::TrainConfig {
        lr: 1e-3,
        warmup: 10,
        steps: 110,
        final_lr_fraction: 0.1,
        ..Default::default()
    };
    let s = config.schedule();
    let close = |a: f32, b: f32| (a - b).abs() < 1e-8;
    assert!(close(s.lr(0), 1e-4) && close(s.lr(9), 1e-3), "warm-up");
    assert!(close(s.lr(60), 0.55e-3), "half-way down: {}", s.lr(60));
    assert!(close(
        s.lr(109),
        1e-4 + 0.9e-3 * 0.5 * (1.0 + (std::f32::consts::PI * 0.99).cos())
    ));
}

#[test]
fn windows_are_inputs_and_their_next_characters() {
    let ids: Vec<u32> = (0..50).collect();
    let (inputs, targets) =
        transformer::train::random_windows(&ids, 4, 6, &mut ChaCha8Rng::seed_from_u64(3));
    assert_eq!((inputs.len(), targets.len()), (24, 24));
    for (x, y) in inputs.iter().zip(&targets) {
        assert_eq!(
            *x as usize + 1,
            *y,
            "each target is the character after its input"
        );
    }
    assert!(
        inputs.iter().all(|&x| x < 49),
        "a window never runs past the text"
    );
}

#[test]
fn weight_decay_spares_biases_norms_and_positions() {
    let model = model(false);
    let decayed: Vec<String> = model
        .named_parameters()
        .into_iter()
        .filter(|(name, t)| transformer::train::decays(name, &t.shape()))
        .map(|(name, _)| name)
        .collect();
    assert!(decayed.contains(&"blocks.0.attention.qkv.weight".to_string()));
    assert!(decayed.contains(&"token_embedding".to_string()));
    assert!(
        decayed
            .iter()
            .all(|n| !n.contains("bias") && !n.contains("ln") && !n.contains("position")),
        "{decayed:?}"
    );
}

#[test]
fn attention_in_blocks_gives_the_output_and_gradients_of_attention_at_once() {
    use rand::Rng;
    use tensor::Tensor;
    use transformer::model::{attention_in_blocks, QUERY_BLOCK};
    // T = 2.5 blocks: two full blocks of queries and a partial one.
    let t = 2 * QUERY_BLOCK + QUERY_BLOCK / 2;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut random = |shape: &[usize]| {
        ndarray::ArrayD::from_shape_simple_fn(ndarray::IxDyn(shape), || {
            rng.random_range(-1.0f32..1.0)
        })
    };
    let shape = [2, 3, t, 8];
    let (qv, kv, vv, g) = (
        random(&shape),
        random(&shape),
        random(&shape),
        random(&shape),
    );
    let run = |blocks: bool| {
        let (q, k, v) = (
            Tensor::param(qv.clone()),
            Tensor::param(kv.clone()),
            Tensor::param(vv.clone()),
        );
        let y = if blocks {
            attention_in_blocks(&q, &k, &v)
        } else {
            transformer::attention(&q, &k, &v)
        };
        y.backward_with(&g);
        [
            y.to_array(),
            q.grad().unwrap(),
            k.grad().unwrap(),
            v.grad().unwrap(),
        ]
    };
    let (whole, in_blocks) = (run(false), run(true));
    for (what, (a, b)) in ["output", "dq", "dk", "dv"]
        .iter()
        .zip(whole.iter().zip(&in_blocks))
    {
        let worst = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        // The same sums, but a block's softmax reads fewer (masked, zero) terms.
        assert!(worst < 1e-5, "{what}: differs by {worst}");
    }
}
