//! diesel (`diesel migration`).
//!
//! - Naming: one sub-directory per migration, `<version>_name/` (the version a timestamp such as
//!   `2024-01-01-000000`: anything up to the first `_`), holding `up.sql` and `down.sql`.
//!   Checked in diesel-rs/diesel: `diesel_migrations/migrations_internals/src/lib.rs`
//!   (`migrations_directories`: every directory not starting with `.`; `version_from_string`:
//!   the name up to the first `_`, without its `-`s).
//! - Identity: that version without its `-`s (`2024-01-01-000000_a` and `20240101000000_b` are
//!   one version). Of two migrations of one version only one runs, and nothing says so:
//!   `MigrationHarness::pending_migrations` (`diesel_migrations/src/migration_harness.rs`)
//!   collects them into a map keyed by version.
//! - Order: by that version (without `-`s), as text: `pending_migrations` sorts by
//!   `MigrationVersion`, a string (`diesel/src/migration/mod.rs`, derived `Ord`).
//! - Transaction: checked in diesel-rs/diesel. `diesel_migrations/src/migration_harness.rs`
//!   (`run_migration`) runs the migration in `conn.transaction(..)` when its metadata says
//!   `run_in_transaction`, else on the connection; `diesel_migrations/src/
//!   file_based_migrations.rs` (`run_sql_from_file`) sends the whole `up.sql` as one
//!   `batch_execute`, which for PostgreSQL is one `PQexec` (diesel `pg/connection/raw.rs`,
//!   `exec`): one multi-statement query. So [`Transaction::Wrapped`], or
//!   [`Transaction::Implicit`] (two CONCURRENTLY statements in it fail in Postgres for real).
//!   The metadata (`SqlFileMigration::from_path`, `migrations_internals/src/lib.rs`
//!   `TomlMetadata`): `metadata.toml` beside `up.sql`, parsed as TOML; a missing or unparsable
//!   file means `run_in_transaction = true`, but a parsed file without the key means `false`
//!   (the field is `#[serde(default)] bool`).
//! - History table: `__diesel_schema_migrations`, one row per migration applied. Checked in
//!   diesel-rs/diesel: `diesel_migrations/src/migration/setup_migration_table.sql` (`CREATE
//!   TABLE IF NOT EXISTS ... (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT
//!   NULL DEFAULT CURRENT_TIMESTAMP)`, run before any migration) and
//!   `diesel_migrations/migrations_internals/src/lib.rs` (`version_from_string`: the stored
//!   version is the directory name up to the first `_`, without its `-`s).
//! - Detection: a sub-directory holding `up.sql`, after Prisma's `migration.sql`.
//! - Out of order: applied. `run_pending_migrations` runs every migration whose version is not
//!   in `__diesel_schema_migrations` (`pending_migrations` removes the applied versions), in
//!   version order, with no comparison against the newest applied one.

use super::{
    AppliedEdit, AppliedMigration, Detection, History, Layout, MigrationFormat, MigrationText,
    OutOfOrder, sql_literal,
};
use crate::plan::format::{Collation, Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};
use chrono::{DateTime, Utc};

pub struct Diesel;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Diesel: Format = Format::new(&Diesel);
}

const UP_FILE: &str = "up.sql";

impl MigrationFormat for Diesel {
    fn name(&self) -> &'static str {
        "diesel"
    }

    /// `diesel migration generate NAME`: the directory `<version>_<name>/` with `up.sql` and
    /// `down.sql`, the version `%Y-%m-%d-%H%M%S` in UTC (`diesel_cli/src/migrations/mod.rs`,
    /// `TIMESTAMP_FORMAT` in `diesel_cli/src/main.rs`), the down from diesel's template; for no
    /// transaction `metadata.toml` with `run_in_transaction = false` (above), where diesel
    /// then sends `up.sql` as one query.
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let dir = format!("{}_{}", new.version, new.slug);
        let mut files = vec![
            NewFile::new(
                format!("{dir}/up.sql"),
                format!("{}\n", new.header("diesel", true)),
            ),
            NewFile::new(
                format!("{dir}/down.sql"),
                "-- This file should undo anything in `up.sql`\n",
            ),
        ];
        if new.no_transaction {
            files.push(NewFile::new(
                format!("{dir}/metadata.toml"),
                "run_in_transaction = false\n",
            ));
        }
        files
    }

    fn first_version(&self, now: DateTime<Utc>) -> String {
        crate::plan::new::timestamp(now, 14, true)
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 20,
            recognises: |dir| dir.any_subdirectory_holds(UP_FILE),
        })
    }

    fn layout(&self) -> Layout {
        Layout::Subdirectory { up_file: UP_FILE }
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        if name.starts_with('.') {
            return None;
        }
        let version = name.split('_').next().unwrap_or(name);
        let compared = version.replace('-', "");
        Some(NameInfo {
            version: Version::lexical(version)
                .identified_by(compared.clone())
                .sorted_by(compared, Collation::Bytes),
            is_up: true,
            dialect_free: false,
        })
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let metadata = MigrationText::beside(&file.path.with_file_name("metadata.toml"));
        if metadata.as_deref().is_some_and(|m| !runs_in_transaction(m)) {
            Transaction::Implicit
        } else {
            Transaction::Wrapped
        }
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["__diesel_schema_migrations"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &["CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)"],
            record: |applied: &AppliedMigration<'_>| {
                // diesel stores the version without its `-`s: its identity (`parse_name`).
                let version = &applied.version.identity;
                vec![format!(
                    "INSERT INTO __diesel_schema_migrations (version) VALUES ({})",
                    sql_literal(version)
                )]
            },
        })
    }

    fn applied_edit(&self) -> AppliedEdit {
        // Its history table holds only versions and times (the history table above).
        AppliedEdit::Unchecked
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Applied
    }

    fn on_duplicate(&self) -> &'static str {
        "runs only one of them and says nothing of the other"
    }
}

/// `run_in_transaction` of a `metadata.toml`, as diesel deserializes it into `TomlMetadata`:
/// a file that is not TOML, or whose key is not a boolean, fails to parse and counts as absent
/// (`unwrap_or_default()`, true); a missing key is `false` (`#[serde(default)]`).
fn runs_in_transaction(metadata: &str) -> bool {
    let Ok(table) = metadata.parse::<toml::Table>() else {
        return true;
    };
    match table.get("run_in_transaction") {
        None => false,
        Some(toml::Value::Boolean(run)) => *run,
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_read_the_way_diesel_deserializes_it() {
        assert!(!runs_in_transaction("run_in_transaction = false\n"));
        assert!(runs_in_transaction("run_in_transaction = true\n"));
        // A parsed file without the key: serde's default for the bool, false.
        assert!(!runs_in_transaction(""));
        assert!(!runs_in_transaction("# nothing here\nother = 1\n"));
        // Not TOML, or the wrong type: diesel falls back to its default, true.
        assert!(runs_in_transaction("run_in_transaction = nope"));
        assert!(runs_in_transaction("run_in_transaction = \"false\""));
    }

    #[test]
    fn a_migration_without_its_transaction_is_still_one_query() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("2024-01-01-000000_index");
        std::fs::create_dir_all(&dir).unwrap();
        let up = dir.join("up.sql");
        let text = "CREATE INDEX CONCURRENTLY i ON t (c);\n";
        let tx = || {
            Diesel.transaction(&MigrationText {
                path: &up,
                whole: text,
                up: text,
                up_start: 0,
            })
        };
        assert_eq!(tx(), Transaction::Wrapped);
        std::fs::write(dir.join("metadata.toml"), "run_in_transaction = false\n").unwrap();
        assert_eq!(tx(), Transaction::Implicit);
    }
}
