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
set -euo pipefail
cd "$(dirname "$0")/.."

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
    echo "== $project -> $figures"
    rm -rf "$out"
    cargo run --release --quiet --bin "$project" -- --quiet --out "$out"
    mkdir -p "$figures"
    # Only what the chapter shows: figures and the numbers (a project with several experiments,
    # 06, writes each into a folder of its own: those are kept), not checkpoints.
    (cd "$out" && find . -type f \( -name '*.svg' -o -name '*.png' -o -name 'metrics.json' -o -name 'metrics.md' \
        -o -name 'table.md' -o -name 'times.md' -o -name 'results.json' \)) |
        while read -r file; do
            mkdir -p "$figures/$(dirname "$file")"
            cp "$out/$file" "$figures/$file"
        done
done
