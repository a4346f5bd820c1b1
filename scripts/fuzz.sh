#!/usr/bin/env bash
# Feeds N damaged inputs to a parser and reports any that panics, takes over 1 s, or asks
# for over 1 GiB (see shared/fuzz):
#
#   scripts/fuzz.sh PARSER N [FLAGS]    PARSER: idx csv text digit checkpoint charlm charmodel gan,
#                                       or all
#   scripts/fuzz.sh --list              the parsers and what each feeds
#
# FLAGS go to the fuzzer: --seed S (other mutations), --start I (continue a run, or split
# one into slices), --only I --save FILE (replay one input). Exit status 0: no findings;
# 1: findings (listed, with the command that replays each; their bytes in target/fuzz/).
# A hang or a huge allocation stops the run at once with its replay command.
#
# Builds with --release (about 30,000 IDX inputs a second); FUZZ_PROFILE=dev uses the dev
# build that `cargo test --workspace` already made (what CI does, for its 10,000 a parser).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--list" ]; then
    set -- --list
elif [ $# -lt 2 ]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
else
    parser=$1 n=$2
    shift 2
    set -- "$parser" --inputs "$n" "$@"
fi

profile=${FUZZ_PROFILE:-release}
case "$profile" in
    dev) dir=debug ;;
    *) dir=$profile ;;
esac
cargo build --quiet --profile "$profile" -p fuzz
exec "target/$dir/fuzz" "$@"
