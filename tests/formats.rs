//! Each migration format's ordering and transaction rule, on fixture directories.

use drydock::plan::format::{Format, Transaction};
use drydock::plan::load_dir;
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn order_and_tx(dir: &Path) -> (Format, Vec<(String, Transaction)>) {
    let loaded = load_dir(dir, None).unwrap();
    (
        loaded.format,
        loaded
            .files
            .iter()
            .map(|f| (f.relative.clone(), f.transaction))
            .collect(),
    )
}

#[test]
fn formats_are_detected_ordered_and_know_their_transactions() {
    use Transaction::*;
    let t = tempfile::tempdir().unwrap();

    let d = t.path().join("golang");
    write(&d, "10_b.up.sql", "SELECT 1;");
    write(&d, "9_a.up.sql", "SELECT 1;");
    write(&d, "9_a.down.sql", "SELECT 1;");
    assert_eq!(
        order_and_tx(&d),
        (
            Format::GolangMigrate,
            vec![
                ("9_a.up.sql".into(), Implicit),
                ("10_b.up.sql".into(), Implicit)
            ]
        )
    );

    let d = t.path().join("goose");
    write(
        &d,
        "00010_b.sql",
        "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n",
    );
    write(
        &d,
        "9_a.sql",
        "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n",
    );
    let (format, files) = order_and_tx(&d);
    assert_eq!(
        (format, files),
        (
            Format::Goose,
            vec![("9_a.sql".into(), Wrapped), ("00010_b.sql".into(), None)]
        )
    );
    let goose = load_dir(&d, Option::None).unwrap();
    let up = &goose.files[0];
    assert_eq!(
        up.source.slice(up.up).trim(),
        "SELECT 1;",
        "the Down section is not part of the up migration"
    );

    let d = t.path().join("flyway");
    write(&d, "V1_10__c.sql", "SELECT 1;");
    write(&d, "V1_2__b.sql", "SELECT 1;");
    write(&d, "R__views.sql", "SELECT 1;");
    write(&d, "U1_2__b.sql", "SELECT 1;");
    write(&d, "V1_2__b.sql.conf", "executeInTransaction=false\n");
    let (format, files) = order_and_tx(&d);
    assert_eq!(format, Format::Flyway);
    assert_eq!(
        files,
        vec![
            ("V1_2__b.sql".into(), None),
            ("V1_10__c.sql".into(), Wrapped),
            ("R__views.sql".into(), Wrapped)
        ]
    );

    let d = t.path().join("dbmate");
    write(
        &d,
        "20240102000000_b.sql",
        "-- migrate:up transaction:false\nSELECT 1;\n-- migrate:down\n",
    );
    write(
        &d,
        "20240101000000_a.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
    );
    assert_eq!(
        order_and_tx(&d),
        (
            Format::Dbmate,
            vec![
                ("20240101000000_a.sql".into(), Wrapped),
                ("20240102000000_b.sql".into(), Implicit)
            ]
        )
    );

    let d = t.path().join("sqlx");
    write(&d, "2_b.sql", "-- no-transaction\nSELECT 1;");
    write(&d, "10_c.sql", "SELECT 1;");
    let loaded = load_dir(&d, Some(Format::Sqlx)).unwrap();
    let files: Vec<_> = loaded
        .files
        .iter()
        .map(|f| (f.relative.as_str(), f.transaction))
        .collect();
    assert_eq!(files, vec![("2_b.sql", Implicit), ("10_c.sql", Wrapped)]);

    let d = t.path().join("diesel");
    write(&d, "2024-01-02-000000_b/up.sql", "SELECT 1;");
    write(
        &d,
        "2024-01-02-000000_b/metadata.toml",
        "run_in_transaction = false\n",
    );
    write(&d, "2024-01-01-000000_a/up.sql", "SELECT 1;");
    write(&d, "2024-01-01-000000_a/down.sql", "SELECT 1;");
    assert_eq!(
        order_and_tx(&d),
        (
            Format::Diesel,
            vec![
                ("2024-01-01-000000_a/up.sql".into(), Wrapped),
                ("2024-01-02-000000_b/up.sql".into(), Implicit)
            ]
        )
    );

    let d = t.path().join("prisma");
    write(&d, "20240102_b/migration.sql", "SELECT 1;");
    write(&d, "20240101_a/migration.sql", "SELECT 1;");
    write(&d, "migration_lock.toml", "provider = \"postgresql\"\n");
    assert_eq!(
        order_and_tx(&d),
        (
            Format::Prisma,
            vec![
                ("20240101_a/migration.sql".into(), Implicit),
                ("20240102_b/migration.sql".into(), Implicit)
            ]
        )
    );

    let d = t.path().join("atlas");
    write(&d, "20240101_a.sql", "SELECT 1;");
    write(&d, "20240102_b.sql", "-- atlas:txmode none\n\nSELECT 1;");
    write(&d, "atlas.sum", "h1:x\n");
    let (format, files) = order_and_tx(&d);
    assert_eq!(
        (format, files),
        (
            Format::Atlas,
            vec![
                ("20240101_a.sql".into(), Wrapped),
                ("20240102_b.sql".into(), None)
            ]
        )
    );

    let d = t.path().join("plain");
    write(&d, "b.sql", "SELECT 1;");
    write(&d, "a.sql", "SELECT 1;");
    assert_eq!(
        order_and_tx(&d),
        (
            Format::Plain,
            vec![("a.sql".into(), Wrapped), ("b.sql".into(), Wrapped)]
        )
    );
}

/// ory/popx keeps every dialect's file of a version side by side: only the PostgreSQL one, or
/// else the dialect-free one, is a migration.
#[test]
fn popx_directories_keep_the_postgres_or_else_the_dialect_free_file_of_each_version() {
    use Transaction::*;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    for version in ["20240101000001", "20240101000002", "20240101000003"] {
        for dialect in ["mysql.", "sqlite3.", "cockroach.", ""] {
            for direction in ["up", "down"] {
                write(
                    d,
                    &format!("{version}_step.{dialect}{direction}.sql"),
                    "SELECT 1;",
                );
            }
        }
    }
    write(d, "20240101000001_step.postgres.up.sql", "SELECT 1;");
    write(d, "20240101000003_step.postgres.up.sql", "SELECT 1;");
    write(d, "20240101000004_index.autocommit.up.sql", "SELECT 1;");
    write(d, "20240101000004_index.down.sql", "SELECT 1;");
    let dir = load_dir(d, Option::None).unwrap();
    assert_eq!(dir.format, Format::Popx);
    let files: Vec<_> = dir
        .files
        .iter()
        .map(|f| (f.relative.as_str(), f.transaction))
        .collect();
    assert_eq!(
        files,
        vec![
            ("20240101000001_step.postgres.up.sql", Wrapped),
            ("20240101000002_step.up.sql", Wrapped),
            ("20240101000003_step.postgres.up.sql", Wrapped),
            ("20240101000004_index.autocommit.up.sql", Implicit),
        ]
    );
    assert!(dir.issues.is_empty(), "{:?}", dir.issues);
}

#[test]
fn duplicate_versions_and_atlas_sum_mismatches_are_issues() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "1_a.up.sql", "SELECT 1;");
    write(t.path(), "001_b.up.sql", "SELECT 1;");
    let dir = load_dir(t.path(), None).unwrap();
    assert!(
        drydock::lint::plan_findings(&dir.issues)
            .iter()
            .any(|f| f.rule == "duplicate-version"),
        "{:?}",
        dir.issues
    );

    let a = tempfile::tempdir().unwrap();
    write(a.path(), "1.sql", "SELECT 1;");
    let sum = drydock::plan::atlas_sum::compute(&[("1.sql".into(), b"SELECT 1;".to_vec())]);
    write(a.path(), "atlas.sum", &sum);
    assert!(load_dir(a.path(), None).unwrap().issues.is_empty());
    write(a.path(), "2.sql", "SELECT 2;");
    // The plan finds the fact; the atlas-sum-mismatch rule words it.
    let issues = drydock::lint::plan_findings(&load_dir(a.path(), None).unwrap().issues);
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].message.contains("2.sql is not listed"),
        "{}",
        issues[0].message
    );
}

/// What each tool tells migrations apart by, checked in its source (each format's module doc
/// says where): the duplicates it would reject are issues, the pairs it accepts are not.
#[test]
fn each_format_tells_migrations_apart_as_its_tool_does() {
    let duplicates = |format: Option<Format>, files: &[(&str, &str)]| -> Vec<(String, String)> {
        let t = tempfile::tempdir().unwrap();
        for (name, content) in files {
            write(t.path(), name, content);
        }
        let dir = load_dir(t.path(), format).unwrap();
        dir.issues
            .iter()
            .filter_map(|issue| match &issue.kind {
                drydock::plan::IssueKind::DuplicateVersion { first, second, .. } => {
                    Some((first.clone(), second.clone()))
                }
                _ => None,
            })
            .collect()
    };
    let pair = |a: &str, b: &str| vec![(a.to_string(), b.to_string())];
    let none: Vec<(String, String)> = Vec::new();

    // Prisma: the whole directory name; one timestamp twice is two migrations.
    assert_eq!(
        duplicates(
            None,
            &[
                (
                    "20260630120000_add_webhook_filter/migration.sql",
                    "SELECT 1;"
                ),
                ("20260630120000_drop_alert_keys/migration.sql", "SELECT 2;"),
            ]
        ),
        none
    );
    // golang-migrate, goose, sqlx: the number.
    assert_eq!(
        duplicates(None, &[("001_a.up.sql", ""), ("1_b.up.sql", "")]),
        pair("001_a.up.sql", "1_b.up.sql")
    );
    let goose = "-- +goose Up\nSELECT 1;\n";
    assert_eq!(
        duplicates(None, &[("001_a.sql", goose), ("1_b.sql", goose)]),
        pair("001_a.sql", "1_b.sql")
    );
    // dbmate: the leading digits as text: `001` and `1` are two versions, `1` twice is one.
    let dbmate = "-- migrate:up\nSELECT 1;\n";
    assert_eq!(
        duplicates(None, &[("001_a.sql", dbmate), ("1_b.sql", dbmate)]),
        none
    );
    assert_eq!(
        duplicates(None, &[("1_a.sql", dbmate), ("1_b.sql", dbmate)]),
        pair("1_a.sql", "1_b.sql")
    );
    // diesel: the version without its `-`s.
    assert_eq!(
        duplicates(
            None,
            &[
                ("2024-01-01-000000_a/up.sql", "SELECT 1;"),
                ("20240101000000_b/up.sql", "SELECT 2;"),
            ]
        ),
        pair("2024-01-01-000000_a/up.sql", "20240101000000_b/up.sql")
    );
    // Flyway: the version's numbers, trailing zeros not counting.
    assert_eq!(
        duplicates(None, &[("V1__a.sql", ""), ("V1.0__b.sql", "")]),
        pair("V1__a.sql", "V1.0__b.sql")
    );
    // Atlas: the text before the first `_`.
    assert_eq!(
        duplicates(
            None,
            &[("1_a.sql", ""), ("1_b.sql", ""), ("atlas.sum", "h1:x\n")]
        ),
        pair("1_a.sql", "1_b.sql")
    );
}

/// The order each tool applies migrations in, where it differs from the number's.
#[test]
fn each_format_orders_migrations_as_its_tool_does() {
    let order = |format: Option<Format>, files: &[(&str, &str)]| -> Vec<String> {
        let t = tempfile::tempdir().unwrap();
        for (name, content) in files {
            write(t.path(), name, content);
        }
        let dir = load_dir(t.path(), format).unwrap();
        dir.files.iter().map(|f| f.relative.clone()).collect()
    };
    // dbmate sorts file names byte by byte.
    let dbmate = "-- migrate:up\nSELECT 1;\n";
    assert_eq!(
        order(None, &[("9_a.sql", dbmate), ("10_b.sql", dbmate)]),
        ["10_b.sql", "9_a.sql"]
    );
    // Prisma sorts directory names with JavaScript's localeCompare: `_` before digits.
    assert_eq!(
        order(
            None,
            &[
                ("202401010_b/migration.sql", "SELECT 1;"),
                ("20240101_a/migration.sql", "SELECT 1;"),
            ]
        ),
        ["20240101_a/migration.sql", "202401010_b/migration.sql"]
    );
    // diesel sorts the versions without their `-`s, as text.
    assert_eq!(
        order(
            None,
            &[
                ("2024-01-02_b/up.sql", "SELECT 1;"),
                ("20240101_a/up.sql", "SELECT 1;"),
            ]
        ),
        ["20240101_a/up.sql", "2024-01-02_b/up.sql"]
    );
}
