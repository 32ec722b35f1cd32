//! dbmate.
//!
//! - Naming: `<version>_name.sql`, the version the digits the name starts with (usually a
//!   timestamp); one file holds both directions, after `-- migrate:up` and `-- migrate:down`.
//!   Checked in amacneil/dbmate `pkg/dbmate/db.go`: `migrationFileRegexp` is
//!   `^(\d+).*\.sql$` and `FindMigrations` takes the digits, as text, for the version.
//! - Identity: those digits, as text (`001_a` and `1_b` are two versions). A migration counts
//!   as applied when its version is in `schema_migrations`, so of two files of one version only
//!   the first runs on a fresh database (recording the second fails on the primary key) and
//!   neither is run again once one is applied.
//! - Order: by file name, byte by byte (`FindMigrations` sorts by `FileName`), not by number:
//!   `10_b.sql` before `9_a.sql`.
//! - Transaction: dbmate wraps each file in a transaction unless it says
//!   `-- migrate:up transaction:false`.
//! - History table: `schema_migrations`, one row per migration applied. Checked in
//!   amacneil/dbmate `pkg/driver/postgres/postgres.go`: `CreateMigrationsTable` runs `create
//!   table if not exists <current schema>.schema_migrations (version varchar(255) primary key)`
//!   (called by `openDatabaseForMigration` in `pkg/dbmate/db.go`, before any migration), and
//!   `InsertMigration` `insert into ... (version) values ($1)` in the migration's transaction,
//!   the version as the file name has it.
//! - Detection: a `-- migrate:up` annotation (goose shares the file names).
//! - Out of order: applied. `Migrate` (`pkg/dbmate/db.go`) applies every migration whose
//!   version is not in `schema_migrations`, in file-name order, so such a file runs after the
//!   newer ones; only with `--strict` (`DB.Strict`) does it fail ("is out of order with already
//!   applied migrations").

use super::{
    AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder, Sections,
    sql_literal,
};
use crate::plan::format::{Collation, Format, NameInfo, Transaction, Version};

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
        name.strip_suffix(".sql")?;
        let digits = name.len() - name.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        (digits > 0).then(|| NameInfo {
            version: Version::lexical(&name[..digits]).sorted_by(name, Collation::Bytes),
            is_up: true,
        })
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
        OutOfOrder::Applied
    }

    fn on_duplicate(&self) -> &'static str {
        "counts both as applied once one is, so the other never runs (on a fresh database, \
            recording the second fails)"
    }
}
