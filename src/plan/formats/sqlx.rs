//! sqlx (`sqlx migrate`).
//!
//! - Naming: `<version>_name.sql` (simple) or `<version>_name.up.sql`/`.down.sql` (reversible);
//!   the version is the number before the first `_`. Checked in launchbadge/sqlx
//!   `sqlx-core/src/migrate/source.rs` (`resolve`: `splitn(2, '_')`, a file without `_` is not
//!   a migration, and the first part parsed as `i64`).
//! - Identity: that number (`001_a` and `1_b` are both version 1). `resolve` does not refuse
//!   two files of one version (in the version stored here), but running them fails:
//!   `Migrator::run_direct` (`sqlx-core/src/migrate/migrator.rs`) looks the applied migrations
//!   up by version, so once one is applied the other's checksum does not match
//!   (`VersionMismatch`), and on a fresh database recording the second fails on
//!   `_sqlx_migrations`' primary key.
//! - Order: by that number (`resolve` sorts by `version`).
//! - Transaction: checked in launchbadge/sqlx. `sqlx-core/src/migrate/source.rs`
//!   (`resolve_blocking_with_config`) turns the transaction off when the file's text starts
//!   with `-- no-transaction` (`sql.starts_with`: from the first byte, nothing trimmed).
//!   `sqlx-postgres/src/migrate.rs` (`apply`, `execute_migration`) sends the whole file as one
//!   `execute`, in a transaction (`self.begin()`) or, with `no_tx`, on the connection; a query
//!   without arguments goes as one simple `Query` message
//!   (`sqlx-postgres/src/connection/executor.rs`, `run`). So [`Transaction::Wrapped`], or
//!   [`Transaction::Implicit`]: still one multi-statement query, in which two CONCURRENTLY
//!   statements fail in Postgres for real.
//! - History table: `_sqlx_migrations`, one row per migration applied. Checked in
//!   launchbadge/sqlx `sqlx-postgres/src/migrate.rs` (`ensure_migrations_table`: `CREATE TABLE
//!   IF NOT EXISTS ... (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on
//!   TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL,
//!   execution_time BIGINT NOT NULL)`; `execute_migration`: `INSERT ... (version, description,
//!   success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, -1)` in the migration's
//!   transaction, `execution_time` set afterwards), `sqlx-core/src/migrate/migrator.rs` (the
//!   migrator ensures the table before it runs any migration) and
//!   `sqlx-core/src/migrate/source.rs` (the
//!   description is the file name after the first `_`, without `.sql`/`.up.sql`, `_` as
//!   spaces).
//! - Detection: golang-migrate shares the names, so by the project around the directory: a
//!   directory named `migrations` beside a `Cargo.toml` that depends on sqlx is the one sqlx
//!   reads by default (`sqlx::migrate!()` takes `./migrations` under `CARGO_MANIFEST_DIR`:
//!   launchbadge/sqlx `sqlx-macros-core/src/migrate.rs`, `DEFAULT_PATH`; `sqlx migrate run`
//!   takes `--source migrations`). A file carrying dbmate's or goose's annotation wins (a crate
//!   may use sqlx for queries and another tool for migrations). Anywhere else sqlx must be
//!   named in drydock.toml or `--migration-format`.
//! - Out of order: applied. `Migrator::run_direct` applies every migration whose version is
//!   not in `_sqlx_migrations`, in version order, with no comparison against the newest applied
//!   one; `sqlx migrate run` (`sqlx-cli/src/migrate.rs`, `run`) does the same (its
//!   `VersionTooOld` is only for a `--target-version` below the newest applied).

use super::sql_literal;
use super::{
    AppliedEdit, AppliedMigration, Detection, DirEntries, History, MigrationFormat, MigrationText,
    OutOfOrder,
};
use crate::plan::format::{Format, NameInfo, Transaction};
use crate::plan::new::{NewFile, NewMigration};
use crate::plan::read;

pub struct Sqlx;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Sqlx: Format = Format::new(&Sqlx);
}

impl MigrationFormat for Sqlx {
    fn name(&self) -> &'static str {
        "sqlx"
    }

    /// `sqlx migrate add NAME`: `<version>_<name>.sql`, or `.up.sql` and `.down.sql` for a
    /// reversible migration, the version `%Y%m%d%H%M%S` in UTC or the next number in 4 digits,
    /// as the existing migrations go (`sqlx-cli/src/migrate.rs`, `add`,
    /// `MigrationOrdering::infer`, `MigrationType::infer`); reversible when the directory's
    /// migrations are. `-- no-transaction` as the file's first bytes (above), where sqlx then
    /// sends the file as one query.
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let marker = new.no_transaction_marker("-- no-transaction\n");
        let up = format!("{marker}{}\n", new.header("sqlx", true));
        let stem = format!("{}_{}", new.version, new.slug);
        if new.existing.iter().any(|f| f.relative.ends_with(".up.sql")) {
            vec![
                NewFile::new(format!("{stem}.up.sql"), up),
                NewFile::new(
                    format!("{stem}.down.sql"),
                    "-- Add down migration script here\n",
                ),
            ]
        } else {
            vec![NewFile::new(format!("{stem}.sql"), up)]
        }
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            // Before golang-migrate, whose names sqlx's reversible files share.
            priority: 28,
            recognises: is_a_sqlx_crates_directory,
        })
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        // Reversible `.up.sql`/`.down.sql`, or a plain `.sql` that only goes up.
        let (stem, is_up) = match NameInfo::direction(name) {
            Some(direction) => direction,
            None => (name.strip_suffix(".sql")?, true),
        };
        NameInfo::numbered(stem, is_up)
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        if file.whole.starts_with("-- no-transaction") {
            Transaction::Implicit
        } else {
            Transaction::Wrapped
        }
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["_sqlx_migrations"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &["
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
                "],
            record: |applied: &AppliedMigration<'_>| {
                let name = applied.file_name();
                let rest = name.split_once('_').map_or("", |(_, rest)| rest);
                let description = rest
                    .strip_suffix(".up.sql")
                    .or_else(|| rest.strip_suffix(".sql"))
                    .unwrap_or(rest)
                    .replace('_', " ");
                // sqlx stores the SHA-384 of the file, and the time it took; the plan has
                // neither, so an empty checksum and no time stand in for them.
                vec![format!(
                    "INSERT INTO _sqlx_migrations \
                        (version, description, success, checksum, execution_time) \
                        VALUES ({}, {}, TRUE, '\\x'::bytea, 0)",
                    sql_literal(&applied.version.text),
                    sql_literal(&description)
                )]
            },
        })
    }

    fn applied_edit(&self) -> AppliedEdit {
        AppliedEdit::Checked(
            r#"records a checksum (SHA-384) of every applied migration, and `sqlx migrate run` stops with "migration N was previously applied but has been modified" (VersionMismatch) on every database that ran it"#,
        )
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Applied
    }

    fn on_duplicate(&self) -> &'static str {
        "fails on them: once one is applied the other's checksum does not match it, and on a \
            fresh database recording the second fails"
    }
}

/// Whether `dir` is `<crate>/migrations` of a crate that depends on sqlx, holding sqlx's file
/// names and none of another tool's annotations.
fn is_a_sqlx_crates_directory(dir: &DirEntries<'_>) -> bool {
    let named_migrations = dir.path.file_name().is_some_and(|n| n == "migrations");
    let manifest = dir
        .path
        .parent()
        .map(|crate_dir| crate_dir.join("Cargo.toml"));
    let depends_on_sqlx = manifest
        .and_then(|path| read::regular_file(&path).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|text| manifest_depends_on_sqlx(&text));
    named_migrations
        && depends_on_sqlx
        && dir.sql_files().any(|name| Sqlx.parse_name(name).is_some())
        && !dir
            .sql_files()
            .take(super::ANNOTATED_FILES_READ)
            .any(|name| super::has_annotation(&dir.path.join(name)))
}

/// Whether a `Cargo.toml` names `sqlx` in any of its dependency tables (a workspace's, a
/// target's, dev and build dependencies too).
fn manifest_depends_on_sqlx(manifest: &str) -> bool {
    let Ok(table) = manifest.parse::<toml::Table>() else {
        return false;
    };
    let names_sqlx = |deps: Option<&toml::Value>| {
        deps.and_then(toml::Value::as_table)
            .is_some_and(|deps| deps.contains_key("sqlx"))
    };
    let in_tables = |t: &toml::Table| {
        ["dependencies", "dev-dependencies", "build-dependencies"]
            .iter()
            .any(|key| names_sqlx(t.get(*key)))
    };
    let targets = table.get("target").and_then(toml::Value::as_table);
    in_tables(&table)
        || table
            .get("workspace")
            .and_then(toml::Value::as_table)
            .is_some_and(|w| names_sqlx(w.get("dependencies")))
        || targets.is_some_and(|targets| {
            targets
                .values()
                .filter_map(toml::Value::as_table)
                .any(in_tables)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(text: &str) -> Transaction {
        Sqlx.transaction(&MigrationText {
            path: std::path::Path::new("1_a.sql"),
            whole: text,
            up: text,
            up_start: 0,
        })
    }

    #[test]
    fn no_transaction_must_open_the_file_and_still_sends_one_query() {
        let index = "CREATE INDEX CONCURRENTLY i ON t (c);\n";
        assert_eq!(tx(index), Transaction::Wrapped);
        assert_eq!(
            tx(&format!("-- no-transaction\n{index}")),
            Transaction::Implicit
        );
        // sqlx checks the first bytes of the file: a blank line or a space before it, and the
        // file runs in a transaction.
        assert_eq!(
            tx(&format!("\n-- no-transaction\n{index}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!(" -- no-transaction\n{index}")),
            Transaction::Wrapped
        );
    }

    #[test]
    fn a_crate_that_depends_on_sqlx_is_recognised_by_its_manifest() {
        assert!(manifest_depends_on_sqlx(
            "[package]\nname = \"app\"\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n"
        ));
        assert!(manifest_depends_on_sqlx(
            "[workspace]\nmembers = [\"app\"]\n[workspace.dependencies]\nsqlx = \"0.8\"\n"
        ));
        assert!(manifest_depends_on_sqlx(
            "[target.'cfg(unix)'.dev-dependencies]\nsqlx = \"0.8\"\n"
        ));
        assert!(!manifest_depends_on_sqlx(
            "[dependencies]\ndiesel = \"2\"\n# sqlx = \"0.8\"\n"
        ));
        assert!(!manifest_depends_on_sqlx("not toml = = ="));
    }

    #[test]
    fn the_migrations_directory_of_a_sqlx_crate_is_sqlx_unless_another_tool_annotates_it() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("migrations");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("20240101000000_a.up.sql"), "SELECT 1;\n").unwrap();
        std::fs::write(dir.join("20240101000000_a.down.sql"), "SELECT 1;\n").unwrap();
        let detect = || {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            super::super::detect(&dir, &names).unwrap().name()
        };
        assert_eq!(detect(), "golang-migrate");
        std::fs::write(
            t.path().join("Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nsqlx = \"0.8\"\n",
        )
        .unwrap();
        assert_eq!(detect(), "sqlx");
        // A dbmate directory in the same crate.
        for name in ["20240101000000_a.up.sql", "20240101000000_a.down.sql"] {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        std::fs::write(
            dir.join("20240102000000_b.sql"),
            "-- migrate:up\nSELECT 1;\n",
        )
        .unwrap();
        assert_eq!(detect(), "dbmate");
    }
}
