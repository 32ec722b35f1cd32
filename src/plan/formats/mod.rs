//! The migration formats Drydock reads, one file each, behind one trait ([`MigrationFormat`]),
//! and their registry ([`Format::ALL`]).
//!
//! Adding a format is one file here, a unit struct implementing [`MigrationFormat`] plus its
//! `Format::<Name>` handle, whose module doc records what the code assumes about the tool
//! (naming, identity, order, transactions, history table, what its runner does with an
//! out-of-order migration), each with where in the tool's source it was checked, and its line
//! in the registry below (with the `mod` line Rust needs to find the file).

mod atlas;
mod dbmate;
mod diesel;
mod flyway;
mod golang_migrate;
mod goose;
mod plain;
mod popx;
mod prisma;
mod sqlx;

use super::format::{Format, NameInfo, Transaction, Version};
use super::new::{NewFile, NewMigration};
use super::{Issue, MigrationDir, Refusal, display};
use crate::source::Span;
use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use std::path::Path;

impl Format {
    /// The registry: every format Drydock reads, in the order error messages list them.
    pub const ALL: &'static [Format] = &[
        Format::Plain,
        Format::Atlas,
        Format::GolangMigrate,
        Format::Goose,
        Format::Flyway,
        Format::Dbmate,
        Format::Sqlx,
        Format::Diesel,
        Format::Prisma,
        Format::Popx,
    ];
}

/// Everything Drydock needs to know about one migration tool's directory format.
pub trait MigrationFormat: Sync {
    /// The name in drydock.toml, `--migration-format` and the output (kebab-case).
    fn name(&self) -> &'static str;

    /// How [`detect`] recognises a directory of this format; `None` when it never guesses it.
    fn detection(&self) -> Option<Detection>;

    /// The files of a new migration (`drydock new`), laid out as the tool's own "new" command
    /// writes them (its source named in the method's doc), its up file starting with
    /// [`NewMigration::header`].
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile>;

    /// The version of the first migration of an empty directory: a UTC timestamp
    /// (`20060102150405`) unless the tool starts otherwise.
    fn first_version(&self, now: DateTime<Utc>) -> String {
        super::new::timestamp(now, 14, false)
    }

    /// Files the tool rewrites when it adds `new` to `dir` (Atlas' `atlas.sum`).
    fn after_new(&self, _dir: &MigrationDir, _new: &[NewFile]) -> Result<Vec<NewFile>> {
        Ok(Vec::new())
    }

    /// Whether a migration is a file or a sub-directory.
    fn layout(&self) -> Layout {
        Layout::FilePerMigration
    }

    /// What a file name (for [`Layout::Subdirectory`], the directory name) says about the
    /// migration: its version, which also says what the tool tells it apart by and sets the
    /// order the files apply in (see [`super::format::Version`]), and whether it goes up. `None`
    /// when the name is not one of this format's migrations.
    fn parse_name(&self, name: &str) -> Option<NameInfo>;

    /// The markers of the up and down sections of the file whose text is `whole`, for formats
    /// that keep both in one file.
    fn sections(&self, _whole: &str) -> Option<Sections> {
        None
    }

    /// How the framework runs the file.
    fn transaction(&self, file: &MigrationText<'_>) -> Transaction;

    /// Why the framework would refuse to run the file at all, if it would.
    fn refusal(&self, _file: &MigrationText<'_>) -> Option<Refusal> {
        None
    }

    /// The tables the tool records the applied migrations in (left out of every schema diff).
    fn history_tables(&self) -> &'static [&'static str];

    /// How the tool creates its history table in PostgreSQL and records a migration in it, for
    /// formats whose tool's source this was checked in (see the format's module doc); `None`
    /// otherwise. Migrations may read the table, which the tool creates before it runs any.
    fn history(&self) -> Option<History> {
        None
    }

    /// What the tool's normal apply command does with a pending migration that sorts before
    /// the newest one already applied (see the format's module doc for where it was checked).
    fn out_of_order(&self) -> OutOfOrder;

    /// Whether the tool drops a UTF-8 byte order mark at the start of a file before it sends the
    /// SQL. PostgreSQL rejects one (a syntax error at the invisible character: checked on
    /// PostgreSQL 15), and tools that read the file's bytes as they are (Go's `os.ReadFile`,
    /// Rust's `read_to_string`) send it; Flyway strips it.
    fn strips_byte_order_mark(&self) -> bool {
        false
    }

    /// What the tool does when a migration it has applied is edited afterwards (see the
    /// format's module doc for its history table).
    fn applied_edit(&self) -> AppliedEdit {
        AppliedEdit::Unknown
    }

    /// What the tool does with two migrations of one identity ([`Version::identity`]), as the
    /// end of a sentence that starts with the format's name.
    fn on_duplicate(&self) -> &'static str {
        "applies only one of them or refuses to run"
    }

    /// Issues only a directory of this format can have (e.g. Atlas' `atlas.sum` out of date).
    fn directory_issues(&self, _dir: &MigrationDir) -> Result<Vec<Issue>> {
        Ok(Vec::new())
    }
}

/// A tool's history table, as plain SQL: `apply` creates it before the base migrations and
/// records each base migration after it applies, as the tool would have.
#[derive(Clone, Copy)]
pub struct History {
    /// The statements that create the table, exactly as the tool sends them to PostgreSQL (with
    /// any row the tool writes when it creates it), in order.
    pub create: &'static [&'static str],
    /// The statements that record one applied migration (a function of what the plan knows of
    /// it: no checksums or timings, which the tool's own values stand in for).
    pub record: fn(&AppliedMigration<'_>) -> Vec<String>,
}

/// What a history row can say of one applied migration.
pub struct AppliedMigration<'a> {
    pub version: &'a Version,
    /// Path relative to the migration directory (`0001_x.sql`, `2020_x/up.sql`).
    pub relative: &'a str,
}

impl AppliedMigration<'_> {
    /// The file's own name, without the directories above it.
    pub fn file_name(&self) -> &str {
        self.relative.rsplit('/').next().unwrap_or(self.relative)
    }
}

/// `text` as an SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1):
/// versions and names come from a pull request's file names.
pub fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Where the SQL of one migration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Each migration is a file of the directory, named by [`MigrationFormat::parse_name`].
    FilePerMigration,
    /// Each migration is a sub-directory, named by [`MigrationFormat::parse_name`], holding the
    /// file that runs going up.
    Subdirectory { up_file: &'static str },
}

/// How a directory shows it is in a format.
#[derive(Clone, Copy)]
pub enum Detection {
    /// The directory's entries show it (sub-directories, file names, a file only this tool
    /// writes). Tried before any annotation, lowest `priority` first, so a layout only one tool
    /// uses wins over a naming scheme several share.
    Entries {
        priority: u8,
        recognises: Recognises,
    },
    /// This annotation in the head of one of the first `.sql` files: for formats that share
    /// their file names with others. The first file with any format's annotation decides; within
    /// one file the format earlier in the registry wins.
    Annotation(&'static str),
    /// A directory with `.sql` files that no other format claims.
    Fallback,
}

/// Whether a directory's entries show the format.
pub type Recognises = fn(&DirEntries<'_>) -> bool;

/// The up and down markers of a format that keeps both directions in one file. Lowercase: the
/// comment lines are compared case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct Sections {
    pub up: &'static str,
    pub down: &'static str,
    /// The up marker as the tool's documentation writes it, for the help of a file without one.
    pub annotation: &'static str,
}

impl Sections {
    /// The up section of `text`: from the end of the first up marker to the next down marker (or
    /// the end of the file). `None` when the file has no up marker.
    pub fn up_span(&self, text: &str) -> Option<Span> {
        let mut start = None;
        let mut end = text.len();
        for (offset, line) in comment_lines(text) {
            let lower = line.to_ascii_lowercase();
            if start.is_none() && lower.starts_with(self.up) {
                start = Some(offset + line.len());
            } else if start.is_some() && lower.starts_with(self.down) {
                end = offset;
                break;
            }
        }
        start.map(|start| Span::new(start.min(end), end))
    }
}

/// What a tool does when a migration it has applied is edited afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedEdit {
    /// Its history table records no checksum (only versions): it never reads an applied file
    /// again, so an edit that runs the same statements (a comment) changes nothing anywhere.
    Unchecked,
    /// It records a checksum and acts on a mismatch, as this end of a sentence that starts with
    /// the format's name says.
    Checked(&'static str),
    /// Not checked for this tool (or there is none).
    Unknown,
}

/// What a tool's normal apply command does with a pending migration that sorts before the
/// newest one a database has applied (one a branch added while another merged a newer one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfOrder {
    /// The tool records only the newest version applied and runs what sorts after it: on every
    /// database already past it, the migration is silently never run. Reported
    /// (`out-of-order-version`).
    Skipped,
    /// The tool stops with an error while such a migration is pending, unless it is run with
    /// `unless` (a flag or setting, as the tool spells it). Reported (`out-of-order-version`).
    Refused { unless: &'static str },
    /// The tool applies every migration it has not applied yet, in its order: after the newer
    /// ones on databases already up to date, before them on a fresh install. Not reported as
    /// such: `drydock check` applies both orders and reports the one that fails.
    Applied,
    /// No tool is known (plain SQL files): reported, since a runner may skip it.
    Unknown,
}

/// A directory's entries, as detection sees them.
pub struct DirEntries<'a> {
    pub path: &'a Path,
    /// Sorted.
    pub names: &'a [String],
}

impl DirEntries<'_> {
    /// The entries named `*.sql`, in order.
    pub fn sql_files(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .map(String::as_str)
            .filter(|n| n.ends_with(".sql"))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// Whether some entry is a sub-directory holding a file named `file`.
    pub fn any_subdirectory_holds(&self, file: &str) -> bool {
        self.names
            .iter()
            .any(|n| crate::plan::read::is_regular_file(&self.path.join(n).join(file)))
    }
}

/// A migration file, as a format's transaction rule sees it.
pub struct MigrationText<'a> {
    pub path: &'a Path,
    /// The whole file.
    pub whole: &'a str,
    /// The part that runs going up ([`MigrationFormat::sections`]).
    pub up: &'a str,
    /// Where `up` starts in `whole`.
    pub up_start: usize,
}

impl MigrationText<'_> {
    /// The text of a file beside the migration (Flyway's `.sql.conf`, diesel's
    /// `metadata.toml`), read like a migration: a regular file, not through a link, capped.
    pub fn beside(path: &Path) -> Option<String> {
        let bytes = crate::plan::read::regular_file(path).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// Whether a comment line of the file holds `directive`, given lowercase and without spaces
    /// (so `-- +goose NO TRANSACTION` matches `--+goosenotransaction`).
    pub fn has_directive(&self, directive: &str) -> bool {
        comment_lines(self.whole)
            .any(|(_, l)| l.to_ascii_lowercase().replace(' ', "").contains(directive))
    }
}

/// How many `.sql` files detection reads the head of, looking for annotations.
pub(super) const ANNOTATED_FILES_READ: usize = 20;

/// Whether the head of the file at `path` carries a format's annotation (`-- +goose`, `-- migrate:up`).
pub(super) fn has_annotation(path: &Path) -> bool {
    let head = read_head(path);
    Format::ALL.iter().any(
        |format| matches!(format.detection(), Some(Detection::Annotation(a)) if head.contains(a)),
    )
}

/// Detects a directory's format from its entries (`entries`: the names in `path`, sorted) and, for
/// formats that share a naming scheme, the annotations inside the files.
pub fn detect(path: &Path, entries: &[String]) -> Result<Format> {
    let dir = DirEntries {
        path,
        names: entries,
    };
    let mut by_entries: Vec<(u8, Recognises, Format)> = Vec::new();
    let mut annotations: Vec<(&'static str, Format)> = Vec::new();
    let mut fallback = None;
    for &format in Format::ALL {
        match format.detection() {
            Some(Detection::Entries {
                priority,
                recognises,
            }) => by_entries.push((priority, recognises, format)),
            Some(Detection::Annotation(annotation)) => annotations.push((annotation, format)),
            Some(Detection::Fallback) => fallback = fallback.or(Some(format)),
            None => {}
        }
    }
    by_entries.sort_by_key(|(priority, ..)| *priority);
    if let Some((.., format)) = by_entries
        .iter()
        .find(|(_, recognises, _)| recognises(&dir))
    {
        return Ok(*format);
    }
    let sql: Vec<&str> = dir.sql_files().collect();
    for name in sql.iter().take(ANNOTATED_FILES_READ) {
        let head = read_head(&path.join(name));
        if let Some((_, format)) = annotations.iter().find(|(a, _)| head.contains(a)) {
            return Ok(*format);
        }
    }
    match fallback {
        Some(format) if !sql.is_empty() => Ok(format),
        _ => bail!(
            "{}: no migrations found (no .sql files, and no \
                <version>_name/up.sql or migration.sql sub-directories)",
            display(path)
        ),
    }
}

fn read_head(path: &Path) -> String {
    let bytes = crate::plan::read::head(path, 4096).unwrap_or_default();
    String::from_utf8_lossy(&bytes).to_string()
}

/// History tables of tools Drydock does not read the directories of, left out of every schema
/// diff all the same: sql-migrate's (it grew out of gorp).
const OTHER_HISTORY_TABLES: &[&str] = &["gorp_migrations"];

/// The history tables of every format of the registry and of [`OTHER_HISTORY_TABLES`], each once.
pub fn history_tables() -> Vec<&'static str> {
    let mut tables: Vec<&'static str> = Vec::new();
    let all = Format::ALL.iter().flat_map(|f| f.history_tables());
    for &table in all.chain(OTHER_HISTORY_TABLES) {
        if !tables.contains(&table) {
            tables.push(table);
        }
    }
    tables
}

/// Lines that are SQL comments, trimmed, with their byte offsets.
fn comment_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        trimmed.starts_with("--").then_some((start, trimmed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_detection_priorities_are_unique() {
        let mut names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
        let mut priorities: Vec<_> = Format::ALL
            .iter()
            .filter_map(|f| match f.detection() {
                Some(Detection::Entries { priority, .. }) => Some(priority),
                _ => None,
            })
            .collect();
        let (n, p) = (names.len(), priorities.len());
        names.sort();
        names.dedup();
        priorities.sort();
        priorities.dedup();
        assert_eq!(names.len(), n, "two formats share a name");
        assert_eq!(
            priorities.len(),
            p,
            "two formats share a detection priority"
        );
    }

    #[test]
    fn unknown_names_list_every_format() {
        assert_eq!(
            "liquibase".parse::<Format>().unwrap_err(),
            "unknown migration format `liquibase`; expected one of: plain, \
                atlas, golang-migrate, goose, flyway, dbmate, sqlx, diesel, \
                prisma, popx"
        );
        assert_eq!("Golang-Migrate".parse(), Ok(Format::GolangMigrate));
        assert_eq!(
            serde_json::to_string(&Format::GolangMigrate).unwrap(),
            "\"golang-migrate\""
        );
    }

    /// A directory matching several formats gets the one the old chain of checks returned.
    #[test]
    fn detection_prefers_layouts_then_names_then_the_first_annotated_file() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("1_a/migration.sql", ""), ("1_a/up.sql", "")], "prisma"),
            (&[("1_a/up.sql", ""), ("2_b.up.sql", "")], "diesel"),
            (&[("2_b.up.sql", ""), ("V1__a.sql", "")], "golang-migrate"),
            (
                &[
                    ("1_a.up.sql", ""),
                    ("1_a.mysql.up.sql", ""),
                    ("2_b.up.sql", ""),
                ],
                "popx",
            ),
            (&[("1_a.up.sql", ""), ("2_b.autocommit.up.sql", "")], "popx"),
            (
                &[("1_a.up.sql", ""), ("2_b.c.up.sql", "")],
                "golang-migrate",
            ),
            (&[("1_a/up.sql", ""), ("2_b.postgres.up.sql", "")], "diesel"),
            (&[("V1__a.sql", ""), ("atlas.sum", "")], "flyway"),
            (&[("1_a.sql", "-- +goose Up"), ("atlas.sum", "")], "atlas"),
            (
                &[("1_a.sql", "-- migrate:up"), ("2_b.sql", "-- +goose Up")],
                "dbmate",
            ),
            (&[("1_a.sql", "-- migrate:up\n-- +goose Up")], "goose"),
            (&[("a.sql", "SELECT 1;")], "plain"),
        ];
        for (files, expected) in cases {
            let t = tempfile::tempdir().unwrap();
            for (name, content) in *files {
                let path = t.path().join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
            let mut names: Vec<String> = std::fs::read_dir(t.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect();
            names.sort();
            let format = detect(t.path(), &names).unwrap();
            assert_eq!(format.name(), *expected, "{files:?}");
        }
        let empty = tempfile::tempdir().unwrap();
        assert!(detect(empty.path(), &[]).is_err());
    }

    #[test]
    fn sql_literals_escape_quotes() {
        assert_eq!(sql_literal("1_it's"), "'1_it''s'");
    }

    /// What each tool writes for `file` (in `Format::ALL` order, those with a history table
    /// whose names `file` is one of).
    fn records(file: &str) -> Vec<(&'static str, Vec<String>)> {
        Format::ALL
            .iter()
            .filter_map(|format| {
                let history = format.history()?;
                let name = file.split('/').next_back().unwrap_or(file);
                let stem = file.split('/').next().unwrap_or(file);
                let info = format.parse_name(if format.uses_subdirectories() {
                    stem
                } else {
                    name
                })?;
                let applied = AppliedMigration {
                    version: &info.version,
                    relative: file,
                };
                Some((format.name(), (history.record)(&applied)))
            })
            .collect()
    }

    #[test]
    fn records_hold_what_each_tool_derives_from_the_name() {
        let golang = records("0042_add_it's.up.sql")
            .into_iter()
            .find(|(format, _)| *format == "golang-migrate")
            .unwrap();
        assert_eq!(
            golang.1,
            [
                "TRUNCATE schema_migrations",
                "INSERT INTO schema_migrations (version, dirty) VALUES ('0042', false)"
            ]
        );
        let by_format = |file: &str, format: &str| {
            records(file)
                .into_iter()
                .find(|(f, _)| *f == format)
                .unwrap()
                .1
                .join("; ")
        };
        let sqlx = by_format("0042_add_users.up.sql", "sqlx");
        assert!(sqlx.contains("VALUES ('0042', 'add users', TRUE"), "{sqlx}");
        let diesel = by_format("2024-01-02-030405_add_users/up.sql", "diesel");
        assert!(diesel.ends_with("VALUES ('20240102030405')"), "{diesel}");
        let prisma = by_format("20240102030405_add_users/migration.sql", "prisma");
        assert!(prisma.contains("'20240102030405_add_users'"), "{prisma}");
        let flyway = by_format("V1_2__add_users.sql", "flyway");
        assert!(
            flyway.contains("'1.2', 'add users', 'SQL', 'V1_2__add_users.sql'"),
            "{flyway}"
        );
        let repeatable = by_format("R__views.sql", "flyway");
        assert!(repeatable.contains("NULL, 'views'"), "{repeatable}");
        let atlas = by_format("20240102030405_add_users.sql", "atlas");
        assert!(
            atlas.contains("VALUES ('20240102030405', 'add_users', 2"),
            "{atlas}"
        );
    }

    #[test]
    fn each_created_history_table_is_one_left_out_of_diffs() {
        for format in Format::ALL {
            let Some(history) = format.history() else {
                continue;
            };
            let created = history.create[0];
            assert!(
                format.history_tables().iter().any(|t| created.contains(t)),
                "{format}: {created}"
            );
        }
    }

    #[test]
    fn history_tables_are_those_of_every_tool() {
        let mut tables = history_tables();
        tables.sort();
        let mut expected = vec![
            "schema_migrations",
            "goose_db_version",
            "flyway_schema_history",
            "atlas_schema_revisions",
            "__diesel_schema_migrations",
            "_prisma_migrations",
            "_sqlx_migrations",
            "gorp_migrations",
            "schema_version",
            "schema_migration",
        ];
        expected.sort();
        assert_eq!(tables, expected);
    }
}
