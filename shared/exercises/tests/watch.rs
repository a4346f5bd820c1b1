//! `cargo exercises watch`, driven as a learner would drive it: in a pseudo-terminal, on a
//! small workspace made for the test (one project, two exercises), with edits to the
//! exercise files while it runs. What the screen shows is read through a terminal emulator,
//! so the checks see what a person would see after each redraw.

use portable_pty::{CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Generous: a check builds the small project with cargo, which may first wait for other
/// builds on a busy machine.
const STEP_TIMEOUT: Duration = Duration::from_secs(600);

const ROWS: u16 = 50;
const COLUMNS: u16 = 160;

/// A workspace like smallnets in miniature: `projects/01-demo`, package `demo`, whose
/// exercises `double` and `halve` switch in through the real `exercise-switch` crate.
fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let switch = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exercise-switch");
    let switch = switch.canonicalize().unwrap();
    let files = [
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"projects/*\"]\nresolver = \"2\"\n".to_owned(),
        ),
        (
            "projects/01-demo/Cargo.toml",
            format!(
                "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[features]\nlearner = []\n\n[build-dependencies]\n\
                 exercise-switch = {{ path = {:?} }}\n",
                switch.display().to_string()
            ),
        ),
        (
            "projects/01-demo/build.rs",
            "fn main() {\n    exercise_switch::configure();\n}\n".to_owned(),
        ),
        (
            "projects/01-demo/src/lib.rs",
            "include!(concat!(env!(\"OUT_DIR\"), \"/your_functions.rs\"));\n\
             #[cfg_attr(yours_double, path = \"../exercises/double.rs\")]\n\
             #[cfg_attr(not(yours_double), path = \"../solutions/double.rs\")]\n\
             mod double;\n\
             #[cfg_attr(yours_halve, path = \"../exercises/halve.rs\")]\n\
             #[cfg_attr(not(yours_halve), path = \"../solutions/halve.rs\")]\n\
             mod halve;\n\
             pub use double::double;\npub use halve::halve;\n"
                .to_owned(),
        ),
        (
            "projects/01-demo/exercises/exercises.toml",
            "[[exercise]]\nname = \"double\"\nhint = \"HINT-DOUBLE: add the input to itself.\"\n\n\
             [[exercise]]\nname = \"halve\"\nhint = \"\"\"\nHINT-HALVE: the other way.\"\"\"\n"
                .to_owned(),
        ),
        // A first try at `double` with a mistake in it; `halve` not started.
        (
            "projects/01-demo/exercises/double.rs",
            "pub fn double(x: f32) -> f32 {\n    x * 3.0\n}\n".to_owned(),
        ),
        (
            "projects/01-demo/exercises/halve.rs",
            "#[allow(unused_variables)]\npub fn halve(x: f32) -> f32 {\n    todo!(\"halve\")\n}\n"
                .to_owned(),
        ),
        (
            "projects/01-demo/solutions/double.rs",
            "pub fn double(x: f32) -> f32 {\n    x + x\n}\n".to_owned(),
        ),
        (
            "projects/01-demo/solutions/halve.rs",
            "pub fn halve(x: f32) -> f32 {\n    x / 2.0\n}\n".to_owned(),
        ),
        (
            "projects/01-demo/tests/exercises.rs",
            "mod double {\n    #[test]\n    fn two_doubled_is_four() {\n        \
             assert_eq!(demo::double(2.0), 4.0, \"double(2.0) should be 4.0, twice its input\");\n    \
             }\n}\n\nmod halve {\n    #[test]\n    fn four_halved_is_two() {\n        \
             assert_eq!(demo::halve(4.0), 2.0);\n    }\n}\n"
                .to_owned(),
        ),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The watch screen running in a pseudo-terminal, and the screen as a terminal shows it.
struct Watch {
    screen: Arc<Mutex<vt100::Parser>>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Watch {
    fn start(workspace: &Path, target: &Path) -> Self {
        let pty = portable_pty::native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLUMNS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_exercises"));
        command.arg("watch");
        command.cwd(workspace);
        command.env("CARGO_TARGET_DIR", target);
        command.env_remove("SMALLNETS_EXERCISES");
        let child = pty.slave.spawn_command(command).unwrap();
        drop(pty.slave);
        let size = |n| std::num::NonZeroU16::new(n).unwrap();
        let parser = vt100::Parser::new(size(ROWS), size(COLUMNS), 0);
        let screen = Arc::new(Mutex::new(parser));
        let mut output = pty.master.try_clone_reader().unwrap();
        let shown = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = output.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().process(&buffer[..n]);
            }
        });
        let keys = pty.master.take_writer().unwrap();
        // The master must outlive the child's use of the terminal: keep it open for the test.
        std::mem::forget(pty.master);
        Self {
            screen,
            keys,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen satisfies `ready`, and returns it.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let contents = self.contents();
            if ready(&contents) {
                return contents;
            }
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "the watch screen never showed {what}; it shows:\n{contents}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn press(&mut self, key: &str) {
        self.keys.write_all(key.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }
}

fn write(workspace: &Path, file: &str, text: &str) {
    std::fs::write(
        workspace.join("projects/01-demo/exercises").join(file),
        text,
    )
    .unwrap();
}

#[test]
fn the_watch_screen_shows_a_failing_assertion_a_compile_error_and_moves_on() {
    let workspace = demo_workspace();
    let root: PathBuf = workspace.path().to_owned();
    let target = root.join("target");
    let mut watch = Watch::start(&root, &target);

    // A failing assertion: the test's name, its message and the values, the file, the bar.
    let screen = watch.wait_for("the failing assertion of double", |s| {
        s.contains("double(2.0) should be 4.0, twice its input") && s.contains("watching")
    });
    for shown in [
        "1 of 1 tests fail.",
        "double::two_doubled_is_four",
        "left: 6.0",
        "right: 4.0",
        "Current exercise: 01-demo/double  (projects/01-demo/exercises/double.rs)",
        "Progress: [",
        "0/2 exercises done",
        "h: hint",
    ] {
        assert!(
            screen.contains(shown),
            "no {shown:?} on the screen:\n{screen}"
        );
    }
    assert!(
        !screen.contains("HINT-DOUBLE"),
        "the hint shows only on h:\n{screen}"
    );
    watch.press("h");
    watch.wait_for("the hint after h", |s| {
        s.contains("HINT-DOUBLE: add the input to itself.")
    });

    // A compile error in double.rs: shown in full, with the line that matters; halve, which
    // compiles, is not marked as failing but as not checked.
    write(
        &root,
        "double.rs",
        "pub fn double(x: f32) -> f32 {\n    x > 0.0\n}\n",
    );
    let screen = watch.wait_for("the compile error", |s| {
        s.contains("expected `f32`, found `bool`") && s.contains("watching")
    });
    assert!(
        screen.contains("projects/01-demo/exercises/double.rs does not compile")
            && screen.contains("mismatched types")
            && screen.contains("x > 0.0"),
        "{screen}"
    );
    watch.press("l");
    let list = watch.wait_for("the list", |s| s.contains("All exercises"));
    let halve = list
        .lines()
        .find(|line| line.contains("halve.rs"))
        .unwrap_or_else(|| panic!("halve is not listed:\n{list}"));
    assert!(
        halve.contains("not checked: project does not compile"),
        "{halve}"
    );
    let double = list
        .lines()
        .find(|line| line.contains("double.rs"))
        .unwrap();
    assert!(
        double.contains("does not compile") && double.contains("<- current"),
        "{double}"
    );
    watch.press("l");

    // Fixed: double passes and the screen moves on to halve.
    write(
        &root,
        "double.rs",
        "pub fn double(x: f32) -> f32 {\n    2.0 * x\n}\n",
    );
    let screen = watch.wait_for("the move to halve", |s| {
        s.contains("Current exercise: 01-demo/halve") && s.contains("watching")
    });
    assert!(
        screen.contains("01-demo/double passes: on to 01-demo/halve")
            && screen.contains("1/2 exercises done")
            && screen.contains("still holds its todo!() stub")
            && !screen.contains("HINT-DOUBLE"),
        "{screen}"
    );

    // q quits, at once, with a clean exit.
    watch.press("q");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = watch.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "q did not quit:\n{}",
            watch.contents()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    watch.wait_for("the goodbye", |s| s.contains("Stopped watching"));
}
