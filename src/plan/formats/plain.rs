//! Plain SQL files: a directory no migration tool claims, or a single file named on the command
//! line.
//!
//! - Naming: every `*.sql` file is an up migration; its version is its name without `.sql`.
//! - Identity: the whole name; order: by name, byte by byte.
//! - Transaction: each file in its own transaction, statement by statement, unless a comment
//!   line of it says `-- atlas:txmode none` (Drydock's own rule, looser than Atlas', which reads
//!   the directive only from the comment block that opens the file: see [`super::atlas`]).
//! - History table: none (there is no tool).
//! - Detection: the fallback, for a directory of `.sql` files no other format claims.
//! - Out of order: unknown (no tool), so reported: a runner may skip it.

use super::{Detection, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Format, NameInfo, Transaction, Version};

pub struct Plain;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Plain: Format = Format::new(&Plain);
}

impl MigrationFormat for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Fallback)
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let stem = name.strip_suffix(".sql")?;
        Some(NameInfo::up(Version::lexical(stem)))
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        Transaction::wrapped_unless(file.has_directive("--atlas:txmodenone"))
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Unknown
    }
}
