//! Tables from CSV files with a header row, read by column name with the `csv` crate.
//!
//! Columns are chosen by name, never by position, so a reordered file still loads right and a
//! typo is caught (the error lists the columns there are). Cells are trimmed of spaces.
//!
//! - [`load_classification`]: number features and a label column of strings. The classes are
//!   the distinct labels **sorted** (byte order), so the index of a class does not depend on
//!   which row comes first: iris gives `["setosa", "versicolor", "virginica"]` = 0, 1, 2.
//! - [`load_regression`]: number features and a number target.
//!
//! Numbers must be finite: `nan`, `inf` or an empty cell is an error naming the line (as an
//! editor counts it, the header being line 1) and the column.

use crate::{read_bytes, DataError};
use ndarray::{Array1, Array2};
use std::collections::BTreeSet;
use std::path::Path;

/// A classification table: features `x` and a class index per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Features, `[rows, features]`, in the order they were asked for.
    pub x: Array2<f32>,
    /// Class index of each row, into `classes`.
    pub y: Vec<usize>,
    /// The class names, sorted; `classes[y[i]]` is row `i`'s label as written in the file.
    pub classes: Vec<String>,
    /// The feature columns, in the order of `x`'s columns.
    pub feature_names: Vec<String>,
}

/// A regression table: features `x` and a number to predict per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// Features, `[rows, features]`, in the order they were asked for.
    pub x: Array2<f32>,
    /// The target of each row, `[rows]`.
    pub y: Array1<f32>,
    /// The feature columns, in the order of `x`'s columns.
    pub feature_names: Vec<String>,
}

/// Loads number columns `features` and string column `label` of a CSV file.
///
/// `features` may be `&["a", "b"]` or the `Vec<String>` from [`columns`].
///
/// # Errors
/// The file is missing or not valid CSV, a column is missing, a feature cell is not a finite
/// number, a cell is empty, or there are no data rows.
pub fn load_classification(
    path: &Path,
    features: &[impl AsRef<str>],
    label: &str,
) -> Result<Classification, DataError> {
    parse_classification(&read_bytes(path)?, path, features, label)
}

/// [`load_classification`] on the bytes of a CSV file; `path` is only for messages.
///
/// # Errors
/// As [`load_classification`].
pub fn parse_classification(
    bytes: &[u8],
    path: &Path,
    features: &[impl AsRef<str>],
    label: &str,
) -> Result<Classification, DataError> {
    let feature_names: Vec<String> = features.iter().map(|f| f.as_ref().to_string()).collect();
    let table = read_table(bytes, path, &feature_names, label)?;

    // A BTreeSet sorts as it removes repeats: the classes in byte order.
    let classes: Vec<String> = table
        .targets
        .iter()
        .map(|(_, t)| t.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // `classes` is sorted, so binary search finds each label's index.
    let y = table
        .targets
        .iter()
        .map(|(_, t)| classes.binary_search(t).expect("t is in classes"));
    Ok(Classification {
        x: table.x,
        y: y.collect(),
        classes,
        feature_names,
    })
}

/// Loads number columns `features` and number column `target` of a CSV file.
///
/// # Errors
/// As [`load_classification`]; the target must be a finite number too.
pub fn load_regression(
    path: &Path,
    features: &[impl AsRef<str>],
    target: &str,
) -> Result<Regression, DataError> {
    parse_regression(&read_bytes(path)?, path, features, target)
}

/// [`load_regression`] on the bytes of a CSV file; `path` is only for messages.
///
/// # Errors
/// As [`load_regression`].
pub fn parse_regression(
    bytes: &[u8],
    path: &Path,
    features: &[impl AsRef<str>],
    target: &str,
) -> Result<Regression, DataError> {
    let feature_names: Vec<String> = features.iter().map(|f| f.as_ref().to_string()).collect();
    let table = read_table(bytes, path, &feature_names, target)?;
    let y = table
        .targets
        .iter()
        .map(|(line, text)| parse_number(path, *line, target, text))
        .collect::<Result<Array1<f32>, _>>()?;
    Ok(Regression {
        x: table.x,
        y,
        feature_names,
    })
}

/// The names of all columns except `label`, in file order: the usual feature list.
///
/// # Errors
/// The file is missing or its header is not valid CSV, or it has no column `label` (which
/// catches a misspelt label before training starts).
pub fn columns(path: &Path, label: &str) -> Result<Vec<String>, DataError> {
    let header = header(path)?;
    if !header.iter().any(|h| h == label) {
        return Err(missing_column(path, label, &header));
    }
    Ok(header.into_iter().filter(|h| h != label).collect())
}

/// The names of all columns, in file order.
///
/// # Errors
/// The file is missing or its header is not valid CSV.
pub fn header(path: &Path) -> Result<Vec<String>, DataError> {
    parse_header(&read_bytes(path)?, path)
}

/// [`header`] on the bytes of a CSV file; `path` is only for messages.
///
/// # Errors
/// If the header is not valid CSV.
pub fn parse_header(bytes: &[u8], path: &Path) -> Result<Vec<String>, DataError> {
    let mut reader = reader(bytes);
    let header = reader.headers().map_err(|source| csv_error(path, source))?;
    Ok(header.iter().map(str::to_string).collect())
}

/// What [`read_table`] found: features parsed, targets still text with their line numbers.
struct Table {
    x: Array2<f32>,
    targets: Vec<(u64, String)>,
}

/// Reads the feature columns as numbers and the target column as text, row by row.
fn read_table(
    bytes: &[u8],
    path: &Path,
    features: &[String],
    target: &str,
) -> Result<Table, DataError> {
    let mut reader = reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|source| csv_error(path, source))?
        .iter()
        .map(str::to_string)
        .collect();
    // Where each wanted column is in a row; the first of any duplicated name wins.
    let position = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| missing_column(path, name, &header))
    };
    let feature_at = features
        .iter()
        .map(|f| position(f))
        .collect::<Result<Vec<_>, _>>()?;
    let target_at = position(target)?;

    let mut values = Vec::new();
    let mut targets = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|source| csv_error(path, source))?;
        let line = record.position().map_or(0, |p| p.line());
        // The csv crate checks that every row has as many cells as the header.
        for (&at, name) in feature_at.iter().zip(features) {
            values.push(parse_number(path, line, name, &record[at])?);
        }
        let text = &record[target_at];
        if text.is_empty() {
            return Err(empty_cell(path, line, target));
        }
        targets.push((line, text.to_string()));
    }
    if targets.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: "data rows",
        });
    }
    let x = Array2::from_shape_vec((targets.len(), features.len()), values)
        .expect("one value per feature per row");
    Ok(Table { x, targets })
}

/// A CSV reader with a header row that trims spaces around cells.
fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes)
}

/// Parses one cell as a finite `f32`.
fn parse_number(path: &Path, line: u64, column: &str, text: &str) -> Result<f32, DataError> {
    if text.is_empty() {
        return Err(empty_cell(path, line, column));
    }
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(DataError::BadNumber {
            path: path.to_path_buf(),
            line,
            column: column.to_string(),
            text: text.to_string(),
        }),
    }
}

fn empty_cell(path: &Path, line: u64, column: &str) -> DataError {
    DataError::EmptyCell {
        path: path.to_path_buf(),
        line,
        column: column.to_string(),
    }
}

fn missing_column(path: &Path, column: &str, header: &[String]) -> DataError {
    DataError::MissingColumn {
        path: path.to_path_buf(),
        column: column.to_string(),
        available: header.to_vec(),
    }
}

fn csv_error(path: &Path, source: csv::Error) -> DataError {
    DataError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Writes `text` to a temporary CSV file; keep the returned guard alive while using it.
    fn csv_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const FRUIT: &str = "weight, colour ,kind\n150,0.9,pear\n120, 0.2 ,apple\n130,0.3,apple\n";

    #[test]
    fn classification_picks_columns_by_name_and_sorts_classes() {
        let (_dir, path) = csv_file(FRUIT);
        let t = load_classification(&path, &["colour", "weight"], "kind").unwrap();
        assert_eq!(t.x.shape(), [3, 2]);
        assert_eq!(t.x.row(0).to_vec(), [0.9, 150.0]);
        assert_eq!(t.x.row(1).to_vec(), [0.2, 120.0]); // spaces around cells are trimmed
        assert_eq!(t.classes, ["apple", "pear"]); // sorted, not in order of appearance
        assert_eq!(t.y, [1, 0, 0]);
        assert_eq!(t.feature_names, ["colour", "weight"]);
    }

    #[test]
    fn regression_reads_a_number_target() {
        let (_dir, path) = csv_file("a,b,y\n1,2,3.5\n4,5,-6\n");
        let t = load_regression(&path, &["a", "b"], "y").unwrap();
        assert_eq!(t.x, ndarray::array![[1.0, 2.0], [4.0, 5.0]]);
        assert_eq!(t.y.to_vec(), [3.5, -6.0]);
    }

    #[test]
    fn columns_lists_all_but_the_label_in_file_order() {
        let (_dir, path) = csv_file(FRUIT);
        let names = columns(&path, "kind").unwrap();
        assert_eq!(names, ["weight", "colour"]);
        assert_eq!(header(&path).unwrap(), ["weight", "colour", "kind"]);
        // The Vec<String> goes straight back into a loader.
        assert_eq!(
            load_classification(&path, &names, "kind")
                .unwrap()
                .x
                .ncols(),
            2
        );
    }

    #[test]
    fn a_missing_column_is_named_with_the_columns_there_are() {
        let (_dir, path) = csv_file(FRUIT);
        let err = load_classification(&path, &["weight", "color"], "kind").unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(msg.contains("table.csv"), "{msg}");
        assert!(msg.contains("no column named `color`"), "{msg}");
        assert!(
            msg.contains("the columns are: weight, colour, kind"),
            "{msg}"
        );
        let err = columns(&path, "species").unwrap_err();
        assert!(
            err.to_string().contains("no column named `species`"),
            "{err}"
        );
        let err = load_regression(&path, &["weight"], "price").unwrap_err();
        assert!(err.to_string().contains("no column named `price`"), "{err}");
    }

    #[test]
    fn a_non_numeric_cell_names_file_line_column_and_text() {
        let (_dir, path) = csv_file("a,b,label\n1,2,x\n3,4,y\n5,five,x\n");
        let err = load_classification(&path, &["a", "b"], "label").unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, DataError::BadNumber { line: 4, .. }), "{msg}");
        assert!(msg.contains("table.csv, line 4, column `b`"), "{msg}");
        assert!(msg.contains("found `five`"), "{msg}");
    }

    #[test]
    fn nan_and_infinity_are_not_accepted_as_numbers() {
        for bad in ["nan", "inf", "-inf", "NaN"] {
            let (_dir, path) = csv_file(&format!("a,y\n1,2\n{bad},3\n"));
            let err = load_regression(&path, &["a"], "y").unwrap_err();
            assert!(
                matches!(err, DataError::BadNumber { line: 3, .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_non_numeric_regression_target_is_an_error() {
        let (_dir, path) = csv_file("a,y\n1,2\n2,high\n");
        let msg = load_regression(&path, &["a"], "y").unwrap_err().to_string();
        assert!(
            msg.contains("line 3, column `y`") && msg.contains("`high`"),
            "{msg}"
        );
    }

    #[test]
    fn empty_cells_are_errors() {
        let (_dir, path) = csv_file("a,label\n1,x\n,y\n");
        let err = load_classification(&path, &["a"], "label").unwrap_err();
        println!("{err}");
        assert!(
            err.to_string()
                .contains("line 3, column `a`: the cell is empty"),
            "{err}"
        );
        let (_dir, path) = csv_file("a,label\n1,x\n2,\n");
        let err = load_classification(&path, &["a"], "label").unwrap_err();
        assert!(
            err.to_string()
                .contains("line 3, column `label`: the cell is empty"),
            "{err}"
        );
    }

    #[test]
    fn a_ragged_row_is_a_csv_error_naming_the_file() {
        let (_dir, path) = csv_file("a,b,label\n1,2,x\n3,y\n");
        let err = load_classification(&path, &["a", "b"], "label").unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, DataError::Csv { .. }), "{msg}");
        assert!(
            msg.contains("table.csv") && msg.contains("line: 3"),
            "{msg}"
        );
    }

    #[test]
    fn a_file_with_only_a_header_has_no_data_rows() {
        let (_dir, path) = csv_file("a,label\n");
        let err = load_classification(&path, &["a"], "label").unwrap_err();
        assert!(err.to_string().contains("holds no data rows"), "{err}");
        let (_dir, path) = csv_file("");
        assert!(load_classification(&path, &["a"], "label").is_err());
    }

    #[test]
    fn a_missing_file_says_how_to_get_it_back() {
        let err = load_regression(Path::new("/no/diabetes.csv"), &["age"], "y").unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DataError::MissingFile { .. }), "{msg}");
        assert!(
            msg.contains("/no/diabetes.csv") && msg.contains("git checkout"),
            "{msg}"
        );
    }

    #[test]
    fn line_numbers_count_the_lines_of_quoted_multi_line_cells() {
        let (_dir, path) = csv_file("note,a\n\"two\nlines\",1\nok,x\n");
        // The row starting on line 2 ends on line 3, so the next row is line 4.
        let err = load_regression(&path, &["a"], "note").unwrap_err();
        assert!(matches!(err, DataError::BadNumber { line: 4, .. }), "{err}");
        let err = load_regression(&path, &["note"], "a").unwrap_err();
        assert!(matches!(err, DataError::BadNumber { line: 2, .. }), "{err}");
    }
}
