#!/usr/bin/env bash
# Times a 09-transformer training step beside PyTorch's, in the same script run, on the same
# data, model, batch, optimiser and threads, and prints a markdown table (median ms/step).
#
# The configuration is issue 17's: 4 layers, 4 heads, width 128, T = 64, B = 12, dropout 0,
# AdamW and gradient clipping. PyTorch runs twice: attention written out as 09 writes it
# (matmul, mask, softmax, matmul; scripts/bench_transformer.py) and with its fused
# scaled_dot_product_attention.
#
#   bash scripts/bench-transformer.sh
#   THREADS=1 STEPS=100 bash scripts/bench-transformer.sh
#   TABLE_OUT=book/src/figures/09-transformer/bench.md bash scripts/bench-transformer.sh
#   BENCH_VENV=/work/venvs/bench bash scripts/bench-transformer.sh   # an existing venv with torch
#   ROUNDS=5 bash scripts/bench-transformer.sh   # more rounds (default 3)
#   MEMORY_OUT=book/src/figures/09-transformer/memory.json bash scripts/bench-transformer.sh
#
# The three run in turn, ROUNDS times over (PyTorch, PyTorch fused, ours, PyTorch, ...), and
# the table gives the median of each one's rounds with their range: on a shared machine one
# run can be 10% slower than the next, and taking turns spreads any slow spell over all three.
#
# With MEMORY_OUT it also writes the peak memory of training steps alone at T = 64, 128 and
# 256 (B = 12; examples/gpt_step_probe.rs, one process each), for chapter 9's memory remark.
#
# PyTorch goes into a throwaway virtual environment (BENCH_VENV, default
# /tmp/smallnets-transformer-bench-venv), installed from PyPI on first use (PyPI's torch is the
# CUDA build; it runs on the CPU here). Nothing is timed by the test suite; this script is
# where speed is compared. Run it on an otherwise idle machine (here: under `quiet`).
set -euo pipefail
# --help: the comment above; nothing is installed, built or timed.
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${BENCH_VENV:-/tmp/smallnets-transformer-bench-venv}"
threads="${THREADS:-2}"
steps="${STEPS:-200}"
text="${TEXT:-$root/data/text/tinyshakespeare.txt}"
shape=(--layers 4 --heads 4 --width 128 --seq-len 64 --batch-size 12)
work="$(mktemp -d /tmp/bench-transformer.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    echo "setting up PyTorch in $venv (first run only)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --progress-bar off torch >&2
fi

echo "building 09-transformer (release)..." >&2
(cd "$root" && cargo build --release --quiet -p transformer --bin 09-transformer --example gpt_step_probe)
bin="${CARGO_TARGET_DIR:-$root/target}/release/09-transformer"

# As in bench-rnn.sh: old OpenBLAS settings slow current wheels; OpenMP threads sleep while
# they wait for work.
python_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}")
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(uname -m); load before: $load_before" >&2
rounds="${ROUNDS:-3}"
for round in $(seq 1 "$rounds"); do
    for fused in "" --sdpa; do
        echo "round $round of $rounds: PyTorch ${fused:-(attention written out)}, $steps steps on $threads threads..." >&2
        "${python_env[@]}" OMP_NUM_THREADS="$threads" "$venv/bin/python" "$root/scripts/bench_transformer.py" \
            "$text" --threads "$threads" --steps "$steps" "${shape[@]}" $fused | tail -n 1 >> "$work/pytorch.jsonl"
    done
    echo "round $round of $rounds: 09-transformer, $steps steps on $threads threads..." >&2
    "$bin" --quiet --threads "$threads" --steps "$steps" --eval-every "$steps" "${shape[@]}" \
        --lr 1e-3 --text "$text" --out "$work/ours-$round" > "$work/ours.log" 2>&1
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "load after: $load_after" >&2
python3 - "$work/pytorch.jsonl" "$threads" "$rounds" "$work"/ours-*/speed.json > "$work/table.md" <<'PY'
import json, statistics, sys
def summary(times):
    return statistics.median(times), min(times), max(times)
ours, ours_low, ours_high = summary([json.load(open(p))["ms_per_step"] for p in sys.argv[4:]])
peers = {}
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        peers.setdefault(f'{r["implementation"]} {r["version"]}', []).append(r["ms_per_step_median"])
print(f"| one training step: 4 layers, 4 heads, width 128, T 64, B 12, {sys.argv[2]} threads | ms/step (median of {sys.argv[3]} runs) | range | 09-transformer vs this |")
print("|---|---:|---:|---:|")
for name, times in peers.items():
    median, low, high = summary(times)
    print(f"| {name} | {median:.1f} | {low:.1f}-{high:.1f} | {median / ours:.2f}x |")
print(f"| 09-transformer (ours) | {ours:.1f} | {ours_low:.1f}-{ours_high:.1f} | |")
PY
{
    cat "$work/table.md"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $threads threads, each run $steps steps after warm-up (its median step), $rounds runs each, taking turns; load average (1, 5, 15 min) $load_before before and $load_after after. \"09-transformer vs this\" above 1 means 09-transformer is faster."
} | tee "${TABLE_OUT:-/dev/null}"

if [ -n "${MEMORY_OUT:-}" ]; then
    probe="${CARGO_TARGET_DIR:-$root/target}/release/examples/gpt_step_probe"
    for t in 64 128 256; do
        echo "memory of training steps at T = $t..." >&2
        "$probe" 10 "$threads" "$t" 12 | tail -n 1 >> "$work/memory.jsonl"
    done
    python3 - "$work/memory.jsonl" > "$work/memory.json" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(json.dumps({f"t{r['seq_len']}": r for r in rows}, indent=2))
PY
    cp "$work/memory.json" "$MEMORY_OUT.tmp" && mv "$MEMORY_OUT.tmp" "$MEMORY_OUT"
    cat "$MEMORY_OUT"
fi
