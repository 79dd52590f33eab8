#!/usr/bin/env bash
# The batch benchmark: generate a data set, read it once with the csv crate
# (the baseline), then time `goodwill batch` over it, both under
# `/usr/bin/time -v` (wall time and peak memory). BENCHMARKS.md holds the
# figures and how to read them.
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
echo "== baseline: every file read once with the csv crate, one core"
/usr/bin/time -v "$target/release/examples/read_csv" "$dir" 2> "$dir/read_csv.time"
summary < "$dir/read_csv.time"
# For context: the same read as StringRecords, as the csv crate's tutorial
# loop (a new record per row), and deserialized with serde.
for mode in --strings --records --typed; do
    echo "== the same read, $mode"
    "$target/release/examples/read_csv" "$dir" "$mode"
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
