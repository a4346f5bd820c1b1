//! The partner thread: one thread beside the caller that stays awake for a moment after each
//! job, for work that comes in quick succession and in pieces too small to wait for a
//! sleeping thread: the halves of a recurrent step's matrix products
//! (`fast::matmul::gemm_halves`) and of its elementwise ops (`fast::elementwise::in_pieces`
//! and `collect_values`), one time step after another.
//!
//! rayon's workers fall asleep within microseconds of running out of work, and waking one
//! (a futex call, then the scheduler) took about as long as half of such a product:
//! handing it half gained nothing (measured, see `fast::matmul::SHARED_FROM_MADDS`). The
//! partner stays awake for [`SPIN`] after each job before it sleeps, so the next step's
//! product finds it awake. While it waits it yields its core (`sched_yield`) rather than
//! spinning on it, so that rayon's worker or another program with work gets the core at
//! once: a pure spin measured about 30% more CPU time than the yielding wait for the same
//! step, and ran slower on this shared machine.
//!
//! One caller at a time: [`join`] from a second thread while the partner is in use runs both
//! parts on that thread (tests run on several threads at once). The partner starts at the
//! first [`join`] and lives as long as the process.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const IDLE: u8 = 0;
const POSTED: u8 = 1;
const TAKEN: u8 = 2;
const DONE: u8 = 3;

/// How long the partner waits awake for its next job before it sleeps: longer than the gap
/// between two of an LSTM step's products (the gates' elementwise ops, tens of µs).
const SPIN: Duration = Duration::from_micros(200);

/// The job's closure, its lifetime erased: [`join`] does not return (nor unwind) until the
/// partner is done with it.
type Job = *const (dyn Fn() + Sync);

/// The partner's state. `state` goes IDLE → POSTED (the caller wrote `job`) → TAKEN (the
/// partner runs it) → DONE → IDLE (the caller saw it done), or POSTED → IDLE when the caller
/// took the job back before the partner did. `busy` is held by the one caller using it.
struct Partner {
    busy: AtomicBool,
    state: AtomicU8,
    job: UnsafeCell<Option<Job>>,
    asleep: AtomicBool,
    panicked: AtomicBool,
    thread: OnceLock<std::thread::Thread>,
}

// SAFETY: `job` is written only by the thread holding `busy` while `state` is IDLE, and read
// by the partner only after it sees POSTED (release/acquire through `state`).
#[allow(unsafe_code)]
unsafe impl Sync for Partner {}
#[allow(unsafe_code)]
unsafe impl Send for Partner {}

fn partner() -> &'static Partner {
    static PARTNER: OnceLock<&'static Partner> = OnceLock::new();
    PARTNER.get_or_init(|| {
        let p: &'static Partner = Box::leak(Box::new(Partner {
            busy: AtomicBool::new(false),
            state: AtomicU8::new(IDLE),
            job: UnsafeCell::new(None),
            asleep: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            thread: OnceLock::new(),
        }));
        let handle = std::thread::Builder::new()
            .name("tensor-partner".into())
            .spawn(move || work(p))
            .expect("spawn the partner thread");
        let _ = p.thread.set(handle.thread().clone());
        p
    })
}

#[allow(unsafe_code)]
fn work(p: &'static Partner) -> ! {
    loop {
        let mut since = Instant::now();
        let mut spins = 0u32;
        while p.state.load(Ordering::Acquire) != POSTED {
            // Yield rather than spin: a thread with work (rayon's worker, another program)
            // gets the core at once; with none, the call returns in about a microsecond.
            std::thread::yield_now();
            spins += 1;
            if spins % 8 == 0 && since.elapsed() > SPIN {
                p.asleep.store(true, Ordering::SeqCst);
                if p.state.load(Ordering::SeqCst) != POSTED {
                    std::thread::park();
                }
                p.asleep.store(false, Ordering::SeqCst);
                since = Instant::now();
            }
        }
        if p.state
            .compare_exchange(POSTED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            // SAFETY: the poster wrote the job before POSTED and keeps it alive until DONE.
            let job = unsafe { (*p.job.get()).expect("a posted job") };
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { (*job)() }))
                .is_ok();
            if !ok {
                p.panicked.store(true, Ordering::Relaxed);
            }
            p.state.store(DONE, Ordering::Release);
        }
    }
}

/// Runs `a` on this thread and `b` on the partner thread if it takes it before `a` is done,
/// else `b` on this thread too. Returns once both are done; a panic in `b` on the partner is
/// raised here.
#[allow(unsafe_code)]
pub(crate) fn join(a: impl FnOnce(), b: impl Fn() + Sync) {
    let p = partner();
    if p.busy.swap(true, Ordering::Acquire) {
        a();
        b();
        return;
    }
    let b_ref: &(dyn Fn() + Sync) = &b;
    // SAFETY: the lifetime is erased, but `Finish` below (also on unwinding) does not return
    // until the partner is done with `b` or has not taken it.
    let job: Job = unsafe { std::mem::transmute::<&(dyn Fn() + Sync), Job>(b_ref) };
    unsafe { *p.job.get() = Some(job) };
    p.state.store(POSTED, Ordering::SeqCst);
    if p.asleep.load(Ordering::SeqCst) {
        if let Some(t) = p.thread.get() {
            t.unpark();
        }
    }
    // Waits for the partner (or takes `b` back): on return, and also if `a` panics.
    struct Finish<'a>(&'a Partner, Option<bool>);
    impl Finish<'_> {
        /// True if the partner ran `b`, false if it never took it.
        fn wait(&mut self) -> bool {
            let p = self.0;
            let ran = *self.1.get_or_insert_with(|| {
                if p.state
                    .compare_exchange(POSTED, IDLE, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return false;
                }
                // The partner is running `b`, about as long as `a` took: spin, and now and
                // then yield, so a partner the scheduler put aside gets this core back.
                let mut spins = 0u32;
                while p.state.load(Ordering::Acquire) != DONE {
                    spins = spins.wrapping_add(1);
                    if spins % 256 == 0 {
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
                p.state.store(IDLE, Ordering::Release);
                true
            });
            ran
        }
    }
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.wait();
            if std::thread::panicking() {
                self.0.panicked.store(false, Ordering::Relaxed); // `a` panicked: that one wins
            }
            self.0.busy.store(false, Ordering::Release);
        }
    }
    let mut finish = Finish(p, None);
    a();
    let ran = finish.wait();
    let panicked = p.panicked.swap(false, Ordering::Relaxed);
    if !ran {
        b();
    }
    drop(finish);
    assert!(!panicked, "a job on the partner thread panicked");
}

/// [`join`] for a second job that needs something of its own, moved to whichever thread runs
/// it: the second half of an output, `b(second)`, run once, on the partner or on this thread.
pub(crate) fn join_owned<T: Send>(a: impl FnOnce(), second: T, b: impl Fn(T) + Sync) {
    let second = std::sync::Mutex::new(Some(second));
    join(a, || {
        if let Some(second) = second.lock().expect("not poisoned").take() {
            b(second);
        }
    });
}

/// Where a run of `len` items is cut in two for the partner: halfway, rounded up to a
/// multiple of 64, so that a vectorised loop takes each item in the same kind of lane as it
/// does over the whole run (and a product's halves keep whole blocks of the GEMM's kernels).
pub(crate) fn halfway(len: usize) -> usize {
    ((len / 2).div_ceil(64) * 64).min(len)
}
