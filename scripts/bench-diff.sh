#!/usr/bin/env bash
# Benchmarks schema introspection and diff on a schema of 1,000 tables, 10,000 columns and
# 3,000 indexes (target: under 1 s for both): `drydock drift` against a live copy of the schema,
# reading the stage timings it logs. Usage: scripts/bench-diff.sh [TABLES]
set -euo pipefail
cd "$(dirname "$0")/.."
tables="${1:-1000}"
cargo build --release --quiet
bin="$PWD/target/release/drydock"
source scripts/pg-cluster.sh
mkdir -p "$work/migrations"
python3 - "$tables" >"$work/migrations/001_schema.sql" <<'PY'
import sys
for t in range(int(sys.argv[1])):
    cols = ", ".join(f"c{c} {'integer' if c % 3 else 'text'}" + (" NOT NULL DEFAULT 0" if c % 3 == 1 else "") for c in range(1, 10))
    print(f"CREATE TABLE t{t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {cols});")
    print(f"CREATE INDEX t{t}_c1 ON t{t} (c1);")
    print(f"CREATE INDEX t{t}_c2_partial ON t{t} (c2) WHERE c1 > 0;")
    print(f"COMMENT ON TABLE t{t} IS 'table {t}';")
PY
start_cluster
"$pgbin/psql" -X -q -h "$work" -U postgres -d postgres -f "$work/migrations/001_schema.sql" >/dev/null
for run in 1 2 3; do
    DRYDOCK_LOG=info "$bin" drift --database-url "postgresql://postgres@localhost/postgres?host=$work" \
        "$work/migrations" --postgres local >/dev/null 2>"$work/err" || true
    introspect=$(grep -o 'introspected.*' "$work/err" | grep -o 'seconds=[0-9.]*' | cut -d= -f2)
    objects=$(grep -o 'objects=[0-9]*' "$work/err" | cut -d= -f2)
    diffed=$(grep -o 'diffed.*' "$work/err" | grep -o 'seconds=[0-9.]*' | cut -d= -f2)
    printf 'run %d: introspected %s objects in %.3f s, diffed in %.3f s, total %.3f s\n' \
        "$run" "$objects" "$introspect" "$diffed" "$(echo "$introspect + $diffed" | bc -l)"
done
