//! Every layer's gradients against finite differences (step 1e-3, tolerance 1e-2, see
//! `tensor::gradcheck`), and the layers' bookkeeping: names, counts, train/eval.

use ndarray::{ArrayD, IxDyn};
use nn::{
    BatchNorm, Conv2d, ConvTranspose2d, Dropout, Embedding, LayerNorm, Linear, Module, Relu,
    Sequential,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::gradcheck::{check_gradients, DEFAULT_STEP, DEFAULT_TOLERANCE};
use tensor::Tensor;

fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0f32..1.0))
}

#[track_caller]
fn check(name: &str, f: impl Fn(&[Tensor]) -> Tensor, inputs: &[ArrayD<f32>]) {
    match check_gradients(f, inputs, DEFAULT_STEP, DEFAULT_TOLERANCE) {
        Ok(worst) => println!("{name}: worst error {worst:.2e}"),
        Err(e) => panic!("{name}: {e}"),
    }
}

#[test]
fn every_layer_matches_finite_differences() {
    // Each closure builds the layer around the tensors being checked: input, then parameters.
    check(
        "Linear",
        |t| {
            Linear {
                weight: t[1].clone(),
                bias: t[2].clone(),
            }
            .forward(&t[0])
        },
        &[random(&[4, 3], 1), random(&[3, 5], 2), random(&[5], 3)],
    );
    let conv = |t: &[Tensor]| Conv2d {
        weight: t[1].clone(),
        bias: t[2].clone(),
        stride: 1,
        padding: 1,
    };
    let conv_inputs = |seed| {
        [
            random(&[2, 2, 5, 5], seed),
            random(&[3, 2, 3, 3], seed + 1),
            random(&[3], seed + 2),
        ]
    };
    check("Conv2d", |t| conv(t).forward(&t[0]), &conv_inputs(4));
    check(
        "Conv2d, max-pooled",
        |t| conv(t).forward_max_pooled(&t[0], 2),
        &conv_inputs(10),
    );
    check(
        "ConvTranspose2d",
        |t| {
            ConvTranspose2d {
                weight: t[1].clone(),
                bias: t[2].clone(),
                stride: 2,
                padding: 1,
            }
            .forward(&t[0])
        },
        &[
            random(&[2, 3, 3, 3], 7),
            random(&[3, 2, 4, 4], 8),
            random(&[2], 9),
        ],
    );
    check(
        "Embedding",
        |t| {
            Embedding {
                weight: t[0].clone(),
            }
            .lookup(&[1, 3, 1, 0])
        },
        &[random(&[4, 3], 10)],
    );
    check(
        "LayerNorm",
        |t| {
            LayerNorm {
                gamma: t[1].clone(),
                beta: t[2].clone(),
                eps: 1e-5,
            }
            .forward(&t[0])
        },
        &[random(&[3, 6], 11), random(&[6], 12), random(&[6], 13)],
    );
    for shape in [vec![6, 3], vec![2, 3, 2, 2]] {
        check(
            &format!("BatchNorm {shape:?}"),
            |t| {
                let mut bn = BatchNorm::new(3);
                bn.gamma = t[1].clone();
                bn.beta = t[2].clone();
                bn.forward(&t[0])
            },
            &[random(&shape, 14), random(&[3], 15), random(&[3], 16)],
        );
    }
    check(
        "Dropout",
        |t| Dropout::new(0.5, ChaCha8Rng::seed_from_u64(3)).forward(&t[0]),
        &[random(&[4, 5], 17)],
    );
    check(
        "Sequential(Linear, Relu, Linear)",
        |t| {
            let net = Sequential::new()
                .add(Linear {
                    weight: t[1].clone(),
                    bias: t[2].clone(),
                })
                .add(Relu)
                .add(Linear {
                    weight: t[3].clone(),
                    bias: t[4].clone(),
                });
            net.forward(&t[0])
        },
        &[
            random(&[3, 4], 18),
            random(&[4, 6], 19),
            random(&[6], 20),
            random(&[6, 2], 21),
            random(&[2], 22),
        ],
    );
}

#[test]
fn parameters_are_named_and_counted() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net = Sequential::new()
        .add(Linear::new(784, 32, &mut rng))
        .add(Relu)
        .add(Linear::new(32, 10, &mut rng));
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    assert_eq!(net.num_parameters(), 784 * 32 + 32 + 32 * 10 + 10);
}

#[test]
fn batch_norm_keeps_running_statistics_and_uses_them_in_eval() {
    let mut bn = BatchNorm::new(2);
    let x = Tensor::new(ndarray::array![[1.0f32, 10.0], [3.0, 30.0]]);
    let y = bn.forward(&x).to_array();
    // Training: each column normalised by its own batch statistics.
    assert!((y[[0, 0]] + 1.0).abs() < 1e-3 && (y[[1, 1]] - 1.0).abs() < 1e-3);
    // running_mean = 0.9·0 + 0.1·[2, 20]; running_var = 0.9·1 + 0.1·[2, 200] (unbiased).
    assert_eq!(bn.running_mean.to_vec(), vec![0.2, 2.0]);
    let rv = bn.running_var.to_vec();
    assert!(
        (rv[0] - 1.1).abs() < 1e-5 && (rv[1] - 20.9).abs() < 1e-4,
        "{rv:?}"
    );
    bn.eval();
    let y = bn.forward(&x).to_array();
    assert!((y[[0, 0]] - (1.0 - 0.2) / (1.1f32 + 1e-5).sqrt()).abs() < 1e-5);
    assert_eq!(
        bn.running_mean.to_vec(),
        vec![0.2, 2.0],
        "eval does not update statistics"
    );
}

#[test]
fn dropout_drops_in_training_and_passes_through_in_eval() {
    let mut d = Dropout::new(0.5, ChaCha8Rng::seed_from_u64(1));
    let x = Tensor::ones(&[1000]);
    let y = d.forward(&x).to_vec();
    let kept = y.iter().filter(|&&v| v != 0.0).count();
    assert!((400..600).contains(&kept), "{kept} kept");
    assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
    d.eval();
    assert_eq!(d.forward(&x).to_vec(), vec![1.0; 1000]);
}

#[test]
fn layers_from_given_tensors_compute_with_those_tensors() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let drawn = Conv2d::new(2, 3, 3, 1, 1, &mut rng);
    let given = Conv2d::from_tensors(
        Tensor::param(drawn.weight.to_array()),
        Tensor::param(drawn.bias.to_array()),
        1,
        1,
    );
    let x = Tensor::new(random(&[2, 2, 5, 5], 4));
    assert_eq!(given.forward(&x).to_vec(), drawn.forward(&x).to_vec());

    let w = random(&[3, 4], 5);
    let linear = Linear::from_tensors(Tensor::param(w.clone()), Tensor::param(random(&[4], 6)));
    assert_eq!(linear.weight.to_array(), w);
    // Tied weights: the embedding's table is the linear layer's weight, the same tensor.
    let embedding = Embedding::from_tensor(linear.weight.clone());
    assert_eq!(
        embedding.lookup(&[2]).to_vec(),
        w.index_axis(ndarray::Axis(0), 2)
            .iter()
            .copied()
            .collect::<Vec<f32>>()
    );

    let up = ConvTranspose2d::from_tensors(
        Tensor::param(random(&[2, 3, 2, 2], 7)),
        Tensor::param(random(&[3], 8)),
        2,
        0,
    );
    assert_eq!(up.forward(&x).shape(), [2, 3, 10, 10]);
}

#[test]
#[should_panic(expected = "weight [3, 4] and bias [3] do not fit")]
fn a_linear_bias_that_does_not_fit_the_weight_names_both_shapes() {
    Linear::from_tensors(
        Tensor::new(random(&[3, 4], 1)),
        Tensor::new(random(&[3], 2)),
    );
}

#[test]
#[should_panic(expected = "weight [8, 1, 3] and bias [8] do not fit")]
fn a_convolution_weight_that_is_not_4d_names_both_shapes() {
    Conv2d::from_tensors(
        Tensor::new(random(&[8, 1, 3], 1)),
        Tensor::new(random(&[8], 2)),
        1,
        0,
    );
}
