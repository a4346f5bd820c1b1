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

# What the chapter shows of a run folder: figures (SVG, PNG, HTML), the numbers (metrics.json,
# results.json), the tables and samples a project writes as Markdown, and the character
# models' learning curves as data (loss_time.json, which chapter 9's `beside` figure reads);
# not checkpoints.
#   copy_shown FROM TO
copy_shown() {
    local from=$1 to=$2
    (cd "$from" && find . -type f \( -name '*.svg' -o -name '*.png' -o -name '*.html' \
        -o -name '*.md' -o -name 'metrics.json' -o -name 'results.json' \
        -o -name 'loss_time.json' \)) |
        while read -r file; do
            mkdir -p "$to/$(dirname "$file")"
            cp "$from/$file" "$to/$file"
        done
}

# One more run of a project, beyond its default one, for the chapter: what it shows goes into
# book/src/figures/PROJECT/NAME/.
#   extra_run PROJECT NAME ARGS...
extra_run() {
    local project=$1 name=$2
    shift 2
    local out="runs/book/$project-${name//\//-}" dest="book/src/figures/$project/$name"
    echo "== $project $* -> $dest"
    rm -rf "$out" "$dest"
    cargo run --release --quiet --bin "$project" -- --quiet --out "$out" "$@"
    copy_shown "$out" "$dest"
}

# Chapter 5's "best configuration", chosen the honest way. Each candidate setting trains on
# the first 55,000 training images and is measured on the last 5,000 (`--validation 5000`),
# never on the test set. The one with the highest validation accuracy then trains on all
# 60,000 and is tested once, into figures/05-cnn/best/. The candidates' table is
# figures/05-cnn/select/selection.md, the choice figures/05-cnn/select/choice.json.
# Seconds of training for each cell in chapter 8's `08-lstm compare` (three cells: about
# three times this, plus the gradient measurements).
LSTM_COMPARE_SECONDS=120

CNN_SELECT_EPOCHS=10
# Chapter 9's race on one budget: 07's RNN and 08's LSTM trained once more, each for about as
# long as 09's default run (421 s in its last run here), into figures/07-rnn/budget/ and
# figures/08-lstm/budget/. Steps, not a clock, so the same seed gives the same curves; set
# from each run's seconds per step (the RNN's last budget run: 49,000 steps in 417 s; the
# LSTM's: 4,200 in 540 s on the engine before, on which 07's Part 2 took a third longer and
# 09's default run a quarter longer than on this one).
BESIDE_RNN_STEPS=49000
BESIDE_LSTM_STEPS=3800
CNN_CANDIDATES=(
    "constant|"
    "cosine|--cosine"
    "augment|--augment"
    "augment-cosine|--augment --cosine"
)
cnn_select_and_train_best() {
    local select="book/src/figures/05-cnn/select"
    rm -rf "$select"
    local best="" best_flags="" best_accuracy="-1"
    local table="| setting | flags | validation accuracy | validation loss |"$'\n'"|---|---|---:|---:|"
    for candidate in "${CNN_CANDIDATES[@]}"; do
        local name="${candidate%%|*}" flags="${candidate#*|}"
        # shellcheck disable=SC2086 # the flags are words
        extra_run 05-cnn "select/$name" --epochs "$CNN_SELECT_EPOCHS" --validation 5000 $flags
        local accuracy loss
        accuracy="$(jq -r '.metrics.validation_accuracy' "$select/$name/metrics.json")"
        loss="$(jq -r '.metrics.validation_loss' "$select/$name/metrics.json")"
        table+=$'\n'"$(printf '| %s | `%s` | %.2f%% | %.4f |' "$name" \
            "--epochs $CNN_SELECT_EPOCHS --validation 5000${flags:+ $flags}" \
            "$(jq -n "$accuracy * 100")" "$loss")"
        if jq -e -n "$accuracy > $best_accuracy" >/dev/null; then
            best="$name" best_flags="$flags" best_accuracy="$accuracy"
        fi
    done
    printf '%s\n' "$table" >"$select/selection.md"
    jq -n --arg setting "$best" --arg flags "--epochs $CNN_SELECT_EPOCHS${best_flags:+ $best_flags}" \
        --argjson validation_accuracy "$best_accuracy" \
        '{setting: $setting, flags: $flags, validation_accuracy: $validation_accuracy}' \
        >"$select/choice.json"
    echo "== chosen on validation: $best ($best_flags), validation accuracy $best_accuracy"
    # shellcheck disable=SC2086
    extra_run 05-cnn best --epochs "$CNN_SELECT_EPOCHS" $best_flags
}

# Chapter 8's learning rate, chosen the honest way. Each candidate trains the LSTM for
# LSTM_SELECT_STEPS steps on the training split alone (the first 90% of Tiny Shakespeare, written
# to runs/book/), which 08-lstm splits 90/10 once more; each is measured on that carved-off
# tenth of the training text, never on the validation split the chapter reports. The table is
# figures/08-lstm/select/selection.md, the choice select/choice.json. 08-lstm's default --lr
# must be the winner: the script stops before the default run if it is not.
LSTM_SELECT_STEPS=1000
LSTM_CANDIDATE_LRS=(0.002 0.005 0.01 0.02)
lstm_select_lr() {
    local select="book/src/figures/08-lstm/select" text="data/text/tinyshakespeare.txt"
    local train_text="runs/book/tinyshakespeare-train.txt"
    rm -rf "$select"
    mkdir -p runs/book
    # 08-lstm's split: the last round(10%) of the characters validate (the text is ASCII, so
    # characters are bytes).
    local chars
    chars="$(wc -c <"$text")"
    head -c "$((chars - (chars + 5) / 10))" "$text" >"$train_text"
    local best="" best_loss=""
    local table="| learning rate (\`--lr\`) | loss on the carved-off tenth of the training split, after $LSTM_SELECT_STEPS steps |"$'\n'"|---:|---:|"
    for lr in "${LSTM_CANDIDATE_LRS[@]}"; do
        local out="runs/book/08-lstm-select-lr-$lr"
        echo "== 08-lstm --lr $lr on the training split -> $select/lr-$lr"
        rm -rf "$out"
        # A learning rate too high can diverge: that candidate's row says so, and the others run.
        if ! cargo run --release --quiet --bin 08-lstm -- --quiet --out "$out" \
            --text "$train_text" --steps "$LSTM_SELECT_STEPS" --lr "$lr"; then
            table+=$'\n'"| $lr | diverged (the run stopped with an error) |"
            continue
        fi
        copy_shown "$out" "$select/lr-$lr"
        local loss
        loss="$(jq -r '.metrics.val_loss' "$select/lr-$lr/metrics.json")"
        table+=$'\n'"$(printf '| %s | %.4f |' "$lr" "$loss")"
        if [ -z "$best" ] || jq -e -n "$loss < $best_loss" >/dev/null; then
            best="$lr" best_loss="$loss"
        fi
    done
    printf '%s\n' "$table" >"$select/selection.md"
    jq -n --argjson lr "$best" --argjson loss "$best_loss" --argjson steps "$LSTM_SELECT_STEPS" \
        '{lr: $lr, carved_validation_loss: $loss, steps: $steps}' >"$select/choice.json"
    echo "== chosen on the carved-off tenth of the training split: --lr $best ($best_loss)"
    local default
    default="$(cargo run --release --quiet --bin 08-lstm -- train --help |
        sed -n '/--lr <LR>/,/default:/s/.*\[default: \(.*\)\]/\1/p')"
    if ! jq -e -n "$default == $best" >/dev/null; then
        echo "error: the selection chose --lr $best, but 08-lstm's default is $default: set the" >&2
        echo "default in projects/08-lstm/src/main.rs (ModelArgs::lr), commit, and run again" >&2
        exit 1
    fi
}

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
    if [ "$project" = 08-lstm ]; then
        lstm_select_lr # first: the default run must use the learning rate it chooses
    fi
    echo "== $project -> $figures"
    rm -rf "$out"
    cargo run --release --quiet --bin "$project" -- --quiet --out "$out"
    mkdir -p "$figures"
    # A project with several experiments (06) writes each into a folder of its own: kept.
    copy_shown "$out" "$figures"
    if [ "$project" = 05-cnn ]; then
        extra_run 05-cnn lenet5 --model lenet5
        cnn_select_and_train_best
    fi
    if [ "$project" = 08-lstm ]; then
        # Chapter 8's comparison: the RNN, the GRU and the LSTM on the same wall-clock budget
        # each, the gradient reaching back through time, and the long-range test.
        compare_out="runs/book/08-lstm-compare" compare_dest="$figures/compare"
        echo "== 08-lstm compare --seconds $LSTM_COMPARE_SECONDS -> $compare_dest"
        rm -rf "$compare_out" "$compare_dest"
        cargo run --release --quiet --bin 08-lstm -- compare --quiet --out "$compare_out" \
            --seconds "$LSTM_COMPARE_SECONDS"
        copy_shown "$compare_out" "$compare_dest"
    fi
    if [ "$project" = 07-rnn ]; then
        extra_run 07-rnn budget --part batched --steps "$BESIDE_RNN_STEPS"
    fi
    if [ "$project" = 08-lstm ]; then
        extra_run 08-lstm budget --steps "$BESIDE_LSTM_STEPS"
    fi
    if [ "$project" = 10-gan ]; then
        # Part 1 with a discriminator that judges one point at a time: mode collapse, which
        # the default's packed discriminator avoids.
        extra_run 10-gan unpacked --part mixture --mixture-pack 1
    fi
    printf '%s\nmade %s by bash scripts/book-figures.sh %s\n' "$made_at" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$project" \
        >"$figures/made-at.txt"
done

# Chapter 9's figure of the three character models' runs on the same axes and about the same
# budget (07's RNN on the text and 08's LSTM from their budget/ runs above, 09's transformer
# from its default run), from the loss_time.json each left in its figure folder: made again
# whenever one of them was, once 09's folder exists. It stops with the name of the record
# that is missing, and the command that makes it.
beside=0
for project in "${projects[@]}"; do
    case "$project" in 07-rnn | 08-lstm | 09-transformer) beside=1 ;; esac
done
if [ "$beside" = 1 ] && [ -d book/src/figures/09-transformer ]; then
    echo "== charlm beside -> book/src/figures/09-transformer/beside.svg, beside.md"
    # `beside` reads FIGURES/NN-name/loss_time.json: a folder laid out that way, of the runs
    # on the one budget.
    race="$(mktemp -d)"
    trap 'rm -rf "$race"' EXIT
    for run in 07-rnn/budget 08-lstm/budget 09-transformer; do
        mkdir -p "$race/${run%%/*}"
        if [ -f "book/src/figures/$run/loss_time.json" ]; then
            cp "book/src/figures/$run/loss_time.json" "$race/${run%%/*}/"
        fi
    done
    cargo run --release --quiet -p charlm --bin beside -- --figures "$race" \
        --out book/src/figures/09-transformer
fi
