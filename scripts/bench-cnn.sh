#!/usr/bin/env bash
# Trains the essay's Keras CNN on MNIST three ways, back to back, with the same data, batch
# size and thread count: TensorFlow-Keras, PyTorch (CPU) and 05-cnn. Prints a markdown table:
# images/second (median of epochs 2..5), peak RSS, final test accuracy, and ours relative to
# each framework.
#
#   bash scripts/bench-cnn.sh                      # batch 32 and 128, 2 threads, 5 epochs
#   BATCHES="32" THREADS=2 EPOCHS=3 bash scripts/bench-cnn.sh
#   FRAMEWORKS="tensorflow" bash scripts/bench-cnn.sh
#   TABLE_OUT=book/src/figures/05-cnn/bench.md bash scripts/bench-cnn.sh   # also save the table
#
# TensorFlow and PyTorch go into a throwaway virtual environment (BENCH_VENV, default
# /tmp/smallnets-bench-venv), installed from PyPI on first use: a few GB, a few minutes.
# Nothing is timed by the test suite; this script is the one place speed is compared.
set -euo pipefail
# --help: the comment above; nothing is installed, built or timed.
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${BENCH_VENV:-/tmp/smallnets-bench-venv}"
batches="${BATCHES:-32 128}"
threads="${THREADS:-2}"
epochs="${EPOCHS:-5}"
frameworks="${FRAMEWORKS:-tensorflow pytorch}"
data="${DATA_DIR:-$root/data/mnist}"
work="$(mktemp -d /tmp/bench-cnn.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tensorflow, torch" 2>/dev/null; then
    echo "setting up TensorFlow and PyTorch in $venv (first run only)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --progress-bar off tensorflow-cpu torch >&2
fi

echo "building 05-cnn (release)..." >&2
(cd "$root" && cargo build --release --quiet -p cnn)
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/05-cnn"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(uname -m); load before: $load_before" >&2
results="$work/results.jsonl"
for batch in $batches; do
    for framework in $frameworks; do
        echo "batch $batch: $framework..." >&2
        # Some machines here set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds;
        # they slow current wheels down, so they are unset for the Python frameworks only.
        # PyTorch's OpenMP threads spin while they wait for work by default; on a machine
        # whose cores are busy with anything else that spinning costs it 20x (measured: 36
        # against 800 images/s), so they sleep instead unless OMP_WAIT_POLICY says otherwise.
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
            OMP_NUM_THREADS="$threads" TF_NUM_INTRAOP_THREADS="$threads" \
            OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
            "$venv/bin/python" "$root/scripts/bench_cnn.py" --framework "$framework" \
            --data-dir "$data" --batch-size "$batch" --threads "$threads" --epochs "$epochs" \
            | tail -n 1 >> "$results"
    done
    echo "batch $batch: 05-cnn..." >&2
    "$bin" --quiet --threads "$threads" --batch-size "$batch" --epochs "$epochs" \
        --data-dir "$data" --out "$work/ours-$batch" > "$work/ours-$batch.log" 2>&1
    python3 - "$work/ours-$batch/metrics.json" "$batch" >> "$results" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"framework": "05-cnn", "version": "0.1.0", "batch_size": int(sys.argv[2]),
                  "threads": m["threads"], "epochs": m["epochs"],
                  "examples_per_second": m["examples_per_second"],
                  "peak_rss_mib": m["peak_rss_mib"],
                  "test_accuracy": m["metrics"]["test_accuracy"]}))
EOF
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "load after: $load_after" >&2

table="$work/table.md"
python3 - "$results" > "$table" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
names = {"tensorflow": "TensorFlow-Keras", "pytorch": "PyTorch", "05-cnn": "05-cnn (ours)"}
print("| batch | framework | images/s | peak RSS (MiB) | test accuracy | ours vs this |")
print("|---:|---|---:|---:|---:|---:|")
for batch in sorted({r["batch_size"] for r in rows}):
    group = [r for r in rows if r["batch_size"] == batch]
    ours = next((r for r in group if r["framework"] == "05-cnn"), None)
    for r in group:
        ratio = ""
        if ours and r is not ours:
            ratio = f'{ours["examples_per_second"] / r["examples_per_second"]:.2f}x'
        name = f'{names[r["framework"]]} {r["version"]}'
        print(f'| {batch} | {name} | {r["examples_per_second"]:.0f} | {r["peak_rss_mib"]:.0f} '
              f'| {100 * r["test_accuracy"]:.2f}% | {ratio} |')
EOF
{
    cat "$table"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $threads threads, $epochs epochs; load average (1, 5, 15 min) $load_before before and $load_after after."
} | tee "${TABLE_OUT:-/dev/null}"
