//! dbmate.
//!
//! - Naming: `<version>_name.sql`, the version the number before the first `_` (usually a
//!   timestamp); one file holds both directions, after `-- migrate:up` and `-- migrate:down`.
//! - Order: by that number.
//! - Transaction: dbmate wraps each file in a transaction unless it says
//!   `-- migrate:up transaction:false`.
//! - History table: `schema_migrations`.
//! - Detection: a `-- migrate:up` annotation (goose shares the file names).
//! - Out of order: reported. (dbmate applies every migration not yet applied, in version order,
//!   so such a file runs after newer ones; `--strict` makes it fail instead.)

use super::{Detection, MigrationFormat, MigrationText, OutOfOrder, Sections};
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

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }
}
