//! Dependencies point down: what every project links (`run`, and `host` under it) pulls in
//! nothing numeric, so chapter 1's perceptron does not build a matrix-multiply kernel or a
//! thread pool it never uses.

use std::process::Command;
use workspace_checks::workspace_root;

/// Crates that only the tensor engine needs; a name matches itself and `name-*`.
const NUMERIC: [&str; 4] = ["tensor", "nn", "gemm", "rayon"];

/// The names of every package `package` depends on (normal dependencies, transitively, on
/// this machine's platform), as `cargo tree` resolves them from Cargo.lock, offline.
fn dependencies_of(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["tree", "--offline", "--locked", "--edges", "normal"])
        .args(["--prefix", "none", "--format", "{p}", "--package", package])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo tree --package {package}` failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn run_and_host_link_no_tensor_gemm_or_rayon() {
    for package in ["host", "run"] {
        let names = dependencies_of(package);
        assert!(
            names.iter().any(|name| name == package),
            "cargo tree listed nothing for {package}: {names:?}"
        );
        let numeric: Vec<&String> = names
            .iter()
            .filter(|name| {
                NUMERIC.iter().any(|crate_name| {
                    *name == crate_name || name.starts_with(&format!("{crate_name}-"))
                })
            })
            .collect();
        assert!(
            numeric.is_empty(),
            "{package} depends on {numeric:?} (see `cargo tree -p {package} -i <name>`); every \
             project links {package}, so it must stay free of the tensor engine's crates"
        );
    }
}
