//! golang-migrate (`migrate`).
//!
//! - Naming: `<version>_name.up.sql` goes up, `<version>_name.down.sql` down; the version is the
//!   number before the first `_`. Checked in golang-migrate/migrate `source/parse.go`: `Regex`
//!   is `^([0-9]+)_(.*)\.(down|up)\.(.*)$` and `Parse` reads the digits with
//!   `strconv.ParseUint`.
//! - Identity: that number (`001_a` and `1_b` are both version 1). Two up files of one version
//!   are refused: `Migrations.Append` (`source/migration.go`) rejects a second migration of a
//!   version and direction, and the file source fails to open with `ErrDuplicateMigration`
//!   (`source/iofs/iofs.go`, `PartialDriver.Init`).
//! - Order: by that number (`9_a` before `10_b`): `buildIndex` sorts the versions as integers.
//! - Transaction: checked in golang-migrate/migrate `database/postgres/postgres.go` (`Run`,
//!   `runStatement`): the driver reads the whole file and sends it with one `ExecContext`
//!   without arguments, which lib/pq sends as one simple query (lib/pq `conn.go`,
//!   `simpleExec`), in no transaction of its own: [`Transaction::Implicit`], so CONCURRENTLY
//!   only works alone in its file. With the URL option `x-multi-statement=true` the driver
//!   splits the file at `;` (`multistmt.Parse`) and sends each part on its own; that is a
//!   setting of the runner, not in the directory, so Drydock assumes the default. (The `pgx`
//!   driver, `database/pgx`, was not checked.)
//! - History table: `schema_migrations`, one row: the current version and whether it is dirty.
//!   Checked in golang-migrate/migrate `database/postgres/postgres.go`: `ensureVersionTable`
//!   creates it (in the current schema) with `CREATE TABLE IF NOT EXISTS ... (version bigint not
//!   null primary key, dirty boolean not null)` when the driver opens, before any migration;
//!   `SetVersion` replaces the row in a transaction of its own (`TRUNCATE`, then `INSERT ...
//!   (version, dirty)`), with `dirty` true while a migration runs and false once it applied.
//! - Detection: a `*.up.sql` file, after the sub-directory formats. (sqlx uses these names too;
//!   it is only chosen when named.)
//! - Out of order: skipped. `migrate up` (`Migrate.Up` in `migrate.go`) reads the one current
//!   version from the database and `readUp` walks `sourceDrv.Next(current)` from there: a file
//!   whose version is below the current one is never read, and nothing says so.

use super::sql_literal;
use super::{
    AppliedEdit, AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder,
};
use crate::plan::format::{Format, NameInfo, Transaction};
use crate::plan::new::{NewFile, NewMigration};

pub struct GolangMigrate;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const GolangMigrate: Format = Format::new(&GolangMigrate);
}

impl MigrationFormat for GolangMigrate {
    fn name(&self) -> &'static str {
        "golang-migrate"
    }

    /// `migrate create -ext sql -dir D [-seq] NAME`: `<version>_<name>.up.sql` and
    /// `.down.sql`, both empty; the version `20060102150405` in UTC (`-tz` defaults to UTC), or
    /// with `-seq` the next number in 6 digits (`internal/cli/commands.go`, `createCmd`,
    /// `nextSeqVersion`). No marker for no transaction: the tool opens none (above), and sends
    /// the file as one query.
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let stem = format!("{}_{}", new.version, new.slug);
        vec![
            NewFile::new(
                format!("{stem}.up.sql"),
                format!("{}\n", new.header("golang-migrate", true)),
            ),
            NewFile::new(format!("{stem}.down.sql"), ""),
        ]
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 30,
            recognises: |dir| dir.sql_files().any(|n| n.ends_with(".up.sql")),
        })
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let (stem, is_up) = NameInfo::direction(name)?;
        NameInfo::numbered(stem, is_up)
    }

    fn transaction(&self, _file: &MigrationText<'_>) -> Transaction {
        Transaction::Implicit
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["schema_migrations"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &["CREATE TABLE IF NOT EXISTS schema_migrations \
                (version bigint not null primary key, dirty boolean not null)"],
            record: |applied: &AppliedMigration<'_>| {
                vec![
                    "TRUNCATE schema_migrations".to_string(),
                    format!(
                        "INSERT INTO schema_migrations (version, dirty) VALUES ({}, false)",
                        sql_literal(&applied.version.text)
                    ),
                ]
            },
        })
    }

    fn applied_edit(&self) -> AppliedEdit {
        // Its history table holds only the current version and a dirty flag (the history table above).
        AppliedEdit::Unchecked
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Skipped
    }

    fn on_duplicate(&self) -> &'static str {
        "refuses to open the directory (duplicate migration file), so no migration runs"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::format::Version;

    fn v(name: &str) -> Version {
        GolangMigrate.parse_name(name).unwrap().version
    }

    #[test]
    fn numeric_versions_sort_by_number_not_text() {
        assert!(v("9_a.up.sql") < v("10_b.up.sql"));
    }

    #[test]
    fn every_file_is_one_multi_statement_query() {
        let text = "CREATE INDEX CONCURRENTLY i ON t (c);\n";
        let tx = GolangMigrate.transaction(&MigrationText {
            path: std::path::Path::new("1_a.up.sql"),
            whole: text,
            up: text,
            up_start: 0,
        });
        assert_eq!(tx, Transaction::Implicit);
    }

    #[test]
    fn down_files_are_not_up_migrations() {
        assert!(!GolangMigrate.parse_name("1_a.down.sql").unwrap().is_up);
        assert!(GolangMigrate.parse_name("README.md").is_none());
    }
}
