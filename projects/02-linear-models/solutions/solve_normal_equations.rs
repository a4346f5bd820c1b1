use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Solves `A·v = c` for a symmetric positive definite `a: [d, d]` and `c: [d]` by Cholesky's
/// method: factor `A = L·Lᵀ` with `L` lower triangular, solve `L·u = c` from the top down,
/// then `Lᵀ·v = u` from the bottom up. Returns `None` if `A` is not positive definite, that
/// is if a pivot (the number whose square root goes on `L`'s diagonal) is at or below
/// `1e-10` times its diagonal entry of `A`, which allows for rounding.
pub fn solve_normal_equations(a: ArrayView2<f64>, c: ArrayView1<f64>) -> Option<Array1<f64>> {
    let d = c.len();
    // L[j][j] = sqrt(A[j][j] − Σ_{k<j} L[j][k]²); L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j].
    let mut l = Array2::<f64>::zeros((d, d));
    for j in 0..d {
        let pivot = a[[j, j]] - (0..j).map(|k| l[[j, k]] * l[[j, k]]).sum::<f64>();
        if pivot.is_nan() || pivot <= 1e-10 * a[[j, j]].abs() {
            return None;
        }
        l[[j, j]] = pivot.sqrt();
        for i in j + 1..d {
            let dot: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            l[[i, j]] = (a[[i, j]] - dot) / l[[j, j]];
        }
    }
    // Forward substitution, L·u = c: row i needs only the u before it.
    let mut u = Array1::<f64>::zeros(d);
    for i in 0..d {
        let dot: f64 = (0..i).map(|k| l[[i, k]] * u[k]).sum();
        u[i] = (c[i] - dot) / l[[i, i]];
    }
    // Back substitution, Lᵀ·v = u: row i of Lᵀ is column i of L, and needs the v after it.
    let mut v = Array1::<f64>::zeros(d);
    for i in (0..d).rev() {
        let dot: f64 = (i + 1..d).map(|k| l[[k, i]] * v[k]).sum();
        v[i] = (u[i] - dot) / l[[i, i]];
    }
    Some(v)
}
