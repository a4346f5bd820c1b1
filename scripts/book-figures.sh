#!/usr/bin/env bash
# Regenerates the figures and numbers the book shows, from real runs of the projects.
#
#   bash scripts/book-figures.sh                  # every project
#   bash scripts/book-figures.sh 01-perceptron    # just one (or several)
#
# Each project runs with its defaults (release build, seed 42) into runs/book/NN-name/, then
# its figures (SVG, PNG), metrics.json and metrics.md (the results table) are copied into
# book/src/figures/NN-name/, where the chapter includes them. Nothing measured is typed by
# hand: rerun this after changing a project, and commit what changed.
#
# Each figure folder also gets `made-at.txt`, naming the commit whose code made the figures.
# The book checks (tests/book.rs) fail when the project's code, or a shared crate it uses, has
# changed since that commit: rerun this script then. So commit your code first, then run this,
# then commit the figures; with uncommitted changes to the project or shared/ the script stops
# (set BOOK_FIGURES_ALLOW_DIRTY=1 to run anyway: made-at.txt then says `dirty`, which the
# checks report as stale until the figures are made again from committed code).
set -euo pipefail
cd "$(dirname "$0")/.."

commit=""
if git rev-parse --verify --quiet HEAD >/dev/null 2>&1; then
    commit="$(git rev-parse HEAD)"
else
    echo "warning: not in a git checkout; made-at.txt will not name a commit" >&2
fi

if [ "$#" -gt 0 ]; then
    projects=("$@")
else
    projects=()
    for dir in projects/*/; do projects+=("$(basename "$dir")"); done
fi

for project in "${projects[@]}"; do
    if [ ! -f "projects/$project/Cargo.toml" ]; then
        echo "error: projects/$project does not exist; give a folder name such as 01-perceptron" >&2
        exit 2
    fi
    out="runs/book/$project"
    figures="book/src/figures/$project"
    made_at="commit ${commit:-unknown}"
    if [ -n "$commit" ] && [ -n "$(git status --porcelain -- "projects/$project" shared)" ]; then
        if [ "${BOOK_FIGURES_ALLOW_DIRTY:-0}" != "1" ]; then
            echo "error: projects/$project or shared/ has uncommitted changes, so no commit names the" >&2
            echo "code these figures would come from. Commit them first (or set" >&2
            echo "BOOK_FIGURES_ALLOW_DIRTY=1 to try things out; the book checks then call the figures stale)." >&2
            git status --short -- "projects/$project" shared >&2
            exit 1
        fi
        made_at="commit $commit dirty"
    fi
    echo "== $project -> $figures"
    rm -rf "$out"
    cargo run --release --quiet --bin "$project" -- --quiet --out "$out"
    mkdir -p "$figures"
    # Only what the chapter shows: figures and the numbers, not checkpoints.
    find "$out" -maxdepth 1 -type f \( -name '*.svg' -o -name '*.png' -o -name 'metrics.json' -o -name 'metrics.md' \) \
        -exec cp {} "$figures/" \;
    printf '%s\nmade %s by bash scripts/book-figures.sh %s\n' "$made_at" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$project" \
        >"$figures/made-at.txt"
done
