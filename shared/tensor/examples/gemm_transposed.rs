use ndarray::Array2;
use std::time::Instant;
fn med(mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut v: Vec<f64> = (0..31)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[15]
}
fn main() {
    tensor::set_threads(1);
    let mk = |r, c| Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
    for &(m, k, n) in &[
        (32usize, 256usize, 256usize),
        (2048, 256, 65),
        (2048, 65, 256),
        (256, 2048, 65),
        (256, 2048, 256),
    ] {
        let a = mk(m, k);
        let b = mk(k, n);
        let at = mk(k, m);
        let bt = mk(n, k);
        let mut c = Array2::<f32>::zeros((m, n));
        let plain = med(|| tensor::gemm::gemm(1.0, a.view(), b.view(), 0.0, c.view_mut()));
        let a_t = med(|| tensor::gemm::gemm(1.0, at.t(), b.view(), 0.0, c.view_mut()));
        let b_t = med(|| tensor::gemm::gemm(1.0, a.view(), bt.t(), 0.0, c.view_mut()));
        let b_copy = med(|| {
            let b2 = bt.t().as_standard_layout().into_owned();
            tensor::gemm::gemm(1.0, a.view(), b2.view(), 0.0, c.view_mut())
        });
        let a_copy = med(|| {
            let a2 = at.t().as_standard_layout().into_owned();
            tensor::gemm::gemm(1.0, a2.view(), b.view(), 0.0, c.view_mut())
        });
        println!("[{m},{k}]x[{k},{n}]: plain {plain:.0} us, A transposed view {a_t:.0}, A copied {a_copy:.0}, B transposed view {b_t:.0}, B copied {b_copy:.0}");
    }
}
