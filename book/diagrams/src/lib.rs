//! The book's explanatory diagrams, drawn as SVG by code so that they are exact (every number
//! in them is computed here) and can be drawn again when the book changes.
//!
//! Each is at most 750 pixels wide, the width of the book's text column, so it is shown at
//! its own size, and no text in it is smaller than 13 pixels. The background is white, as
//! the run figures' is, so a diagram reads the same in the light and the dark theme.
//!
//! | file | chapter | shows |
//! |---|---|---|
//! | `perceptron_update.svg` | 1 | one update of the perceptron turning its line toward a mistake |
//! | `descent_rates.svg` | 2 | gradient descent on a quadratic bowl at three learning rates |
//! | `mlp_layers.svg` | 3 | the 784-512-10 network: layers, shapes, forward and backward |
//! | `computation_graph.svg` | 4 | a small expression's graph with every value and gradient |
//! | `conv_sliding.svg` | 5 | a 3×3 kernel sliding over a 5×5 image |
//! | `im2col.svg` | 5 | the patch matrix that turns convolution into one matrix product |
//! | `maxpool_gradient.svg` | 5 | max-pooling forward, and its gradient routed to the maxima |

use std::fmt::Write;

/// Every diagram: its file name and its SVG text.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("perceptron_update.svg", perceptron_update()),
        ("descent_rates.svg", descent_rates()),
        ("mlp_layers.svg", mlp_layers()),
        ("computation_graph.svg", computation_graph()),
        ("conv_sliding.svg", conv_sliding()),
        ("im2col.svg", im2col()),
        ("maxpool_gradient.svg", maxpool_gradient()),
    ]
}

/// The smallest font size any diagram uses, in pixels.
pub const MIN_FONT: f64 = 13.0;
/// The widest a diagram may be: the book's text column.
pub const MAX_WIDTH: f64 = 750.0;

// Okabe–Ito colours, as in shared/plot: distinct for the common kinds of colour blindness.
const BLUE: &str = "#0072B2";
const VERMILLION: &str = "#D55E00";
const GREEN: &str = "#009E73";
const GREY: &str = "#777777";
const LIGHT: &str = "#DDDDDD";

/// A drawing being built: elements appended in order, later ones on top.
struct Svg {
    width: f64,
    height: f64,
    body: String,
}

/// Where text hangs from its point.
#[derive(Clone, Copy)]
enum Anchor {
    Start,
    Middle,
    End,
}

impl Svg {
    fn new(width: f64, height: f64) -> Self {
        let mut svg = Svg {
            width,
            height,
            body: String::new(),
        };
        svg.rect(0.0, 0.0, width, height, "#FFFFFF", "none");
        svg
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#
        );
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), colour: &str, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width}"/>"#
        );
    }

    fn dashed(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), colour: &str, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width}" stroke-dasharray="7 5"/>"#
        );
    }

    /// A line from `from` to `to` with an arrowhead at `to`.
    fn arrow(&mut self, from: (f64, f64), to: (f64, f64), colour: &str, width: f64) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let head = 6.0 + 2.0 * width;
        let base = (to.0 - ux * head, to.1 - uy * head);
        self.line(from, base, colour, width);
        let half = head * 0.45;
        let _ = writeln!(
            self.body,
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{colour}"/>"#,
            to.0,
            to.1,
            base.0 - uy * half,
            base.1 + ux * half,
            base.0 + uy * half,
            base.1 - ux * half
        );
    }

    fn circle(&mut self, (cx, cy): (f64, f64), r: f64, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#
        );
    }

    fn polyline(&mut self, points: &[(f64, f64)], colour: &str, width: f64) {
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="{width}"/>"#,
            pts.join(" ")
        );
    }

    fn ellipse(&mut self, (cx, cy): (f64, f64), rx: f64, ry: f64, stroke: &str) {
        let _ = writeln!(
            self.body,
            r#"<ellipse cx="{cx:.1}" cy="{cy:.1}" rx="{rx:.1}" ry="{ry:.1}" fill="none" stroke="{stroke}" stroke-width="1"/>"#
        );
    }

    fn text(&mut self, (x, y): (f64, f64), size: f64, anchor: Anchor, colour: &str, text: &str) {
        self.styled_text((x, y), size, anchor, colour, "normal", text);
    }

    fn bold(&mut self, (x, y): (f64, f64), size: f64, anchor: Anchor, colour: &str, text: &str) {
        self.styled_text((x, y), size, anchor, colour, "bold", text);
    }

    fn styled_text(
        &mut self,
        (x, y): (f64, f64),
        size: f64,
        anchor: Anchor,
        colour: &str,
        weight: &str,
        text: &str,
    ) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-family="sans-serif" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" dominant-baseline="middle" fill="{colour}">{}</text>"#,
            escape(text)
        );
    }

    /// A grid of square cells with a number in each; `fill(r, c)` colours a cell.
    #[allow(clippy::too_many_arguments)] // a grid is its place, its cells and their colours
    fn grid(
        &mut self,
        (x, y): (f64, f64),
        cell: f64,
        values: &[Vec<String>],
        fill: &dyn Fn(usize, usize) -> &'static str,
        size: f64,
    ) {
        for (r, row) in values.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let (cx, cy) = (x + c as f64 * cell, y + r as f64 * cell);
                self.rect(cx, cy, cell, cell, fill(r, c), GREY);
                self.text(
                    (cx + cell / 2.0, cy + cell / 2.0),
                    size,
                    Anchor::Middle,
                    "#000000",
                    value,
                );
            }
        }
    }

    fn finish(self, title: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n<title>{}</title>\n{}</svg>\n",
            escape(title),
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `v` with a real minus sign, and without a trailing `.0`.
fn num(v: f64) -> String {
    let s = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    };
    s.replace('-', "−")
}

fn grid_of(values: &[Vec<f64>]) -> Vec<Vec<String>> {
    values
        .iter()
        .map(|row| row.iter().map(|&v| num(v)).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Chapter 1: one perceptron update.

/// A point with `y = +1` on the wrong side of the line `w·x = 0` (bias 0, so the picture is
/// about the direction of `w`); adding `η y x` to `w` turns the line toward the point.
pub fn perceptron_update() -> String {
    let w = (2.0, 1.0);
    let x = (-1.0, 1.5);
    let eta = 1.0;
    let w_new = (w.0 + eta * x.0, w.1 + eta * x.1);
    let mut svg = Svg::new(720.0, 380.0);
    // The plane: [-3.2, 3.2] × [-3.2, 3.2] into a 360-pixel square.
    let (ox, oy, scale) = (190.0, 190.0, 54.0);
    let at = |(a, b): (f64, f64)| (ox + a * scale, oy - b * scale);
    let lim = 3.2;
    svg.rect(
        ox - lim * scale,
        oy - lim * scale,
        2.0 * lim * scale,
        2.0 * lim * scale,
        "#FFFFFF",
        LIGHT,
    );
    svg.line(at((-lim, 0.0)), at((lim, 0.0)), LIGHT, 1.0);
    svg.line(at((0.0, -lim)), at((0.0, lim)), LIGHT, 1.0);
    // The line w·x = 0 runs along (-w1, w0), clipped to the square.
    let boundary = |w: (f64, f64)| {
        let d = (-w.1, w.0);
        let t = lim / d.0.abs().max(d.1.abs());
        (at((-d.0 * t, -d.1 * t)), at((d.0 * t, d.1 * t)))
    };
    let (a, b) = boundary(w);
    svg.line(a, b, BLUE, 2.5);
    let (a, b) = boundary(w_new);
    svg.dashed(a, b, GREEN, 2.5);
    svg.arrow(at((0.0, 0.0)), at(w), BLUE, 3.0);
    svg.arrow(at(w), at(w_new), VERMILLION, 2.0);
    svg.arrow(at((0.0, 0.0)), at(w_new), GREEN, 3.0);
    svg.circle(at(x), 7.0, VERMILLION, "#000000");
    svg.bold(at((w.0 + 0.15, w.1 - 0.3)), 16.0, Anchor::Start, BLUE, "w");
    svg.bold(
        at((w_new.0 + 0.15, w_new.1 + 0.1)),
        16.0,
        Anchor::Start,
        GREEN,
        "w + η y x",
    );
    svg.text(
        at((1.65, 2.05)),
        15.0,
        Anchor::Middle,
        VERMILLION,
        "+ η y x",
    );
    svg.text(
        at((x.0 - 0.2, x.1 + 0.35)),
        15.0,
        Anchor::End,
        VERMILLION,
        "x, with y = +1",
    );
    svg.text(
        at((1.2, -2.85)),
        14.0,
        Anchor::Middle,
        BLUE,
        "old line: w · x = 0",
    );
    svg.text(at((-1.85, 0.45)), 14.0, Anchor::Middle, GREEN, "new line");

    let score = |w: (f64, f64)| w.0 * x.0 + w.1 * x.1;
    let (tx, size) = (400.0, 15.0);
    let lines: [(&str, String); 7] = [
        (BLUE, format!("Before: score w · x = {}", num(score(w)))),
        ("#000000", "below 0, so the answer is −1: a mistake.".into()),
        (
            VERMILLION,
            "The update adds η y x to w (here η = 1).".into(),
        ),
        (GREEN, format!("After: score = {}", num(score(w_new)))),
        ("#000000", "The line turned toward x and now has it".into()),
        (
            "#000000",
            "on its +1 side. In general one update moves".into(),
        ),
        (
            "#000000",
            "the score by η (‖x‖² + 1), never the wrong way.".into(),
        ),
    ];
    for (i, (colour, text)) in lines.iter().enumerate() {
        svg.text(
            (tx, 70.0 + 30.0 * i as f64),
            size,
            Anchor::Start,
            colour,
            text,
        );
    }
    svg.finish("One update of the perceptron turns its line toward a point it got wrong")
}

// ---------------------------------------------------------------------------------------------
// Chapter 2: gradient descent on a bowl at three learning rates.

/// `L(w) = ½ (λ₁ w₁² + λ₂ w₂²)` with a shallow and a steep direction; each step multiplies
/// `w_i` by `1 − η λ_i`, so descent converges when `η < 2 / λ_max`.
pub fn descent_rates() -> String {
    let (l1, l2): (f64, f64) = (1.0, 8.0);
    let limit = 2.0 / l2;
    let start = (-3.6, 1.3);
    let rates = [
        (0.05, "η = 0.05: slow, straight in"),
        (0.22, "η = 0.22: zigzags in"),
        (0.27, "η = 0.27: zigzags out"),
    ];
    let mut svg = Svg::new(750.0, 300.0);
    svg.bold(
        (375.0, 20.0),
        16.0,
        Anchor::Middle,
        "#000000",
        &format!(
            "L = ½ (w₁² + 8 w₂²): the steep direction sets the limit, 2 / λmax = {}",
            num(limit)
        ),
    );
    let (pw, ph, top) = (238.0, 190.0, 58.0);
    let (xr, yr) = (4.0, 2.4);
    for (k, (eta, title)) in rates.iter().enumerate() {
        let left = 8.0 + k as f64 * 247.0;
        let at = |(a, b): (f64, f64)| {
            (
                left + pw / 2.0 + a / xr * pw / 2.0,
                top + ph / 2.0 - b / yr * ph / 2.0,
            )
        };
        svg.rect(left, top, pw, ph, "#FFFFFF", LIGHT);
        svg.text(
            (left + pw / 2.0, top - 14.0),
            14.0,
            Anchor::Middle,
            "#000000",
            title,
        );
        for level in [0.15, 0.6, 1.5, 3.0, 5.0, 7.5] {
            let (rx, ry) = ((2.0 * level / l1).sqrt(), (2.0 * level / l2).sqrt());
            let (cx, cy) = at((0.0, 0.0));
            svg.ellipse((cx, cy), rx / xr * pw / 2.0, ry / yr * ph / 2.0, LIGHT);
        }
        svg.circle(at((0.0, 0.0)), 3.0, "#000000", "none");
        let mut w = start;
        let mut path = vec![at(w)];
        for _ in 0..12 {
            w = (w.0 * (1.0 - eta * l1), w.1 * (1.0 - eta * l2));
            if w.0.abs() > xr || w.1.abs() > yr * 0.98 {
                break;
            }
            path.push(at(w));
        }
        let colour = [GREEN, BLUE, VERMILLION][k];
        svg.polyline(&path, colour, 2.0);
        for p in &path {
            svg.circle(*p, 3.5, colour, "none");
        }
        let factor = 1.0 - eta * l2;
        svg.text(
            (left + pw / 2.0, top + ph + 20.0),
            13.0,
            Anchor::Middle,
            "#000000",
            &format!(
                "steep direction × {} per step",
                num((factor * 100.0).round() / 100.0)
            ),
        );
    }
    svg.text(
        (375.0, 290.0),
        13.0,
        Anchor::Middle,
        GREY,
        "12 steps from the same start; ellipses are lines of equal loss, the dot the minimum",
    );
    svg.finish("Gradient descent on a quadratic bowl at three learning rates")
}

// ---------------------------------------------------------------------------------------------
// Chapter 3: the MLP's layers with shapes.

/// The 784-512-10 network, forward down the left, backward up the right.
pub fn mlp_layers() -> String {
    let mut svg = Svg::new(720.0, 560.0);
    svg.bold((170.0, 22.0), 16.0, Anchor::Middle, BLUE, "forward: values");
    svg.bold(
        (540.0, 22.0),
        16.0,
        Anchor::Middle,
        VERMILLION,
        "backward: gradients",
    );
    // (value, its shape, the gradient beside it) for tensors; (op, weights) for layers.
    enum Row {
        Tensor(&'static str, &'static str, &'static str),
        Op(&'static str, &'static str, &'static str),
    }
    let rows = [
        Row::Tensor("x  (a batch of images)", "[B, 784]", ""),
        Row::Op(
            "Linear: z = x W₁ + b₁",
            "W₁ [784, 512], b₁ [512]",
            "dW₁ = xᵀ dz,  db₁ = Σ rows of dz",
        ),
        Row::Tensor("z", "[B, 512]", "dz = dh ⊙ (z > 0)   [B, 512]"),
        Row::Op("ReLU: h = max(0, z)", "", ""),
        Row::Tensor("h", "[B, 512]", "dh = ds W₂ᵀ   [B, 512]"),
        Row::Op(
            "Linear: s = h W₂ + b₂",
            "W₂ [512, 10], b₂ [10]",
            "dW₂ = hᵀ ds,  db₂ = Σ rows of ds",
        ),
        Row::Tensor(
            "s  (scores, logits)",
            "[B, 10]",
            "ds = (p − onehot(y)) / B   [B, 10]",
        ),
        Row::Op("softmax + cross-entropy", "", ""),
        Row::Tensor("L  (the loss, a number)", "[ ]", "∂L/∂L = 1"),
    ];
    let (top, step) = (48.0, 56.0);
    for (i, row) in rows.iter().enumerate() {
        let y = top + step * i as f64;
        match row {
            Row::Tensor(name, shape, grad) => {
                svg.rect(20.0, y, 300.0, 40.0, "#EAF3FA", BLUE);
                svg.text((32.0, y + 20.0), 15.0, Anchor::Start, "#000000", name);
                svg.bold((308.0, y + 20.0), 15.0, Anchor::End, BLUE, shape);
                if !grad.is_empty() {
                    svg.rect(370.0, y, 340.0, 40.0, "#FBEDE4", VERMILLION);
                    svg.text((382.0, y + 20.0), 14.0, Anchor::Start, "#000000", grad);
                }
                // Forward runs down from each value to the next, past the op between them;
                // backward runs up from each gradient to the one before it.
                let next = y + 2.0 * step;
                if i + 2 < rows.len() {
                    svg.arrow((40.0, y + 40.0), (40.0, next), BLUE, 2.0);
                }
                if i >= 2 && i + 2 < rows.len() {
                    svg.arrow((390.0, next), (390.0, y + 40.0), VERMILLION, 2.0);
                }
            }
            Row::Op(op, weights, grads) => {
                svg.text((56.0, y + 12.0), 14.0, Anchor::Start, "#000000", op);
                if !weights.is_empty() {
                    svg.text((56.0, y + 31.0), 13.0, Anchor::Start, GREY, weights);
                }
                if !grads.is_empty() {
                    svg.text((406.0, y + 20.0), 14.0, Anchor::Start, VERMILLION, grads);
                }
            }
        }
    }
    svg.text(
        (360.0, 550.0),
        13.0,
        Anchor::Middle,
        GREY,
        "B = images per batch (128 by default). Every gradient has the shape of what it is the gradient of.",
    );
    svg.finish(
        "The 784-512-10 network: its layers, and the shapes of what flows forward and backward",
    )
}

// ---------------------------------------------------------------------------------------------
// Chapter 4: a small computation graph with its gradients.

/// `L = (a·b + c)·f` at a = 2, b = −3, c = 10, f = −2 (Karpathy's example): every value
/// and every gradient `∂L/∂v`, the gradients computed here by the chain rule.
pub fn computation_graph() -> String {
    let (a, b, c, f) = (2.0, -3.0, 10.0, -2.0);
    let e = a * b;
    let d = e + c;
    let l = d * f;
    // Backward, from dL/dL = 1.
    let dl = 1.0;
    let (dd, df) = (dl * f, dl * d);
    let (de, dc) = (dd, dd);
    let (da, db) = (de * b, de * a);

    let mut svg = Svg::new(740.0, 330.0);
    let node = |svg: &mut Svg, (x, y): (f64, f64), name: &str, value: f64, grad: f64| {
        svg.rect(x - 52.0, y - 26.0, 104.0, 52.0, "#FFFFFF", "#000000");
        svg.text(
            (x, y - 11.0),
            15.0,
            Anchor::Middle,
            "#000000",
            &format!("{name} = {}", num(value)),
        );
        svg.text(
            (x, y + 12.0),
            14.0,
            Anchor::Middle,
            VERMILLION,
            &format!("grad {}", num(grad)),
        );
    };
    let op = |svg: &mut Svg, (x, y): (f64, f64), symbol: &str| {
        svg.circle((x, y), 17.0, "#F2F2F2", "#000000");
        svg.bold((x, y + 1.0), 17.0, Anchor::Middle, "#000000", symbol);
    };
    let pa = (62.0, 70.0);
    let pb = (62.0, 170.0);
    let times1 = (170.0, 120.0);
    let pe = (270.0, 120.0);
    let pc = (270.0, 230.0);
    let plus = (375.0, 175.0);
    let pd = (475.0, 175.0);
    let pf = (475.0, 280.0);
    let times2 = (580.0, 228.0);
    let pl = (680.0, 228.0);
    let edge = |svg: &mut Svg, from: (f64, f64), to: (f64, f64), dx_from: f64, dx_to: f64| {
        svg.arrow((from.0 + dx_from, from.1), (to.0 - dx_to, to.1), GREY, 1.5);
    };
    edge(&mut svg, pa, times1, 52.0, 18.0);
    edge(&mut svg, pb, times1, 52.0, 18.0);
    edge(&mut svg, times1, pe, 17.0, 52.0);
    edge(&mut svg, pe, plus, 52.0, 18.0);
    edge(&mut svg, pc, plus, 52.0, 18.0);
    edge(&mut svg, plus, pd, 17.0, 52.0);
    edge(&mut svg, pd, times2, 52.0, 18.0);
    edge(&mut svg, pf, times2, 52.0, 18.0);
    edge(&mut svg, times2, pl, 17.0, 52.0);
    op(&mut svg, times1, "×");
    op(&mut svg, plus, "+");
    op(&mut svg, times2, "×");
    node(&mut svg, pa, "a", a, da);
    node(&mut svg, pb, "b", b, db);
    node(&mut svg, pe, "e", e, de);
    node(&mut svg, pc, "c", c, dc);
    node(&mut svg, pd, "d", d, dd);
    node(&mut svg, pf, "f", f, df);
    node(&mut svg, pl, "L", l, dl);
    svg.bold(
        (20.0, 16.0),
        15.0,
        Anchor::Start,
        "#000000",
        "L = (a · b + c) · f",
    );
    let notes = [
        "Forward, left to right: each value from its inputs.",
        "Backward, right to left: a × hands each input the other",
        "input times its own grad; a + passes its grad on unchanged.",
    ];
    for (i, note) in notes.iter().enumerate() {
        svg.text(
            (330.0, 30.0 + 20.0 * i as f64),
            14.0,
            Anchor::Start,
            GREY,
            note,
        );
    }
    svg.finish("A small computation graph: every value and its gradient")
}

// ---------------------------------------------------------------------------------------------
// Chapter 5: convolution, im2col, max-pooling.

const IMAGE: [[f64; 5]; 5] = [
    [1.0, 2.0, 0.0, 1.0, 3.0],
    [0.0, 1.0, 3.0, 2.0, 1.0],
    [2.0, 0.0, 1.0, 0.0, 2.0],
    [1.0, 3.0, 2.0, 1.0, 0.0],
    [0.0, 1.0, 0.0, 2.0, 1.0],
];
const KERNEL: [[f64; 3]; 3] = [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]];

/// The 3×3 output of sliding `KERNEL` over `IMAGE` (cross-correlation, stride 1, no padding).
fn convolve() -> Vec<Vec<f64>> {
    (0..3)
        .map(|i| {
            (0..3)
                .map(|j| {
                    (0..3)
                        .flat_map(|u| (0..3).map(move |v| (u, v)))
                        .map(|(u, v)| IMAGE[i + u][j + v] * KERNEL[u][v])
                        .sum()
                })
                .collect()
        })
        .collect()
}

/// A 3×3 kernel at two of its nine places on a 5×5 image, and the output cells they make.
pub fn conv_sliding() -> String {
    let out = convolve();
    let image: Vec<Vec<f64>> = IMAGE.iter().map(|r| r.to_vec()).collect();
    let kernel: Vec<Vec<f64>> = KERNEL.iter().map(|r| r.to_vec()).collect();
    let (first, second) = ((0usize, 0usize), (1usize, 2usize));
    let in_window =
        |(r, c): (usize, usize), (i, j): (usize, usize)| r >= i && r < i + 3 && c >= j && c < j + 3;
    let mut svg = Svg::new(740.0, 330.0);
    let cell = 40.0;
    let (ix, iy) = (20.0, 60.0);
    svg.bold(
        (ix + 100.0, 30.0),
        15.0,
        Anchor::Middle,
        "#000000",
        "image  [5, 5]",
    );
    let fill = move |r: usize, c: usize| -> &'static str {
        match (in_window((r, c), first), in_window((r, c), second)) {
            (true, true) => "#D9C9E9",
            (true, false) => "#CFE3F3",
            (false, true) => "#F8D9C6",
            (false, false) => "#FFFFFF",
        }
    };
    svg.grid((ix, iy), cell, &grid_of(&image), &fill, 16.0);
    for ((i, j), colour) in [(first, BLUE), (second, VERMILLION)] {
        let _ = writeln!(
            svg.body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{colour}" stroke-width="3.5"/>"#,
            ix + j as f64 * cell + 2.0,
            iy + i as f64 * cell + 2.0,
            3.0 * cell - 4.0,
            3.0 * cell - 4.0
        );
    }
    svg.bold((250.0, iy + 100.0), 24.0, Anchor::Middle, "#000000", "∗");
    let (kx, ky) = (280.0, 100.0);
    svg.bold(
        (kx + 60.0, 80.0),
        15.0,
        Anchor::Middle,
        "#000000",
        "kernel  [3, 3]",
    );
    svg.grid((kx, ky), cell, &grid_of(&kernel), &|_, _| "#F2F2F2", 16.0);
    svg.bold((430.0, iy + 100.0), 24.0, Anchor::Middle, "#000000", "=");
    let (ox, oy) = (460.0, 100.0);
    svg.bold(
        (ox + 60.0, 80.0),
        15.0,
        Anchor::Middle,
        "#000000",
        "output  [3, 3]",
    );
    let out_fill = move |r: usize, c: usize| -> &'static str {
        if (r, c) == first {
            "#CFE3F3"
        } else if (r, c) == second {
            "#F8D9C6"
        } else {
            "#FFFFFF"
        }
    };
    svg.grid((ox, oy), cell, &grid_of(&out), &out_fill, 16.0);
    let sum_text = |(i, j): (usize, usize)| {
        let terms: Vec<String> = (0..3)
            .flat_map(|u| (0..3).map(move |v| (u, v)))
            .filter(|&(u, v)| KERNEL[u][v] != 0.0)
            .map(|(u, v)| format!("{}·{}", num(IMAGE[i + u][j + v]), num(KERNEL[u][v])))
            .collect();
        format!("out[{i},{j}] = {} = {}", terms.join(" + "), num(out[i][j]))
    };
    svg.text((20.0, 290.0), 14.0, Anchor::Start, BLUE, &sum_text(first));
    svg.text(
        (20.0, 314.0),
        14.0,
        Anchor::Start,
        VERMILLION,
        &sum_text(second),
    );
    svg.text(
        (600.0, 130.0),
        13.0,
        Anchor::Start,
        GREY,
        "Each output cell:",
    );
    for (k, line) in [
        "the window under",
        "the kernel, times the",
        "kernel, summed.",
        "9 places for 3×3",
        "on 5×5, stride 1.",
    ]
    .iter()
    .enumerate()
    {
        svg.text(
            (600.0, 150.0 + 20.0 * k as f64),
            13.0,
            Anchor::Start,
            GREY,
            line,
        );
    }
    svg.finish("A 3×3 kernel sliding over a 5×5 image")
}

/// im2col on a 4×4 image with a 2×2 kernel: one row per output position holding the patch
/// under the kernel there, so that the convolution is one matrix product.
pub fn im2col() -> String {
    let image: Vec<Vec<f64>> = (0..4)
        .map(|r| (0..4).map(|c| (4 * r + c + 1) as f64).collect())
        .collect();
    let colours = [BLUE, VERMILLION, GREEN];
    let fills = ["#CFE3F3", "#F8D9C6", "#CCEBE3"];
    let shown = [(0usize, 0usize), (0, 1), (2, 2)];
    let mut svg = Svg::new(740.0, 470.0);
    let cell = 36.0;
    let (ix, iy) = (20.0, 70.0);
    svg.bold(
        (ix + 72.0, 30.0),
        15.0,
        Anchor::Middle,
        "#000000",
        "image  [4, 4]",
    );
    svg.text(
        (ix + 72.0, 50.0),
        13.0,
        Anchor::Middle,
        GREY,
        "kernel 2×2, stride 1",
    );
    let fill = move |r: usize, c: usize| -> &'static str {
        for (k, &(i, j)) in shown.iter().enumerate() {
            if r >= i && r < i + 2 && c >= j && c < j + 2 {
                return fills[k];
            }
        }
        "#FFFFFF"
    };
    svg.grid((ix, iy), cell, &grid_of(&image), &fill, 15.0);
    svg.arrow((180.0, 140.0), (232.0, 140.0), "#000000", 2.0);
    // The patch matrix: 9 rows (output positions) × 4 columns (kernel taps).
    let (mx, my, mc, mr) = (290.0, 70.0, 40.0, 34.0);
    svg.bold(
        (mx + 80.0, 30.0),
        15.0,
        Anchor::Middle,
        "#000000",
        "patch matrix  [9, 4]",
    );
    svg.text(
        (mx + 80.0, 50.0),
        13.0,
        Anchor::Middle,
        GREY,
        "one row per output position",
    );
    for i in 0..3 {
        for j in 0..3 {
            let row = 3 * i + j;
            let y = my + row as f64 * mr;
            let k = shown.iter().position(|&p| p == (i, j));
            let f = k.map_or("#FFFFFF", |k| fills[k]);
            svg.text(
                (mx - 10.0, y + mr / 2.0),
                13.0,
                Anchor::End,
                GREY,
                &format!("({i},{j})"),
            );
            for (t, (u, v)) in [(0, 0), (0, 1), (1, 0), (1, 1)].iter().enumerate() {
                let x = mx + t as f64 * mc;
                svg.rect(x, y, mc, mr, f, GREY);
                svg.text(
                    (x + mc / 2.0, y + mr / 2.0),
                    15.0,
                    Anchor::Middle,
                    "#000000",
                    &num(image[i + u][j + v]),
                );
            }
            if let Some(k) = k {
                let _ = writeln!(
                    svg.body,
                    r#"<rect x="{mx:.1}" y="{y:.1}" width="{:.1}" height="{mr:.1}" fill="none" stroke="{}" stroke-width="3"/>"#,
                    4.0 * mc,
                    colours[k]
                );
            }
        }
    }
    svg.bold((470.0, my + 4.5 * mr), 22.0, Anchor::Middle, "#000000", "×");
    let (kx, ky) = (500.0, my + 2.5 * mr);
    svg.bold(
        (kx + 20.0, ky - 18.0),
        14.0,
        Anchor::Middle,
        "#000000",
        "kernel [4, 1]",
    );
    for (t, name) in ["k₀₀", "k₀₁", "k₁₀", "k₁₁"].iter().enumerate() {
        svg.rect(kx, ky + t as f64 * mr, mc, mr, "#F2F2F2", GREY);
        svg.text(
            (kx + mc / 2.0, ky + t as f64 * mr + mr / 2.0),
            14.0,
            Anchor::Middle,
            "#000000",
            name,
        );
    }
    svg.bold((570.0, my + 4.5 * mr), 22.0, Anchor::Middle, "#000000", "=");
    svg.bold(
        (650.0, my + 3.3 * mr),
        14.0,
        Anchor::Middle,
        "#000000",
        "output [9, 1]",
    );
    svg.text(
        (650.0, my + 4.1 * mr),
        13.0,
        Anchor::Middle,
        GREY,
        "read as [3, 3]",
    );
    let notes = [
        "Each image value is copied into every row whose window covers it (the 6 sits in",
        "four rows). With C channels a row holds C·k·k values, and with many kernels the",
        "kernel column becomes a matrix: the whole layer is one matrix product.",
    ];
    for (k, note) in notes.iter().enumerate() {
        svg.text(
            (20.0, 410.0 + 20.0 * k as f64),
            14.0,
            Anchor::Start,
            GREY,
            note,
        );
    }
    svg.finish(
        "im2col: the patches under the kernel, one per row, make convolution a matrix product",
    )
}

/// 2×2 max-pooling on a 4×4 input, forward; and backward, each output's gradient routed to
/// the input that was the maximum of its window, zero everywhere else.
pub fn maxpool_gradient() -> String {
    let input = [
        [1.0, 3.0, 2.0, 0.0],
        [4.0, 2.0, 1.0, 5.0],
        [0.0, 1.0, 3.0, 2.0],
        [2.0, 6.0, 1.0, 1.0],
    ];
    let upstream = [[0.1, -0.2], [0.3, 0.4]];
    // The position of each window's maximum (first one on ties).
    let argmax = |i: usize, j: usize| {
        let mut best = (2 * i, 2 * j);
        for r in 2 * i..2 * i + 2 {
            for c in 2 * j..2 * j + 2 {
                if input[r][c] > input[best.0][best.1] {
                    best = (r, c);
                }
            }
        }
        best
    };
    let is_max = move |r: usize, c: usize| argmax(r / 2, c / 2) == (r, c);
    let pooled: Vec<Vec<f64>> = (0..2)
        .map(|i| {
            (0..2)
                .map(|j| {
                    let (r, c) = argmax(i, j);
                    input[r][c]
                })
                .collect()
        })
        .collect();
    let grad_in: Vec<Vec<f64>> = (0..4)
        .map(|r| {
            (0..4)
                .map(|c| {
                    if is_max(r, c) {
                        upstream[r / 2][c / 2]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let input_v: Vec<Vec<f64>> = input.iter().map(|r| r.to_vec()).collect();
    let up_v: Vec<Vec<f64>> = upstream.iter().map(|r| r.to_vec()).collect();
    let window_fill =
        |r: usize, c: usize| -> &'static str { ["#FFFFFF", "#F2F2F2"][(r / 2 + c / 2) % 2] };
    let mut svg = Svg::new(740.0, 420.0);
    let cell = 38.0;
    svg.bold(
        (20.0, 22.0),
        15.0,
        Anchor::Start,
        BLUE,
        "Forward: keep the largest value of each 2×2 window",
    );
    svg.grid(
        (40.0, 42.0),
        cell,
        &grid_of(&input_v),
        &|r, c| {
            if is_max(r, c) {
                "#CFE3F3"
            } else {
                window_fill(r, c)
            }
        },
        15.0,
    );
    svg.arrow((215.0, 118.0), (285.0, 118.0), BLUE, 2.5);
    svg.text((250.0, 100.0), 13.0, Anchor::Middle, GREY, "max-pool");
    svg.grid(
        (300.0, 80.0),
        cell,
        &grid_of(&pooled),
        &|_, _| "#CFE3F3",
        15.0,
    );
    svg.text(
        (460.0, 90.0),
        13.0,
        Anchor::Start,
        GREY,
        "The blue cells won their windows;",
    );
    svg.text(
        (460.0, 110.0),
        13.0,
        Anchor::Start,
        GREY,
        "the pooling layer remembers where.",
    );

    svg.bold(
        (20.0, 228.0),
        15.0,
        Anchor::Start,
        VERMILLION,
        "Backward: each gradient goes back to where its maximum came from",
    );
    svg.grid(
        (40.0, 288.0),
        cell,
        &grid_of(&up_v),
        &|_, _| "#F8D9C6",
        15.0,
    );
    svg.text(
        (78.0, 268.0),
        13.0,
        Anchor::Middle,
        GREY,
        "gradient of the output",
    );
    svg.arrow((140.0, 326.0), (210.0, 326.0), VERMILLION, 2.5);
    svg.grid(
        (230.0, 250.0),
        cell,
        &grid_of(&grad_in),
        &|r, c| {
            if is_max(r, c) {
                "#F8D9C6"
            } else {
                window_fill(r, c)
            }
        },
        15.0,
    );
    svg.text(
        (420.0, 290.0),
        13.0,
        Anchor::Start,
        GREY,
        "gradient of the input: the output's",
    );
    svg.text(
        (420.0, 310.0),
        13.0,
        Anchor::Start,
        GREY,
        "gradient at each window's maximum,",
    );
    svg.text(
        (420.0, 330.0),
        13.0,
        Anchor::Start,
        GREY,
        "0 at the three others (nudging them",
    );
    svg.text(
        (420.0, 350.0),
        13.0,
        Anchor::Start,
        GREY,
        "a little changes no maximum).",
    );
    svg.finish("Max-pooling forward, and its gradient routed to each window's maximum")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_convolution_is_the_sum_of_window_times_kernel() {
        let out = convolve();
        // Window at (0, 0): 1·1 + 0·-1 + 0·2 + 3·-2 + 2·1 + 1·-1 = -4, worked by hand.
        assert_eq!(out[0][0], 1.0 - 0.0 + 0.0 - 6.0 + 2.0 - 1.0);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|row| row.len() == 3));
    }

    #[test]
    fn the_perceptron_picture_shows_a_mistake_fixed_by_one_update() {
        let svg = perceptron_update();
        assert!(svg.contains("score w · x = −0.5"), "{svg}");
        assert!(svg.contains("After: score = 2.75"), "{svg}");
    }

    #[test]
    fn the_graph_gradients_are_the_chain_rule_worked_by_hand() {
        let svg = computation_graph();
        for expected in ["a = 2", "grad 6", "b = −3", "grad −4", "L = −8", "d = 4"] {
            assert!(svg.contains(expected), "missing {expected}");
        }
    }
}
