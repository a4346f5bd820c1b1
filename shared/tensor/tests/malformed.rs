//! Every public op, called wrongly (the wrong rank, a dimension of size zero where a size is
//! needed, a batch that does not match), must stop with a panic whose message names the op
//! and the shapes at fault: never return a wrong answer, never crash somewhere deep inside
//! with an index out of bounds. One table, each row a malformed call and the words its
//! message must hold; run under both engines (the fast one has its own checks).

use std::panic::{catch_unwind, AssertUnwindSafe};

use rand::SeedableRng;
use tensor::{Engine, Tensor};

fn t(shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_vec((0..n).map(|i| (i % 7) as f32 * 0.25 - 0.5).collect(), shape)
}

fn p(shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    Tensor::param(
        ndarray::ArrayD::from_shape_vec(
            shape.to_vec(),
            (0..n).map(|i| (i % 5) as f32 * 0.1 + 0.1).collect(),
        )
        .unwrap(),
    )
}

/// One malformed call: what it is, the call, and words its panic message must contain.
type Case = (&'static str, Box<dyn Fn()>, &'static [&'static str]);

fn cases() -> Vec<Case> {
    let rng = || rand_chacha::ChaCha8Rng::seed_from_u64(0);
    vec![
        // Elementwise ops of two tensors: shapes that do not broadcast.
        (
            "add",
            Box::new(|| drop(t(&[2, 3]).add(&t(&[4, 3])))),
            &["[2, 3]", "[4, 3]"],
        ),
        (
            "sub",
            Box::new(|| drop(t(&[2, 3]).sub(&t(&[3, 2])))),
            &["[2, 3]", "[3, 2]"],
        ),
        (
            "mul",
            Box::new(|| drop(t(&[5]).mul(&t(&[4])))),
            &["[5]", "[4]"],
        ),
        (
            "div",
            Box::new(|| drop(t(&[2, 2]).div(&t(&[3])))),
            &["[2, 2]", "[3]"],
        ),
        // Matrix products.
        (
            "matmul inner",
            Box::new(|| drop(t(&[2, 3]).matmul(&t(&[4, 5])))),
            &["matmul", "[2, 3]", "[4, 5]"],
        ),
        (
            "matmul rank",
            Box::new(|| drop(t(&[3]).matmul(&t(&[3, 2])))),
            &["matmul", "[3]", "[3, 2]"],
        ),
        (
            "matmul batch",
            Box::new(|| drop(t(&[2, 3, 4]).matmul(&t(&[3, 4, 5])))),
            &["matmul", "[2, 3, 4]", "[3, 4, 5]"],
        ),
        // Losses: targets that do not match the batch.
        (
            "cross_entropy batch",
            Box::new(|| drop(tensor::cross_entropy(&t(&[4, 3]), &[0, 1]))),
            &["cross_entropy", "[4, 3]", "2"],
        ),
        (
            "cross_entropy class",
            Box::new(|| drop(tensor::cross_entropy(&t(&[2, 3]), &[0, 3]))),
            &["cross_entropy", "3"],
        ),
        (
            "cross_entropy rank",
            Box::new(|| drop(tensor::cross_entropy(&t(&[6]), &[0]))),
            &["cross_entropy", "[6]"],
        ),
        (
            "cross_entropy empty",
            Box::new(|| drop(tensor::cross_entropy(&t(&[0, 3]), &[]))),
            &["cross_entropy", "[0, 3]"],
        ),
        (
            "mse_loss",
            Box::new(|| drop(tensor::mse_loss(&t(&[4, 1]), &t(&[3, 1])))),
            &["mse_loss", "[4, 1]", "[3, 1]"],
        ),
        (
            "bce_with_logits",
            Box::new(|| drop(tensor::bce_with_logits(&t(&[4]), &t(&[5])))),
            &["bce_with_logits", "[4]", "[5]"],
        ),
        // Convolutions and pooling: wrong rank, channels that do not match, a kernel
        // larger than the (padded) image.
        (
            "conv2d rank",
            Box::new(|| {
                drop(tensor::conv2d(
                    &t(&[1, 8, 8]),
                    &t(&[2, 1, 3, 3]),
                    None,
                    1,
                    0,
                ))
            }),
            &["conv2d", "[1, 8, 8]"],
        ),
        (
            "conv2d channels",
            Box::new(|| {
                drop(tensor::conv2d(
                    &t(&[1, 2, 8, 8]),
                    &t(&[4, 3, 3, 3]),
                    None,
                    1,
                    0,
                ))
            }),
            &["conv2d", "[1, 2, 8, 8]", "[4, 3, 3, 3]"],
        ),
        (
            "conv2d kernel",
            Box::new(|| {
                drop(tensor::conv2d(
                    &t(&[1, 1, 2, 2]),
                    &t(&[1, 1, 3, 3]),
                    None,
                    1,
                    0,
                ))
            }),
            &["conv2d", "3x3", "2x2"],
        ),
        (
            "conv2d bias",
            Box::new(|| {
                drop(tensor::conv2d(
                    &t(&[1, 1, 5, 5]),
                    &t(&[2, 1, 3, 3]),
                    Some(&t(&[3])),
                    1,
                    0,
                ))
            }),
            &["conv2d", "[3]"],
        ),
        (
            "conv2d stride 0",
            Box::new(|| {
                drop(tensor::conv2d(
                    &t(&[1, 1, 5, 5]),
                    &t(&[2, 1, 3, 3]),
                    None,
                    0,
                    0,
                ))
            }),
            &["conv2d", "stride"],
        ),
        (
            "conv_transpose2d channels",
            Box::new(|| {
                drop(tensor::conv_transpose2d(
                    &t(&[1, 2, 4, 4]),
                    &t(&[3, 1, 3, 3]),
                    None,
                    1,
                    0,
                ))
            }),
            &["conv_transpose2d", "[1, 2, 4, 4]", "[3, 1, 3, 3]"],
        ),
        (
            "conv2d_max_pool2d channels",
            Box::new(|| {
                drop(tensor::conv2d_max_pool2d(
                    &t(&[1, 2, 8, 8]),
                    &t(&[4, 3, 3, 3]),
                    None,
                    1,
                    1,
                    2,
                ))
            }),
            &["[1, 2, 8, 8]", "[4, 3, 3, 3]"],
        ),
        (
            "max_pool2d rank",
            Box::new(|| drop(tensor::max_pool2d(&t(&[4, 4]), 2, 2))),
            &["max_pool2d", "[4, 4]"],
        ),
        (
            "max_pool2d window",
            Box::new(|| drop(tensor::max_pool2d(&t(&[1, 1, 2, 2]), 3, 3))),
            &["max_pool2d", "[1, 1, 2, 2]", "3"],
        ),
        (
            "max_pool2d zero window",
            Box::new(|| drop(tensor::max_pool2d(&t(&[1, 1, 4, 4]), 0, 1))),
            &["max_pool2d", "0"],
        ),
        (
            "avg_pool2d rank",
            Box::new(|| drop(tensor::avg_pool2d(&t(&[4, 4]), 2, 2))),
            &["avg_pool2d", "[4, 4]"],
        ),
        (
            "avg_pool2d window",
            Box::new(|| drop(tensor::avg_pool2d(&t(&[1, 1, 2, 2]), 3, 3))),
            &["avg_pool2d", "[1, 1, 2, 2]", "3"],
        ),
        // Normalisation: parameters of the wrong size.
        (
            "layer_norm",
            Box::new(|| drop(tensor::layer_norm(&t(&[2, 4]), &p(&[3]), &p(&[3]), 1e-5))),
            &["layer_norm", "[2, 4]", "[3]"],
        ),
        (
            "batch_norm",
            Box::new(|| drop(tensor::batch_norm(&t(&[2, 4]), &p(&[3]), &p(&[3]), 1e-5))),
            &["batch_norm", "[2, 4]", "[3]"],
        ),
        (
            "layer_norm empty",
            Box::new(|| drop(tensor::layer_norm(&t(&[2, 0]), &p(&[0]), &p(&[0]), 1e-5))),
            &["layer_norm", "[2, 0]"],
        ),
        (
            "batch_norm empty batch",
            Box::new(|| drop(tensor::batch_norm(&t(&[0, 3]), &p(&[3]), &p(&[3]), 1e-5))),
            &["batch_norm", "[0, 3]"],
        ),
        (
            "batch_norm rank",
            Box::new(|| drop(tensor::batch_norm(&t(&[4]), &p(&[4]), &p(&[4]), 1e-5))),
            &["batch_norm", "[4]"],
        ),
        // The recurrence: a hidden state or weights that do not fit.
        (
            "rnn_tanh batch",
            Box::new(|| drop(tensor::rnn_tanh(&t(&[3, 2, 4]), &t(&[5, 4]), &p(&[4, 4])))),
            &["rnn_tanh", "[3, 2, 4]", "[5, 4]"],
        ),
        (
            "rnn_tanh weights",
            Box::new(|| drop(tensor::rnn_tanh(&t(&[3, 2, 4]), &t(&[2, 4]), &p(&[4, 3])))),
            &["rnn_tanh", "[4, 3]"],
        ),
        // Shapes.
        (
            "reshape",
            Box::new(|| drop(t(&[2, 3]).reshape(&[4, 2]))),
            &["reshape", "[2, 3]", "[4, 2]"],
        ),
        (
            "permute",
            Box::new(|| drop(t(&[2, 3]).permute(&[0, 0]))),
            &["permute", "[2, 3]", "[0, 0]"],
        ),
        (
            "permute rank",
            Box::new(|| drop(t(&[2, 3]).permute(&[1, 0, 2]))),
            &["permute", "[2, 3]"],
        ),
        (
            "transpose",
            Box::new(|| drop(t(&[2, 3]).transpose(0, 2))),
            &["transpose", "[2, 3]", "2"],
        ),
        (
            "narrow",
            Box::new(|| drop(t(&[2, 3]).narrow(1, 2, 2))),
            &["narrow", "[2, 3]"],
        ),
        (
            "narrow axis",
            Box::new(|| drop(t(&[2, 3]).narrow(2, 0, 1))),
            &["narrow", "[2, 3]"],
        ),
        (
            "concat",
            Box::new(|| drop(Tensor::concat(&[t(&[2, 3]), t(&[2, 4])], 0))),
            &["concat", "[2, 3]", "[2, 4]"],
        ),
        (
            "concat empty",
            Box::new(|| drop(Tensor::concat(&[], 0))),
            &["concat"],
        ),
        (
            "stack",
            Box::new(|| drop(Tensor::stack(&[t(&[2, 3]), t(&[3, 2])], 0))),
            &["stack", "[2, 3]", "[3, 2]"],
        ),
        (
            "index_select",
            Box::new(|| drop(t(&[3, 2]).index_select(&[0, 3]))),
            &["index_select", "[3, 2]", "3"],
        ),
        // Reductions and softmax along an axis the tensor does not have.
        (
            "sum_axes",
            Box::new(|| drop(t(&[2, 3]).sum_axes(&[2], false))),
            &["sum", "axes [2]", "[2, 3]"],
        ),
        (
            "mean_axes",
            Box::new(|| drop(t(&[2, 3]).mean_axes(&[5], true))),
            &["mean_axes", "[2, 3]", "5"],
        ),
        (
            "max_axis",
            Box::new(|| drop(t(&[2, 3]).max_axis(2, false))),
            &["max_axis", "[2, 3]", "2"],
        ),
        (
            "max_axis empty",
            Box::new(|| drop(t(&[2, 0]).max_axis(1, false))),
            &["max_axis", "[2, 0]"],
        ),
        (
            "argmax_last empty",
            Box::new(|| drop(t(&[2, 0]).argmax_last())),
            &["argmax_last", "[2, 0]"],
        ),
        (
            "softmax",
            Box::new(|| drop(t(&[2, 3]).softmax(2))),
            &["softmax", "[2, 3]", "2"],
        ),
        (
            "log_softmax",
            Box::new(|| drop(t(&[2, 3]).log_softmax(3))),
            &["log_softmax", "[2, 3]", "3"],
        ),
        // Scalars from something that is not one.
        (
            "item",
            Box::new(|| {
                let _ = t(&[2]).item();
            }),
            &["item", "[2]"],
        ),
        (
            "dropout p",
            Box::new(move || drop(tensor::dropout(&t(&[4]), 1.5, true, &mut rng()))),
            &["dropout", "1.5"],
        ),
    ]
}

/// The panic message of `call`, or `None` if it returned.
fn panic_message(call: &dyn Fn()) -> Option<String> {
    let outcome = catch_unwind(AssertUnwindSafe(call)).err()?;
    Some(if let Some(text) = outcome.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = outcome.downcast_ref::<&str>() {
        (*text).to_owned()
    } else {
        "(not a text message)".to_owned()
    })
}

#[test]
fn every_malformed_call_is_a_clear_panic_naming_the_op_and_the_shapes() {
    // The expected panics would print dozens of messages and backtraces: keep the output to
    // the failures.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for engine in [Engine::Reference, Engine::Fast] {
        for (what, call, words) in cases() {
            match tensor::with_engine(engine, || panic_message(call.as_ref())) {
                None => failures.push(format!("{engine:?} {what}: returned instead of panicking")),
                Some(message) => {
                    let missing: Vec<_> = words.iter().filter(|w| !message.contains(*w)).collect();
                    if !missing.is_empty() {
                        failures.push(format!(
                            "{engine:?} {what}: the message lacks {missing:?}: {message}"
                        ));
                    }
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(
        failures.is_empty(),
        "{} of {} malformed calls are not clear panics:\n{}",
        failures.len(),
        2 * cases().len(),
        failures.join("\n")
    );
}

#[test]
fn ops_on_zero_sized_tensors_that_make_sense_give_the_right_answer() {
    // Not every zero size is a mistake: an empty batch sums to 0 and maps to empty.
    assert_eq!(t(&[0, 3]).sum().item(), 0.0);
    assert_eq!(t(&[0, 3]).relu().shape(), vec![0, 3]);
    assert_eq!(t(&[0, 3]).matmul(&t(&[3, 2])).shape(), vec![0, 2]);
    assert_eq!(t(&[2, 0]).matmul(&t(&[0, 4])).to_vec(), vec![0.0; 8]);
    assert_eq!(t(&[0, 3]).softmax(1).shape(), vec![0, 3]);
}
