//! The harness sees each kind of finding (a fuzzer that cannot see a panic reports zero
//! panics forever), and every parser survives a short run of its own.

use std::process::{Command, Output};

fn fuzz(args: &[&str]) -> Output {
    let findings = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_fuzz"))
        .args(args)
        .arg("--findings")
        .arg(findings.path())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_panic_is_a_finding_with_its_replay_command() {
    let output = fuzz(&["selftest-panic", "--inputs", "3"]);
    let text = text(&output);
    println!("{text}");
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("FINDING selftest-panic input 2"), "{text}");
    assert!(text.contains("a deliberate panic"), "{text}");
    assert!(text.contains("--only 2"), "{text}");
}

#[test]
fn an_allocation_over_a_gibibyte_stops_the_run_before_it_is_made() {
    let output = fuzz(&["selftest-alloc", "--inputs", "3"]);
    let text = text(&output);
    println!("{text}");
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("FINDING (allocation): input 0"), "{text}");
    assert!(text.contains("--only 0"), "{text}");
}

#[test]
fn an_input_slower_than_a_second_is_a_finding() {
    let output = fuzz(&["selftest-slow", "--inputs", "1"]);
    let text = text(&output);
    println!("{text}");
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("slow: 1."), "{text}");
}

#[test]
fn every_parser_survives_a_short_run_and_lists_how_inputs_ended() {
    let output = fuzz(&["all", "--inputs", "300"]);
    let text = text(&output);
    println!("{text}");
    assert!(output.status.success(), "{text}");
    for parser in [
        "idx",
        "csv",
        "text",
        "digit",
        "checkpoint",
        "charlm",
        "charmodel",
        "gan",
    ] {
        assert!(
            text.contains(&format!("| {parser} | 300 | 0 |")),
            "{parser}: {text}"
        );
    }
    // The inputs get past the first check: some of each kind parse.
    assert!(text.contains("images: ok"), "{text}");
    assert!(text.contains("digit: ok"), "{text}");
    assert!(text.contains("resume: ok"), "{text}");
    assert!(text.contains("game: ok"), "{text}");
    for project in ["07", "08", "09"] {
        assert!(text.contains(&format!("{project}: ok")), "{text}");
    }
}

#[test]
fn the_same_seed_makes_the_same_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for file in [&a, &b] {
        let output = fuzz(&["idx", "--only", "77", "--save", file.to_str().unwrap()]);
        assert!(output.status.success(), "{}", text(&output));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}
