//! Atlas (`atlas migrate`).
//!
//! - Naming: every `*.sql` file is an up migration (`<version>[_name].sql`); its version is the
//!   name without `.sql` up to the first `_`. Checked in ariga/atlas `sql/migrate/dir.go`
//!   (`LocalDir.Files`: every `*.sql`; `LocalFile.Version`). `atlas.sum` records a hash of
//!   every file ([`crate::plan::atlas_sum`]).
//! - Identity: that version. Two files of one version share one row of the revisions table:
//!   `Executor.Execute` (`sql/migrate/migrate.go`, the older version stored here) reads the
//!   revision of the file's version and carries on from it, so the second file runs from where
//!   the first one's count of applied statements left off, if at all.
//! - Order: by file name, byte by byte (`LocalDir.Files` sorts the names).
//! - Transaction: each file in its own transaction unless the file says `-- atlas:txmode none`.
//! - History table: `atlas_schema_revisions`, in a schema of that name. Not created before the
//!   base ([`MigrationFormat::history`] is `None`): Atlas declares it as an ent schema
//!   (ariga/atlas `cmd/atlas/internal/migrate/ent/schema/revision.go`), so its `CREATE TABLE` is
//!   what ent generates from those fields, which was not checked.
//! - Detection: an `atlas.sum` in the directory, after the formats recognised by their file names.
//! - Out of order: refused. `atlas migrate apply` runs in its `linear` execution order by
//!   default and fails with "migration file X was added out of order" (`HistoryNonLinearError`);
//!   `--exec-order non-linear` applies it after the newer ones and `--exec-order linear-skip`
//!   skips it. Those were found by searching the stored sources (`migrateApplyFlags.execOrder`
//!   of a `cmd/atlas/internal/cmdapi/migrate.go`, and Atlas' executor tests); the files stored
//!   under those paths for reading are older than the flags: that `Executor.Pending`
//!   (`sql/migrate/migrate.go`) took only the files after the last applied one, so Atlas of
//!   that age skipped such a file. The current executor itself was not read.

use super::{Detection, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Collation, Format, NameInfo, Transaction, Version};
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
        let version = stem.split('_').next().unwrap_or(stem);
        Some(NameInfo {
            version: Version::lexical(version).sorted_by(name, Collation::Bytes),
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
        OutOfOrder::Refused {
            unless: "`--exec-order non-linear`",
        }
    }

    fn on_duplicate(&self) -> &'static str {
        "records both in one revision (keyed by version), so the second does not run as written"
    }

    /// Whether `atlas.sum` still matches the files (Atlas refuses to run when it does not).
    fn directory_issues(&self, dir: &MigrationDir) -> Result<Vec<Issue>> {
        atlas_sum::check(dir)
    }
}
