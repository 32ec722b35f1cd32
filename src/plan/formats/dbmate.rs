//! dbmate.
//!
//! - Naming: `<version>_name.sql`, the version the number before the first `_` (usually a
//!   timestamp); one file holds both directions, after `-- migrate:up` and `-- migrate:down`.
//! - Order: by that number.
//! - Transaction: dbmate wraps each file in a transaction unless it says
//!   `-- migrate:up transaction:false`.
//! - History table: `schema_migrations`, one row per migration applied. Checked in
//!   amacneil/dbmate `pkg/driver/postgres/postgres.go`: `CreateMigrationsTable` runs `create
//!   table if not exists <current schema>.schema_migrations (version varchar(255) primary key)`
//!   (called by `openDatabaseForMigration` in `pkg/dbmate/db.go`, before any migration), and
//!   `InsertMigration` `insert into ... (version) values ($1)` in the migration's transaction,
//!   the version as the file name has it.
//! - Detection: a `-- migrate:up` annotation (goose shares the file names).
//! - Out of order: reported. (dbmate applies every migration not yet applied, in version order,
//!   so such a file runs after newer ones; `--strict` makes it fail instead.)

use super::{
    AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder, Sections,
    sql_literal,
};
use crate::plan::format::{Format, NameInfo, Transaction};

pub struct Dbmate;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Dbmate: Format = Format::new(&Dbmate);
}

impl MigrationFormat for Dbmate {
    fn name(&self) -> &'static str {
        "dbmate"
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Annotation("-- migrate:up"))
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        NameInfo::numbered(name.strip_suffix(".sql")?, true)
    }

    fn sections(&self) -> Option<Sections> {
        Some(Sections {
            up: "-- migrate:up",
            down: "-- migrate:down",
            annotation: "-- migrate:up",
        })
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        Transaction::wrapped_unless(file.has_directive("--migrate:uptransaction:false"))
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["schema_migrations"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            // The current schema of Drydock's database is `public`.
            create: &[
                "create table if not exists public.schema_migrations (version varchar(255) primary key)",
            ],
            record: |applied: &AppliedMigration<'_>| {
                vec![format!(
                    "insert into public.schema_migrations (version) values ({})",
                    sql_literal(&applied.version.text)
                )]
            },
        })
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }
}
