#!/usr/bin/env bash
# Benchmarks `drydock check`:
#  1. replaying a generated directory (800 files, ~3,000 statements) with tracing, against one psql
#     session replaying the same files into the same server (target: at most 1.5x psql);
#  2. provider start-up: local (target < 2 s) and docker with the image present (target < 3 s).
# Usage: scripts/bench-check.sh [FILES] [STATEMENTS]   (DRYDOCK_BENCH_IMAGE picks the image)
set -euo pipefail
cd "$(dirname "$0")/.."
files="${1:-800}"
statements="${2:-3000}"
image="${DRYDOCK_BENCH_IMAGE:-${DRYDOCK_TEST_IMAGE:-drydock-standin/postgres:15}}"
cargo build --release --quiet
bin="$PWD/target/release/drydock"

source scripts/pg-cluster.sh

python3 scripts/gen-migrations.py "$work/migrations" "$files" "$statements"
# One server for both, the way the local provider runs it.
start_cluster
sql() { "$pgbin/psql" -X -q -h "$work" -U postgres -d postgres -c "$1" >/dev/null; }
now() { date +%s.%N; }

# psql: every file, in order, in one session (autocommit, as psql runs files).
mapfile -t sqlfiles < <(ls "$work"/migrations/*.sql | sort)
fargs=()
for f in "${sqlfiles[@]}"; do fargs+=(-f "$f"); done
psql_times=()
drydock_times=()
apply_times=()
for run in 1 2 3; do
    sql "CREATE DATABASE replay_$run"
    start=$(now)
    "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -U postgres -d "replay_$run" "${fargs[@]}" >/dev/null
    psql_times+=("$(echo "$(now) - $start" | bc)")

    start=$(now)
    DRYDOCK_LOG=info "$bin" check "$work/migrations" --format json \
        --postgres "postgresql://postgres@localhost/postgres?host=$work" >"$work/report.json" 2>"$work/log.txt" || true
    drydock_times+=("$(echo "$(now) - $start" | bc)")
    apply_times+=("$(grep -o 'applied.*seconds=[0-9.]*' "$work/log.txt" | grep -o '[0-9.]*$')")
done
applied=$(python3 -c "import json;d=json.load(open('$work/report.json'));print(sum(1 for f in d['directories'][0]['files'] if f['status']=='applied'), len(d['directories'][0]['statements']))")
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
p=$(median "${psql_times[@]}"); d=$(median "${drydock_times[@]}"); a=$(median "${apply_times[@]}")
echo "replay of $files files / $statements statements (median of 3; files applied, statements traced: $applied)"
printf '  psql, one session:          %.2f s\n' "$p"
printf '  drydock check (whole run):  %.2f s  = %.2fx psql\n' "$d" "$(echo "$d / $p" | bc -l)"
printf '  drydock apply stage only:   %.2f s  = %.2fx psql\n' "$a" "$(echo "$a / $p" | bc -l)"

# Provider start-up: time to "postgres ready", from the log, over 3 runs each.
mkdir -p "$work/one"
echo "SELECT 1;" >"$work/one/001_one.sql"
for provider in local docker; do
    ready=()
    for run in 1 2 3; do
        DRYDOCK_LOG=info "$bin" check "$work/one" --postgres "$provider" --postgres-image "$image" \
            >/dev/null 2>"$work/log.txt" || true
        ready+=("$(grep -o 'postgres ready.*seconds=[0-9.]*' "$work/log.txt" | grep -o '[0-9.]*$' || echo nan)")
    done
    printf '  %-6s provider ready in:    %.2f s (median of 3: %s)\n' "$provider" "$(median "${ready[@]}")" "${ready[*]}"
done
