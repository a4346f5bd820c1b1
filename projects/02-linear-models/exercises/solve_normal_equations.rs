// Exercise 2 of chapter 2: least squares in closed form, by Cholesky's method. Its tests:
// `cargo exercises test solve_normal_equations`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

// ANCHOR: solve_normal_equations
/// Solves `A·v = c` for a symmetric positive definite `a: [d, d]` and `c: [d]` by Cholesky's
/// method: factor `A = L·Lᵀ` with `L` lower triangular, solve `L·u = c` from the top down,
/// then `Lᵀ·v = u` from the bottom up. Returns `None` if `A` is not positive definite, that
/// is if a pivot (the number whose square root goes on `L`'s diagonal) is at or below
/// `1e-10` times its diagonal entry of `A`, which allows for rounding.
pub fn solve_normal_equations(a: ArrayView2<f64>, c: ArrayView1<f64>) -> Option<Array1<f64>> {
    // TODO: L: [d, d], column by column: pivot = A[j][j] − Σ_{k<j} L[j][k]², and
    // L[j][j] = sqrt(pivot) (return None if the pivot is too small); below the diagonal,
    // L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j]. Then u: [d] from L·u = c,
    // and v: [d] from Lᵀ·v = u.
    todo!("solve_normal_equations: Cholesky factor, then two triangular solves")
}
// ANCHOR_END: solve_normal_equations
