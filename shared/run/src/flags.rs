//! Value parsers for flags that several projects share, for `#[arg(value_parser = ...)]`: a
//! bad value is a usage error (exit status 2) whose message says what is expected.

/// A learning rate or other strictly positive, finite number, e.g. `--lr 0.01`.
///
/// ```
/// assert_eq!(run::flags::positive("0.5"), Ok(0.5));
/// assert!(run::flags::positive("-1").is_err() && run::flags::positive("inf").is_err());
/// ```
pub fn positive(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

/// [`positive`] for a flag kept in `f64` (the scalar engine of chapter 4 computes in `f64`).
pub fn positive_f64(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

/// The share of a dataset held out for testing, between 0.05 and 0.95: fewer would test on a
/// handful of examples, more would train on a handful.
///
/// ```
/// assert_eq!(run::flags::test_fraction("0.3"), Ok(0.3));
/// assert!(run::flags::test_fraction("1").is_err());
/// ```
pub fn test_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.05..=0.95).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a fraction between 0.05 and 0.95")),
    }
}
