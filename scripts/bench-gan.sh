#!/usr/bin/env bash
# Trains the same MLP GAN on MNIST twice, back to back, with the same data, model, batch size,
# optimiser and thread count: PyTorch (CPU, scripts/bench_gan.py) and 10-gan (--model mlp).
# Prints a markdown table: seconds per epoch (median of epochs 2 and later), images/second,
# peak RSS, and ours relative to PyTorch.
#
#   bash scripts/bench-gan.sh                          # 2 threads, 3 epochs, batch 64
#   THREADS=1 EPOCHS=4 bash scripts/bench-gan.sh
#   TABLE_OUT=book/src/figures/10-gan/bench.md bash scripts/bench-gan.sh   # also save the table
#
# PyTorch comes from a virtual environment (BENCH_VENV, default /work/venvs/bench if it exists,
# else /tmp/smallnets-bench-venv), installed from PyPI on first use: `pip install torch` there
# is the CUDA build, which runs on the CPU as well (a few GB, a few minutes, once).
# Run it on an otherwise idle machine: other work skews both sides. Nothing is timed by the
# test suite; this script is the one place the GAN's speed is compared.
set -euo pipefail
# --help: the comment above; nothing is installed, built or timed.
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
default_venv=/tmp/smallnets-bench-venv
[ -x /work/venvs/bench/bin/python ] && default_venv=/work/venvs/bench
venv="${BENCH_VENV:-$default_venv}"
threads="${THREADS:-2}"
epochs="${EPOCHS:-3}"
batch="${BATCH:-64}"
data="${DATA_DIR:-$root/data/mnist}"
work="$(mktemp -d /tmp/bench-gan.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "setting up PyTorch in $venv (first run only)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --progress-bar off torch numpy >&2
fi

echo "building 10-gan (release)..." >&2
(cd "$root" && cargo build --release --quiet -p gan)
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/10-gan"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(uname -m); load before: $load_before" >&2
results="$work/results.jsonl"

echo "pytorch: $epochs epochs..." >&2
# As in bench-cnn.sh: no OpenBLAS overrides for the wheel, and OpenMP threads that sleep
# rather than spin while they wait (spinning costs PyTorch dearly on a busy machine).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    OMP_NUM_THREADS="$threads" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
    "$venv/bin/python" "$root/scripts/bench_gan.py" --data-dir "$data" \
    --batch-size "$batch" --threads "$threads" --epochs "$epochs" | tail -n 1 >> "$results"

echo "10-gan: $epochs epochs..." >&2
# The same steps; the score at the end is not what is measured here, so a quick scorer and
# few samples keep the run short. Its per-epoch times are the training loop's alone. The
# same model as PyTorch's: one image at a time (10-gan's default packs two) and Adam 2e-4.
images=60000
steps=$(( epochs * ((images + batch - 1) / batch) ))
"$bin" --quiet --part mnist --model mlp --pack 1 --lr 2e-4 --threads "$threads" --batch-size "$batch" \
    --steps "$steps" --samples 100 --scorer-epochs 1 --scorer-train-limit 2000 \
    --data-dir "$data" --out "$work/ours" > "$work/ours.log" 2>&1 \
    || { cat "$work/ours.log" >&2; exit 1; }
python3 - "$work/ours.log" "$work/ours/metrics.json" "$batch" >> "$results" <<'EOF'
import json, re, statistics, sys
log, metrics, batch = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), int(sys.argv[3])
# "epoch 2/3  d_loss 1.2  g_loss 0.8  8100 images/s  (7.4 s)"
seconds = [float(s) for s in re.findall(r"^epoch \d+/\d+ .*images/s  \(([\d.]+) s\)$", log, re.M)]
timed = seconds[1:] or seconds
print(json.dumps({"framework": "10-gan", "version": "0.1.0", "batch_size": batch,
                  "threads": metrics["threads"], "epochs": len(seconds),
                  "seconds_per_epoch": statistics.median(timed), "epoch_seconds": seconds,
                  "peak_rss_mib": metrics["peak_rss_mib"]}))
EOF
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "load after: $load_after" >&2

table="$work/table.md"
python3 - "$results" > "$table" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
names = {"pytorch": "PyTorch", "10-gan": "10-gan (ours)"}
ours = next(r for r in rows if r["framework"] == "10-gan")
print("| framework | seconds per epoch | images/s | peak RSS (MiB) | ours vs this |")
print("|---|---:|---:|---:|---:|")
for r in rows:
    ratio = "" if r is ours else f'{r["seconds_per_epoch"] / ours["seconds_per_epoch"]:.2f}x'
    print(f'| {names[r["framework"]]} {r["version"]} | {r["seconds_per_epoch"]:.2f} '
          f'| {60000 / r["seconds_per_epoch"]:.0f} | {r["peak_rss_mib"]:.0f} | {ratio} |')
EOF
{
    cat "$table"
    echo
    echo "The MLP GAN (generator 64-256-512-784, discriminator 784-512-256-1), batch $batch, Adam 2e-4, $epochs epochs, median of epochs 2 and later. Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $threads threads; load average (1, 5, 15 min) $load_before before and $load_after after. \"ours vs this\" above 1 means 10-gan is faster."
} | tee "${TABLE_OUT:-/dev/null}"
