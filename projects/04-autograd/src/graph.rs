//! The computation graph of a [`Value`] as Graphviz DOT: one box per value (its label, data
//! and gradient), one circle per operation, arrows from inputs to the values made from them.
//!
//! DOT is plain text, so the run always writes it; turning it into a picture needs the
//! Graphviz program `dot`, which the run uses when it is installed.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::{topological_order, Value};

// ANCHOR: neuron
/// One tanh neuron with two inputs, `o = tanh(x1·w1 + x2·w2 + b)`, after `o.backward()`:
/// the example of Karpathy's micrograd lecture, small enough to check by hand. The bias is
/// chosen so that `o = 1/√2` and `∂o/∂n = 1 - o² = ½`.
pub fn neuron_example() -> Value {
    let x1 = Value::new(2.0).named("x1");
    let x2 = Value::new(0.0).named("x2");
    let w1 = Value::new(-3.0).named("w1");
    let w2 = Value::new(1.0).named("w2");
    let b = Value::new(6.881_373_587_019_543).named("b");
    let x1w1 = (&x1 * &w1).named("x1·w1");
    let x2w2 = (&x2 * &w2).named("x2·w2");
    let sum = (&x1w1 + &x2w2).named("x1·w1 + x2·w2");
    let n = (&sum + &b).named("n");
    let o = n.tanh().named("o");
    o.backward();
    o
}
// ANCHOR_END: neuron

/// The graph behind `root` in DOT, laid out top to bottom, inputs first, each value a
/// narrow box of three lines (name, data, gradient). Top to bottom keeps the drawing narrow
/// enough for the book's 750-pixel column at a readable size; left to right, the neuron's graph
/// was twice as wide and shrank to 4-pixel labels. Values are numbered in topological order, so
/// the same computation always gives the same text.
pub fn to_dot(root: &Value) -> String {
    let order = topological_order(root);
    let index: HashMap<usize, usize> = order.iter().enumerate().map(|(i, v)| (v.id(), i)).collect();
    let mut dot = String::from(
        "digraph computation {\n  rankdir=TB;\n  nodesep=0.15;\n  ranksep=0.3;\n  \
         node [fontname=\"Helvetica\", fontsize=14];\n",
    );
    for (i, value) in order.iter().enumerate() {
        let label = if value.name().is_empty() {
            String::new()
        } else {
            format!("{} | ", escape(value.name()))
        };
        // writeln! to a String cannot fail.
        let _ = writeln!(
            dot,
            "  v{i} [shape=record, label=\"{{ {label}data {:.4} | grad {:.4} }}\"];",
            value.data(),
            value.grad()
        );
        let op = value.op_name();
        if !op.is_empty() {
            let _ = writeln!(dot, "  v{i}op [shape=circle, label=\"{}\"];", escape(&op));
            let _ = writeln!(dot, "  v{i}op -> v{i};");
            for input in value.inputs() {
                let _ = writeln!(dot, "  v{} -> v{i}op;", index[&input.id()]);
            }
        }
    }
    dot.push_str("}\n");
    dot
}

/// Escapes the characters that mean something inside a DOT record label.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '{' | '}' | '|' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What became of the SVG rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendering {
    /// `dot` wrote the SVG.
    Rendered,
    /// There is no `dot` program on the PATH.
    NoGraphviz,
}

/// Renders the DOT file `dot_file` to the SVG file `svg_file` with Graphviz's `dot`, if it
/// is installed. `dot` writes the picture to its standard output, which is then written like
/// every other result file (`run::write_atomic`), so a failed rendering leaves no half picture.
///
/// # Errors
/// If `dot` is installed but fails, or the SVG cannot be written.
pub fn render_svg(dot_file: &Path, svg_file: &Path) -> anyhow::Result<Rendering> {
    let output = match Command::new("dot").arg("-Tsvg").arg(dot_file).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Rendering::NoGraphviz),
        Err(e) => return Err(e).context("running Graphviz's `dot`"),
    };
    if !output.status.success() {
        anyhow::bail!(
            "Graphviz's `dot` could not render {}: {}",
            dot_file.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    run::write_atomic(svg_file, &output.stdout)?;
    Ok(Rendering::Rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neuron_matches_the_hand_computed_gradients() {
        let o = neuron_example();
        assert!((o.data() - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9);
        let dot = to_dot(&o);
        // x1 = 2 feeds x1·w1, so ∂o/∂w1 = ½·x1 = 1; ∂o/∂x1 = ½·w1 = -1.5.
        assert!(dot.contains("w1 | data -3.0000 | grad 1.0000"), "{dot}");
        assert!(dot.contains("x1 | data 2.0000 | grad -1.5000"), "{dot}");
        assert!(dot.contains("o | data 0.7071 | grad 1.0000"), "{dot}");
        // 10 values, 5 of them made by an operation: 5 op circles, 5 op->value arrows and
        // 9 input->op arrows (tanh has one input).
        assert_eq!(dot.matches("shape=record").count(), 10);
        assert_eq!(dot.matches("shape=circle").count(), 5);
        assert_eq!(dot.matches("->").count(), 5 + 9);
        assert_eq!(dot, to_dot(&o), "the same graph gives the same text");
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape("a|b{c}"), "a\\|b\\{c\\}");
    }
}
