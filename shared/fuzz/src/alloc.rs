//! Counting every byte a parser asks for, and stopping it before it takes the machine.
//!
//! A damaged header that claims a billion images must be an error before anything is
//! allocated for them. This global allocator wraps the system's and keeps, for the input
//! being run, the largest single request and the most bytes held at once beyond what was
//! held when the input started. A request that would take either over [`LIMIT`] is refused
//! on the spot: the allocator says which input asked, where (a backtrace), and how to replay
//! it, and the process aborts. Memory is shared with other people's builds here, and an
//! allocation of terabytes ends in an abort anyway, without saying which input did it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The most one input may allocate at once, or hold at any moment: 1 GiB.
pub const LIMIT: usize = 1 << 30;

/// Bytes held right now, by everything in the process.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// `LIVE` when the current input started.
static BASELINE: AtomicUsize = AtomicUsize::new(0);
/// The most bytes held at once beyond `BASELINE` since the input started.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The largest single request since the input started.
static LARGEST: AtomicUsize = AtomicUsize::new(0);
/// True while an input runs: only then are requests checked against `LIMIT`.
static ARMED: AtomicBool = AtomicBool::new(false);
/// The number of the input being run, for the report.
static INPUT: AtomicU64 = AtomicU64::new(0);
/// How to replay input `{}`: set once, before the first input.
static REPLAY: OnceLock<String> = OnceLock::new();

/// The allocator the fuzzer installs (see `main.rs`).
pub struct Counting;

#[allow(unsafe_code)] // a GlobalAlloc is an unsafe trait; this one counts, checks and forwards
                      // SAFETY: every request that is not refused goes unchanged to the system allocator, and a
                      // refused one returns null, which callers of `alloc` must handle (and Rust's do, by aborting).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract for `alloc` is passed on as it is.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !admit_growth(new_size, new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if moved.is_null() {
            if new_size > old {
                LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
            }
        } else if new_size < old {
            LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
        }
        moved
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by the system allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Counts a new block of `size` bytes, or refuses it (after reporting) if it breaks a limit.
fn admit(size: usize) -> bool {
    admit_growth(size, size)
}

/// Counts `growth` more bytes held, in a request for a block of `size` bytes.
fn admit_growth(size: usize, growth: usize) -> bool {
    let live = LIVE.fetch_add(growth, Ordering::Relaxed) + growth;
    if !ARMED.load(Ordering::Relaxed) {
        return true;
    }
    let held = live.saturating_sub(BASELINE.load(Ordering::Relaxed));
    LARGEST.fetch_max(size, Ordering::Relaxed);
    PEAK.fetch_max(held, Ordering::Relaxed);
    if size > LIMIT {
        refuse(&format_args!("asked for {size} bytes in one allocation"));
    } else if held > LIMIT {
        refuse(&format_args!(
            "held {held} bytes at once (this request: {size})"
        ));
    }
    true
}

/// Reports the input that broke a limit, where, and how to replay it; then aborts.
fn refuse(what: &std::fmt::Arguments<'_>) -> ! {
    // Unchecked from here on: the report itself allocates a little.
    ARMED.store(false, Ordering::SeqCst);
    let input = INPUT.load(Ordering::SeqCst);
    let replay = REPLAY.get().map_or("", String::as_str);
    let backtrace = std::backtrace::Backtrace::force_capture();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nFINDING (allocation): input {input} {what}; the limit is {LIMIT} bytes (1 GiB).\n\
         where:\n{backtrace}\nreplay: {}",
        replay.replace("{}", &input.to_string())
    );
    std::process::abort()
}

/// Sets the replay command shown in reports; `{}` stands for the input's number.
pub fn set_replay_command(command: String) {
    let _ = REPLAY.set(command);
}

/// What one input allocated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// The largest single request, in bytes.
    pub largest: usize,
    /// The most bytes held at once beyond what was held before the input.
    pub peak: usize,
}

/// Runs `f` as input number `input`, checking its allocations; returns what it allocated.
pub fn watch<R>(input: u64, f: impl FnOnce() -> R) -> (R, Usage) {
    INPUT.store(input, Ordering::SeqCst);
    LARGEST.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    BASELINE.store(LIVE.load(Ordering::SeqCst), Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let result = f();
    ARMED.store(false, Ordering::SeqCst);
    let usage = Usage {
        largest: LARGEST.load(Ordering::SeqCst),
        peak: PEAK.load(Ordering::SeqCst),
    };
    (result, usage)
}
