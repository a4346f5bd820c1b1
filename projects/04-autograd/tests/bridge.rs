//! The bridge to tensors: `shared/tensor`'s autograd gives the gradients of chapter 3's
//! hand-written backward pass, and of the scalar engine; and the tensor MLP learns MNIST.

use autograd::bench::{tensor_copy, tensor_loss};
use autograd::mlp::{self, batch_loss, Activation, Mlp};
use autograd::tensor_mlp::{self, autograd_gradients, hand_backward, Images, MnistMlp};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

fn mnist() -> data::mnist::Mnist {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    data::mnist::load(&dir).expect("the committed MNIST files")
}

#[test]
fn autograd_gradients_equal_the_hand_written_backward_pass_on_a_batch_of_mnist() {
    let set = Images::from_set(&mnist().train.take(32));
    let net = MnistMlp::init(784, 64, 10, &mut ChaCha8Rng::seed_from_u64(3));
    let (hand_loss, by_hand) = hand_backward(&net, set.x.view(), &set.labels);
    let (auto_loss, by_autograd) = autograd_gradients(&net, set.x.view(), &set.labels);
    let difference = by_hand.max_abs_difference(&by_autograd);
    println!("loss {hand_loss} vs {auto_loss}; largest gradient difference {difference:e}");
    assert!((hand_loss - auto_loss).abs() < 1e-5);
    assert!(difference < 1e-5, "{difference}");
    // Not vacuous: the gradients are far from zero.
    assert!(by_hand.w1.iter().any(|g| g.abs() > 1e-3));
    assert!(by_hand.b2.iter().any(|g| g.abs() > 1e-2));
}

#[test]
fn the_scalar_and_tensor_engines_give_the_same_gradients_for_the_same_network() {
    let points = mlp::moons(30, 0.1, &mut ChaCha8Rng::seed_from_u64(4));
    let net = Mlp::new(
        &[2, 5, 4, 1],
        Activation::Tanh,
        &mut ChaCha8Rng::seed_from_u64(5),
    );
    let loss = batch_loss(&net, &points);
    loss.backward();
    let layers = tensor_copy(&net);
    let tensor = tensor_loss(&layers, &points);
    tensor.backward();
    assert!((f64::from(tensor.item()) - loss.data()).abs() < 1e-5);
    // Compare neuron j's weights with column j of w, layer by layer.
    for (layer, (w, b, _)) in net.layers.iter().zip(&layers) {
        let (dw, db) = (w.grad().unwrap(), b.grad().unwrap());
        for (j, neuron) in layer.neurons.iter().enumerate() {
            for (i, weight) in neuron.w.iter().enumerate() {
                let t = f64::from(dw[[i, j]]);
                assert!((weight.grad() - t).abs() < 1e-5, "{} vs {t}", weight.grad());
            }
            assert!((neuron.b.grad() - f64::from(db[[j]])).abs() < 1e-5);
        }
    }
}

#[test]
fn the_tensor_mlp_learns_a_slice_of_mnist_in_two_epochs() {
    let mnist = mnist();
    let train = tensor_mlp::limited(&mnist.train, 3000);
    let test = Images::from_set(&mnist.test.take(1000));
    let net = MnistMlp::init(784, 64, 10, &mut ChaCha8Rng::seed_from_u64(6));
    let (loss_before, _) = tensor_mlp::evaluate(&net, &test);
    let config = tensor_mlp::MnistConfig {
        hidden: 64,
        epochs: 2,
        batch_size: 64,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let session = quiet_session(dir.path());
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let result = tensor_mlp::train(&net, &train, &test, &config, &session, &mut rng).unwrap();
    println!(
        "test loss {loss_before:.3} -> {:.3}, accuracy {:.3}",
        result.test_loss, result.test_accuracy
    );
    assert!(result.test_loss < loss_before / 3.0);
    assert!(result.test_accuracy > 0.85, "{}", result.test_accuracy);
}

fn quiet_session(out: &Path) -> run::Session {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        common: run::CommonArgs,
    }
    let cli = Cli::parse_from(["test", "--quiet", "--out", out.to_str().unwrap()]);
    run::Session::start("04-autograd", &cli.common, &[]).unwrap()
}
