use ndarray::{ArrayD, IxDyn};
use std::time::Instant;
use tensor::Tensor;
fn filled(shape: &[usize], seed: usize, scale: f32) -> ArrayD<f32> {
    let mut i = seed;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        i = (i * 1_103_515_245 + 12_345) % (1 << 31);
        (i as f32 / (1u64 << 31) as f32 * 2.0 - 1.0) * scale
    })
}
fn main() {
    let threads: usize = std::env::args().nth(1).map_or(1, |s| s.parse().unwrap());
    tensor::set_threads(threads);
    let x = Tensor::param(filled(&[32, 64, 256], 1, 0.5));
    let h0 = Tensor::param(filled(&[32, 256], 2, 0.5));
    let w = Tensor::param(filled(&[256, 256], 3, 0.06));
    let g = filled(&[32, 64, 256], 4, 1.0);
    let (mut f, mut b) = (vec![], vec![]);
    for _ in 0..200 {
        let s = Instant::now();
        let y = tensor::rnn_tanh(&x, &h0, &w);
        let m = Instant::now();
        y.backward_with(&g);
        f.push((m - s).as_secs_f64() * 1e3);
        b.push(m.elapsed().as_secs_f64() * 1e3);
    }
    f.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    println!(
        "threads {threads}: forward {:.2} ms, backward {:.2} ms",
        f[100], b[100]
    );
}
