//! How tensors' buffers are allocated: once per op output, freed soon after.

/// Asks the C allocator to keep freed memory for reuse. A tensor op allocates its output
/// (megabytes for a batch of feature maps) and frees its inputs' buffers soon after; by default
/// glibc serves such large blocks with mmap and hands them back to the operating system on
/// free, so the next step page-faults the same memory in again, which took 15% of a CNN
/// training step here. Raising both thresholds makes glibc reuse the blocks instead; peak
/// memory is unchanged. Every training run calls this first (`run::Session::start` does), and
/// so do this crate's benchmarks.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // a documented glibc call with constant arguments
pub fn keep_freed_memory() {
    // Older glibc versions refuse an mmap threshold above 32 MiB on 64-bit systems (and keep
    // their default), so ask for 32 MiB; blocks above it are rare and big enough to map afresh.
    const MMAP_THRESHOLD: libc::c_int = 32 << 20;
    const TRIM_THRESHOLD: libc::c_int = 256 << 20;
    // SAFETY: mallopt only changes allocator parameters; it is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

/// Does nothing on other platforms, whose allocators have their own policies.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
