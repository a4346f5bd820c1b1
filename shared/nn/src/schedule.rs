//! Learning-rate schedules: the learning rate as a function of the step number (from 0).
//! Call `optimizer.set_learning_rate(schedule.lr(step))` before each step.

/// A learning rate for each step.
pub trait LrSchedule {
    /// The learning rate at `step` (0 is the first step).
    fn lr(&self, step: usize) -> f32;
}

/// The same rate throughout.
pub struct Constant(pub f32);

impl LrSchedule for Constant {
    fn lr(&self, _step: usize) -> f32 {
        self.0
    }
}

/// Multiplies the rate by `gamma` every `every` steps: `base·gamma^⌊step/every⌋`.
pub struct StepDecay {
    pub base: f32,
    pub every: usize,
    pub gamma: f32,
}

impl LrSchedule for StepDecay {
    fn lr(&self, step: usize) -> f32 {
        self.base * self.gamma.powi((step / self.every.max(1)) as i32)
    }
}

/// Half a cosine from `base` down to `min` over `total` steps, then `min`:
/// `min + (base - min)·(1 + cos(π·step/total))/2`.
pub struct Cosine {
    pub base: f32,
    pub min: f32,
    pub total: usize,
}

impl LrSchedule for Cosine {
    fn lr(&self, step: usize) -> f32 {
        let t = step.min(self.total) as f32 / self.total.max(1) as f32;
        self.min + (self.base - self.min) * 0.5 * (1.0 + (std::f32::consts::PI * t).cos())
    }
}

/// A linear ramp from near 0 up to `then`'s rate over the first `steps` steps, then `then`
/// (counting its steps from the end of the warm-up). Early steps of Adam on a transformer
/// are noisy; small ones keep them from doing damage.
pub struct Warmup<S> {
    pub steps: usize,
    pub then: S,
}

impl<S: LrSchedule> LrSchedule for Warmup<S> {
    fn lr(&self, step: usize) -> f32 {
        if step < self.steps {
            self.then.lr(0) * (step + 1) as f32 / self.steps as f32
        } else {
            self.then.lr(step - self.steps)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_give_hand_computed_rates() {
        let step = StepDecay {
            base: 0.1,
            every: 10,
            gamma: 0.5,
        };
        assert_eq!(
            (step.lr(0), step.lr(9), step.lr(10), step.lr(25)),
            (0.1, 0.1, 0.05, 0.025)
        );
        let cos = Cosine {
            base: 1.0,
            min: 0.0,
            total: 100,
        };
        assert!(
            (cos.lr(0) - 1.0).abs() < 1e-6
                && (cos.lr(50) - 0.5).abs() < 1e-6
                && cos.lr(100).abs() < 1e-6
        );
        assert!(cos.lr(200).abs() < 1e-6);
        let warm = Warmup {
            steps: 4,
            then: Constant(0.8),
        };
        assert_eq!(
            (warm.lr(0), warm.lr(1), warm.lr(3), warm.lr(4), warm.lr(100)),
            (0.2, 0.4, 0.8, 0.8, 0.8)
        );
    }
}
