//! Prisma Migrate.
//!
//! - Naming: one sub-directory per migration, `<version>_name/` (the version a timestamp, anything
//!   up to the first `_`, starting with a digit), holding `migration.sql`; `migration_lock.toml`
//!   sits beside them.
//! - Order: by that version, as text.
//! - Transaction: checked in prisma/prisma-engines `schema-engine/connectors/
//!   sql-schema-connector/src/flavour/postgres/connection.rs` (`apply_migration_script`): the
//!   whole `migration.sql` goes as one `simple_query`, in no transaction of Prisma's:
//!   [`Transaction::Implicit`], so CONCURRENTLY only works alone in its file. Prisma has no
//!   per-migration switch.
//! - History table: `_prisma_migrations`, one row per migration applied. Checked in
//!   prisma/prisma-engines: `schema-engine/connectors/sql-schema-connector/src/flavour/
//!   postgres.rs` (`create_migrations_table`: the `CREATE TABLE` below) and
//!   `.../src/sql_migration_persistence.rs` (`initialize` creates the table before any
//!   migration; `record_migration_started_impl` inserts `id` (a v4 UUID), `checksum`,
//!   `started_at` and `migration_name` (the directory name), then `record_successful_step`
//!   adds 1 to `applied_steps_count` and `record_migration_finished` sets `finished_at`).
//! - Detection: a sub-directory holding `migration.sql`, before anything else.
//! - Out of order: reported.

use super::{
    AppliedMigration, Detection, History, Layout, MigrationFormat, MigrationText, OutOfOrder,
    sql_literal,
};
use crate::plan::format::{Format, NameInfo, Transaction};

pub struct Prisma;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Prisma: Format = Format::new(&Prisma);
}

const UP_FILE: &str = "migration.sql";

impl MigrationFormat for Prisma {
    fn name(&self) -> &'static str {
        "prisma"
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 10,
            recognises: |dir| dir.any_subdirectory_holds(UP_FILE),
        })
    }

    fn layout(&self) -> Layout {
        Layout::Subdirectory { up_file: UP_FILE }
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        NameInfo::dated_directory(name)
    }

    fn transaction(&self, _file: &MigrationText<'_>) -> Transaction {
        Transaction::Implicit
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["_prisma_migrations"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &["CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
"],
            record: |applied: &AppliedMigration<'_>| {
                let name = applied
                    .relative
                    .split('/')
                    .next()
                    .unwrap_or(applied.relative);
                // The three writes of a successful migration as one row. Prisma stores the
                // SHA-256 of the file (hex), which the plan does not have: zeros stand in for
                // it. The id is a random UUID built from md5, which every PostgreSQL has.
                vec![format!(
                    "INSERT INTO _prisma_migrations \
                        (id, checksum, finished_at, migration_name, started_at, \
                        applied_steps_count) \
                        VALUES (md5(random()::text || clock_timestamp()::text)::uuid::text, \
                        repeat('0', 64), now(), {}, now(), 1)",
                    sql_literal(name)
                )]
            },
        })
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_is_one_multi_statement_query() {
        let text = "CREATE INDEX CONCURRENTLY i ON t (c);\n";
        let tx = Prisma.transaction(&MigrationText {
            path: std::path::Path::new("20240101000000_a/migration.sql"),
            whole: text,
            up: text,
            up_start: 0,
        });
        assert_eq!(tx, Transaction::Implicit);
    }
}
