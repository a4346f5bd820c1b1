#!/usr/bin/env bash
# Times 07-rnn beside the Python programs it is measured against, in the same script run, on
# the same data and settings, and prints two markdown tables:
#
#   Part 1: min-char-rnn (hidden 100, 25 steps, Adagrad), numpy's (scripts/min_char_rnn.py,
#           Karpathy's program ported to Python 3) against 07-rnn's, one thread each:
#           iterations per second, and ours relative to numpy.
#   Part 2: a character-RNN training step (H 256, T 64, B 32, Adam, clipping), PyTorch's
#           nn.RNN (scripts/bench_rnn.py) against 07-rnn's, on THREADS threads: median ms/step.
#   Part 3: 2 x 256 LSTM and GRU training steps (T 64, B 32, dropout 0.1, Adam, clipping),
#           PyTorch's nn.LSTM / nn.GRU (scripts/bench_lstm.py) against 08-lstm's
#           (its step_probe example), on THREADS threads: median ms/step, the two taking
#           turns ROUNDS times (default 3). PARTS=3 for it alone.
#
#   bash scripts/bench-rnn.sh                                  # both parts
#   PARTS=1 bash scripts/bench-rnn.sh                          # Part 1 only (numpy)
#   THREADS=1 STEPS=200 bash scripts/bench-rnn.sh
#   TABLE_OUT=book/src/figures/07-rnn/bench.md bash scripts/bench-rnn.sh   # also save the tables
#   BENCH_VENV=/work/venvs/bench bash scripts/bench-rnn.sh     # an existing venv with numpy, torch
#
# numpy and PyTorch go into a throwaway virtual environment (BENCH_VENV, default
# /tmp/smallnets-rnn-bench-venv), installed from PyPI on first use (PyPI's torch is the CUDA
# build; it runs on the CPU here). Nothing is timed by the test suite; this script is where
# speed is compared. Run it on an otherwise idle machine (here: under `quiet`).
set -euo pipefail
# --help: the comment above; nothing is installed, built or timed.
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${BENCH_VENV:-/tmp/smallnets-rnn-bench-venv}"
parts="${PARTS:-1 2 3}"
threads="${THREADS:-2}"
iterations="${ITERATIONS:-5000}"
steps="${STEPS:-300}"
text="${TEXT:-$root/data/text/tinyshakespeare.txt}"
work="$(mktemp -d /tmp/bench-rnn.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import numpy, torch" 2>/dev/null; then
    echo "setting up numpy and PyTorch in $venv (first run only)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --progress-bar off numpy torch >&2
fi

echo "building 07-rnn (release)..." >&2
(cd "$root" && cargo build --release --quiet -p rnn)
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/07-rnn"

# Some machines here set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow
# current wheels down, so they are unset for Python. PyTorch's OpenMP threads sleep while they
# wait for work unless OMP_WAIT_POLICY says otherwise (spinning cost it dearly on busy cores).
python_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}")
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(uname -m); load before: $load_before" >&2
tables="$work/tables.md"
: > "$tables"

if [[ " $parts " == *" 1 "* ]]; then
    echo "part 1: numpy min-char-rnn, $iterations iterations..." >&2
    numpy_json="$("${python_env[@]}" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        "$venv/bin/python" "$root/scripts/min_char_rnn.py" "$text" --iterations "$iterations" --quiet | tail -n 1)"
    echo "part 1: 07-rnn, $iterations iterations..." >&2
    MATMUL_NUM_THREADS=1 "$bin" --quiet --threads 1 --part minimal --minimal-iterations "$iterations" \
        --text "$text" --out "$work/ours-1" > "$work/ours-1.log" 2>&1
    python3 - "$work/ours-1/speed.json" "$numpy_json" >> "$tables" <<'EOF'
import json, sys
ours = json.load(open(sys.argv[1]))["minimal_iterations_per_second"]
numpy = json.loads(sys.argv[2])
print("| Part 1: min-char-rnn, 1 thread | iterations/s | 07-rnn vs this |")
print("|---|---:|---:|")
print(f'| numpy {numpy["numpy"]} (Karpathy\'s program) | {numpy["iterations_per_second"]:.0f} | {ours / numpy["iterations_per_second"]:.2f}x |')
print(f"| 07-rnn (ours) | {ours:.0f} | |")
print()
EOF
fi

if [[ " $parts " == *" 2 "* ]]; then
    results="$work/part2.jsonl"
    for input in one-hot embedding; do
        echo "part 2: PyTorch nn.RNN ($input input), $steps steps on $threads threads..." >&2
        "${python_env[@]}" OMP_NUM_THREADS="$threads" "$venv/bin/python" "$root/scripts/bench_rnn.py" \
            "$text" --threads "$threads" --steps "$steps" --input "$input" | tail -n 1 >> "$results"
    done
    echo "part 2: 07-rnn, $steps steps on $threads threads..." >&2
    "$bin" --quiet --threads "$threads" --part batched --steps "$steps" --text "$text" \
        --out "$work/ours-2" > "$work/ours-2.log" 2>&1
    python3 - "$work/ours-2/metrics.json" "$work/ours-2/speed.json" "$results" >> "$tables" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))["ms_per_step"]
rows = [json.loads(line) for line in open(sys.argv[3]) if line.strip()]
print(f"| Part 2: one training step, H 256, T 64, B 32, {m['threads']} threads | ms/step (median) | 07-rnn vs this |")
print("|---|---:|---:|")
for r in rows:
    print(f'| {r["implementation"]} {r["version"]} | {r["ms_per_step_median"]:.1f} | {r["ms_per_step_median"] / ours:.2f}x |')
print(f"| 07-rnn (ours) | {ours:.1f} | |")
print()
EOF
fi

if [[ " $parts " == *" 3 "* ]]; then
    echo "building 08-lstm's step probe (release)..." >&2
    (cd "$root" && cargo build --release --quiet -p lstm --example step_probe)
    lstm_steps="${LSTM_STEPS:-100}"
    # PyTorch and 08-lstm take turns, ROUNDS times, and each cell's row gives the median run
    # of each and its range: one run each let a slow spell on a shared host land on one side.
    rounds="${ROUNDS:-3}"
    echo "| Part 3: one training step, 2 x 256, T 64, B 32, $threads threads | PyTorch ms/step (median of $rounds runs) | range | 08-lstm ms/step (median of $rounds runs) | range | 08-lstm vs PyTorch |" >> "$tables"
    echo "|---|---:|---:|---:|---:|---:|" >> "$tables"
    for cell in lstm gru; do
        : > "$work/torch-$cell.jsonl"
        : > "$work/ours-$cell.txt"
        for round in $(seq 1 "$rounds"); do
            echo "part 3, round $round of $rounds: PyTorch $cell, $lstm_steps steps on $threads threads..." >&2
            "${python_env[@]}" OMP_NUM_THREADS="$threads" "$venv/bin/python" "$root/scripts/bench_lstm.py" \
                "$text" --cell "$cell" --threads "$threads" --steps "$lstm_steps" | tail -n 1 >> "$work/torch-$cell.jsonl"
            echo "part 3, round $round of $rounds: 08-lstm $cell, $lstm_steps steps on $threads threads..." >&2
            "$target/release/examples/step_probe" "$cell" "$lstm_steps" "$threads" >> "$work/ours-$cell.txt"
        done
        python3 - "$work/torch-$cell.jsonl" "$work/ours-$cell.txt" "$cell" >> "$tables" <<'EOF2'
import json, re, statistics, sys
torch = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ours = [float(m) for m in re.findall(r"median ([0-9.]+) ms/step", open(sys.argv[2]).read())]
theirs = [t["ms_per_step_median"] for t in torch]
t, o = statistics.median(theirs), statistics.median(ours)
print(f'| {sys.argv[3].upper()} (PyTorch {torch[0]["version"]}) | {t:.1f} | {min(theirs):.1f}-{max(theirs):.1f} '
      f'| {o:.1f} | {min(ours):.1f}-{max(ours):.1f} | {t / o:.2f}x |')
EOF2
    done
    echo >> "$tables"
fi

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "load after: $load_after" >&2
{
    cat "$tables"
    # The caption names only the parts that ran.
    what=""
    [[ " $parts " == *" 1 "* ]] && what+="; Part 1 on 1 thread, $iterations iterations"
    [[ " $parts " == *" 2 "* ]] && what+="; Part 2 on $threads threads, $steps steps"
    [[ " $parts " == *" 3 "* ]] && what+="; Part 3 on $threads threads, $lstm_steps timed steps a run, $rounds runs each, taking turns"
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))$what; load average (1, 5, 15 min) $load_before before and $load_after after. Above 1 in the last column, ours is faster."
} | tee "${TABLE_OUT:-/dev/null}"
