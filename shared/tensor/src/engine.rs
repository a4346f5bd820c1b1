//! Two engines run the same ops. The **reference** engine is the code in `ops/`: each op
//! written plainly, on one thread, to be read top to bottom (it is what the book shows). The
//! **fast** engine, the default, swaps in the versions in `fast/` where speed needs them
//! (convolutions, pooling, matrix multiply, large elementwise ops), with the same signatures
//! and the same results up to rounding; every other op is shared by both.
//!
//! Each op that has a fast version hands over to it in its first line, when
//! [`engine()`] says so. The switch is [`set_engine`] or the environment variable
//! `SMALLNETS_ENGINE` (`reference` or `fast`), so any program can be timed on both:
//! `SMALLNETS_ENGINE=reference cargo run --release --bin 05-cnn`.

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

/// Which version of the ops runs: see [the crate documentation](crate#two-engines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The plain versions in `src/ops/`: one thread, written to be read.
    Reference,
    /// The versions in `src/fast/` where there is one (the default): several threads, and
    /// convolutions built a block of images at a time (`FAST.md` explains them).
    Fast,
}

/// The environment variable that picks the engine when [`set_engine`] was not called.
pub const ENGINE_VARIABLE: &str = "SMALLNETS_ENGINE";

/// The program's engine: 0 until decided, then 1 (reference) or 2 (fast).
static ENGINE: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// This thread's engine inside [`with_engine`], which overrides the program's.
    static OVERRIDE: Cell<Option<Engine>> = const { Cell::new(None) };
}

/// Runs every op of this program on `engine` from now on (a project's choice; the
/// environment variable `SMALLNETS_ENGINE` is then not read).
pub fn set_engine(engine: Engine) {
    ENGINE.store(engine as u8 + 1, Ordering::Relaxed);
}

/// The engine ops on this thread run on: the one given to [`with_engine`] inside it, else
/// the one given to [`set_engine`], else `SMALLNETS_ENGINE`, else [`Engine::Fast`].
///
/// # Panics
/// If `SMALLNETS_ENGINE` is set to anything but `reference` or `fast`; the message names the
/// variable, its value and the values it may take.
#[track_caller]
pub fn engine() -> Engine {
    if let Some(engine) = OVERRIDE.with(Cell::get) {
        return engine;
    }
    match ENGINE.load(Ordering::Relaxed) {
        1 => Engine::Reference,
        2 => Engine::Fast,
        _ => {
            let value = std::env::var_os(ENGINE_VARIABLE);
            let engine = engine_from_variable(value.as_deref()).unwrap_or_else(|e| panic!("{e}"));
            set_engine(engine);
            engine
        }
    }
}

/// Runs `f` with the ops on this thread on `engine`, whatever the program's engine, then
/// puts things back (even if `f` panics). For tests and benchmarks that compare the two
/// engines in one program: unlike [`set_engine`], it changes nothing on other threads.
pub fn with_engine<R>(engine: Engine, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Engine>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(Some(engine))));
    f()
}

/// The engine `SMALLNETS_ENGINE` asks for: fast if it is not set.
///
/// # Errors
/// If it is set to anything else than `reference` or `fast` (spaces around are ignored).
pub(crate) fn engine_from_variable(value: Option<&std::ffi::OsStr>) -> Result<Engine, String> {
    let Some(value) = value else {
        return Ok(Engine::Fast);
    };
    match value.to_str().map(str::trim) {
        Some("reference") => Ok(Engine::Reference),
        Some("fast") => Ok(Engine::Fast),
        _ => Err(format!(
            "the environment variable {ENGINE_VARIABLE} is {value:?}; set it to `reference` \
             (the plain ops the book shows) or `fast` (the default), or unset it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_variable_takes_reference_or_fast_and_names_itself_otherwise() {
        let read = |v: Option<&str>| engine_from_variable(v.map(OsStr::new));
        assert_eq!(read(None), Ok(Engine::Fast));
        assert_eq!(read(Some("reference")), Ok(Engine::Reference));
        assert_eq!(read(Some(" fast\n")), Ok(Engine::Fast));
        for bad in ["", "Fast", "turbo", "ref"] {
            let e = read(Some(bad)).unwrap_err();
            assert!(
                e.contains("SMALLNETS_ENGINE") && e.contains("`reference`") && e.contains("`fast`"),
                "{e}"
            );
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn with_engine_overrides_this_thread_only_and_restores_after_a_panic() {
        let outer = engine();
        let inner = with_engine(Engine::Reference, || {
            let other = std::thread::spawn(engine).join().unwrap();
            (engine(), other)
        });
        assert_eq!(inner, (Engine::Reference, outer));
        let caught = std::panic::catch_unwind(|| {
            with_engine(Engine::Reference, || panic!("inside"));
        });
        assert!(caught.is_err());
        assert_eq!(engine(), outer);
        assert_eq!(
            with_engine(Engine::Reference, || with_engine(Engine::Fast, engine)),
            Engine::Fast
        );
    }
}
