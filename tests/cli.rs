//! The `drydock` binary as users run it: exit codes, output formats, bad input, --base.

#[path = "support/bin.rs"]
mod bin;
#[path = "support/git.rs"]
mod git_support;
use bin::drydock;
use git_support::git;
use std::fs;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// (rule, file, line) of each finding in JSON output.
fn findings(out: &Output) -> Vec<(String, String, u64)> {
    let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join("migrations")).unwrap();
    for (name, content) in files {
        fs::write(t.path().join("migrations").join(name), content).unwrap();
    }
    t
}

#[test]
fn exit_codes_follow_severity() {
    let clean = dir_with(&[("1.sql", b"CREATE TABLE t (id bigint PRIMARY KEY);")]);
    assert_eq!(
        drydock(&["lint", "migrations"], clean.path()).status.code(),
        Some(0)
    );
    let bad = dir_with(&[("1.sql", b"DROP TABLE users;")]);
    assert_eq!(
        drydock(&["lint", "migrations"], bad.path()).status.code(),
        Some(1)
    );
    let warn_only = dir_with(&[("1.sql", b"ALTER TABLE users RENAME COLUMN a TO b;")]);
    // rename-column and missing-lock-timeout are warnings: exit 0
    assert_eq!(
        drydock(&["lint", "migrations"], warn_only.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        drydock(&["lint", "--format", "yaml", "migrations"], clean.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_findings_have_the_documented_fields() {
    let t = dir_with(&[(
        "1.sql",
        b"SET lock_timeout = '2s';\nCREATE INDEX i ON orders (a);\n",
    )]);
    let out = drydock(&["lint", "--format", "json", "migrations"], t.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = &v.as_array().unwrap()[0];
    for key in [
        "rule", "category", "severity", "file", "line", "column", "end_line", "message", "help",
        "blocking",
    ] {
        assert!(f.get(key).is_some(), "missing {key}: {f}");
    }
    assert_eq!(f["rule"], "create-index-without-concurrently");
    assert_eq!(f["line"], 2);
    assert_eq!(f["file"], "migrations/1.sql");
    assert_eq!(
        f["fix"]["replacement"],
        "CREATE INDEX CONCURRENTLY i ON orders (a)"
    );
}

#[test]
fn sarif_and_text_snapshots() {
    let t = dir_with(&[(
        "1.sql",
        b"-- shop\nDROP TABLE legacy;\nALTER TABLE users ADD COLUMN c text NOT NULL;\n",
    )]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&drydock(
        &["lint", "--format", "sarif", "migrations"],
        t.path(),
    )))
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = &sarif["runs"][0]["results"];
    insta::assert_json_snapshot!("sarif_results", results);
    let text = stdout(&drydock(&["lint", "migrations"], t.path()));
    insta::assert_snapshot!("text_output", text);
    let github = stdout(&drydock(
        &["lint", "--format", "github", "migrations"],
        t.path(),
    ));
    insta::assert_snapshot!("github_output", github);
}

#[test]
fn bad_input_is_reported_and_other_files_still_linted() {
    let big = "SELECT 1;\n".repeat(1_100_000);
    let t = dir_with(&[
        ("1_latin1.sql", b"-- caf\xe9\nSELECT 1;"),
        (
            "2_unterminated.sql",
            b"SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $$ LANGUAGE sql;\n",
        ),
        ("3_empty.sql", b""),
        ("4_drop.sql", b"DROP TABLE users;"),
        ("5_big.sql", big.as_bytes()),
    ]);
    let out = drydock(&["lint", "--format", "json", "migrations"], t.path());
    let rules = findings(&out);
    assert!(
        rules.contains(&("invalid-file".into(), "migrations/1_latin1.sql".into(), 1)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&(
            "syntax-error".into(),
            "migrations/2_unterminated.sql".into(),
            2
        )),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("empty-migration".into(), "migrations/3_empty.sql".into(), 1)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("drop-table".into(), "migrations/4_drop.sql".into(), 1)),
        "{rules:?}"
    );
    assert_eq!(out.status.code(), Some(1));

    let empty = tempfile::tempdir().unwrap();
    let out = drydock(&["lint", "."], empty.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no migrations found"));

    let out = drydock(
        &["lint", "--migration-format", "liquibase", "migrations"],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown migration format `liquibase`"));

    fs::write(t.path().join("drydock.toml"), "[rules]\nverbose = true\n").unwrap();
    let out = drydock(&["lint", "migrations"], t.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("verbose"));
}

#[test]
fn config_turns_rules_off_and_ignores_are_honoured() {
    let t = dir_with(&[(
        "1.sql",
        b"-- squawk-ignore ban-drop-table\nDROP TABLE a;\n-- atlas:nolint DS103\n\
          ALTER TABLE b DROP COLUMN c;\nTRUNCATE d;\n",
    )]);
    fs::write(
        t.path().join("drydock.toml"),
        "[rules]\ntruncate = \"off\"\nmissing-lock-timeout = \"off\"\n",
    )
    .unwrap();
    let out = drydock(&["lint", "--format", "json", "migrations"], t.path());
    assert_eq!(stdout(&out).trim(), "[]");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn base_ref_reviews_only_new_files_and_checks_integrity() {
    let t = dir_with(&[
        (
            "001_users.sql",
            b"CREATE TABLE users (id bigint PRIMARY KEY);",
        ),
        (
            "003_orders.sql",
            b"CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);",
        ),
        ("004_old.sql", b"SELECT 1;"),
    ]);
    git(t.path(), &["init", "-q", "-b", "main"]);
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-qm", "base"]);
    let m = t.path().join("migrations");
    fs::write(
        m.join("003_orders.sql"),
        "CREATE TABLE orders (id bigint PRIMARY KEY);",
    )
    .unwrap();
    fs::remove_file(m.join("004_old.sql")).unwrap();
    fs::write(m.join("002_late.sql"), "SELECT 1;").unwrap();
    // A table created in one new file is new for the next one.
    fs::write(
        m.join("005_a.sql"),
        "CREATE TABLE items (id bigint PRIMARY KEY, sku text);",
    )
    .unwrap();
    fs::write(
        m.join("006_b.sql"),
        "SET lock_timeout = '1s';\nCREATE INDEX items_sku ON items \
        (sku);\nCREATE INDEX users_x ON users (id);",
    )
    .unwrap();
    let out = drydock(
        &["lint", "--base", "main", "--format", "json", "migrations"],
        t.path(),
    );
    let got: Vec<(String, String)> = findings(&out)
        .into_iter()
        .map(|(rule, file, _)| (rule, file))
        .collect();
    assert!(
        got.contains(&(
            "migration-edited".into(),
            "migrations/003_orders.sql".into()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&("migration-deleted".into(), "migrations/004_old.sql".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "out-of-order-version".into(),
            "migrations/002_late.sql".into()
        )),
        "{got:?}"
    );
    let index_findings: Vec<_> = got
        .iter()
        .filter(|(r, _)| r == "create-index-without-concurrently")
        .collect();
    assert_eq!(
        index_findings.len(),
        1,
        "only the index on the existing table: {got:?}"
    );

    let out = drydock(&["lint", "--base", "nope", "migrations"], t.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("base ref `nope` was not found"));
}

#[test]
fn rules_and_explain() {
    let t = tempfile::tempdir().unwrap();
    let out = stdout(&drydock(&["rules"], t.path()));
    assert!(out.contains("create-index-without-concurrently") && out.contains("blocking-lock"));
    let out = drydock(&["explain", "drop-column"], t.path());
    let text = stdout(&out);
    assert!(text.contains("## Why it matters") && text.contains("DROP COLUMN"));
    assert_eq!(
        drydock(&["explain", "nope"], t.path()).status.code(),
        Some(2)
    );
}

/// Hostile or careless input gets a clear error or finding, never a panic or a silent hole:
/// a timeout too large for a deadline, a Postgres version that does not exist, a NUL byte.
#[test]
fn out_of_range_options_and_nul_bytes_are_named() {
    let t = dir_with(&[(
        "1.sql",
        b"CREATE TABLE a (id int);\nSELECT 'x\0';\nDROP TABLE users;\n",
    )]);
    let text = |o: &Output| format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr));

    let out = drydock(&["check", "migrations", "--timeout", "1e19"], t.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--timeout: expected at most 1e7 seconds, got 1e19"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("panic"), "{}", text(&out));

    fs::write(t.path().join("drydock.toml"), "postgres-version = 99\n").unwrap();
    let out = drydock(&["lint", "migrations"], t.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("postgres-version: expected a PostgreSQL major version from 10"),
        "{}",
        text(&out)
    );
    fs::remove_file(t.path().join("drydock.toml")).unwrap();

    let out = drydock(&["lint", "migrations", "--format", "json"], t.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nul = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "invalid-file")
        .unwrap_or_else(|| panic!("no invalid-file finding: {findings:#}"));
    assert_eq!(
        (nul["line"].as_u64(), nul["column"].as_u64()),
        (Some(2), Some(10))
    );
    assert!(
        nul["message"]
            .as_str()
            .unwrap()
            .contains("NUL byte at line 2, column 10")
    );
}

/// A migration that turns standard_conforming_strings off cannot hide a statement from the
/// linter inside what would otherwise read as a string.
#[test]
fn statements_hidden_behind_backslash_escapes_are_still_linted() {
    let t = dir_with(&[(
        "1.sql",
        b"SET standard_conforming_strings = off;\nSELECT 'a\\''; DROP TABLE users; --';\n",
    )]);
    let out = drydock(&["lint", "migrations", "--format", "json"], t.path());
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let drop = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "drop-table")
        .unwrap_or_else(|| panic!("the DROP TABLE was not seen: {findings:#}"));
    assert_eq!(drop["line"], 2);
    assert_eq!(out.status.code(), Some(1));
}

/// `exclude` (relative to drydock.toml) means the same files whether the directory is named,
/// configured or found in the repository.
#[test]
fn exclusions_apply_to_discovered_directories() {
    let t = dir_with(&[
        ("1.sql", b"CREATE TABLE t (id bigint PRIMARY KEY);\n"),
        ("2.sql", b"DROP TABLE users;\n"),
    ]);
    git(t.path(), &["init", "-q", "-b", "main"]);
    fs::write(
        t.path().join("drydock.toml"),
        "exclude = [\"migrations/2.sql\"]\n",
    )
    .unwrap();
    for args in [&["lint"][..], &["lint", "migrations"][..]] {
        let out = drydock(args, t.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stdout(&out));
        assert!(!stdout(&out).contains("drop-table"), "{}", stdout(&out));
    }
}

/// Files named one by one (as pre-commit and editors pass them) are linted as migrations of
/// their directory, in its format and with the schema of the files before them: the same
/// findings as the directory, and a Prisma `migration.sql` is a Prisma migration.
#[test]
fn files_named_one_by_one_are_linted_like_their_directory() {
    let t = dir_with(&[
        (
            "00001_orders.sql",
            b"-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY);\n",
        ),
        (
            "00002_index.sql",
            b"-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY orders_id ON orders (id);\n",
        ),
        (
            "00003_column.sql",
            b"-- +goose Up\nALTER TABLE orders ADD COLUMN total integer NOT NULL;\n",
        ),
    ]);
    let whole = drydock(&["lint", "--format", "json", "migrations"], t.path());
    let named = drydock(
        &[
            "lint",
            "--format",
            "json",
            "migrations/00002_index.sql",
            "migrations/00003_column.sql",
        ],
        t.path(),
    );
    let in_files_2_and_3 = |out: &Output| {
        let mut f: Vec<_> = findings(out)
            .into_iter()
            .filter(|(_, file, _)| !file.ends_with("00001_orders.sql"))
            .collect();
        f.sort();
        f
    };
    let expected = in_files_2_and_3(&whole);
    assert!(
        expected
            .iter()
            .any(|(rule, ..)| rule == "not-null-column-without-default"),
        "{expected:?}"
    );
    assert_eq!(in_files_2_and_3(&named), expected);

    let p = tempfile::tempdir().unwrap();
    for (dir, sql) in [
        (
            "20240101000000_init",
            "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
        ),
        (
            "20240102000000_index",
            "CREATE INDEX CONCURRENTLY orders_id ON orders (id);\n",
        ),
    ] {
        let at = p.path().join("prisma/migrations").join(dir);
        fs::create_dir_all(&at).unwrap();
        fs::write(at.join("migration.sql"), sql).unwrap();
    }
    // Prisma sends the file as one query: a lone CONCURRENTLY runs outside a transaction.
    let prisma = drydock(
        &[
            "lint",
            "--format",
            "json",
            "prisma/migrations/20240102000000_index/migration.sql",
        ],
        p.path(),
    );
    assert_eq!(findings(&prisma), vec![], "{}", stdout(&prisma));
}

/// A file's own annotations win: linted on its own (a directory no format claims, as
/// pre-commit passes files), a file that says how its tool runs it is linted that way, and
/// its CONCURRENTLY is not said to run in a transaction. Without the marker it is.
#[test]
fn a_files_own_annotations_win_when_it_is_linted_on_its_own() {
    let index = "CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);\n";
    let cases: &[(&str, String, bool)] = &[
        (
            "goose",
            format!("-- +goose NO TRANSACTION\n-- +goose Up\n{index}"),
            false,
        ),
        (
            "dbmate",
            format!(
                "-- migrate:up transaction:false\n{index}-- migrate:down\nDROP INDEX orders_user_idx;\n"
            ),
            false,
        ),
        ("sqlx", format!("-- no-transaction\n{index}"), false),
        // Beyond its first bytes the marker is not sqlx's, which reads it with starts_with.
        ("not-sqlx", format!("\n-- no-transaction\n{index}"), true),
        ("unmarked", index.to_string(), true),
    ];
    for (name, text, fires) in cases {
        let t = tempfile::tempdir().unwrap();
        let file = format!("20240101000000_{name}.sql");
        fs::write(t.path().join(&file), text).unwrap();
        let out = drydock(&["lint", "--format", "json", &file], t.path());
        let rules: Vec<String> = findings(&out).into_iter().map(|(r, ..)| r).collect();
        assert_eq!(
            rules.iter().any(|r| r == "concurrently-in-transaction"),
            *fires,
            "{name}: {rules:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The down section of a goose or dbmate file linted on its own is not what runs going up:
/// its `DROP TABLE` is no finding, the up section's is.
#[test]
fn a_standalone_files_down_section_is_not_linted() {
    let cases = [
        (
            "goose",
            "-- +goose Up\nALTER TABLE orders ADD COLUMN note text;\n-- +goose Down\nDROP TABLE orders;\n",
        ),
        (
            "dbmate",
            "-- migrate:up\nALTER TABLE orders ADD COLUMN note text;\n-- migrate:down\nDROP TABLE orders;\n",
        ),
        (
            "goose-up-drops",
            "-- +goose Up\nDROP TABLE orders;\n-- +goose Down\nCREATE TABLE orders (id int);\n",
        ),
    ];
    for (name, text) in cases {
        let t = tempfile::tempdir().unwrap();
        // Named like no tool's migration: read as a plain file, which its markers then govern.
        let file = format!("{name}.sql");
        fs::write(t.path().join(&file), text).unwrap();
        let out = drydock(&["lint", "--format", "json", &file], t.path());
        let rules: Vec<String> = findings(&out).into_iter().map(|(r, ..)| r).collect();
        assert_eq!(
            rules.iter().any(|r| r == "drop-table"),
            name == "goose-up-drops",
            "{name}: {rules:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
