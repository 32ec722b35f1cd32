#!/usr/bin/env python3
"""Builds one small git repository per migration format, with the history an active project has,
for scripts/replay-history.sh to replay as pull requests.

Usage: scripts/make-histories.py OUT
  Writes OUT/<format>/ (a git repository on `main`) and prints, per repository, the migration
  directory to replay: `scripts/replay-history.sh OUT/<format> <dir>`.

Every repository holds the same project, written the way each tool wants it, one commit per
merged pull request, oldest first:

   1. extensions (citext, pgcrypto) and a first table;  2. a second table with a foreign key;
   3. two nullable columns;  4. CREATE INDEX CONCURRENTLY on an existing table, in the format's
   own form for running outside a transaction (goose's NO TRANSACTION, dbmate's
   transaction:false, sqlx's no-transaction, diesel's metadata.toml, Flyway's detection, popx's
   .autocommit, Atlas' txmode, alone in its file for golang-migrate and Prisma);  5. a migration
   that reads the framework's own history table;  6. developer B's column with a lock timeout;
   7. developer A's table, begun before 6 and merged after it: for tools that apply a missing
   older migration (Prisma, diesel, dbmate, sqlx, popx) it keeps its older version and lands out
   of order; for those that skip or refuse one (golang-migrate, goose, Flyway, Atlas) A renamed it
   to sort last before merging, as those teams must;  8. a comment fixed in a merged migration
   (an edit after merge) together with a new migration;  9. a CHECK added NOT VALID and
   validated in a second migration of the same pull request;  10. pg_trgm and a trigram index,
   concurrently;  11. a column dropped (destructive: must block);  12. an enum type and a column
   of it;  13. a value added to the enum.
Flyway also keeps a repeatable view (R__), created in 9 and edited in 12; popx keeps MySQL and
SQLite files beside the PostgreSQL ones, and a dialect-free file in 3; diesel starts with its
`diesel_initial_setup` migration; goose wraps its PL/pgSQL in StatementBegin/End.

Expected replay verdicts (what a careful reviewer would say): commit 11 fails (a drop blocks the
merge until a maintainer approves it); commit 8 fails for the formats whose runner refuses an
edited applied migration (Flyway's and sqlx's checksums); every other commit passes.
"""

import base64
import datetime
import hashlib
import os
import shutil
import subprocess
import sys

START = datetime.datetime(2024, 3, 1, 9, 0, 0)

# The project, as format-neutral steps. Each migration: (name, up SQL, down SQL, no_transaction).
USERS = """CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email citext NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""
ORDERS = """-- Orders belong to a user; totals are in cents.
CREATE TABLE orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id),
    total_cents bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
"""
ORDERS_FIXED = ORDERS.replace("-- Orders belong to a user;", "-- Orders belong to one user;")
USER_COLUMNS = """SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN display_name text;
ALTER TABLE users ADD COLUMN legacy_ref text;
"""
ORDERS_CREATED_AT = "CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);\n"
STATUS = """SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
"""
INVOICES = """CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    amount_cents bigint NOT NULL
);
CREATE INDEX invoices_order_id_idx ON invoices (order_id);
"""
REFUNDS = """CREATE TABLE refunds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    reason text
);
CREATE INDEX refunds_order_id_idx ON refunds (order_id);
"""
CHECK_ADD = """SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_not_negative CHECK (total_cents >= 0) NOT VALID;
"""
CHECK_VALIDATE = "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_not_negative;\n"
TRGM_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
TRGM_INDEX = (
    "CREATE INDEX CONCURRENTLY users_display_name_trgm_idx "
    "ON users USING gin (display_name gin_trgm_ops);\n"
)
DROP_LEGACY = """SET lock_timeout = '5s';
ALTER TABLE users DROP COLUMN legacy_ref;
"""
ENUM = """CREATE TYPE order_channel AS ENUM ('web', 'store');
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN channel order_channel;
"""
ENUM_VALUE = "ALTER TYPE order_channel ADD VALUE 'phone';\n"
VIEW = """CREATE OR REPLACE VIEW order_totals AS
SELECT user_id, sum(total_cents) AS total_cents FROM orders GROUP BY user_id;
"""
VIEW_EDITED = """CREATE OR REPLACE VIEW order_totals AS
SELECT user_id, sum(total_cents) AS total_cents, count(*) AS orders FROM orders GROUP BY user_id;
"""


def settings_from(history_count_sql):
    return f"""CREATE TABLE app_settings (
    key text PRIMARY KEY,
    value text NOT NULL
);
-- Which migrations this database had when settings were introduced.
INSERT INTO app_settings (key, value)
SELECT 'migrations_before_settings', count(*)::text FROM {history_count_sql};
"""


class Fmt:
    """A format: where migrations live and how one is written."""

    name = ""
    directory = "db/migrations"
    # Whether the tool applies a missing older migration (then developer A keeps an old version).
    applies_out_of_order = False
    history = ""  # the history table a migration may read

    def version(self, step, late=False):
        """A timestamp version for step `step`; `late` is an hour after step `step`."""
        moment = START + datetime.timedelta(days=step, hours=1 if late else 0)
        return moment.strftime("%Y%m%d%H%M%S")

    def files(self, version, name, up, down, no_tx):
        raise NotImplementedError

    # Files of the project around the directory (a Cargo.toml), relative to the repository.
    project = {}

    def finish(self, root):
        """Files that follow from the migrations (Atlas' atlas.sum)."""


class GolangMigrate(Fmt):
    name = "golang-migrate"
    history = "schema_migrations"

    def files(self, version, name, up, down, no_tx):
        # No transaction switch: a CONCURRENTLY statement only works alone in its file.
        return {f"{version}_{name}.up.sql": up, f"{version}_{name}.down.sql": down}


class Goose(Fmt):
    name = "goose"
    history = "goose_db_version"

    def files(self, version, name, up, down, no_tx):
        head = "-- +goose NO TRANSACTION\n" if no_tx else ""
        if "$$" in up:
            up = f"-- +goose StatementBegin\n{up}-- +goose StatementEnd\n"
        return {f"{version}_{name}.sql": f"{head}-- +goose Up\n{up}\n-- +goose Down\n{down}"}


class Flyway(Fmt):
    name = "flyway"
    directory = "src/main/resources/db/migration"
    history = "flyway_schema_history"

    def __init__(self):
        self.sequence = 0

    def version(self, step, late=False):
        self.sequence += 1
        return str(self.sequence)

    def files(self, version, name, up, down, no_tx):
        # A file of only CONCURRENTLY statements runs outside a transaction by itself.
        if version.startswith("R"):
            return {f"R__{name}.sql": up}
        return {f"V{version}__{name}.sql": up}


class Dbmate(Fmt):
    name = "dbmate"
    applies_out_of_order = True
    history = "schema_migrations"

    def files(self, version, name, up, down, no_tx):
        options = " transaction:false" if no_tx else ""
        return {f"{version}_{name}.sql": f"-- migrate:up{options}\n{up}\n-- migrate:down\n{down}"}


class Sqlx(Fmt):
    name = "sqlx"
    directory = "migrations"
    applies_out_of_order = True
    history = "_sqlx_migrations"
    project = {
        "Cargo.toml": '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nsqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }\n'
    }

    def files(self, version, name, up, down, no_tx):
        # `sqlx migrate add` writes simple (up-only) files unless asked for reversible ones.
        head = "-- no-transaction\n" if no_tx else ""
        return {f"{version}_{name}.sql": head + up}


class Diesel(Fmt):
    name = "diesel"
    directory = "migrations"
    applies_out_of_order = True
    history = "__diesel_schema_migrations"
    project = {"diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n\n[migrations_directory]\ndir = "migrations"\n'}

    def version(self, step, late=False):
        moment = START + datetime.timedelta(days=step, hours=1 if late else 0)
        return moment.strftime("%Y-%m-%d-%H%M%S")

    def files(self, version, name, up, down, no_tx):
        out = {f"{version}_{name}/up.sql": up, f"{version}_{name}/down.sql": down}
        if no_tx:
            out[f"{version}_{name}/metadata.toml"] = "run_in_transaction = false\n"
        return out


DIESEL_SETUP_UP = """-- This file was automatically created by Diesel to setup helper functions
-- and other internal bookkeeping. This file is safe to edit, any future
-- changes will be added to existing projects as new migrations.

CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (
        NEW IS DISTINCT FROM OLD AND
        NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    ) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
DIESEL_SETUP_DOWN = """DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass);
DROP FUNCTION IF EXISTS diesel_set_updated_at();
"""


class Prisma(Fmt):
    name = "prisma"
    directory = "prisma/migrations"
    applies_out_of_order = True
    history = "_prisma_migrations"

    def files(self, version, name, up, down, no_tx):
        # Prisma has no transaction switch: CONCURRENTLY goes alone in its migration.
        return {f"{version}_{name}/migration.sql": up}

    def finish(self, root):
        lock = os.path.join(root, self.directory, "migration_lock.toml")
        with open(lock, "w") as f:
            f.write(
                "# Please do not edit this file manually\n"
                "# It should be added in your version-control system (i.e. Git)\n"
                'provider = "postgresql"\n'
            )


class Popx(Fmt):
    name = "popx"
    directory = "persistence/sql/migrations"
    applies_out_of_order = True
    history = "schema_migration"

    def files(self, version, name, up, down, no_tx):
        autocommit = ".autocommit" if no_tx else ""
        if name == "user_columns":
            # The same SQL works everywhere: one dialect-free file.
            up = up.replace("SET lock_timeout = '5s';\n", "")
            return {f"{version}_{name}.up.sql": up, f"{version}_{name}.down.sql": down}
        mysql = (
            up.replace("uuid PRIMARY KEY DEFAULT gen_random_uuid()", "CHAR(36) PRIMARY KEY")
            .replace("timestamptz", "TIMESTAMP")
            .replace("citext", "VARCHAR(255)")
            .replace("CONCURRENTLY ", "")
        )
        mysql = "\n".join(
            line for line in mysql.splitlines() if "EXTENSION" not in line and "lock_timeout" not in line
        )
        mysql += "\n"
        return {
            f"{version}_{name}.postgres{autocommit}.up.sql": up,
            f"{version}_{name}.postgres.down.sql": down,
            f"{version}_{name}.mysql.up.sql": "SET FOREIGN_KEY_CHECKS=0;\n" + mysql,
            f"{version}_{name}.mysql.down.sql": down,
            f"{version}_{name}.sqlite3.up.sql": "PRAGMA foreign_keys = OFF;\n" + mysql,
            f"{version}_{name}.sqlite3.down.sql": down,
        }


class Atlas(Fmt):
    name = "atlas"
    history = ""  # in the atlas_schema_revisions schema; migrations do not read it

    def files(self, version, name, up, down, no_tx):
        head = "-- atlas:txmode none\n\n" if no_tx else ""
        return {f"{version}_{name}.sql": head + up}

    def finish(self, root):
        """atlas.sum as Atlas writes it: a running SHA-256 over names and contents."""
        directory = os.path.join(root, self.directory)
        names = sorted(n for n in os.listdir(directory) if n.endswith(".sql"))
        running = hashlib.sha256()
        entries = []
        for name in names:
            running.update(name.encode())
            with open(os.path.join(directory, name), "rb") as f:
                running.update(f.read())
            entries.append((name, base64.b64encode(running.copy().digest()).decode()))
        total = hashlib.sha256()
        for name, digest in entries:
            total.update(name.encode())
            total.update(digest.encode())
        lines = [f"h1:{base64.b64encode(total.digest()).decode()}"]
        lines += [f"{name} h1:{digest}" for name, digest in entries]
        with open(os.path.join(directory, "atlas.sum"), "w") as f:
            f.write("\n".join(lines) + "\n")


FORMATS = [GolangMigrate, Goose, Flyway, Dbmate, Sqlx, Diesel, Prisma, Popx, Atlas]


def git(root, *args, env=None):
    subprocess.run(["git", "-C", root, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def build(fmt, root):
    os.makedirs(os.path.join(root, fmt.directory))
    git(root, "init", "-q", "-b", "main")
    written = {}  # step name -> file names, for the edit after merge

    def write(files):
        for rel, text in files.items():
            path = os.path.join(root, fmt.directory, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)

    def migration(step, name, up, down, no_tx=False, late=False):
        files = fmt.files(fmt.version(step, late), name, up, down, no_tx)
        written[name] = files
        write(files)

    def commit(step, author, message):
        fmt.finish(root)
        when = (START + datetime.timedelta(days=step, hours=12)).isoformat()
        env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
        git(root, "add", "-A")
        git(root, "-c", f"user.name={author}", "-c", f"user.email={author.lower()}@example.com",
            "commit", "-q", "-m", message, env=env)

    ana, ben = "Ana", "Ben"
    for rel, text in fmt.project.items():
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    if isinstance(fmt, Diesel):
        write({"00000000000000_diesel_initial_setup/up.sql": DIESEL_SETUP_UP,
               "00000000000000_diesel_initial_setup/down.sql": DIESEL_SETUP_DOWN})
    migration(1, "create_users", USERS, "DROP TABLE users;\n")
    commit(1, ana, "Create users")
    migration(2, "create_orders", ORDERS, "DROP TABLE orders;\n")
    commit(2, ana, "Create orders")
    migration(3, "user_columns", USER_COLUMNS,
              "ALTER TABLE users DROP COLUMN legacy_ref;\nALTER TABLE users DROP COLUMN display_name;\n")
    commit(3, ben, "Add display name and legacy reference to users")
    migration(4, "orders_created_at_index", ORDERS_CREATED_AT,
              "DROP INDEX CONCURRENTLY orders_created_at_idx;\n", no_tx=True)
    commit(4, ben, "Index orders by creation time, concurrently")
    if fmt.history:
        migration(5, "app_settings", settings_from(fmt.history), "DROP TABLE app_settings;\n")
        commit(5, ana, "Settings table, recording the migrations applied before it")
    # Developer A starts invoices on day 6; developer B's status column (day 7) merges first.
    invoices_step, invoices_late = (6, True) if fmt.applies_out_of_order else (8, False)
    migration(7, "order_status", STATUS, "ALTER TABLE orders DROP COLUMN status;\n")
    commit(7, ben, "Order status")
    migration(invoices_step, "create_invoices", INVOICES, "DROP TABLE invoices;\n", late=invoices_late)
    commit(8, ana, "Invoices" + ("" if fmt.applies_out_of_order else " (renamed to sort last after rebase)"))
    # A comment fixed in an applied migration, with a new migration.
    for rel, text in written["create_orders"].items():
        if ORDERS in text:
            write({rel: text.replace(ORDERS, ORDERS_FIXED)})
    migration(9, "create_refunds", REFUNDS, "DROP TABLE refunds;\n")
    commit(9, ben, "Refunds; fix a comment in the orders migration")
    migration(10, "orders_total_check", CHECK_ADD,
              "ALTER TABLE orders DROP CONSTRAINT orders_total_not_negative;\n")
    migration(10, "orders_total_check_validate", CHECK_VALIDATE, "SELECT 1;\n", late=True)
    if isinstance(fmt, Flyway):
        write(fmt.files("R", "order_totals", VIEW, "", False))
    commit(10, ana, "Order totals are never negative (added NOT VALID, validated separately)")
    migration(11, "trigram_extension", TRGM_EXTENSION, "DROP EXTENSION pg_trgm;\n")
    migration(11, "users_display_name_trigram", TRGM_INDEX,
              "DROP INDEX CONCURRENTLY users_display_name_trgm_idx;\n", no_tx=True, late=True)
    commit(11, ben, "Search users by display name")
    migration(12, "drop_legacy_ref", DROP_LEGACY, "ALTER TABLE users ADD COLUMN legacy_ref text;\n")
    commit(12, ana, "Drop users.legacy_ref")
    migration(13, "order_channel", ENUM, "ALTER TABLE orders DROP COLUMN channel;\nDROP TYPE order_channel;\n")
    if isinstance(fmt, Flyway):
        write(fmt.files("R", "order_totals", VIEW_EDITED, "", False))
    commit(13, ben, "Order channel" + (" and orders per user in order_totals" if isinstance(fmt, Flyway) else ""))
    migration(14, "order_channel_phone", ENUM_VALUE, "SELECT 1;\n")
    commit(14, ana, "Orders by phone")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for cls in FORMATS:
        fmt = cls()
        root = os.path.join(out, fmt.name)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        build(fmt, root)
        print(f"{root} {fmt.directory}")


if __name__ == "__main__":
    main()
