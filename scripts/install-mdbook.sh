#!/usr/bin/env bash
# Installs the mdBook that builds `book/`, pinned so every machine renders the same book.
#
#   bash scripts/install-mdbook.sh        # then: mdbook serve book   (or bash scripts/build-book.sh)
#
# It compiles mdBook from crates.io with `cargo install --locked` (a few minutes on 2 cores,
# once) and does nothing if `mdbook --version` already reports the pinned version. The book's
# math is rendered by a copy of MathJax committed under book/theme/mathjax/ (see
# book/README.md), so nothing is fetched when a page is viewed. Its one preprocessor,
# `mdbook-metrics` (numbers from runs), is a crate of this workspace: book.toml runs it with
# `cargo run`, and scripts/build-book.sh builds it first; nothing to install for it here.
set -euo pipefail

MDBOOK_VERSION="0.5.4"

if command -v mdbook >/dev/null 2>&1 && [ "$(mdbook --version)" = "mdbook v${MDBOOK_VERSION}" ]; then
    echo "mdbook v${MDBOOK_VERSION} is already installed: $(command -v mdbook)"
    exit 0
fi

echo "installing mdbook v${MDBOOK_VERSION} (compiles from source; a few minutes)..."
cargo install --locked --version "${MDBOOK_VERSION}" mdbook
mdbook --version
