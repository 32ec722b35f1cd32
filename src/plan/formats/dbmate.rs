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
//! - Transaction: checked in amacneil/dbmate. `pkg/dbmate/db.go` (`Migrate`) sends the whole up
//!   section as one `Exec` (`tx.Exec(migrationSection.Up)`), inside a transaction of its own
//!   (`doTransaction`) unless the section's options turn it off, and then straight on the
//!   database (`execMigration(sqlDB)`); the Postgres driver is lib/pq
//!   (`pkg/driver/postgres/postgres.go`), whose `Exec` without arguments is one simple query
//!   (lib/pq `conn.go`, `simpleExec`). So [`Transaction::Wrapped`], or with the transaction off
//!   [`Transaction::Implicit`]: still one multi-statement query, in which two CONCURRENTLY
//!   statements fail in Postgres for real. The option is read from the first line of the up
//!   block (`pkg/dbmate/migration.go`, `parseMigrationOptions`): the `-- migrate:up` line's
//!   whitespace-separated `key:value` words, `transaction:false` exactly (`Transaction()` is
//!   `m["transaction"] != "false"`).
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
    AppliedEdit, AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder,
    Sections, sql_literal,
};
use crate::plan::format::{Collation, Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};

pub struct Dbmate;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Dbmate: Format = Format::new(&Dbmate);
}

impl MigrationFormat for Dbmate {
    fn name(&self) -> &'static str {
        "dbmate"
    }

    /// `dbmate new NAME`: `<UTC 20060102150405>_<name>.sql` from the template `-- migrate:up`
    /// ... `-- migrate:down` (`pkg/dbmate/db.go`, `NewMigration`, `migrationTemplate`);
    /// `transaction:false` on the up line for no transaction, when dbmate sends the section as
    /// one query (above).
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let option = new.no_transaction_marker(" transaction:false");
        vec![NewFile::new(
            format!("{}_{}.sql", new.version, new.slug),
            format!(
                "-- migrate:up{option}\n{}\n-- migrate:down\n\n",
                new.header("dbmate", true)
            ),
        )]
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
            dialect_free: false,
        })
    }

    fn sections(&self, _whole: &str) -> Option<Sections> {
        Some(Sections {
            up: "-- migrate:up",
            down: "-- migrate:down",
            annotation: "-- migrate:up",
        })
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        if transaction_off(file) {
            Transaction::Implicit
        } else {
            Transaction::Wrapped
        }
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

    fn applied_edit(&self) -> AppliedEdit {
        // Its history table holds only versions (the history table above).
        AppliedEdit::Unchecked
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Applied
    }

    fn on_duplicate(&self) -> &'static str {
        "counts both as applied once one is, so the other never runs (on a fresh database, \
            recording the second fails)"
    }
}

/// Whether the up block's options say `transaction:false`: the words of the `-- migrate:up`
/// line (the line the up section follows), split on whitespace, each split on `:` into a key and
/// a value (dbmate's `parseMigrationOptions`).
fn transaction_off(file: &MigrationText<'_>) -> bool {
    let before_up = &file.whole[..file.up_start.min(file.whole.len())];
    let marker_line = before_up.rsplit('\n').next().unwrap_or(before_up);
    marker_line.split_whitespace().any(|word| {
        let pair: Vec<&str> = word.split(':').collect();
        pair == ["transaction", "false"]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::formats::MigrationFormat;
    use std::path::Path;

    fn tx(text: &str) -> Transaction {
        let up_start = Dbmate.sections(text).unwrap().up_span(text).unwrap().start;
        Dbmate.transaction(&MigrationText {
            path: Path::new("1_a.sql"),
            whole: text,
            up: &text[up_start..],
            up_start,
        })
    }

    #[test]
    fn transaction_false_on_the_up_line_sends_the_section_as_one_query() {
        let body = "CREATE INDEX CONCURRENTLY i ON t (c);\n-- migrate:down\n";
        assert_eq!(tx(&format!("-- migrate:up\n{body}")), Transaction::Wrapped);
        assert_eq!(
            tx(&format!("-- migrate:up transaction:false\n{body}")),
            Transaction::Implicit
        );
        assert_eq!(
            tx(&format!(
                "-- migrate:up  foo:bar   transaction:false\n{body}"
            )),
            Transaction::Implicit
        );
        // Only the up line's options count, and only the exact value.
        assert_eq!(
            tx(&format!("-- migrate:up\n-- transaction:false\n{body}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!("-- migrate:up transaction:FALSE\n{body}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!(
                "-- migrate:up\n{body}-- migrate:down transaction:false\n"
            )),
            Transaction::Wrapped
        );
    }
}
