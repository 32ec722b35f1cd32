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
//! - Transaction: checked in ariga/atlas. `sql/migrate/migrate.go` (`Executor.Execute`) sends
//!   the file's statements one by one (`ExecContext` per statement, each recorded as applied).
//!   `cmd/atlas/internal/cmdapi/migrate.go` (`tx.driverFor`, `txmodeFor`) wraps each file in a
//!   transaction (`--tx-mode file`, the default), or runs it without one for `-- atlas:txmode
//!   none`: [`Transaction::Wrapped`] or [`Transaction::None`]. The directive is only one if it
//!   is a file directive (`sql/migrate/dir.go`, `LocalFile.Directive` and `comments`): a line of
//!   the comment block that opens the file (lines starting with `--` or `#`, from the first
//!   byte), a block an empty line separates from the statements; the value is compared exactly
//!   (`none`, `file`; `all` or anything else makes Atlas refuse the file, and two txmode
//!   directives too: Drydock treats those files as wrapped and does not report the refusal).
//!   `--tx-mode all` (one transaction for every file) and `none` are flags of the runner, not in
//!   the directory: Drydock assumes the default.
//! - History table: `atlas_schema_revisions`, in a schema of that name. Atlas declares it as an
//!   ent schema (ariga/atlas `cmd/atlas/internal/migrate/ent/schema/revision.go`: `version`
//!   (the id), `description`, `type` default 2 (`RevisionTypeExecute`), `applied` and `total`
//!   default 0, `executed_at`, `execution_time` (a duration, int64), optional `error` and
//!   `error_stmt`, `hash`, optional `partial_hashes` (strings, JSON), `operator_version`;
//!   `DefaultRevisionSchema = "atlas_schema_revisions"`), and
//!   `cmd/atlas/internal/migrate/migrate.go` (`NewEntRevisions`) creates that schema when it is
//!   missing, then lets ent create the table. The `CREATE TABLE` below is the one an `atlas
//!   schema inspect` of an Atlas-migrated PostgreSQL database printed (renlabs-dev/torus-ts
//!   `atlas/migrations/20250512000255.sql`), which matches those fields. This is where a
//!   database-scoped URL (the usual `postgres://host/db`) keeps it; a URL bound to one schema
//!   (`search_path=public`) or `--revisions-schema` puts the table elsewhere, which Drydock
//!   does not model. One row per applied file: `version` and `description` as `LocalFile`
//!   splits the name (`sql/migrate/dir.go`: `Version`, the name without `.sql` up to the first
//!   `_`; `Desc`, the rest without `.sql`).
//! - Detection: an `atlas.sum` in the directory, after the formats recognised by their file names.
//! - Out of order: refused. `atlas migrate apply` runs in its `linear` execution order by
//!   default and fails with "migration file X was added out of order" (`HistoryNonLinearError`);
//!   `--exec-order non-linear` applies it after the newer ones and `--exec-order linear-skip`
//!   skips it. Those were found by searching the stored sources (`migrateApplyFlags.execOrder`
//!   of a `cmd/atlas/internal/cmdapi/migrate.go`, and Atlas' executor tests); the files stored
//!   under those paths for reading are older than the flags: that `Executor.Pending`
//!   (`sql/migrate/migrate.go`) took only the files after the last applied one, so Atlas of
//!   that age skipped such a file. The current executor itself was not read.

use super::sql_literal;
use super::{AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Collation, Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};
use crate::plan::{Issue, MigrationDir, atlas_sum};
use anyhow::Result;

pub struct Atlas;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Atlas: Format = Format::new(&Atlas);
}

/// `<version>_<name>.sql`, opening with `-- atlas:txmode none` and an empty line (a file
/// directive) to run outside a transaction; statements run one by one (`tool` names the
/// runner in the header). Plain files use the same directive.
pub fn txmode_file(new: &NewMigration<'_>, tool: &str) -> NewFile {
    let marker = new.no_transaction_marker("-- atlas:txmode none\n\n");
    NewFile::new(
        format!("{}_{}.sql", new.version, new.slug),
        format!("{marker}{}\n", new.header(tool, false)),
    )
}

impl MigrationFormat for Atlas {
    fn name(&self) -> &'static str {
        "atlas"
    }

    /// `atlas migrate new NAME`: `<UTC 20060102150405>_<name>.sql`, empty
    /// (`cmd/atlas/internal/cmdapi/migrate.go`, `migrateNewRun`; `sql/migrate/dir.go`,
    /// `DefaultFormatter`), and `atlas.sum` rewritten (`WritePlan` then `writeSum`). The txmode
    /// directive opens the file, an empty line after it (a file directive: see above).
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        vec![txmode_file(new, "Atlas")]
    }

    /// `atlas.sum` with the new file, as `atlas migrate new` writes it; left alone when it was
    /// out of date already (rewriting it would hide that from `atlas migrate validate`).
    fn after_new(&self, dir: &MigrationDir, new: &[NewFile]) -> Result<Vec<NewFile>> {
        if !dir.path.join("atlas.sum").exists() || !atlas_sum::check(dir)?.is_empty() {
            return Ok(Vec::new());
        }
        let mut files = atlas_sum::sql_files(&dir.path)?;
        files.extend(
            new.iter()
                .map(|f| (f.relative.clone(), f.content.clone().into_bytes())),
        );
        files.sort();
        Ok(vec![NewFile {
            relative: "atlas.sum".into(),
            content: atlas_sum::compute(&files),
            replaces: true,
        }])
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
        Some(NameInfo::up(
            Version::lexical(version).sorted_by(name, Collation::Bytes),
        ))
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let txmode = file_directives(file.whole, "txmode");
        Transaction::wrapped_unless(txmode == ["none"])
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["atlas_schema_revisions"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &[
                "CREATE SCHEMA IF NOT EXISTS \"atlas_schema_revisions\"",
                "CREATE TABLE IF NOT EXISTS \"atlas_schema_revisions\".\"atlas_schema_revisions\" (\
                    \"version\" character varying NOT NULL, \
                    \"description\" character varying NOT NULL, \
                    \"type\" bigint NOT NULL DEFAULT 2, \
                    \"applied\" bigint NOT NULL DEFAULT 0, \
                    \"total\" bigint NOT NULL DEFAULT 0, \
                    \"executed_at\" timestamptz NOT NULL, \
                    \"execution_time\" bigint NOT NULL, \
                    \"error\" text NULL, \
                    \"error_stmt\" text NULL, \
                    \"hash\" character varying NOT NULL, \
                    \"partial_hashes\" jsonb NULL, \
                    \"operator_version\" character varying NOT NULL, \
                    PRIMARY KEY (\"version\"))",
            ],
            record: |applied: &AppliedMigration<'_>| {
                let name = applied.file_name();
                let stem = name.strip_suffix(".sql").unwrap_or(name);
                let version = stem.split('_').next().unwrap_or(stem);
                let description = name
                    .split_once('_')
                    .map_or("", |(_, rest)| rest.strip_suffix(".sql").unwrap_or(rest));
                // Atlas counts the statements it applied and hashes the file; the plan has
                // neither at hand, so zeros and an empty hash stand in for them.
                vec![format!(
                    "INSERT INTO \"atlas_schema_revisions\".\"atlas_schema_revisions\" \
                        (version, description, type, applied, total, executed_at, \
                         execution_time, hash, operator_version) \
                        VALUES ({}, {}, 2, 0, 0, now(), 0, '', 'Drydock')",
                    sql_literal(version),
                    sql_literal(description)
                )]
            },
        })
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

/// The values of the file directives `atlas:<name>` of `text`, as Atlas reads them
/// (ariga/atlas `sql/migrate/dir.go`: `LocalFile.comments` and `directive`): the comment lines
/// that open the file, each trimmed, count only when an empty line follows the block; a line
/// holds a directive when it is `<printable ASCII>atlas:<name>` with the value after a space.
fn file_directives(text: &str, name: &str) -> Vec<String> {
    let mut comments = Vec::new();
    let mut rest = text;
    while rest.starts_with('#') || rest.starts_with("--") {
        match rest.find('\n') {
            Some(end) => {
                comments.push(rest[..end].trim());
                rest = &rest[end + 1..];
            }
            None => {
                // A file of comments only: its last line needs no empty line after it.
                comments.push(rest);
                rest = "\n";
                break;
            }
        }
    }
    if !rest.trim_start_matches([' ', '\t']).starts_with('\n') {
        return Vec::new();
    }
    comments
        .into_iter()
        .filter_map(|line| directive(line, name))
        .collect()
}

/// The value of directive `name` on one comment line (Atlas' `reDirective`,
/// `^([ -~]*)atlas:(\w+)(?: +([ -~]*))*`, not anchored at the end: the match stops at the
/// first character that is not printable ASCII).
fn directive(line: &str, name: &str) -> Option<String> {
    let printable = line
        .find(|c: char| !(' '..='~').contains(&c))
        .map_or(line, |end| &line[..end]);
    // The prefix is greedy: the last `atlas:` of the line is the directive's.
    let after = &printable[printable.rfind("atlas:")? + "atlas:".len()..];
    let word_end = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    if word_end == 0 || &after[..word_end] != name {
        return None;
    }
    let value = &after[word_end..];
    Some(if value.starts_with(' ') {
        value.trim_start_matches(' ').to_string()
    } else {
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn tx(text: &str) -> Transaction {
        Atlas.transaction(&MigrationText {
            path: Path::new("1.sql"),
            whole: text,
            up: text,
            up_start: 0,
        })
    }

    #[test]
    fn txmode_none_is_a_directive_only_in_the_comment_block_that_opens_the_file() {
        let index = "CREATE INDEX CONCURRENTLY i ON t (c);\n";
        assert_eq!(
            tx(&format!("-- atlas:txmode none\n\n{index}")),
            Transaction::None
        );
        assert_eq!(
            tx(&format!("-- header\n-- atlas:txmode none\n  \n{index}")),
            Transaction::None
        );
        // A file of comments only: Atlas reads its directives when no newline ends it.
        assert_eq!(tx("-- atlas:txmode none"), Transaction::None);
        assert_eq!(tx("-- atlas:txmode none\n"), Transaction::Wrapped);
        // Not a file directive: no empty line after the block, or not at the top.
        assert_eq!(
            tx(&format!("-- atlas:txmode none\n{index}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!("\n-- atlas:txmode none\n\n{index}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!("SELECT 1;\n-- atlas:txmode none\n\n{index}")),
            Transaction::Wrapped
        );
        // The value is compared exactly; `file` keeps the transaction.
        assert_eq!(
            tx(&format!("-- atlas:txmode NONE\n\n{index}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!("-- atlas:txmode file\n\n{index}")),
            Transaction::Wrapped
        );
        assert_eq!(
            tx(&format!("-- atlas:txmodes none\n\n{index}")),
            Transaction::Wrapped
        );
        // Atlas refuses a file with two txmode directives; it runs none of it without one.
        assert_eq!(
            tx(&format!(
                "-- atlas:txmode none\n-- atlas:txmode none\n\n{index}"
            )),
            Transaction::Wrapped
        );
    }
}
