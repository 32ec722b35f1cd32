#!/usr/bin/env python3
"""Writes a realistic migration directory for benchmarks: FILES plain-format files with about
STATEMENTS statements in all (tables with identity keys and foreign keys, added columns, indexes,
NOT VALID checks and their validation, type changes, views, functions, comments, seed rows).
Usage: gen-migrations.py DIR [FILES] [STATEMENTS]"""
import os
import random
import sys

out = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 800
target = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
random.seed(7)
os.makedirs(out, exist_ok=True)
tables = []
written = 0
for i in range(1, files + 1):
    stmts = []
    want = max(1, round((target - written) / (files - i + 1)))
    if not tables or i % 4 == 1:
        name = f"t{i}"
        ref = f",\n    parent_id bigint REFERENCES {random.choice(tables)} (id)" if tables else ""
        stmts.append(
            f"CREATE TABLE {name} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            f"    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now(){ref}\n)"
        )
        stmts.append(f"CREATE INDEX {name}_created_idx ON {name} (created_at)")
        stmts.append(f"COMMENT ON TABLE {name} IS 'table {i}'")
        stmts.append(f"INSERT INTO {name} (name) SELECT 'row ' || g FROM generate_series(1, 20) g")
        tables.append(name)
    while len(stmts) < want:
        t = random.choice(tables)
        col = f"c{i}_{len(stmts)}"
        kind = random.randrange(7)
        if kind == 0:
            stmts.append(f"ALTER TABLE {t} ADD COLUMN {col} integer")
            stmts.append(f"CREATE INDEX {t}_{col}_idx ON {t} ({col})")
        elif kind == 1:
            stmts.append(f"ALTER TABLE {t} ADD COLUMN {col} integer DEFAULT 0 NOT NULL")
            stmts.append(f"ALTER TABLE {t} ADD CONSTRAINT {t}_{col}_chk CHECK ({col} >= 0) NOT VALID")
            stmts.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {t}_{col}_chk")
        elif kind == 2:
            stmts.append(f"ALTER TABLE {t} ADD COLUMN {col} varchar(20)")
            stmts.append(f"ALTER TABLE {t} ALTER COLUMN {col} TYPE varchar(40)")
        elif kind == 3:
            stmts.append(f"CREATE OR REPLACE VIEW v_{t}_{i} AS SELECT id, name FROM {t} WHERE created_at > now() - interval '1 day'")
        elif kind == 4:
            stmts.append(
                f"CREATE OR REPLACE FUNCTION f_{t}_{i}(p bigint) RETURNS text LANGUAGE sql STABLE AS $$ SELECT name FROM {t} WHERE id = p $$"
            )
        elif kind == 5:
            stmts.append(f"UPDATE {t} SET name = upper(name) WHERE id < 5")
        else:
            stmts.append(f"COMMENT ON COLUMN {t}.name IS 'name of {t}'")
    stmts = stmts[: max(want, 1)] if len(stmts) > want + 2 else stmts
    written += len(stmts)
    with open(os.path.join(out, f"{i:04d}_step.sql"), "w") as f:
        f.write(";\n".join(stmts) + ";\n")
print(f"{files} files, {written} statements in {out}")
