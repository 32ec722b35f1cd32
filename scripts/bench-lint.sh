#!/usr/bin/env bash
# Benchmark: lint 10,000 statements of realistic migration SQL in one process run.
# Prints the median wall time of 5 runs, statements per second and peak memory (max RSS), for
# the directory and for the same files named one by one on the command line (as pre-commit
# and editors pass them).
# Targets: under 0.15 s and under 30 MiB for 10,000 statements. Usage: scripts/bench-lint.sh [STATEMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$n" <<'PY'
import sys, os
d, n = sys.argv[1], int(sys.argv[2])
templates = [
    "CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), status text NOT NULL DEFAULT 'new', payload jsonb, created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE INDEX CONCURRENTLY t{i}_user_idx ON t{i} (user_id) WHERE status <> 'done'",
    "ALTER TABLE orders ADD COLUMN c{i} text",
    "ALTER TABLE orders ADD CONSTRAINT fk{i} FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
    "ALTER TABLE orders VALIDATE CONSTRAINT fk{i}",
    "UPDATE orders SET c{i} = 'x' WHERE id BETWEEN {i} AND {i} + 1000",
    "CREATE OR REPLACE FUNCTION f{i}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN NEW.updated_at := now(); RETURN NEW; END; $fn$",
    "COMMENT ON COLUMN orders.c{i} IS 'column {i}; added for the report'",
    "ALTER TABLE orders ALTER COLUMN c{i} SET DEFAULT ''",
    "INSERT INTO settings (key, value) VALUES ('k{i}', E'it\\'s {i}') ON CONFLICT DO NOTHING",
]
per_file = 25
for f in range(0, n, per_file):
    with open(os.path.join(d, f"{f // per_file:05d}_m.sql"), "w") as out:
        out.write("SET lock_timeout = '5s';\n")
        for i in range(f, min(f + per_file, n) - 1):
            out.write(templates[i % len(templates)].format(i=i) + ";\n\n")
PY
measure() {
    local runs=()
    for _ in 1 2 3 4 5; do
        runs+=("$( { /usr/bin/time -f '%e %M' target/release/drydock lint --format json "$@" > /dev/null; } 2>&1 | tail -1 || true)")
    done
    secs=$(printf '%s\n' "${runs[@]}" | awk '{print $1}' | sort -n | sed -n 3p)
    kib=$(printf '%s\n' "${runs[@]}" | awk '{print $2}' | sort -n | tail -1)
}
report() {
    python3 - "$1" "$n" "$secs" "$kib" <<'PY'
import sys
what, n, secs, kib = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"{what}: {n} statements")
print(f"  wall time (median of 5): {secs:.3f} s")
print(f"  statements per second: {n / max(secs, 0.001):,.0f}")
print(f"  peak memory (max of 5): {kib / 1024:.1f} MiB")
PY
}
measure "$dir"
report "the directory"
measure "$dir"/*.sql
report "its $(ls "$dir" | wc -l) files named one by one"
