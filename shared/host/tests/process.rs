//! The parts of `host` that change the whole process, tested in a program of their own with
//! one thread (no test harness: see `[[test]]` in Cargo.toml). Each check prints a line;
//! a failed one panics, which fails `cargo test`.

use std::path::Path;

fn main() {
    // First, while this is the only thread, as in a project's `main`.
    the_allocator_setting_applies_on_one_thread_only();
    a_malformed_variable_is_an_error_and_the_flag_wins();
    use_threads_applies_the_count_to_every_backend();
    a_bare_file_name_is_written_in_the_current_folder();
    println!("host process checks: 4 passed");
}

fn the_allocator_setting_applies_on_one_thread_only() {
    let on_one_thread = host::memory::keep_freed_memory();
    let on_two_threads = std::thread::scope(|scope| {
        let worker = scope.spawn(|| std::thread::park_timeout(std::time::Duration::from_secs(5)));
        let applied = host::memory::keep_freed_memory();
        worker.thread().unpark();
        applied
    });
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        assert!(
            on_one_thread,
            "mallopt should apply while main is the only thread"
        );
    }
    assert!(
        !on_two_threads,
        "mallopt must not run while another thread exists"
    );
    println!("ok: keep_freed_memory applies on one thread ({on_one_thread}), not on two");
}

fn a_malformed_variable_is_an_error_and_the_flag_wins() {
    std::env::set_var("SMALLNETS_THREADS", "many");
    let error = host::threads::resolve(None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the environment variable SMALLNETS_THREADS is \"many\"; set it to a whole number of \
         threads from 1 up, or unset it to use every core"
    );
    assert_eq!(host::threads::resolve(Some(3)), Ok(3), "the flag wins");
    // Library code run without a command line (a test, an example) stops with the same words.
    std::panic::set_hook(Box::new(|_| {})); // the message is checked below, not printed
    let panic = std::panic::catch_unwind(host::threads::current).unwrap_err();
    let _ = std::panic::take_hook();
    let message = panic
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert_eq!(message, &error.to_string());

    std::env::set_var("SMALLNETS_THREADS", "3");
    assert_eq!(host::threads::resolve(None), Ok(3));
    std::env::remove_var("SMALLNETS_THREADS");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(host::threads::resolve(None), Ok(cores));
    println!("ok: SMALLNETS_THREADS=many is an error unless --threads is given");
}

fn use_threads_applies_the_count_to_every_backend() {
    host::threads::use_threads(3);
    assert_eq!(host::threads::current(), 3);
    assert_eq!(std::env::var("MATMUL_NUM_THREADS").as_deref(), Ok("3"));
    host::threads::use_threads(1);
    assert_eq!(host::threads::current(), 1);
    println!("ok: use_threads sets the tensor ops' count and MATMUL_NUM_THREADS");
}

fn a_bare_file_name_is_written_in_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    host::files::write_atomic(Path::new("metrics.md"), b"| metric | value |").unwrap();
    let names: Vec<_> = std::fs::read_dir(".")
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["metrics.md"]);
    assert_eq!(std::fs::read("metrics.md").unwrap(), b"| metric | value |");
    std::env::set_current_dir("/").unwrap();
    println!("ok: a bare file name is written atomically in the current folder");
}
