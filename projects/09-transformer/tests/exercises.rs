//! The tests of chapter 9's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;
use transformer::model::{Dropout, Gpt, GptConfig};

/// A tensor of `shape` with entries drawn uniformly from ±`scale`.
fn random(shape: &[usize], scale: f32, seed: u64) -> Tensor {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Tensor::new(ArrayD::from_shape_fn(IxDyn(shape), |_| {
        rng.random_range(-scale..scale)
    }))
}

/// The largest difference between two arrays of the same shape.
fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "different sizes");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A small model whose every weight matters.
fn small_model(seed: u64) -> Gpt {
    let config = GptConfig {
        vocab: 11,
        context: 12,
        layers: 2,
        heads: 2,
        width: 8,
        tied: false,
    };
    Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(seed))
}

/// A text of `len` ids below `vocab` with some structure to learn.
fn text(vocab: u32, len: usize) -> Vec<u32> {
    (0..len)
        .map(|i| ((i * i / 3 + i) % vocab as usize) as u32)
        .collect()
}

mod attention {
    use super::*;
    use transformer::{attention, causal_mask};

    #[test]
    fn the_causal_mask_hides_the_future_only() {
        let mask = causal_mask(3, 3).to_vec();
        let hidden: Vec<bool> = mask.iter().map(|m| *m == f32::NEG_INFINITY).collect();
        #[rustfmt::skip]
        let want = [false, true, true,
                    false, false, true,
                    false, false, false];
        assert_eq!(
            hidden, want,
            "mask {mask:?}: -inf above the diagonal, 0 on and below"
        );
        assert!(
            mask.iter().all(|m| *m == 0.0 || *m == f32::NEG_INFINITY),
            "{mask:?}"
        );
        // Two new queries after three cached positions: both see the past, the first not
        // the second.
        let mask = causal_mask(2, 5).to_vec();
        let hidden: Vec<bool> = mask.iter().map(|m| *m == f32::NEG_INFINITY).collect();
        assert_eq!(
            hidden,
            [false, false, false, false, true, false, false, false, false, false],
            "queries that are the last 2 of 5 positions: {mask:?}"
        );
    }

    #[test]
    fn equal_scores_average_the_values_seen_so_far() {
        // Queries of zeros score every key 0: each position then takes the plain mean of
        // the values at and before it.
        let q = Tensor::zeros(&[1, 1, 4, 2]);
        let k = random(&[1, 1, 4, 2], 1.0, 1);
        let v = Tensor::from_vec(vec![1.0, 0.0, 3.0, 2.0, 5.0, 4.0, 7.0, 6.0], &[1, 1, 4, 2]);
        let out = attention(&q, &k, &v).to_vec();
        let want = [1.0, 0.0, 2.0, 1.0, 3.0, 2.0, 4.0, 3.0];
        assert!(
            max_diff(&out, &want) < 1e-5,
            "got {out:?}, expected the running means {want:?}: position i must weigh \
             positions 0..=i equally and the later ones not at all"
        );
    }

    #[test]
    fn scores_are_scaled_by_the_square_root_of_the_head_size() {
        // One query, two keys: scores q·k = 4 and 0 with d = 4, so weights softmax([2, 0]).
        let q = Tensor::from_vec(
            vec![0.0; 4]
                .into_iter()
                .chain([1.0, 1.0, 1.0, 1.0])
                .collect(),
            &[1, 1, 2, 4],
        );
        let k = Tensor::from_vec(vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], &[1, 1, 2, 4]);
        let v = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], &[1, 1, 2, 4]);
        let out = attention(&q, &k, &v).to_vec();
        let w0 = 2f32.exp() / (2f32.exp() + 1.0);
        assert!(
            (out[4] - w0).abs() < 1e-5 && (out[5] - (1.0 - w0)).abs() < 1e-5,
            "the second query's output is {:?}, expected [{w0}, {}]: scores 4 and 0 divided \
             by √4 = 2 before the softmax (unscaled, the first weight would be {})",
            &out[4..6],
            1.0 - w0,
            4f32.exp() / (4f32.exp() + 1.0)
        );
    }

    #[test]
    fn a_later_position_never_changes_an_earlier_output() {
        let (q, k, v) = (
            random(&[2, 3, 5, 4], 1.0, 2),
            random(&[2, 3, 5, 4], 1.0, 3),
            random(&[2, 3, 5, 4], 1.0, 4),
        );
        let before = attention(&q, &k, &v).to_array();
        // Change everything at the last position.
        let change = |t: &Tensor, seed| {
            let mut a = t.to_array();
            let other = random(&[2, 3, 1, 4], 5.0, seed).to_array();
            a.slice_mut(ndarray::s![.., .., 4..5, ..]).assign(&other);
            Tensor::new(a)
        };
        let after = attention(&change(&q, 5), &change(&k, 6), &change(&v, 7)).to_array();
        let early = |a: &ArrayD<f32>| {
            a.slice(ndarray::s![.., .., ..4, ..])
                .iter()
                .copied()
                .collect::<Vec<_>>()
        };
        assert!(
            max_diff(&early(&before), &early(&after)) < 1e-6,
            "outputs at positions 0-3 changed when only position 4 did: the mask must hide \
             later positions from earlier queries"
        );
    }

    #[test]
    fn its_gradient_matches_finite_differences() {
        let at = [
            random(&[1, 2, 3, 4], 1.0, 8).to_array(),
            random(&[1, 2, 3, 4], 1.0, 9).to_array(),
            random(&[1, 2, 3, 4], 1.0, 10).to_array(),
        ];
        let worst = tensor::gradcheck::check_gradients(
            |t: &[Tensor]| attention(&t[0], &t[1], &t[2]),
            &at,
            tensor::gradcheck::DEFAULT_STEP,
            tensor::gradcheck::DEFAULT_TOLERANCE,
        );
        assert!(worst.is_ok(), "{worst:?}");
    }
}

mod heads {
    use super::*;
    use transformer::{merge_heads, split_heads};

    #[test]
    fn each_head_takes_its_own_slice_of_the_width() {
        // [B=1, T=2, C=6] with x[0, t, c] = 10t + c, three heads of 2.
        let x = Tensor::from_vec(
            (0..12).map(|i| (10 * (i / 6) + i % 6) as f32).collect(),
            &[1, 2, 6],
        );
        let heads = split_heads(&x, 3);
        assert_eq!(
            heads.shape(),
            [1, 3, 2, 2],
            "[B, T, C] -> [B, heads, T, C/heads]"
        );
        let want = [
            0.0, 1.0, 10.0, 11.0, 2.0, 3.0, 12.0, 13.0, 4.0, 5.0, 14.0, 15.0,
        ];
        assert_eq!(
            heads.to_vec(),
            want,
            "head h at position t must hold features 2h..2h+2 of position t"
        );
    }

    #[test]
    fn merging_undoes_splitting_and_passes_gradients_back() {
        let x = random(&[2, 5, 12], 1.0, 11);
        for h in [1, 2, 3, 4, 6, 12] {
            let back = merge_heads(&split_heads(&x, h));
            assert_eq!(back.shape(), [2, 5, 12]);
            assert_eq!(back.to_vec(), x.to_vec(), "merge(split(x, {h})) is not x");
        }
        let at = [random(&[2, 3, 4], 1.0, 12).to_array()];
        let worst = tensor::gradcheck::check_gradients(
            |t: &[Tensor]| merge_heads(&split_heads(&t[0], 2).scale(2.0)),
            &at,
            tensor::gradcheck::DEFAULT_STEP,
            tensor::gradcheck::DEFAULT_TOLERANCE,
        );
        assert!(worst.is_ok(), "{worst:?}");
    }
}

mod block {
    use super::*;
    use transformer::block_forward;

    #[test]
    fn a_block_whose_sublayers_write_nothing_is_the_identity() {
        let model = small_model(1);
        let block = &model.blocks[0];
        for t in [
            &block.attention.proj.weight,
            &block.attention.proj.bias,
            &block.mlp.proj.weight,
            &block.mlp.proj.bias,
        ] {
            t.set_value(ndarray::ArrayD::zeros(t.shape()));
        }
        let x = random(&[2, 5, 8], 1.0, 13);
        let y = block_forward(block, &x, None, &mut Dropout::off());
        assert_eq!(
            y.to_vec(),
            x.to_vec(),
            "with both output projections zero, the block must return its input: the \
             sublayers' outputs are added to x, not put in its place"
        );
    }

    #[test]
    fn the_block_adds_attention_then_the_mlp_of_normalised_inputs() {
        use nn::Module;
        let model = small_model(2);
        let b = &model.blocks[1];
        let x = random(&[2, 5, 8], 1.0, 14);
        let y = block_forward(b, &x, None, &mut Dropout::off()).to_vec();
        let h = x.add(&b.attention.forward(&b.ln1.forward(&x), None));
        let want = h.add(&b.mlp.forward(&b.ln2.forward(&h))).to_vec();
        assert!(
            max_diff(&y, &want) < 1e-5,
            "pre-LayerNorm block: x + attention(ln1(x)), then h + mlp(ln2(h)) (LayerNorm \
             before each sublayer, on its input only)"
        );
    }

    #[test]
    fn training_through_the_blocks_lowers_the_loss() {
        let model = small_model(3);
        let ids = text(11, 2000);
        let config = transformer::train::TrainConfig {
            batch: 8,
            seq_len: 12,
            steps: 150,
            lr: 1e-2,
            warmup: 10,
            eval_every: 150,
            ..Default::default()
        };
        let (train, valid) = ids.split_at(1800);
        let before = transformer::train::evaluate(&model, valid, 12);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let run =
            transformer::train::train(&model, train, valid, &config, &mut rng, None, |_| Ok(()))
                .unwrap();
        let after = run.final_valid_loss();
        println!("validation loss {before:.3} -> {after:.3}");
        assert!(
            after < 0.6 * before,
            "150 steps on a patterned text took the validation loss from {before:.3} to only \
             {after:.3}; it should fall below 60% of where it started"
        );
    }
}

mod kv_cache {
    use super::*;
    use transformer::sample::{generate, Sampling};
    use transformer::{attention, cached_attention};

    #[test]
    fn attending_in_pieces_with_the_cache_equals_attending_at_once() {
        let (q, k, v) = (
            random(&[2, 2, 6, 4], 1.0, 15),
            random(&[2, 2, 6, 4], 1.0, 16),
            random(&[2, 2, 6, 4], 1.0, 17),
        );
        let whole = attention(&q, &k, &v).to_array();
        let mut cache = transformer::model::KvCache::default();
        let mut start = 0;
        for len in [3, 1, 2] {
            let piece = |t: &Tensor| t.narrow(2, start, len);
            let out = cached_attention(&mut cache, &piece(&q), &piece(&k), &piece(&v));
            let want = whole.slice(ndarray::s![.., .., start..start + len, ..]);
            let want: Vec<f32> = want.iter().copied().collect();
            assert!(
                max_diff(&out.to_vec(), &want) < 1e-5,
                "positions {start}..{}: the new queries must attend to every cached key and \
                 value and to the new ones",
                start + len
            );
            start += len;
            assert_eq!(
                cache.len(),
                start,
                "the cache must hold every position read so far"
            );
        }
    }

    #[test]
    fn sampling_with_the_cache_gives_the_characters_of_recomputing() {
        let model = small_model(5);
        for top_k in [None, Some(3)] {
            let how = |cache| Sampling {
                temperature: 1.0,
                top_k,
                cache,
            };
            // 40 characters after a prompt of 3: past the context of 12 several times.
            let with = generate(
                &model,
                &[1, 2, 3],
                40,
                how(true),
                &mut ChaCha8Rng::seed_from_u64(6),
            );
            let without = generate(
                &model,
                &[1, 2, 3],
                40,
                how(false),
                &mut ChaCha8Rng::seed_from_u64(6),
            );
            assert_eq!(
                with, without,
                "top-k {top_k:?}: the cache must not change what is sampled"
            );
        }
    }
}
