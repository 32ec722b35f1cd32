//! Atlas (`atlas migrate`).
//!
//! - Naming: every `*.sql` file is an up migration (`<version>[_name].sql`); its version is its
//!   name without `.sql`. `atlas.sum` records a hash of every file ([`crate::plan::atlas_sum`]).
//! - Order: by that version, as text (Atlas sorts the files by name).
//! - Transaction: each file in its own transaction unless the file says `-- atlas:txmode none`.
//! - History table: `atlas_schema_revisions`, in a schema of that name. Not created before the
//!   base ([`MigrationFormat::history`] is `None`): Atlas declares it as an ent schema
//!   (ariga/atlas `cmd/atlas/internal/migrate/ent/schema/revision.go`), so its `CREATE TABLE` is
//!   what ent generates from those fields, which was not checked.
//! - Detection: an `atlas.sum` in the directory, after the formats recognised by their file names.
//! - Out of order: reported. (`atlas migrate apply` refuses such a file by default, its linear
//!   execution order; `--exec-order linear-skip` or `non-linear` change that.)

use super::{Detection, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Format, NameInfo, Transaction, Version};
use crate::plan::{Issue, MigrationDir, atlas_sum};
use anyhow::Result;

pub struct Atlas;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Atlas: Format = Format::new(&Atlas);
}

impl MigrationFormat for Atlas {
    fn name(&self) -> &'static str {
        "atlas"
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 50,
            recognises: |dir| dir.contains("atlas.sum"),
        })
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let stem = name.strip_suffix(".sql")?;
        Some(NameInfo {
            version: Version::lexical(stem),
            is_up: true,
        })
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        Transaction::wrapped_unless(file.has_directive("--atlas:txmodenone"))
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["atlas_schema_revisions"]
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Reported
    }

    /// Whether `atlas.sum` still matches the files (Atlas refuses to run when it does not).
    fn directory_issues(&self, dir: &MigrationDir) -> Result<Vec<Issue>> {
        atlas_sum::check(dir)
    }
}
