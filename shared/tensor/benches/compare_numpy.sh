#!/usr/bin/env bash
# Our GEMM and conv2d benchmark side by side with numpy's OpenBLAS sgemm, on the same
# machine in the same session. The machine may be shared, so each round runs ours and then
# numpy for one thread count, ROUNDS times, and the medians are reported per case.
#
#   bash shared/tensor/benches/compare_numpy.sh [ROUNDS] [PYTHON]
#
# PYTHON must have numpy (e.g. python3 -m venv /tmp/npvenv && /tmp/npvenv/bin/pip install numpy).
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for numpy alone: on some machines they are
# set to work around old OpenBLAS bugs, and they slow a current numpy down.
set -euo pipefail
rounds=${1:-5}
python=${2:-python3}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../.."
cargo build --release -q -p tensor --example gemm
bin="${CARGO_TARGET_DIR:-target}/release/examples/gemm"
raw=$(mktemp)
for round in $(seq "$rounds"); do
    for t in 1 2; do
        "$bin" --threads "$t" | sed 's/^/ours /' >>"$raw"
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" \
            "$python" "$here/numpy_gemm.py" "$t" | sed 's/^/numpy /' >>"$raw"
    done
    "$bin" --only matrixmultiply | sed 's/^/ours /' >>"$raw"
done
"$python" - "$raw" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    who, *fields = line.split()
    *case, gflops = fields
    runs[(who, " ".join(case))].append(float(gflops.split("=")[1]))
median = {key: statistics.median(v) for key, v in runs.items()}
print(f"medians of {len(next(iter(runs.values())))} rounds")
for (who, case), g in median.items():
    if who != "ours":
        continue
    line = f"{case} gflops={g:.1f}"
    theirs = median.get(("numpy", case))
    if theirs:
        line += f"  numpy={theirs:.1f}  ratio={g / theirs:.2f}"
    print(line)
PY
rm -f "$raw"
