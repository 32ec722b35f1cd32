//! diesel (`diesel migration`).
//!
//! - Naming: one sub-directory per migration, `<version>_name/` (the version a timestamp such as
//!   `2024-01-01-000000`, anything up to the first `_`, starting with a digit), holding `up.sql`
//!   and `down.sql`.
//! - Order: by that version, as text.
//! - Transaction: diesel wraps each migration in a transaction unless its `metadata.toml` has
//!   `run_in_transaction = false`.
//! - History table: `__diesel_schema_migrations`, one row per migration applied. Checked in
//!   diesel-rs/diesel: `diesel_migrations/src/migration/setup_migration_table.sql` (`CREATE
//!   TABLE IF NOT EXISTS ... (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT
//!   NULL DEFAULT CURRENT_TIMESTAMP)`, run before any migration) and
//!   `diesel_migrations/migrations_internals/src/lib.rs` (`version_from_string`: the stored
//!   version is the directory name up to the first `_`, without its `-`s).
//! - Detection: a sub-directory holding `up.sql`, after Prisma's `migration.sql`.
//! - Out of order: reported.

use super::{
    AppliedMigration, Detection, History, Layout, MigrationFormat, MigrationText, OutOfOrder,
    sql_literal,
};
use crate::plan::format::{Format, NameInfo, Transaction};

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
        NameInfo::dated_directory(name)
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let metadata = file.path.with_file_name("metadata.toml");
        let off = MigrationText::beside(&metadata)
            .is_some_and(|m| m.replace(' ', "").contains("run_in_transaction=false"));
        Transaction::wrapped_unless(off)
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
                // The version is already the name up to the first `_` (`parse_name`).
                let version = applied.version.text.replace('-', "");
                vec![format!(
                    "INSERT INTO __diesel_schema_migrations (version) VALUES ({})",
                    sql_literal(&version)
                )]
            },
        })
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }
}
