//! `tanh` and `exp` for the fast engine, many numbers at a time.
//!
//! The standard library's `f32::tanh` and `f32::exp` call the C library one number at a time
//! (about 10 to 30 ns each here). A character RNN step takes half a million `tanh`s and a
//! softmax over every position a quarter of a million `exp`s, so those calls were 40% of
//! the step (measured with `perf`). These versions are written with no branches and no
//! calls, so that the compiler turns each loop into vector instructions (4 numbers at a
//! time with the x86-64 baseline, 8 with AVX2), and they are accurate to about one unit in
//! the last place (tested against `f64` below):
//!
//! - `exp(x) = 2ⁿ · eʳ` with `n = round(x / ln 2)` and `|r| ≤ ln 2 / 2`: `eʳ` by the
//!   polynomial of the Cephes library's `expf`, `2ⁿ` by writing `n` into a float's exponent.
//! - `tanh(x)`: for `|x| < 0.625`, Cephes' odd polynomial `x + x³·P(x²)`; above,
//!   `1 - 2 / (e^{2|x|} + 1)` with the sign of `x`. (The second form alone loses digits near
//!   0, where `tanh(x) ≈ x` but `1 - 2/(e^{2x}+1)` subtracts two numbers close to 1.)
//!
//! On an x86 CPU with AVX2 and FMA (checked at run time) the same loops are compiled a
//! second time for those instructions. Rust never fuses a multiply and an add on its own, so
//! both versions compute exactly the same numbers; only the width of the vectors differs.

/// `eˣ`, for `x` in the range of `f32` (below -87 the result is 0, above 88 it is
/// clamped to `e⁸⁸`, ~1.7e38).
// The coefficients as Cephes publishes them; the compiler rounds each to the nearest f32.
#[allow(clippy::excessive_precision)]
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let original = x;
    let x = x.clamp(-87.0, 88.0);
    // round(x / ln 2) without a rounding instruction (the baseline has none): adding
    // 1.5·2²³ pushes the fraction out of the mantissa, which then holds n in its low bits.
    const SHIFT: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::LOG2_E + SHIFT;
    let n = shifted - SHIFT;
    // r = x - n·ln 2, with ln 2 split in two so that n·ln 2 is exact to f32's precision.
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 5.000_000_1e-1;
    let e_r = p * r * r + r + 1.0;
    // 2ⁿ: n (as an integer, from the low bits of `shifted`) plus the exponent bias, moved
    // into the exponent field.
    let n_int = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    let y = e_r * f32::from_bits(n_int.wrapping_add(127) << 23);
    // Below -87 (e⁻⁸⁷ ≈ 1.6e-38, f32's smallest normal numbers), 0: a softmax of scores far
    // below the row's max gives those weights exactly 0, as the C library's `exp` does.
    if original < -87.0 {
        0.0
    } else {
        y
    }
}

/// `tanh(x)`.
#[allow(clippy::excessive_precision)] // as for `exp`
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let small =
        ((((-5.704_988_7e-3 * z + 2.063_908_9e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
            - 3.333_328_2e-1)
            * z
            * x
            + x;
    // Beyond 9, tanh is 1 to f32's precision; clamping keeps e^{2a} finite.
    let large = (1.0 - 2.0 / (exp(2.0 * a.min(9.0)) + 1.0)).copysign(x);
    // `a.min(9.0)` is 9 for a NaN: pass NaN through, so that a diverging run still shows it.
    if a < 0.625 || x.is_nan() {
        small
    } else {
        large
    }
}

/// `σ(x) = 1 / (1 + e⁻ˣ)`, with the `exp` above (for `x` below -88, e⁻ˣ is clamped to
/// e⁸⁸ and σ comes out near 1e-38 rather than 0: the same to any sum it enters).
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_C: f32 = 0.044_715;
/// Beyond ±10, GELU is `x` or 0 and its slope 1 or 0, to f32's precision.
const GELU_FAR: f32 = 10.0;

/// GELU's tanh form through the sigmoid, `x·σ(2·√(2/π)·(x + 0.044715·x³))`, as
/// `ops::elementwise`'s; the cube is taken of `x` clamped to ±10, so that nothing
/// overflows, and the far ends are selected (0 and `x`), not computed.
#[inline(always)]
pub(crate) fn gelu(x: f32) -> f32 {
    let c = x.clamp(-GELU_FAR, GELU_FAR);
    let y = c * sigmoid(2.0 * SQRT_2_OVER_PI * (c + GELU_C * c * c * c));
    let y = if x > GELU_FAR { x } else { y };
    if x < -GELU_FAR {
        0.0
    } else {
        y
    }
}

/// d/dx of [`gelu`]: `s + x·2s(1 - s)·√(2/π)(1 + 3·0.044715·x²)`, `s` the sigmoid above,
/// on `x` clamped to ±10 (where the slope is 0 or 1 to f32's precision).
#[inline(always)]
pub(crate) fn gelu_derivative(x: f32) -> f32 {
    let c = x.clamp(-GELU_FAR, GELU_FAR);
    let s = sigmoid(2.0 * SQRT_2_OVER_PI * (c + GELU_C * c * c * c));
    s + 2.0 * c * s * (1.0 - s) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * c * c)
}

/// Replaces every number of `xs` by its `tanh`.
pub(crate) fn tanh_in_place(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU has AVX2 and FMA (just checked), the only requirement of the
        // function, which is otherwise ordinary safe code.
        #[allow(unsafe_code)]
        return unsafe { tanh_in_place_avx2(xs) };
    }
    tanh_loop(xs);
}

/// Replaces every number of `xs` by `eˣ`.
pub(crate) fn exp_in_place(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: as in `tanh_in_place`.
        #[allow(unsafe_code)]
        return unsafe { exp_in_place_avx2(xs) };
    }
    exp_loop(xs);
}

/// Replaces every number of `xs` by its `σ`.
pub(crate) fn sigmoid_in_place(xs: &mut [f32]) {
    vectorised(xs, &[], |x, _| *x = sigmoid(*x));
}

/// Replaces every number of `xs` by its GELU.
pub(crate) fn gelu_in_place(xs: &mut [f32]) {
    vectorised(xs, &[], |x, _| *x = gelu(*x));
}

/// Multiplies every `g` of `gs` by GELU's slope at the `x` beside it in `xs`.
pub(crate) fn times_gelu_derivative(gs: &mut [f32], xs: &[f32]) {
    vectorised(gs, xs, |g, &x| *g *= gelu_derivative(x));
}

/// Multiplies every `g` of `gs` by `f(y)` for the `y` beside it in `ys`.
pub(crate) fn times_function_of(gs: &mut [f32], ys: &[f32], f: impl Fn(f32) -> f32) {
    vectorised(gs, ys, |g, &y| *g *= f(y));
}

/// `body(&mut a, b)` for each `a` of `xs` and the `b` beside it in `others` (or `&0.0` when
/// `others` is empty), compiled for AVX2 and FMA too, and run that way where the CPU has them.
#[inline(always)]
fn vectorised(xs: &mut [f32], others: &[f32], body: impl Fn(&mut f32, &f32)) {
    #[inline(always)]
    fn run(xs: &mut [f32], others: &[f32], body: &impl Fn(&mut f32, &f32)) {
        if others.is_empty() {
            xs.iter_mut().for_each(|x| body(x, &0.0));
        } else {
            assert_eq!(xs.len(), others.len(), "two runs of the same length");
            xs.iter_mut().zip(others).for_each(|(x, o)| body(x, o));
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_avx2(xs: &mut [f32], others: &[f32], body: &impl Fn(&mut f32, &f32)) {
        run(xs, others, body);
    }
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: as in `tanh_in_place`.
        #[allow(unsafe_code)]
        return unsafe { run_avx2(xs, others, &body) };
    }
    run(xs, others, &body);
}

#[inline(always)]
fn tanh_loop(xs: &mut [f32]) {
    for x in xs {
        *x = tanh(*x);
    }
}

#[inline(always)]
fn exp_loop(xs: &mut [f32]) {
    for x in xs {
        *x = exp(*x);
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn tanh_in_place_avx2(xs: &mut [f32]) {
    tanh_loop(xs);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_in_place_avx2(xs: &mut [f32]) {
    exp_loop(xs);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every f32 step of 1e-5 over [-12, 12], against f64's tanh: within 2e-7 absolute
    /// (f32's spacing at 1 is 6e-8) and 3e-7 relative.
    #[test]
    fn tanh_is_within_a_few_units_in_the_last_place() {
        let xs: Vec<f32> = (-1_200_000..=1_200_000).map(|i| i as f32 * 1e-5).collect();
        let mut ys = xs.clone();
        tanh_in_place(&mut ys);
        let (mut abs, mut rel) = (0.0f64, 0.0f64);
        for (&x, &y) in xs.iter().zip(&ys) {
            let want = f64::from(x).tanh();
            let e = (f64::from(y) - want).abs();
            abs = abs.max(e);
            if want != 0.0 {
                rel = rel.max(e / want.abs());
            }
        }
        println!("tanh: largest error {abs:.1e} absolute, {rel:.1e} relative");
        assert!(abs < 2e-7 && rel < 3e-7, "{abs:e} {rel:e}");
        let mut edges = [
            0.0f32,
            -0.0,
            1e-30,
            -1e-30,
            20.0,
            -20.0,
            1e30,
            f32::MAX,
            f32::MIN,
        ];
        tanh_in_place(&mut edges);
        // Far out, within one unit in the last place of ±1 (clamped at 9, where
        // 1 - 2/(e¹⁸+1) lands between 1 and the float below it).
        let want = [0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, 1.0, 1.0, -1.0];
        for (got, want) in edges.iter().zip(want) {
            assert!((got - want).abs() <= 6e-8, "{got} for {want}");
        }
        let mut nan = [f32::NAN];
        tanh_in_place(&mut nan);
        assert!(nan[0].is_nan(), "a NaN goes through");
        exp_in_place(&mut nan);
        assert!(nan[0].is_nan());
    }

    #[test]
    fn exp_is_within_a_few_units_in_the_last_place() {
        let xs: Vec<f32> = (-870_000..=880_000).map(|i| i as f32 * 1e-4).collect();
        let mut ys = xs.clone();
        exp_in_place(&mut ys);
        let mut rel = 0.0f64;
        for (&x, &y) in xs.iter().zip(&ys) {
            let want = f64::from(x).exp();
            rel = rel.max((f64::from(y) - want).abs() / want);
        }
        println!("exp: largest relative error {rel:.1e}");
        assert!(rel < 3e-7, "{rel:e}");
    }

    #[test]
    fn the_vector_and_the_plain_loops_give_the_same_numbers() {
        let xs: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) * 0.013).collect();
        let mut vectorised = xs.clone();
        tanh_in_place(&mut vectorised);
        let one_by_one: Vec<f32> = xs.iter().map(|&x| tanh(x)).collect();
        assert_eq!(vectorised, one_by_one);
    }
}
