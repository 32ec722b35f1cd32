//! goose.
//!
//! - Naming: `<version>_name.sql`, the version the number before the first `_`; one file holds
//!   both directions, after `-- +goose Up` and `-- +goose Down`. Checked in pressly/goose
//!   (`NumericComponent`, found by search, and `numericComponent` in the stored `migrate.go`:
//!   the text before the first `_`, which must be there, read with `strconv.ParseInt`).
//! - Identity: that number (`001_a` and `1_b` are both version 1). Two files of one version are
//!   refused: collecting the migrations fails with "goose: duplicate version N detected"
//!   (`Migrations.Less`, later `duplicateVersion`, found by searching the stored sources; the
//!   oldest goose, `migrate.go` as stored under pressly/goose, refuses them too: "more than
//!   one file specifies the migration for version N").
//! - Order: by that number (`00009_a` before `10_b`).
//! - Transaction: checked in pressly/goose. `internal/sqlparser/parser.go`
//!   (`ParseSQLMigration`) splits the file into statements (at a line ending in `;`, or between
//!   `-- +goose StatementBegin` and `StatementEnd`) and turns the transaction off for a line that
//!   starts with `--` and, trimmed after it, is exactly `+goose NO TRANSACTION` (case matters;
//!   anywhere in the file). The runner (`runSQL`) sends each statement with its own
//!   `ExecContext`, on a transaction or, with it off, on the database: [`Transaction::Wrapped`]
//!   or [`Transaction::None`]. (Two statements on one line are one `Exec`, one multi-statement
//!   query; Drydock runs them one by one.)
//! - History table: `goose_db_version`, one row per migration applied (and one per rollback).
//!   Checked in pressly/goose: `internal/dialect/dialectquery/postgres.go` (`CreateTable`: `id
//!   serial`, `version_id bigint`, `is_applied boolean`, `tstamp timestamp NULL default now()`;
//!   `InsertVersion`: `INSERT ... (version_id, is_applied) VALUES ($1, $2)`, `true` going up, in
//!   the migration's transaction) and `migrate.go` (`createVersionTable`: the table is created
//!   with a first row, version 0 applied, before any migration runs).
//! - Detection: a `-- +goose` annotation (dbmate shares the file names).
//! - Out of order: refused. Since v3.3.0 `goose up` (`UpToContext` in goose v3's `up.go`, found
//!   by searching the stored sources; the `up.go` stored under pressly/goose for reading is
//!   older) collects the applied versions and, with any file below the highest of them not
//!   applied (`findMissingMigrations`), fails with "found N missing migrations before current
//!   version" unless `-allow-missing` (pressly/goose `cmd/goose/main.go`: "applies missing
//!   (out-of-order) migrations"). Before v3.3.0 it skipped such a file, as the goose blog post
//!   "Adding support for out-of-order migrations" (pressly/goose, blog/2021) says.

use super::{
    AppliedEdit, AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder,
    Sections, sql_literal,
};
use crate::plan::format::{Format, NameInfo, Transaction};
use crate::plan::new::{NewFile, NewMigration};

pub struct Goose;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Goose: Format = Format::new(&Goose);
}

impl MigrationFormat for Goose {
    fn name(&self) -> &'static str {
        "goose"
    }

    /// `goose create NAME sql`: `<version>_<name>.sql`, the version `20060102150405` in UTC
    /// (v3; older releases used local time) or with `-s` the next number in 5 digits
    /// (`create.go`, `timestampFormat` in `goose.go`, `seqVersionTemplate` in `fix.go`), from
    /// the template `-- +goose Up` ... `-- +goose Down`; `-- +goose NO TRANSACTION` at the top
    /// for no transaction (read on any line, above).
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let marker = new.no_transaction_marker("-- +goose NO TRANSACTION\n");
        vec![NewFile::new(
            format!("{}_{}.sql", new.version, new.slug),
            format!(
                "{marker}-- +goose Up\n{}\n-- +goose Down\n",
                new.header("goose", false)
            ),
        )]
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Annotation("-- +goose"))
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        NameInfo::numbered(name.strip_suffix(".sql")?, true)
    }

    fn sections(&self, _whole: &str) -> Option<Sections> {
        Some(Sections {
            up: "-- +goose up",
            down: "-- +goose down",
            annotation: "-- +goose Up",
        })
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let off = file.whole.lines().any(|line| {
            line.strip_prefix("--")
                .is_some_and(|rest| rest.trim() == "+goose NO TRANSACTION")
        });
        Transaction::wrapped_unless(off)
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["goose_db_version"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &[
                "CREATE TABLE goose_db_version (
		id serial NOT NULL,
		version_id bigint NOT NULL,
		is_applied boolean NOT NULL,
		tstamp timestamp NULL default now(),
		PRIMARY KEY(id)
	)",
                "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)",
            ],
            record: |applied: &AppliedMigration<'_>| {
                vec![format!(
                    "INSERT INTO goose_db_version (version_id, is_applied) VALUES ({}, true)",
                    sql_literal(&applied.version.text)
                )]
            },
        })
    }

    fn applied_edit(&self) -> AppliedEdit {
        // Its history table holds versions and times, no checksum (the history table above).
        AppliedEdit::Unchecked
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Refused {
            unless: "`-allow-missing`",
        }
    }

    fn on_duplicate(&self) -> &'static str {
        "refuses to collect the migrations (duplicate version), so no migration runs"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::format::Version;

    fn v(name: &str) -> Version {
        Goose.parse_name(name).unwrap().version
    }

    #[test]
    fn numeric_versions_sort_by_number_not_text() {
        assert!(v("00009_a.sql") < v("10_b.sql"));
    }

    fn tx(text: &str) -> Transaction {
        Goose.transaction(&MigrationText {
            path: std::path::Path::new("1_a.sql"),
            whole: text,
            up: text,
            up_start: 0,
        })
    }

    #[test]
    fn no_transaction_is_the_exact_annotation_at_the_start_of_a_line() {
        let up = "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (c);\n";
        assert_eq!(tx(up), Transaction::Wrapped);
        assert_eq!(
            tx(&format!("-- +goose NO TRANSACTION\n{up}")),
            Transaction::None
        );
        assert_eq!(
            tx(&format!("{up}--   +goose NO TRANSACTION  \n")),
            Transaction::None
        );
        // goose compares the annotation exactly, and only from the line's first byte.
        assert_eq!(
            tx(&format!("-- +goose no transaction\n{up}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!("  -- +goose NO TRANSACTION\n{up}")),
            Transaction::Wrapped
        );
    }
}
