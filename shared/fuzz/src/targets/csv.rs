//! CSV tables read by column name: `data::csv::parse_classification`, `parse_regression`
//! and `parse_header`, with the columns that 01 (iris) and 02 (diabetes, breast cancer) ask
//! for.

use super::{outcome, read_data, Outcome, Target};
use crate::mutate::havoc;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

pub struct Csv {
    seeds: Vec<Vec<u8>>,
}

/// Rows kept from each committed table for a seed.
const ROWS_PER_SEED: usize = 12;

/// Cells that parsers of numbers and CSV get wrong.
const CELLS: [&str; 24] = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e39",
    "-1e39",
    "1e-46",
    "-0",
    "0x10",
    "1,5",
    "1.5.5",
    "+",
    "-",
    ".",
    "٣",
    "\"",
    "\"\"",
    "\"a\nb\"",
    "\"1\"",
    "setosa",
    "versicolor",
    "9999999999",
];

impl Csv {
    /// Seeds: the header and first rows of each committed table.
    pub fn new() -> anyhow::Result<Csv> {
        let mut seeds = Vec::new();
        for file in ["csv/iris.csv", "csv/diabetes.csv", "csv/breast_cancer.csv"] {
            let text = read_data(file)?;
            let text = String::from_utf8(text)?;
            let head: String = text
                .lines()
                .take(1 + ROWS_PER_SEED)
                .map(|line| format!("{line}\n"))
                .collect();
            seeds.push(head.into_bytes());
        }
        // Iris's last rows, another species.
        let iris = String::from_utf8(read_data("csv/iris.csv")?)?;
        let lines: Vec<&str> = iris.lines().collect();
        let tail: String = std::iter::once(lines[0])
            .chain(lines[lines.len() - ROWS_PER_SEED..].iter().copied())
            .map(|line| format!("{line}\r\n"))
            .collect();
        seeds.push(tail.into_bytes());
        Ok(Csv { seeds })
    }
}

/// Damages a table as a person editing it might: a cell replaced, a row or cell dropped or
/// doubled, header names swapped.
fn edit_cells(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect();
    if rows.is_empty() {
        return text.to_owned();
    }
    for _ in 0..rng.random_range(1..=3) {
        let r = rng.random_range(0..rows.len());
        let row_len = rows[r].len();
        match rng.random_range(0..6) {
            0 | 1 if row_len > 0 => {
                let c = rng.random_range(0..row_len);
                rows[r][c] = CELLS[rng.random_range(0..CELLS.len())].to_owned();
            }
            2 if row_len > 0 => {
                rows[r].remove(rng.random_range(0..row_len));
            }
            3 => {
                let copy = rows[r].clone();
                rows.insert(rng.random_range(0..=rows.len()), copy);
            }
            4 if rows.len() > 1 => {
                rows.remove(rng.random_range(1..rows.len()));
            }
            _ if rows[0].len() >= 2 => {
                let (a, b) = (
                    rng.random_range(0..rows[0].len()),
                    rng.random_range(0..rows[0].len()),
                );
                rows[0].swap(a, b);
            }
            _ => {}
        }
    }
    let mut out: String = rows.iter().map(|row| row.join(",") + "\n").collect();
    if rng.random_bool(0.1) {
        out.insert(0, '\u{feff}'); // a byte-order mark, as spreadsheets write
    }
    out
}

impl Target for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn describe(&self) -> &'static str {
        "CSV by header (data::csv::parse_classification, parse_regression, parse_header)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let original = &self.seeds[seed];
        let mut data = if rng.random_bool(0.5) {
            edit_cells(&String::from_utf8_lossy(original), rng).into_bytes()
        } else {
            original.clone()
        };
        if data == *original || rng.random_bool(0.3) {
            havoc(&mut data, rng, &self.seeds);
        }
        data
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/input.csv");
        let iris = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
        let classification = data::csv::parse_classification(input, path, &iris, "species");
        if let Ok(t) = &classification {
            assert_eq!(t.x.nrows(), t.y.len(), "one label per row");
            assert!(t.x.iter().all(|v| v.is_finite()), "a non-finite feature");
            assert!(
                t.y.iter().all(|&c| c < t.classes.len()),
                "a class out of range"
            );
            assert!(
                t.classes.windows(2).all(|w| w[0] < w[1]),
                "classes not sorted"
            );
        }
        let diabetes = [
            "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
        ];
        let regression = data::csv::parse_regression(input, path, &diabetes, "progression");
        if let Ok(t) = &regression {
            assert_eq!(t.x.nrows(), t.y.len(), "one target per row");
            assert!(t.y.iter().all(|v| v.is_finite()), "a non-finite target");
        }
        // 02's breast cancer: every column but the label is a feature.
        let header = data::csv::parse_header(input, path);
        let by_header = header.as_ref().ok().map(|names| {
            let features: Vec<&String> = names.iter().filter(|n| *n != "diagnosis").collect();
            data::csv::parse_classification(input, path, &features, "diagnosis")
        });
        let mut outcomes = vec![
            outcome("iris", &classification),
            outcome("diabetes", &regression),
            outcome("header", &header),
        ];
        if let Some(result) = &by_header {
            outcomes.push(outcome("all columns", result));
        }
        outcomes
    }
}
