//! sqlx (`sqlx migrate`).
//!
//! - Naming: `<version>_name.sql` (simple) or `<version>_name.up.sql`/`.down.sql` (reversible);
//!   the version is the number before the first `_`.
//! - Order: by that number.
//! - Transaction: sqlx wraps each file in a transaction unless it starts with
//!   `-- no-transaction`.
//! - History table: `_sqlx_migrations`.
//! - Detection: never; golang-migrate shares the names, so sqlx must be named in drydock.toml or
//!   `--migration-format`.
//! - Out of order: reported.

use super::{Detection, MigrationFormat, MigrationText, OutOfOrder};
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
        let (stem, is_up) = if let Some(s) = name.strip_suffix(".up.sql") {
            (s, true)
        } else if let Some(s) = name.strip_suffix(".down.sql") {
            (s, false)
        } else {
            (name.strip_suffix(".sql")?, true)
        };
        NameInfo::numbered(stem, is_up)
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let first = file.up.trim_start().lines().next().unwrap_or("").trim();
        Transaction::wrapped_unless(first == "-- no-transaction")
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["_sqlx_migrations"]
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }
}
