// Which exercises are built from your file (exercises/NAME.rs) and which from the reference
// solution (solutions/NAME.rs): see shared/exercise-switch.
fn main() {
    exercise_switch::configure();
}
