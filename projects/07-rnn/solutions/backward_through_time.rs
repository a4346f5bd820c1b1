use crate::minimal::{Gradients, MinimalRnn, Unrolled};
use ndarray::{s, Array1, Array2, Axis, Zip};

// ANCHOR: backward_through_time
/// The gradient of a chunk's summed loss with respect to every parameter, from what the
/// forward pass kept (`pass.hs: [T + 1, H]`, row 0 the state carried in; `pass.probs:
/// [T, V]`). The hidden state carried in is treated as a constant: the gradient stops at
/// the chunk's start (that is what makes it *truncated* backpropagation through time).
pub fn backward_through_time(
    rnn: &MinimalRnn,
    inputs: &[u32],
    targets: &[u32],
    pass: &Unrolled,
) -> Gradients {
    let (steps, hidden) = (inputs.len(), rnn.hidden());
    let mut grads = Gradients::zeros(rnn.vocab(), hidden);

    // Softmax and cross-entropy together: ∂loss_t/∂y_t = p_t - onehot(target_t).
    let mut dy = pass.probs.clone(); // [T, V]
    for (t, &target) in targets.iter().enumerate() {
        dy[[t, target as usize]] -= 1.0;
    }
    // The output layer is applied to each step on its own, so its gradients are sums over
    // the steps: matrix products over the whole chunk.
    let hs = pass.hs.slice(s![1.., ..]); // h_1 .. h_T, [T, H]
    grads.w_hy = hs.t().dot(&dy); // [H, T]·[T, V] -> [H, V]
    grads.b_y = dy.sum_axis(Axis(0));
    let dh_from_output = dy.dot(&rnn.w_hy.t()); // [T, V]·[V, H] -> [T, H]

    // Backward through time: h_t fed both y_t and h_{t+1}, so its gradient is the sum of
    // what comes back from each. Walk the steps in reverse to have h_{t+1}'s first.
    let mut da = Array2::zeros((steps, hidden)); // ∂loss/∂a_t, a_t = the step's pre-activation
    let mut dh_next = Array1::zeros(hidden); // ∂loss/∂h_t through h_{t+1}
    for t in (0..steps).rev() {
        let dh = &dh_from_output.row(t) + &dh_next;
        // tanh'(a) = 1 - tanh(a)² = 1 - h_t².
        let mut da_t = da.row_mut(t);
        Zip::from(&mut da_t)
            .and(&dh)
            .and(pass.hs.row(t + 1))
            .for_each(|da, &dh, &h| *da = (1.0 - h * h) * dh);
        // a_t = ... + h_{t-1}·W_hh, so ∂loss/∂h_{t-1} = da_t·W_hhᵀ (= W_hh·da_t).
        dh_next = rnn.w_hh.dot(&da_t);
    }
    // W_hh and b_h are used at every step: their gradients sum over the steps.
    let h_before = pass.hs.slice(s![..steps, ..]); // h_0 .. h_{T-1}, [T, H]
    grads.w_hh = h_before.t().dot(&da); // [H, T]·[T, H] -> [H, H]
    grads.b_h = da.sum_axis(Axis(0));
    // Step t read row x_t of W_xh: that row gets da_t.
    for (t, &x) in inputs.iter().enumerate() {
        let mut row = grads.w_xh.row_mut(x as usize);
        row += &da.row(t);
    }
    grads
}
// ANCHOR_END: backward_through_time
