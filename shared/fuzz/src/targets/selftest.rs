//! Targets that fail on purpose, one per kind of finding, so that a test can check the
//! harness notices each (a fuzzer that cannot see a panic reports zero panics forever).

use super::{Outcome, Target};

/// What a self-test target does with every input.
#[derive(Clone, Copy)]
enum Failure {
    Panic,
    Allocate,
    Slow,
}

struct SelfTest {
    name: &'static str,
    failure: Failure,
    seeds: Vec<Vec<u8>>,
}

/// The self-test called `name`: `selftest-panic`, `selftest-alloc` or `selftest-slow`.
pub fn by_name(name: &str) -> Option<Box<dyn Target>> {
    let (name, failure) = match name {
        "selftest-panic" => ("selftest-panic", Failure::Panic),
        "selftest-alloc" => ("selftest-alloc", Failure::Allocate),
        "selftest-slow" => ("selftest-slow", Failure::Slow),
        _ => return None,
    };
    Some(Box::new(SelfTest {
        name,
        failure,
        seeds: vec![b"seed".to_vec()],
    }))
}

impl Target for SelfTest {
    fn name(&self) -> &'static str {
        self.name
    }

    fn describe(&self) -> &'static str {
        "a check of the harness itself: fails on every input"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        match self.failure {
            Failure::Panic => panic!("a deliberate panic on {} bytes", input.len()),
            Failure::Allocate => {
                // What a header claiming 2^31 images of 1 byte would make a parser ask for.
                let claimed = (1usize << 31) + input.len();
                let buffer = vec![0u8; std::hint::black_box(claimed)];
                std::hint::black_box(&buffer);
            }
            Failure::Slow => {
                // Busy for 1.1 s of processor time (what the harness measures), not asleep.
                let (start, wall) = (crate::thread_cpu_time(), std::time::Instant::now());
                let limit = std::time::Duration::from_millis(1100);
                loop {
                    let spent = match (start, crate::thread_cpu_time()) {
                        (Some(a), Some(b)) => b.saturating_sub(a),
                        _ => wall.elapsed(),
                    };
                    if spent > limit {
                        break;
                    }
                    std::hint::black_box(spent);
                }
            }
        }
        vec!["ok"]
    }
}
