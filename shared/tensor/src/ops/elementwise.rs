//! Element-by-element ops: `+ - * /` with broadcasting, and the functions applied to each
//! element (`exp`, `tanh`, `relu`, ...). Each forward sits beside its gradient.

use ndarray::{ArrayD, CowArray, IxDyn, Zip};

use crate::broadcast::{broadcast_shapes, reduce_to_shape};
use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::{Data, Tensor};

// The three loops every elementwise op is made of. On the fast engine, large contiguous
// arrays are split between threads instead (`fast/elementwise.rs`): the same numbers.

/// `f` applied to each element.
pub(crate) fn map(x: &Data, f: impl Fn(f32) -> f32 + Sync) -> ArrayD<f32> {
    if engine() == Engine::Fast {
        if let Some(y) = fast::elementwise::map(x, &f) {
            return y;
        }
    }
    x.map(|&x| f(x))
}

/// `f` applied to pairs of elements after broadcasting `a` and `b` to a common shape.
#[track_caller]
pub(crate) fn zip_map(a: &Data, b: &Data, f: impl Fn(f32, f32) -> f32 + Sync) -> ArrayD<f32> {
    if engine() == Engine::Fast {
        if let Some(y) = fast::elementwise::zip_map(a, b, &f) {
            return y;
        }
    }
    let shape = IxDyn(&broadcast_shapes(a.shape(), b.shape()));
    let (av, bv) = (
        a.broadcast(shape.clone()).expect("checked"),
        b.broadcast(shape).expect("checked"),
    );
    Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y))
}

/// The backward pass of a unary op `y = f(x)`: `g · df(x, y)` at each element, where
/// `df(x, y)` is the derivative dy/dx.
fn times_derivative(
    g: &ArrayD<f32>,
    x: &Data,
    y: &Data,
    df: impl Fn(f32, f32) -> f32 + Sync,
) -> ArrayD<f32> {
    if engine() == Engine::Fast {
        if let Some(dx) = fast::elementwise::times_derivative(g, x, y, &df) {
            return dx;
        }
    }
    Zip::from(g)
        .and(x)
        .and(y)
        .map_collect(|&g, &x, &y| g * df(x, y))
}

/// The gradient for one operand of a broadcast op, only if that operand needs one: `g()`
/// summed down to the operand's shape (see [`reduce_to_shape`]).
fn grad_for<'a, G: Into<CowArray<'a, f32, IxDyn>>>(
    need: bool,
    shape: &[usize],
    g: impl FnOnce() -> G,
) -> Option<ArrayD<f32>> {
    need.then(|| reduce_to_shape(g(), shape))
}

impl Tensor {
    // ANCHOR: add
    /// `self + other`, broadcasting. Backward: the gradient passes through unchanged to both,
    /// summed over broadcast axes.
    #[track_caller]
    pub fn add(&self, other: &Tensor) -> Tensor {
        let (a, b) = (self.value(), other.value());
        let out = zip_map(&a, &b, |x, y| x + y);
        let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
        Tensor::from_op("add", out, &[self, other], move |g, need| {
            vec![
                grad_for(need[0], &sa, || g.view()),
                grad_for(need[1], &sb, || g.view()),
            ]
        })
    }
    // ANCHOR_END: add

    /// `self - other`, broadcasting. Backward: `g` and `-g`.
    #[track_caller]
    pub fn sub(&self, other: &Tensor) -> Tensor {
        let (a, b) = (self.value(), other.value());
        let out = zip_map(&a, &b, |x, y| x - y);
        let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
        Tensor::from_op("sub", out, &[self, other], move |g, need| {
            vec![
                grad_for(need[0], &sa, || g.view()),
                grad_for(need[1], &sb, || -g),
            ]
        })
    }

    /// `self * other` element by element, broadcasting. Backward: `g·b` and `g·a`.
    #[track_caller]
    pub fn mul(&self, other: &Tensor) -> Tensor {
        let (a, b) = (self.value(), other.value());
        let out = zip_map(&a, &b, |x, y| x * y);
        let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
        Tensor::from_op("mul", out, &[self, other], move |g, need| {
            vec![
                grad_for(need[0], &sa, || g * &b),
                grad_for(need[1], &sb, || g * &a),
            ]
        })
    }

    /// `self / other` element by element, broadcasting. Backward: `g / b` and `-g·a / b²`.
    #[track_caller]
    pub fn div(&self, other: &Tensor) -> Tensor {
        let (a, b) = (self.value(), other.value());
        let out = zip_map(&a, &b, |x, y| x / y);
        let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
        Tensor::from_op("div", out, &[self, other], move |g, need| {
            vec![
                grad_for(need[0], &sa, || g / &b),
                grad_for(need[1], &sb, || {
                    let shape = IxDyn(g.shape());
                    let (av, bv) = (
                        a.broadcast(shape.clone()).expect("fwd"),
                        b.broadcast(shape).expect("fwd"),
                    );
                    Zip::from(g)
                        .and(&av)
                        .and(&bv)
                        .map_collect(|&g, &a, &b| -g * a / (b * b))
                }),
            ]
        })
    }

    /// Applies `f` to each element; `df(x, y)` is the derivative dy/dx given the input `x`
    /// and the output `y = f(x)` (often cheaper from `y`: `exp`, `tanh`, `sigmoid`).
    fn unary(
        &self,
        name: &'static str,
        f: impl Fn(f32) -> f32 + Sync,
        df: impl Fn(f32, f32) -> f32 + Sync + 'static,
    ) -> Tensor {
        let x = self.value();
        let y = map(&x, f).into_shared();
        let y_saved = y.clone();
        Tensor::from_op_shared(name, y, &[self], move |g, _| {
            vec![Some(times_derivative(g, &x, &y_saved, &df))]
        })
    }

    /// `-self`.
    pub fn neg(&self) -> Tensor {
        self.unary("neg", |x| -x, |_, _| -1.0)
    }

    /// `self + c` for a number `c`.
    pub fn add_scalar(&self, c: f32) -> Tensor {
        self.unary("add_scalar", move |x| x + c, |_, _| 1.0)
    }

    /// `self · c` for a number `c`.
    pub fn scale(&self, c: f32) -> Tensor {
        self.unary("scale", move |x| x * c, move |_, _| c)
    }

    /// `x^p` for each element. d/dx = p·x^(p-1).
    pub fn powf(&self, p: f32) -> Tensor {
        self.unary("powf", move |x| x.powf(p), move |x, _| p * x.powf(p - 1.0))
    }

    /// `e^x`. d/dx = e^x, the output itself.
    pub fn exp(&self) -> Tensor {
        if engine() == Engine::Fast {
            return self.vectorised("exp", fast::math::exp_in_place, |y| y);
        }
        self.unary("exp", f32::exp, |_, y| y)
    }

    /// Natural logarithm. d/dx = 1/x.
    pub fn log(&self) -> Tensor {
        self.unary("log", f32::ln, |x, _| 1.0 / x)
    }

    /// Square root. d/dx = 1/(2·√x).
    pub fn sqrt(&self) -> Tensor {
        self.unary("sqrt", f32::sqrt, |_, y| 0.5 / y)
    }

    /// Hyperbolic tangent. d/dx = 1 - tanh²(x).
    pub fn tanh(&self) -> Tensor {
        if engine() == Engine::Fast {
            return self.vectorised("tanh", fast::math::tanh_in_place, |y| 1.0 - y * y);
        }
        self.unary("tanh", f32::tanh, |_, y| 1.0 - y * y)
    }

    /// The fast engine's version of a unary op whose derivative is a function of its
    /// output (`exp`, `tanh`, `sigmoid`): `f` over runs of numbers, vectorised in
    /// `fast/math.rs`, reading any layout (a `narrow` of an LSTM's gates, say); backward
    /// `g · df(y)`, likewise. Only the output is kept for the backward pass.
    fn vectorised(&self, name: &'static str, f: fn(&mut [f32]), df: fn(f32) -> f32) -> Tensor {
        let y = fast::elementwise::map_in_place(&self.value(), f).into_shared();
        let y_saved = y.clone();
        Tensor::from_op_shared(name, y, &[self], move |g, _| {
            vec![Some(fast::elementwise::zip_in_place(
                g,
                &y_saved,
                |g, y| {
                    fast::math::times_function_of(g, y, df);
                },
            ))]
        })
    }

    /// The logistic function 1/(1+e^-x). d/dx = σ(x)(1 - σ(x)).
    pub fn sigmoid(&self) -> Tensor {
        if engine() == Engine::Fast {
            return self.vectorised("sigmoid", fast::math::sigmoid_in_place, |y| y * (1.0 - y));
        }
        self.unary("sigmoid", sigmoid, |_, y| y * (1.0 - y))
    }

    /// `max(x, 0)`. d/dx = 1 where x > 0, else 0 (0 at the kink itself).
    pub fn relu(&self) -> Tensor {
        self.unary(
            "relu",
            |x| x.max(0.0),
            |x, _| if x > 0.0 { 1.0 } else { 0.0 },
        )
    }

    /// Leaky ReLU: `x` where `x > 0`, else `slope·x` (a GAN's discriminator uses 0.2, so
    /// that a unit that is off still passes some gradient back to the generator).
    /// d/dx = 1 where x > 0, else `slope`.
    pub fn leaky_relu(&self, slope: f32) -> Tensor {
        self.unary(
            "leaky_relu",
            move |x| if x > 0.0 { x } else { slope * x },
            move |x, _| if x > 0.0 { 1.0 } else { slope },
        )
    }

    /// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (as in GPT-2).
    /// (The fast engine computes it with `fast/math.rs`'s vectorised `exp`.)
    pub fn gelu(&self) -> Tensor {
        if engine() == Engine::Fast {
            let x = self.value();
            let y = fast::elementwise::map_in_place(&x, fast::math::gelu_in_place);
            return Tensor::from_op("gelu", y, &[self], move |g, _| {
                vec![Some(fast::elementwise::zip_in_place(
                    g,
                    &x,
                    fast::math::times_gelu_derivative,
                ))]
            });
        }
        self.unary("gelu", gelu, |x, _| gelu_derivative(x))
    }
}

fn sigmoid(x: f32) -> f32 {
    // For very negative x, e^-x overflows; 1/(1+inf) is 0, which is the right answer.
    1.0 / (1.0 + (-x).exp())
}

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_C: f32 = 0.044_715;

// GELU's tanh form rewritten with the identity 0.5·(1 + tanh(u)) = σ(2u): the same
// function, but the C library's `expf` (inside σ) costs a few nanoseconds where its
// `tanhf` costs 20 to 30 here, and a transformer's MLP takes millions of them per step.
fn gelu(x: f32) -> f32 {
    x * sigmoid(2.0 * SQRT_2_OVER_PI * (x + GELU_C * x * x * x))
}

/// d/dx of `gelu`: with u = √(2/π)(x + c·x³) and s = σ(2u),
/// `s + x·2s(1 - s)·√(2/π)(1 + 3c·x²)`.
fn gelu_derivative(x: f32) -> f32 {
    let s = sigmoid(2.0 * SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
    let ds = s * (1.0 - s);
    if ds == 0.0 {
        return s; // far out, where du/dx may overflow and 0·∞ would make a NaN
    }
    s + 2.0 * x * ds * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x)
}

// `a + b`, `&a * &b`, `a - 2.0`, `-a`: the operators call the methods above.
macro_rules! binary_operator {
    ($trait:ident, $method:ident) => {
        impl std::ops::$trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$method(self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$method(&self, &rhs)
            }
        }
        impl std::ops::$trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$method(&self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$method(self, &rhs)
            }
        }
    };
}
binary_operator!(Add, add);
binary_operator!(Sub, sub);
binary_operator!(Mul, mul);
binary_operator!(Div, div);

macro_rules! scalar_operator {
    ($trait:ident, $method:ident, |$t:ident, $c:ident| $body:expr) => {
        impl std::ops::$trait<f32> for &Tensor {
            type Output = Tensor;
            fn $method(self, $c: f32) -> Tensor {
                let $t = self;
                $body
            }
        }
        impl std::ops::$trait<f32> for Tensor {
            type Output = Tensor;
            fn $method(self, $c: f32) -> Tensor {
                let $t = &self;
                $body
            }
        }
    };
}
scalar_operator!(Add, add, |t, c| t.add_scalar(c));
scalar_operator!(Sub, sub, |t, c| t.add_scalar(-c));
scalar_operator!(Mul, mul, |t, c| t.scale(c));
scalar_operator!(Div, div, |t, c| t.scale(1.0 / c));

impl std::ops::Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}
impl std::ops::Neg for Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_through_the_sigmoid_is_the_tanh_form_of_gpt2() {
        for i in -4000..=4000 {
            let x = i as f32 / 400.0; // -10 to 10
            let x64 = f64::from(x);
            let u = 0.797_884_560_802_865_4 * (x64 + 0.044_715 * x64.powi(3));
            let want = 0.5 * x64 * (1.0 + u.tanh());
            let got = f64::from(gelu(x));
            assert!(
                (got - want).abs() <= 1e-6 * (1.0 + want.abs()),
                "gelu({x}) = {got}, want {want}"
            );
        }
        for x in [-1e30f32, -1e13, -100.0, 100.0, 1e13, 1e30] {
            assert!(
                gelu(x).is_finite() && gelu_derivative(x).is_finite(),
                "gelu at {x}"
            );
        }
        assert_eq!((gelu(-100.0), gelu(100.0)), (0.0, 100.0));
    }
}
