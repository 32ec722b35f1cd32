//! Prisma Migrate.
//!
//! - Naming: one sub-directory per migration, `<timestamp>_name/` as `prisma migrate dev` names
//!   them, holding `migration.sql`; `migration_lock.toml` sits beside them. Every
//!   sub-directory is a migration: prisma/prisma `packages/migrate/src/utils/listMigrations.ts`
//!   (`listMigrations`) lists each directory entry and reads its `migration.sql`.
//! - Identity: the whole directory name, not its timestamp: `migrate deploy`
//!   (prisma/prisma-engines `schema-engine/core/src/commands/apply_migrations.rs`,
//!   `apply_migrations`) takes as unapplied each directory whose name no row of
//!   `_prisma_migrations` has as `migration_name`. So `20260630120000_add_webhook_filter` and
//!   `20260630120000_drop_alert_keys` are two migrations, and two directories can never share
//!   an identity.
//! - Order: the directory names, compared with JavaScript's `localeCompare`
//!   (`listMigrations`: "Sort lexicographically by name", `a.path.localeCompare(b.path)`;
//!   earlier versions sorted in the engine, `list_migrations` in
//!   `schema-engine/connectors/schema-connector/src/migrations_directory.rs`, by
//!   `migration_name`): [`Collation::Locale`]. For timestamped names that is the timestamps'
//!   order.
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
//! - Out of order: applied. `apply_migrations` applies every unapplied directory in the listed
//!   order and compares nothing with the newest applied one, so such a migration runs after
//!   the newer ones.

use super::{
    AppliedEdit, AppliedMigration, Detection, History, Layout, MigrationFormat, MigrationText,
    OutOfOrder, sql_literal,
};
use crate::plan::format::{Collation, Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};

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

    /// `prisma migrate dev --create-only --name NAME`: the directory
    /// `<UTC %Y%m%d%H%M%S>_<name>/` with `migration.sql` (prisma-engines
    /// `schema-engine/core/src/commands/create_migration.rs`; the name slugified with `_`,
    /// prisma `packages/migrate/src/utils/promptForMigrationName.ts`). Prisma has no marker for
    /// no transaction: it sends the file as one query (above).
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        vec![NewFile::new(
            format!("{}_{}/migration.sql", new.version, new.slug),
            format!("{}\n", new.header("Prisma", true)),
        )]
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
        Some(NameInfo {
            version: Version::lexical(name).sorted_by(name, Collation::Locale),
            is_up: true,
            dialect_free: false,
        })
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

    fn applied_edit(&self) -> AppliedEdit {
        AppliedEdit::Checked(
            r#"records a checksum of every applied migration: `prisma migrate dev` then stops with "The migration ... was modified after it was applied" and offers to reset the developer's database (`migrate deploy` carries on)"#,
        )
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Applied
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
