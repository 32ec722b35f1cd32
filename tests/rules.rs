//! Every statement rule against a positive fixture (it must fire) and its safe look-alike (it
//! must not).

use drydock::finding::Finding;
use drydock::lint::{self, Input, LintSettings, Scope};
use drydock::plan::MigrationFile;
use drydock::plan::format::{Transaction, Version};
use drydock::source::{SourceFile, Span};

fn lint_sql(sql: &str, transaction: Transaction) -> Vec<Finding> {
    let file = MigrationFile {
        source: SourceFile::new("t.sql", sql.to_string()),
        relative: "t.sql".into(),
        version: Version::lexical("t"),
        up: Span::new(0, sql.len()),
        transaction,
    };
    lint::lint(
        &[Input {
            file: &file,
            reviewed: true,
        }],
        Scope::EachFile,
        &LintSettings::default(),
    )
    .findings
}

fn rules_fired(sql: &str, transaction: Transaction) -> Vec<&'static str> {
    lint_sql(sql, transaction)
        .iter()
        .map(|f| f.rule.name())
        .collect()
}

/// (rule, fires on, does not fire on); files run without a framework transaction unless noted.
const CASES: &[(&str, &str, &str)] = &[
    (
        "drop-table",
        "DROP TABLE users;",
        "CREATE TABLE tmp (id int); DROP TABLE tmp;",
    ),
    (
        "drop-column",
        "ALTER TABLE users DROP COLUMN email;",
        "ALTER TABLE users ADD COLUMN x int; ALTER TABLE users DROP COLUMN x;",
    ),
    (
        "drop-schema",
        "DROP SCHEMA reporting CASCADE;",
        "CREATE SCHEMA reporting;",
    ),
    (
        "drop-database",
        "DROP DATABASE analytics;",
        "CREATE DATABASE analytics;",
    ),
    (
        "truncate",
        "TRUNCATE sessions;",
        "CREATE TABLE s (id int); TRUNCATE s;",
    ),
    (
        "drop-type",
        "DROP TYPE mood;",
        "CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood;",
    ),
    (
        "delete-without-where",
        "DELETE FROM audit_log;",
        "DELETE FROM audit_log WHERE created_at < now() - interval '1 year';",
    ),
    (
        "update-without-where",
        "UPDATE users SET plan = 'free';",
        "UPDATE users SET plan = 'free' WHERE plan IS NULL;",
    ),
    (
        "create-index-without-concurrently",
        "CREATE INDEX i ON orders (user_id);",
        "CREATE INDEX CONCURRENTLY i ON orders (user_id);",
    ),
    (
        "create-index-without-concurrently",
        "CREATE UNIQUE INDEX IF NOT EXISTS i ON public.orders (user_id);",
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a);",
    ),
    (
        "drop-index-without-concurrently",
        "DROP INDEX orders_status_idx;",
        "DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;",
    ),
    (
        "reindex-without-concurrently",
        "REINDEX INDEX orders_status_idx;",
        "REINDEX INDEX CONCURRENTLY orders_status_idx;",
    ),
    (
        "detach-partition-without-concurrently",
        "ALTER TABLE events DETACH PARTITION events_2023;",
        "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;",
    ),
    (
        "foreign-key-without-not-valid",
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
    ),
    (
        "check-without-not-valid",
        "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);",
        "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;",
    ),
    (
        "constraint-without-using-index",
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);",
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;",
    ),
    (
        "constraint-without-using-index",
        "ALTER TABLE users ADD PRIMARY KEY (id);",
        "ALTER TABLE users ADD CONSTRAINT pk PRIMARY KEY USING INDEX users_pkey_idx;",
    ),
    (
        "set-not-null-without-check",
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        "ALTER TABLE users ADD CONSTRAINT e CHECK (email IS NOT NULL) NOT VALID; ALTER TABLE users VALIDATE CONSTRAINT e; ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    ),
    (
        "vacuum-full-or-cluster",
        "VACUUM FULL orders;",
        "VACUUM orders;",
    ),
    (
        "vacuum-full-or-cluster",
        "CLUSTER orders USING orders_pkey;",
        "ANALYZE orders;",
    ),
    (
        "exclusion-constraint",
        "ALTER TABLE bookings ADD CONSTRAINT x EXCLUDE USING gist (room WITH =);",
        "CREATE TABLE b2 (room int, EXCLUDE USING gist (room WITH =));",
    ),
    (
        "missing-lock-timeout",
        "ALTER TABLE users ADD COLUMN nickname text;",
        "SET lock_timeout = '5s'; ALTER TABLE users ADD COLUMN nickname text;",
    ),
    (
        "statements-while-locked",
        "BEGIN; ALTER TABLE orders ADD COLUMN a boolean; UPDATE orders SET a = false WHERE id < 10; COMMIT;",
        "BEGIN; ALTER TABLE orders ADD COLUMN a boolean; COMMIT; UPDATE orders SET a = false WHERE id < 10;",
    ),
    (
        "statements-while-locked",
        "BEGIN; ALTER TABLE orders ADD COLUMN a boolean; CREATE INDEX orders_a ON orders (a); COMMIT;",
        "BEGIN; ALTER TABLE orders ADD COLUMN a boolean; CREATE TABLE t9 (id int); CREATE INDEX t9_id ON t9 (id); COMMIT;",
    ),
    (
        "column-type-change",
        "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
        "ALTER TABLE t3 ADD COLUMN z int; ALTER TABLE t3 ALTER COLUMN z TYPE bigint;",
    ),
    (
        "volatile-default",
        "ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();",
        "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();",
    ),
    (
        "stored-generated-column",
        "ALTER TABLE orders ADD COLUMN c bigint GENERATED ALWAYS AS (total * 100) STORED;",
        "CREATE TABLE o2 (total int, c bigint GENERATED ALWAYS AS (total * 100) STORED);",
    ),
    (
        "serial-column",
        "ALTER TABLE events ADD COLUMN seq bigserial;",
        "ALTER TABLE events ADD COLUMN seq bigint;",
    ),
    (
        "not-null-column-without-default",
        "ALTER TABLE users ADD COLUMN country text NOT NULL;",
        "ALTER TABLE users ADD COLUMN country text NOT NULL DEFAULT 'unknown';",
    ),
    (
        "unique-on-existing-data",
        "CREATE UNIQUE INDEX CONCURRENTLY u ON users (email);",
        "ALTER TABLE users ADD COLUMN handle text; CREATE UNIQUE INDEX CONCURRENTLY u ON users (handle);",
    ),
    (
        "validate-constraint",
        "ALTER TABLE orders VALIDATE CONSTRAINT fk;",
        "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;",
    ),
    (
        "rename-table",
        "ALTER TABLE customers RENAME TO accounts;",
        "CREATE TABLE c (id int); ALTER TABLE c RENAME TO d;",
    ),
    (
        "rename-column",
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
        "ALTER TABLE users ADD COLUMN nm text; ALTER TABLE users RENAME COLUMN nm TO nick;",
    ),
    (
        "drop-view",
        "DROP VIEW active_users;",
        "CREATE OR REPLACE VIEW active_users AS SELECT 1;",
    ),
    (
        "concurrently-in-transaction",
        "BEGIN; CREATE INDEX CONCURRENTLY i ON orders (a); COMMIT;",
        "CREATE INDEX CONCURRENTLY i ON orders (a);",
    ),
    (
        "unbalanced-transaction",
        "BEGIN; ALTER TABLE users ADD COLUMN n text;",
        "BEGIN; ALTER TABLE users ADD COLUMN n text; COMMIT;",
    ),
    (
        "unbalanced-transaction",
        "ALTER TABLE users ADD COLUMN n text; COMMIT;",
        "SELECT 1;",
    ),
    (
        "enum-value-used-in-transaction",
        "BEGIN; ALTER TYPE s ADD VALUE 'refunded'; UPDATE o SET st = 'refunded' WHERE id = 1; COMMIT;",
        "ALTER TYPE s ADD VALUE 'refunded'; UPDATE o SET st = 'refunded' WHERE id = 1;",
    ),
    (
        "prefer-timestamptz",
        "ALTER TABLE o ADD COLUMN shipped_at timestamp;",
        "ALTER TABLE o ADD COLUMN shipped_at timestamptz;",
    ),
    (
        "prefer-jsonb",
        "CREATE TABLE e (payload json);",
        "CREATE TABLE e (payload jsonb);",
    ),
    (
        "prefer-bigint",
        "CREATE TABLE e (id integer);",
        "CREATE TABLE e (id bigint);",
    ),
    (
        "prefer-text",
        "CREATE TABLE e (name varchar(40));",
        "CREATE TABLE e (name text);",
    ),
    (
        "prefer-identity",
        "CREATE TABLE e (id bigserial);",
        "CREATE TABLE e (id bigint GENERATED ALWAYS AS IDENTITY);",
    ),
    (
        "identifier-too-long",
        "CREATE TABLE a_very_long_table_name_that_goes_on_and_on_past_the_limit_of_postgres_x (id int);",
        "CREATE TABLE short_name (id int);",
    ),
    (
        "foreign-key-without-index",
        "CREATE TABLE o (id int, user_id int REFERENCES users (id));",
        "CREATE TABLE o (id int, user_id int REFERENCES users (id)); CREATE INDEX o_u ON o (user_id);",
    ),
    (
        "table-without-primary-key",
        "CREATE TABLE page_views (url text);",
        "CREATE TABLE page_views (id bigint PRIMARY KEY, url text);",
    ),
    (
        "syntax-error",
        "SELECT 'unterminated;",
        "SELECT 'terminated';",
    ),
    ("empty-migration", "-- nothing here\n", "SELECT 1;"),
    (
        "unknown-rule-in-ignore",
        "-- drydock:ignore drop-tabel\nDROP TABLE x;",
        "-- drydock:ignore drop-table\nDROP TABLE x;",
    ),
];

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_the_safe_look_alike() {
    let mut failures = Vec::new();
    for (rule, bad, good) in CASES {
        if !rules_fired(bad, Transaction::None).contains(rule) {
            failures.push(format!("{rule} did not fire on: {bad}"));
        }
        if rules_fired(good, Transaction::None).contains(rule) {
            failures.push(format!("{rule} fired on the safe: {good}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_statement_rule_has_a_fixture() {
    // Raised by the plan stage (tests/cli.rs) or by `drydock check` (tests/check.rs).
    let plan_rules = [
        "migration-fails",
        "traced-table-rewrite",
        "destructive-change",
        "migration-edited",
        "migration-deleted",
        "out-of-order-version",
        "duplicate-version",
        "atlas-sum-mismatch",
        "invalid-file",
    ];
    for rule in drydock::lint::rules::all() {
        let name = rule.meta().name;
        assert!(
            plan_rules.contains(&name) || CASES.iter().any(|(r, _, _)| *r == name),
            "{name} has no fixture"
        );
    }
}

#[test]
fn framework_transactions_make_concurrently_fail() {
    let sql = "CREATE INDEX CONCURRENTLY i ON orders (a);";
    assert!(rules_fired(sql, Transaction::Wrapped).contains(&"concurrently-in-transaction"));
    // One statement alone in an implicit-transaction file runs outside a transaction block.
    assert!(!rules_fired(sql, Transaction::Implicit).contains(&"concurrently-in-transaction"));
    let two =
        "CREATE INDEX CONCURRENTLY i ON orders (a); CREATE INDEX CONCURRENTLY j ON orders (b);";
    assert!(rules_fired(two, Transaction::Implicit).contains(&"concurrently-in-transaction"));
}

#[test]
fn findings_point_at_the_statement_line_and_carry_a_fix() {
    let findings = lint_sql(
        "SET lock_timeout = '1s';\n\n  CREATE INDEX idx ON orders (user_id);\n",
        Transaction::None,
    );
    let f = findings
        .iter()
        .find(|f| f.rule == "create-index-without-concurrently")
        .unwrap();
    assert_eq!((f.start.line, f.start.column), (3, 3));
    assert_eq!(
        f.fix.as_ref().unwrap().replacement,
        "CREATE INDEX CONCURRENTLY idx ON orders (user_id)"
    );
}

#[test]
fn binary_compatible_type_changes_use_the_type_from_earlier_files() {
    let earlier = MigrationFile {
        source: SourceFile::new(
            "1.sql",
            "CREATE TABLE t (a varchar(20), n numeric(10,2));".into(),
        ),
        relative: "1.sql".into(),
        version: Version::lexical("1"),
        up: Span::new(0, 47),
        transaction: Transaction::Wrapped,
    };
    let sql = "ALTER TABLE t ALTER COLUMN a TYPE varchar(50); ALTER TABLE t ALTER COLUMN n TYPE numeric(12,2); ALTER TABLE t ALTER COLUMN a TYPE varchar(10);";
    let later = MigrationFile {
        source: SourceFile::new("2.sql", sql.into()),
        relative: "2.sql".into(),
        version: Version::lexical("2"),
        up: Span::new(0, sql.len()),
        transaction: Transaction::Wrapped,
    };
    let out = lint::lint(
        &[
            Input {
                file: &earlier,
                reviewed: false,
            },
            Input {
                file: &later,
                reviewed: true,
            },
        ],
        Scope::EachFile,
        &LintSettings::default(),
    );
    let type_changes: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule == "column-type-change")
        .collect();
    assert_eq!(type_changes.len(), 1, "{type_changes:#?}");
    assert!(
        type_changes[0].message.contains("varchar(10)")
            || type_changes[0].message.contains("VARCHAR(10)")
    );
}
