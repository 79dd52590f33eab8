#!/usr/bin/env bash
# The batch benchmark: generate a data set, read it once with the csv crate
# (the baseline), then time `goodwill batch` over it, both under
# `/usr/bin/time -v` (wall time and peak memory), and last the batch's wall
# time in reads of each kind (the goal: within 2 reads). BENCHMARKS.md holds
# the figures and how to read them.
#
#   benches/batch.sh [DIR] [N]
#
# DIR (default: target/bench-data) receives the data; it is generated with
# `examples/gen_data.rs` for N customers and N incidents (default 1000000)
# unless DIR/incidents.csv exists already (e.g. made by another generator).
# GOODWILL_TIMINGS=1 makes goodwill print its phase timings.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/bench-data}
n=${2:-1000000}
cargo build --release --quiet --bin goodwill --example gen_data --example read_csv
target=${CARGO_TARGET_DIR:-target}
if [ ! -f "$dir/incidents.csv" ]; then
    echo "generating $n customers and $n incidents in $dir"
    "$target/release/examples/gen_data" "$dir" --customers "$n" --incidents "$n"
fi
ls -l "$dir"
summary() { grep -E "Elapsed|Maximum resident|User time|System time|Percent of CPU"; }
# Warm the page cache so both runs read from memory.
cat "$dir"/*.csv > /dev/null
# The seconds a read_csv run reports ("... in 0.570 s").
seconds() { sed -n 's/.* in \([0-9.]*\) s$/\1/p'; }
declare -A took
echo "== baseline: every file read once with the csv crate, one core"
out=$(/usr/bin/time -v "$target/release/examples/read_csv" "$dir" 2> "$dir/read_csv.time")
echo "$out"
took[bytes]=$(seconds <<< "$out")
summary < "$dir/read_csv.time"
# For context: the same read as StringRecords, as the csv crate's tutorial
# loop (a new record per row), and deserialized with serde.
for mode in --strings --records --typed; do
    echo "== the same read, $mode"
    out=$("$target/release/examples/read_csv" "$dir" "$mode")
    echo "$out"
    took[$mode]=$(seconds <<< "$out")
done
echo "== goodwill batch, default policy"
status=0
GOODWILL_TIMINGS=1 /usr/bin/time -v "$target/release/goodwill" batch "$dir/incidents.csv" \
    --history "$dir/history.csv" --customers "$dir/customers.csv" --ledger "$dir/ledger.csv" \
    -o "$dir/answers.csv" --quiet 2> "$dir/batch.time" || status=$?
grep -E "^timing" "$dir/batch.time" || true
summary < "$dir/batch.time"
grep -E "rows rejected" "$dir/batch.time" || true
# Exit code 3 (rejected rows) is expected when the data holds unknown kinds.
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    cat "$dir/batch.time"
    exit "$status"
fi
# The batch's wall time in reads of each kind (the goal: within 2 reads).
wall=$(awk -F': ' '/Elapsed/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' \
    "$dir/batch.time")
echo "== the batch ($wall s) in reads of the same files"
for mode in bytes --strings --records --typed; do
    awk -v w="$wall" -v r="${took[$mode]}" -v m="$mode" 'BEGIN { printf "%-10s %.2f s: %.2f reads\n", m, r, w / r }'
done
