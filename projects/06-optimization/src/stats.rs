//! Mean and spread over seeds, and the tables the chapter shows.

use serde::Serialize;

/// The mean and sample standard deviation of some runs' results, with the results.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    /// The sample standard deviation (n − 1 in the denominator); 0 for a single value.
    pub std: f64,
    /// The values, one per seed.
    pub values: Vec<f64>,
}

impl Spread {
    /// The spread of `values`.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let values: Vec<f64> = values.into_iter().collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n.max(1.0);
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        Spread {
            mean,
            std: var.sqrt(),
            values,
        }
    }

    /// A fraction as a percentage with its spread: `97.83 ± 0.12%`.
    pub fn percent(&self) -> String {
        format!("{:.2} ± {:.2}%", 100.0 * self.mean, 100.0 * self.std)
    }

    /// `mean ± std` with `decimals` decimals.
    pub fn plain(&self, decimals: usize) -> String {
        format!("{:.*} ± {:.*}", decimals, self.mean, decimals, self.std)
    }
}

/// A markdown table: a header row, then the rows.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut text = line(&header);
    text.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        text.push_str(&line(row));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spread_of_three_seeds_is_the_sample_standard_deviation() {
        let s = Spread::of([0.97, 0.98, 0.99]);
        assert!((s.mean - 0.98).abs() < 1e-12);
        assert!((s.std - 0.01).abs() < 1e-12);
        assert_eq!(s.percent(), "98.00 ± 1.00%");
        assert_eq!(Spread::of([2.0]).std, 0.0);
    }

    #[test]
    fn tables_are_markdown() {
        let text = table(&["a", "b"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(text, "| a | b |\n|---|---|\n| 1 | 2 |\n");
    }
}
