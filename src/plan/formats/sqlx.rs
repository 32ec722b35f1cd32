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
//! - Detection: never; golang-migrate shares the names, so sqlx must be named in drydock.toml or
//!   `--migration-format`.
//! - Out of order: applied. `Migrator::run_direct` applies every migration whose version is
//!   not in `_sqlx_migrations`, in version order, with no comparison against the newest applied
//!   one; `sqlx migrate run` (`sqlx-cli/src/migrate.rs`, `run`) does the same (its
//!   `VersionTooOld` is only for a `--target-version` below the newest applied).

use super::sql_literal;
use super::{AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Format, NameInfo, Transaction};

pub struct Sqlx;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Sqlx: Format = Format::new(&Sqlx);
}

impl MigrationFormat for Sqlx {
    fn name(&self) -> &'static str {
        "sqlx"
    }

    fn detection(&self) -> Option<Detection> {
        None
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
                let name = applied
                    .relative
                    .rsplit('/')
                    .next()
                    .unwrap_or(applied.relative);
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

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Applied
    }

    fn on_duplicate(&self) -> &'static str {
        "fails on them: once one is applied the other's checksum does not match it, and on a \
            fresh database recording the second fails"
    }
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
}
