//! Prisma Migrate.
//!
//! - Naming: one sub-directory per migration, `<version>_name/` (the version a timestamp, anything
//!   up to the first `_`, starting with a digit), holding `migration.sql`; `migration_lock.toml`
//!   sits beside them.
//! - Order: by that version, as text.
//! - Transaction: Prisma sends a file as one multi-statement query, which Postgres runs as one
//!   implicit transaction: CONCURRENTLY only works alone in its file.
//! - History table: `_prisma_migrations`.
//! - Detection: a sub-directory holding `migration.sql`, before anything else.
//! - Out of order: reported.

use super::{Detection, Layout, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Format, NameInfo, Transaction, Version};

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
        let first = name.chars().next()?;
        first.is_ascii_digit().then(|| NameInfo {
            version: Version::lexical(name.split('_').next().unwrap_or(name)),
            is_up: true,
        })
    }

    fn transaction(&self, _file: &MigrationText<'_>) -> Transaction {
        Transaction::Implicit
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["_prisma_migrations"]
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }
}
