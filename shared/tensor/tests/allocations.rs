//! Elementwise ops and reductions allocate their output and nothing of comparable size
//! besides: every byte asked of the allocator is counted, by a global allocator that wraps
//! the system's. (One test in this file, so no other test allocates meanwhile.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{ArrayD, IxDyn};
use tensor::Tensor;

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)] // a GlobalAlloc is an unsafe trait; this one only counts and forwards
                      // SAFETY: every call is passed unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted in full, not as the growth: an upper bound.
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by the system allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What `f` returns, and the bytes it asked the allocator for (on any thread).
fn allocated_by<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATED.load(Ordering::SeqCst);
    let result = f();
    (result, ALLOCATED.load(Ordering::SeqCst) - before)
}

/// The fewest bytes any of five calls of `f` asked for, and its last result. What an op
/// allocates is the same every call; a worker thread's first-use allocations (its job
/// queue, say), counted if they happen during a call, are not, and once seen do not recur.
fn fewest_allocated_by<R>(f: impl Fn() -> R) -> (R, usize) {
    let (mut result, mut fewest) = allocated_by(&f);
    for _ in 0..4 {
        let (again, bytes) = allocated_by(&f);
        (result, fewest) = (again, fewest.min(bytes));
    }
    (result, fewest)
}

/// Bookkeeping every op may allocate besides its output: the graph node, its list of
/// inputs, the backward closure, shapes. Far below any output measured here.
const SLACK: usize = 4096;

#[test]
fn elementwise_ops_and_reductions_allocate_only_their_outputs() {
    host::threads::use_threads(2);
    let shape = [64, 32, 64]; // 131,072 values: large enough to be split between threads
    let values = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
        (i[0] + 2 * i[1] + 3 * i[2]) as f32 * 0.01 - 1.0
    });
    let x = Tensor::param(values.clone());
    let y = Tensor::param(values.mapv(|v| v * 0.5 + 2.0));
    let bias = Tensor::param(ArrayD::from_elem(IxDyn(&[64]), 0.25));
    let full = 4 * values.len(); // bytes of an output as large as the input

    type Op<'a> = (&'a str, usize, Box<dyn Fn() -> Tensor + 'a>);
    let ops: Vec<Op> = vec![
        ("relu", full, Box::new(|| x.relu())),
        ("exp", full, Box::new(|| x.exp())),
        ("tanh", full, Box::new(|| x.tanh())),
        ("x + y", full, Box::new(|| &x + &y)),
        ("x * y", full, Box::new(|| &x * &y)),
        ("x + bias (broadcast)", full, Box::new(|| &x + &bias)),
        ("x * 3", full, Box::new(|| &x * 3.0)),
        (
            "sum over axis 0, keepdim",
            4 * 32 * 64,
            Box::new(|| x.sum_axes(&[0], true)),
        ),
        (
            "sum over axes 0 and 2",
            4 * 32,
            Box::new(|| x.sum_axes(&[0, 2], false)),
        ),
        (
            "mean over axis 2",
            4 * 64 * 32,
            Box::new(|| x.mean_axes(&[2], false)),
        ),
        ("sum of everything", 4, Box::new(|| x.sum())),
    ];
    for (name, output, op) in &ops {
        let (out, bytes) = fewest_allocated_by(op);
        assert_eq!(4 * out.len(), *output, "{name}: output size");
        assert!(
            bytes <= output + SLACK,
            "{name}: asked for {bytes} bytes to make a {output}-byte output"
        );
    }

    // Backward of a broadcast add: the bias's gradient is summed straight from the incoming
    // gradient into a [64] array; x's is that incoming gradient, passed on.
    let g = ArrayD::from_elem(IxDyn(&shape), 1.0f32);
    let (reduced, bytes) = fewest_allocated_by(|| tensor::reduce_to_shape(g.view(), &[64]));
    assert_eq!(reduced.shape(), &[64]);
    assert!(reduced.iter().all(|&v| v == (64 * 32) as f32));
    assert!(
        bytes <= 4 * 64 + SLACK,
        "reduce_to_shape: {bytes} bytes for 256"
    );
    let (_, bytes) = fewest_allocated_by(|| tensor::reduce_to_shape(g.clone(), &shape));
    assert!(
        bytes <= full + SLACK,
        "an unreduced gradient is moved, not copied again"
    );
}
