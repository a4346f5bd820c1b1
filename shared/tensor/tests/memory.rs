//! Memory stays flat over a long training loop: after each step, the graph is gone.
//! (Alone in its file, so no other test creates tensors while this one counts them.)

use ndarray::Array2;
use tensor::Tensor;

#[test]
fn ten_thousand_training_steps_leave_no_tensors_behind() {
    let w = Tensor::param(Array2::from_shape_fn((8, 4), |(i, j)| {
        ((i + 2 * j) as f32 * 0.37).sin() * 0.3
    }));
    let x = Tensor::new(Array2::from_shape_fn((16, 8), |(i, j)| {
        ((i * 8 + j) as f32 * 0.11).cos()
    }));
    let targets: Vec<usize> = (0..16).map(|i| i % 4).collect();
    let mut live_after_first = 0;
    let (mut first_loss, mut last_loss) = (0.0, 0.0);
    for step in 0..10_000 {
        let loss = tensor::cross_entropy(&x.matmul(&w).tanh().scale(3.0), &targets);
        loss.backward();
        last_loss = loss.item();
        let g = w.grad().expect("w is a parameter");
        w.update(|v| v.scaled_add(-0.05, &g));
        w.zero_grad();
        drop(loss);
        if step == 0 {
            first_loss = last_loss;
            live_after_first = tensor::live_tensors();
        }
    }
    println!("live tensors after step 1: {live_after_first}, after step 10,000: {}, loss {first_loss} -> {last_loss}", tensor::live_tensors());
    assert_eq!(tensor::live_tensors(), live_after_first);
    assert!(
        last_loss < first_loss * 0.9,
        "the loop trains: {first_loss} -> {last_loss}"
    );
}
