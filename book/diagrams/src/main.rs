//! Writes the book's explanatory diagrams into `book/src/figures/diagrams/`:
//!
//! ```sh
//! cargo run -p book-diagrams            # or: cargo run -p book-diagrams -- OUT_DIR
//! ```
//!
//! The test `tests/committed.rs` fails when a committed diagram differs from what this draws.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src/figures/diagrams")
        });
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for (name, svg) in book_diagrams::all() {
        let path = out.join(name);
        // Write beside, then rename: a reader never sees half a diagram.
        let tmp = out.join(format!(".{name}.tmp"));
        if let Err(e) = std::fs::write(&tmp, svg).and_then(|()| std::fs::rename(&tmp, &path)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
