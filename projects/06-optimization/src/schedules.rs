//! Learning-rate schedules: the rate at each step of a run of a known length.
//!
//! Every schedule here is a function of the step, the run's length and one peak rate, so
//! that the `lr` experiment can compare them at an equal budget and an equal peak.

use std::f32::consts::PI;

/// How the learning rate moves over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Schedule {
    /// The peak rate throughout.
    Constant,
    /// The peak rate, divided by 10 after half of the steps and by 10 again after three
    /// quarters (the recipe of the ResNet paper, in steps rather than epochs).
    Step,
    /// Half a cosine from the peak down to 0.
    Cosine,
    /// A straight ramp from near 0 up to the peak over the first 5% of the steps, then half
    /// a cosine down to 0.
    WarmupCosine,
    /// Smith's one-cycle policy (2018), as PyTorch's `OneCycleLR` draws it: half a cosine up
    /// from peak/25 to the peak over the first 30% of the steps, then down to peak/25/10⁴.
    /// (PyTorch also cycles the momentum the other way; we keep the optimiser's.)
    OneCycle,
}

impl Schedule {
    /// All five, in the chapter's order.
    pub const ALL: [Schedule; 5] = [
        Schedule::Constant,
        Schedule::Step,
        Schedule::Cosine,
        Schedule::WarmupCosine,
        Schedule::OneCycle,
    ];

    /// The name in tables and figures.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Step => "step",
            Schedule::Cosine => "cosine",
            Schedule::WarmupCosine => "warm-up + cosine",
            Schedule::OneCycle => "one-cycle",
        }
    }

    // ANCHOR: schedule
    /// The learning rate at `step` (0 is the first) of a run of `total` steps that peaks at
    /// `peak`.
    pub fn lr(self, peak: f32, step: usize, total: usize) -> f32 {
        let t = step as f32 / total.max(1) as f32; // how far through the run, 0 to 1
                                                   // Half a cosine from `from` at s = 0 to `to` at s = 1.
        let cosine = |from: f32, to: f32, s: f32| to + (from - to) * 0.5 * (1.0 + (PI * s).cos());
        match self {
            Schedule::Constant => peak,
            Schedule::Step => match t {
                t if t < 0.5 => peak,
                t if t < 0.75 => peak / 10.0,
                _ => peak / 100.0,
            },
            Schedule::Cosine => cosine(peak, 0.0, t),
            Schedule::WarmupCosine => {
                let warmup = 0.05;
                if t < warmup {
                    peak * (step + 1) as f32 / (warmup * total as f32).ceil()
                } else {
                    cosine(peak, 0.0, (t - warmup) / (1.0 - warmup))
                }
            }
            Schedule::OneCycle => {
                let (rise, start) = (0.3, peak / 25.0);
                if t < rise {
                    cosine(start, peak, t / rise)
                } else {
                    cosine(peak, start / 1e4, (t - rise) / (1.0 - rise))
                }
            }
        }
    }
    // ANCHOR_END: schedule
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn::schedule::{Cosine, LrSchedule, StepDecay};

    #[test]
    fn step_and_cosine_agree_with_nn_schedules() {
        let total = 200;
        let cosine = Cosine {
            base: 0.1,
            min: 0.0,
            total,
        };
        let step = StepDecay {
            base: 0.1,
            every: 100,
            gamma: 0.1,
        };
        for s in 0..total {
            let ours = Schedule::Cosine.lr(0.1, s, total);
            assert!((ours - cosine.lr(s)).abs() < 1e-6, "cosine at {s}");
            if s < 150 {
                let ours = Schedule::Step.lr(0.1, s, total);
                assert!((ours - step.lr(s)).abs() < 1e-7, "step at {s}");
            }
        }
        assert!((Schedule::Step.lr(0.1, 150, total) - 0.001).abs() < 1e-9);
    }

    #[test]
    fn warmup_climbs_to_the_peak_and_one_cycle_peaks_at_thirty_percent() {
        let total = 1000;
        let warm: Vec<f32> = (0..total)
            .map(|s| Schedule::WarmupCosine.lr(1.0, s, total))
            .collect();
        assert!((warm[0] - 1.0 / 50.0).abs() < 1e-6, "{}", warm[0]);
        assert!(warm[..50].windows(2).all(|w| w[1] > w[0]));
        assert!((warm[49] - 1.0).abs() < 1e-6 && (warm[50] - 1.0).abs() < 1e-6);
        assert!(warm[999] < 1e-4);

        let cycle: Vec<f32> = (0..total)
            .map(|s| Schedule::OneCycle.lr(1.0, s, total))
            .collect();
        let top = cycle
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        assert_eq!(top.0, 300);
        assert!((cycle[0] - 0.04).abs() < 1e-6 && cycle[999] < 1e-4);
    }
}
