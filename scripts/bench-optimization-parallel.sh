#!/usr/bin/env bash
# Chapter 6 runs many small trainings. Are two of them side by side, one thread each
# (`--parallel runs`, the default), faster than one at a time with every op split between
# two threads (`--parallel ops`)? This times both, on two experiments: `optimizers` (small
# MLPs) and `small-data` (chapter 5's CNN), one seed each to keep it short (about five
# minutes on two cores), and writes the table the book's appendix includes.
#
#   bash scripts/bench-optimization-parallel.sh              # writes book/src/figures/06-optimization/parallel.md
#   bash scripts/bench-optimization-parallel.sh /tmp/x.md    # or elsewhere
#
# Run it on an otherwise idle machine: the times are wall times.
set -euo pipefail
# --help: the comment above; nothing is installed, built or timed.
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
fi
cd "$(dirname "$0")/.."
table="${1:-book/src/figures/06-optimization/parallel.md}"

echo "== building 06-optimization (release)"
cargo build --release --quiet --bin 06-optimization
binary=target/release/06-optimization
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# A number from a metrics.json: `"train_seconds": 61.2,` -> 61.2
field() { sed -n "s/^ *\"$2\": \([0-9.]*\).*/\1/p" "$1/metrics.json"; }

{
    echo "| experiment | optimiser steps | one at a time, ops on 2 threads (s) | two side by side, 1 thread each (s) | speed-up |"
    echo "|---|---:|---:|---:|---:|"
} > "$out/table.md"
for experiment in optimizers small-data; do
    for mode in ops runs; do
        echo "== $experiment, --parallel $mode"
        "$binary" "$experiment" --seeds 1 --threads 2 --parallel "$mode" --quiet --out "$out/$experiment-$mode" > /dev/null
    done
    ops=$(field "$out/$experiment-ops" train_seconds)
    runs=$(field "$out/$experiment-runs" train_seconds)
    speedup=$(awk -v a="$ops" -v b="$runs" 'BEGIN { printf "%.2fx", a / b }')
    steps=$(field "$out/$experiment-runs" steps)
    echo "| \`$experiment --seeds 1\` | $steps | $ops | $runs | $speedup |" >> "$out/table.md"
done
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
printf '\nMeasured %s on %s cores (%s), `--threads 2`; load average (1, 5, 15 min) after: %s.\n' \
    "$(date +%Y-%m-%d)" "$(nproc)" "$cpu" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/table.md"
mkdir -p "$(dirname "$table")"
cp "$out/table.md" "$table"
cat "$table"
