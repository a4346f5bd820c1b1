//! How the C allocator treats the memory a tensor program frees.

/// Asks the C allocator to keep freed memory for reuse, and says whether it could.
///
/// A tensor op allocates its output (megabytes for a batch of feature maps) and frees its
/// inputs' buffers soon after. By default glibc serves such large blocks with `mmap` and
/// hands them back to the operating system on `free`, so the next training step page-faults
/// the same memory in again, which took 15% of a CNN training step here. Raising glibc's two
/// thresholds makes it reuse the blocks instead; peak memory is unchanged.
///
/// glibc's `mallopt` is not thread-safe (its manual marks it MT-Unsafe: it changes settings
/// that `malloc` and `free` on other threads read without a lock), so this must run before
/// any other thread exists: first thing in `main`, which `run::Session::start` does. It
/// checks: if the process already has other threads, it changes nothing and returns `false`
/// (the program is then only slower). Elsewhere than Linux with glibc it does nothing and
/// returns `false`: other allocators have their own policies.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // one glibc call, with constant arguments, on a single-threaded process
pub fn keep_freed_memory() -> bool {
    if !is_the_only_thread() {
        return false;
    }
    // Older glibc versions refuse an mmap threshold above 32 MiB on 64-bit systems (and keep
    // their default), so ask for 32 MiB; blocks above it are rare and big enough to map afresh.
    const MMAP_THRESHOLD: libc::c_int = 32 << 20;
    const TRIM_THRESHOLD: libc::c_int = 256 << 20;
    // SAFETY: mallopt's arguments are valid constants (a value glibc refuses leaves its
    // setting unchanged and returns 0). Its one hazard is a data race with allocations on
    // other threads, and there are none: this process has a single thread (checked above),
    // and only that thread, which is here, could start another.
    let (mmap, trim) = unsafe {
        (
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        )
    };
    mmap == 1 && trim == 1
}

/// Does nothing on other platforms, whose allocators have their own policies.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() -> bool {
    false
}

/// True if this process has one thread, the caller's (Linux counts them in
/// `/proc/self/status`, on the line `Threads:`). False if it cannot tell.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn is_the_only_thread() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    let threads = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse::<usize>().ok());
    threads == Some(1)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn with_other_threads_running_it_changes_nothing() {
        // The test harness runs this test on a thread of its own, beside the main thread.
        assert!(!is_the_only_thread());
        assert!(!keep_freed_memory());
    }
}
