//! The committed diagrams are what the code draws, and each is legible in the book's column.

use std::path::PathBuf;

fn committed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src/figures/diagrams")
}

#[test]
fn every_committed_diagram_is_what_the_code_draws() {
    for (name, svg) in book_diagrams::all() {
        let path = committed_dir().join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {} ({e}); draw the diagrams with `cargo run -p book-diagrams`",
                path.display()
            )
        });
        assert!(
            committed == svg,
            "{} differs from what book/diagrams draws; run `cargo run -p book-diagrams` and \
             commit the result",
            path.display()
        );
    }
}

#[test]
fn every_diagram_is_well_formed_fits_the_column_and_has_no_small_text() {
    for (name, svg) in book_diagrams::all() {
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{name} is not well-formed XML: {e}"));
        let root = doc.root_element();
        let width: f64 = root.attribute("width").unwrap().parse().unwrap();
        assert!(
            width <= book_diagrams::MAX_WIDTH,
            "{name} is {width} px wide; the column is {} px",
            book_diagrams::MAX_WIDTH
        );
        let mut texts = 0;
        for text in doc.descendants().filter(|n| n.has_tag_name("text")) {
            texts += 1;
            let size: f64 = text.attribute("font-size").unwrap().parse().unwrap();
            assert!(
                size >= book_diagrams::MIN_FONT,
                "{name}: `{}` is {size} px",
                text.text().unwrap_or("")
            );
        }
        assert!(texts > 5, "{name} has only {texts} labels");
    }
}
