#!/usr/bin/env bash
# Builds the book into book/book/ and fails on anything mdBook complains about.
#
#   bash scripts/install-mdbook.sh   # once
#   bash scripts/build-book.sh
#
# mdBook exits 0 after some mistakes: an include whose file is missing prints an ERROR and the
# page keeps the raw `{{#include ...}}` text. So this script also fails if mdBook printed any
# ERROR or WARN line. A misspelt anchor is not reported by mdBook at all (it includes nothing),
# so the script then runs the workspace's book checks (tests/book.rs): includes, anchors, line
# ranges, links, images, SUMMARY.md, math, metric markers and the figures' made-at records.
#
# The book's numbers come in through its own preprocessor, book/preprocessor (`mdbook-metrics`,
# see book/README.md), which book.toml runs with `cargo run`; it is built here first, so that
# mdBook does not sit silently through its first compile.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v mdbook >/dev/null 2>&1; then
    echo "error: mdbook is not installed; run: bash scripts/install-mdbook.sh" >&2
    exit 1
fi

echo "== building the book's preprocessor: cargo build -p mdbook-metrics"
cargo build --quiet --locked -p mdbook-metrics

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "== mdbook build book ($(mdbook --version))"
failed=0
status=0
mdbook build book 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
    echo "error: mdbook build failed (exit status $status)" >&2
    failed=1
# mdBook 0.5 logs `ERROR ...` / `WARN ...` (with or without a timestamp in front).
elif grep -E '(^|[[:space:]])(ERROR|WARN)([[:space:]]|$)' "$log" >/dev/null; then
    echo "error: mdbook printed errors or warnings (above); the book is incomplete" >&2
    failed=1
fi

# Run the checks even when the build complained: they name the file and line of every problem.
echo "== book checks: cargo test -p smallnets --test book"
if ! cargo test --quiet -p smallnets --test book; then
    failed=1
fi

if [ "$failed" -ne 0 ]; then
    echo "error: the book has problems (above)" >&2
    exit 1
fi
echo "book built: book/book/index.html"
