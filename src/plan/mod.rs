//! Plan: which migration directories exist, in which format, in what order, which section of
//! each file runs going up, whether the framework wraps it in a transaction, and (against a base
//! git ref) which files the change adds or edits.

pub mod atlas_sum;
pub mod format;
pub mod formats;
pub mod git;
pub mod integrity;
pub mod new;
pub mod read;

use crate::finding::{Finding, FindingLocation};
use crate::source::{SourceFile, Span};
use anyhow::{Context, Result, bail};
use format::{Format, Transaction, Version};
use formats::{Layout, MigrationText};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A problem the plan stage found with a file or the directory. Plain facts: the integrity
/// rules of `lint` (one per kind) say what it means and what to do.
#[derive(Debug, Clone)]
pub struct Issue {
    pub location: FindingLocation,
    pub kind: IssueKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// The file cannot be read.
    Unreadable { error: String },
    /// The file was not read: a symbolic link, not a regular file, or too large.
    Refused { why: read::Refusal },
    /// The file is not UTF-8: where its first invalid byte is.
    NotUtf8 {
        line: usize,
        column: usize,
        offset: usize,
    },
    /// The file holds a NUL byte, which Postgres takes in no query.
    NulByte { line: usize, column: usize },
    /// The file starts with a UTF-8 byte order mark, which the format's tool sends to
    /// PostgreSQL as part of the first statement.
    ByteOrderMark { format: Format },
    /// The format needs an up-section annotation and the file has none.
    MissingUpMarker {
        format: Format,
        /// As matched (lower case), e.g. `-- +goose up`.
        marker: &'static str,
        /// As the format's documentation writes it, e.g. `-- +goose Up`.
        annotation: &'static str,
    },
    /// Two migrations have the same identity ([`Version::identity`]).
    DuplicateVersion {
        format: Format,
        version: String,
        first: String,
        second: String,
    },
    /// A migration on the base branch was edited. `runs_the_same`: only what its tool never
    /// runs changed (comments, whitespace, the down section): the same statements, in the same
    /// transaction mode.
    Edited {
        format: Format,
        relative: String,
        runs_the_same: bool,
    },
    /// A new migration sorts before the newest one on the base branch, and the format's tool
    /// skips or refuses it ([`formats::OutOfOrder`]).
    OutOfOrder {
        format: Format,
        version: String,
        /// The version of the newest migration on the base branch, and its file.
        newest: String,
        newest_file: String,
    },
    /// A migration on the base branch was deleted.
    Deleted { relative: String },
    /// atlas.sum no longer matches the directory.
    AtlasSumMismatch(AtlasSumDifference),
}

/// How atlas.sum and the directory differ, at the first file where they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtlasSumDifference {
    NotListed(String),
    HashDiffers(String),
    ListsMissingFiles,
}

/// Why the framework refuses to run a file at all, before any of it runs: a plain fact about
/// the file, which the `mixed-transactional-statements` rule words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file holds statements the tool runs only outside a transaction and statements it runs
    /// inside one, which it will not mix (Flyway without `mixed`): the first statement of each
    /// kind, as spans of the file. The tool stops at the later of the two.
    MixedTransactionality {
        format: Format,
        transactional: Span,
        non_transactional: Span,
    },
}

#[derive(Debug, Clone)]
pub struct MigrationFile {
    pub source: SourceFile,
    /// Path relative to the migration directory (`0001_x.sql`, `2020_x/up.sql`).
    pub relative: String,
    pub version: Version,
    /// The part of the file that runs going up (the whole file unless the format has sections).
    pub up: Span,
    pub transaction: Transaction,
    /// The framework would refuse to run the file (and so anything after it).
    pub refusal: Option<Refusal>,
}

#[derive(Debug, Clone)]
pub struct MigrationDir {
    pub path: PathBuf,
    pub format: Format,
    /// In the order the framework applies them.
    pub files: Vec<MigrationFile>,
    pub issues: Vec<Issue>,
}

impl MigrationDir {
    /// The extensions the migrations create (`CREATE EXTENSION name`), each once, in order: a
    /// throwaway server must have them to apply the directory.
    pub fn extensions_created(&self) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for file in &self.files {
            let up = &file.source.text[file.up.start..file.up.end];
            // Most files create none: parse only those that could.
            if !up.to_ascii_lowercase().contains("extension") {
                continue;
            }
            for statement in crate::sql::parse(up).statements {
                if let crate::sql::model::Action::Other {
                    verb,
                    target: Some(name),
                } = &statement.action
                    && verb == "CREATE EXTENSION"
                    && !found.contains(&name.name)
                {
                    found.push(name.name.clone());
                }
            }
        }
        found
    }
}

/// Loads a migration directory, detecting its format unless one is given.
pub fn load_dir(path: &Path, format: Option<Format>) -> Result<MigrationDir> {
    let entries = list_dir(path)?;
    let format = match format {
        Some(f) => f,
        None => formats::detect(path, &entries)?,
    };
    let mut dir = MigrationDir {
        path: path.to_path_buf(),
        format,
        files: Vec::new(),
        issues: Vec::new(),
    };
    // The versions that have a PostgreSQL-specific file: the dialect-free file of such a version
    // is not the one the tool runs (popx).
    let specific_versions: HashSet<String> = entries
        .iter()
        .filter_map(|name| format.parse_name(name))
        .filter(|info| info.is_up && !info.dialect_free)
        .map(|info| info.version.text)
        .collect();
    for name in &entries {
        let (relative, file_path) = match format.layout() {
            Layout::Subdirectory { up_file } => {
                let candidate = path.join(name).join(up_file);
                // A migration directory committed as a link could point anywhere.
                if !read::is_real_dir(&path.join(name))
                    || std::fs::symlink_metadata(&candidate).is_err()
                {
                    continue;
                }
                (format!("{name}/{up_file}"), candidate)
            }
            Layout::FilePerMigration => (name.clone(), path.join(name)),
        };
        let Some(info) = format.parse_name(name) else {
            continue;
        };
        if info.dialect_free && specific_versions.contains(&info.version.text) {
            continue;
        }
        // Whatever has a migration's name is read (or refused, and said so), links included.
        let is_dir = read::is_real_dir(&file_path);
        if !info.is_up || is_dir || std::fs::symlink_metadata(&file_path).is_err() {
            continue;
        }
        match read_migration(&file_path, &relative, format, info.version) {
            Ok(Ok(file)) => dir.files.push(file),
            Ok(Err(issue)) => dir.issues.push(issue),
            Err(e) => dir.issues.push(Issue {
                location: Finding::for_file(&display(&file_path)),
                kind: IssueKind::Unreadable {
                    error: format!("{e:#}"),
                },
            }),
        }
    }
    if dir.files.is_empty() && dir.issues.is_empty() {
        bail!(
            "{}: no {} migrations found in this directory; pass the \
                directory that holds the migration files, or set its format in \
                drydock.toml",
            display(path),
            format
        );
    }
    dir.files.sort_by(|a, b| a.version.cmp(&b.version));
    dir.issues.extend(integrity::duplicate_versions(&dir));
    dir.issues.extend(format.directory_issues(&dir)?);
    Ok(dir)
}

impl MigrationDir {
    /// The directory as production has run it: the merged migrations that the working tree
    /// edited or deleted, with their text at the base ref (a runner never runs an applied
    /// migration again, so the edit never reaches a database that has it), in the tool's order
    /// among the others. The second value says, parallel to the files, which are such merged
    /// texts. A merged text that cannot be read as a migration is left out (its issue is the
    /// change's `migration-edited` or `migration-deleted` already).
    /// `rerun` are edited migrations the runner runs again (Flyway's repeatables): their base
    /// text runs with the base, their new text stays.
    pub fn as_on_base(
        &self,
        reference: &str,
        replaced: &[String],
        rerun: &[String],
    ) -> Result<(MigrationDir, Vec<bool>)> {
        let mut files: Vec<(MigrationFile, bool)> = self
            .files
            .iter()
            .filter(|f| !replaced.contains(&f.relative))
            .map(|f| (f.clone(), false))
            .collect();
        for relative in replaced.iter().chain(rerun) {
            if let Some(file) = self.file_at_base(reference, relative)? {
                files.push((file, true));
            }
        }
        files.sort_by(|(a, _), (b, _)| a.version.cmp(&b.version));
        let (files, is_merged) = files.into_iter().unzip();
        Ok((
            MigrationDir {
                files,
                ..self.clone()
            },
            is_merged,
        ))
    }
}

impl MigrationDir {
    /// The migration `relative` of this directory as it was at `reference`; `None` when it was
    /// not there, or not a migration that can be read (not UTF-8, no up section).
    pub fn file_at_base(&self, reference: &str, relative: &str) -> Result<Option<MigrationFile>> {
        let path = self.path.join(relative);
        let Some(bytes) = git::file_at(reference, &path)? else {
            return Ok(None);
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Ok(None);
        };
        let name = relative.split('/').next().unwrap_or(relative);
        let Some(info) = self.format.parse_name(name).filter(|i| i.is_up) else {
            return Ok(None);
        };
        Ok(migration_from_text(&path, relative, self.format, info.version, text)?.ok())
    }
}

impl MigrationFile {
    /// Whether `other` runs exactly what this file runs: the same statements of the up section
    /// (comments and whitespace aside), in the same transaction mode, refused or not alike.
    pub fn runs_the_same_as(&self, other: &MigrationFile) -> bool {
        let up = |f: &MigrationFile| f.source.text[f.up.start..f.up.end].to_string();
        self.transaction == other.transaction
            && self.refusal == other.refusal
            && crate::sql::same_statements(&up(self), &up(other))
    }
}

/// Loads one file given on the command line, as a plain migration.
pub fn load_file(path: &Path) -> Result<std::result::Result<MigrationFile, Issue>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    read_migration(path, &name, Format::Plain, Version::lexical(&name))
}

pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    shown.display().to_string()
}

fn list_dir(path: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .with_context(|| format!("{}: cannot read the directory", display(path)))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    Ok(names)
}

/// Where in `path` the byte after `before` (its text up to there) is: for an issue about that
/// byte, in a file that is not read as a source.
fn location_after(path: &Path, before: &str) -> (FindingLocation, crate::source::Position) {
    let position = SourceFile::new(path, before.to_string()).position(before.len());
    let mut location = Finding::for_file(&display(path));
    location.start = position;
    location.end = position;
    (location, position)
}

fn read_migration(
    path: &Path,
    relative: &str,
    format: Format,
    version: Version,
) -> Result<std::result::Result<MigrationFile, Issue>> {
    let bytes = match read::regular_file(path) {
        Ok(bytes) => bytes,
        Err(read::Refusal::Io(error)) => bail!("{error}"),
        Err(why) => {
            return Ok(Err(Issue {
                location: Finding::for_file(&display(path)),
                kind: IssueKind::Refused { why },
            }));
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let (location, position) =
                location_after(path, &String::from_utf8_lossy(&e.as_bytes()[..valid]));
            return Ok(Err(Issue {
                location,
                kind: IssueKind::NotUtf8 {
                    line: position.line,
                    column: position.column,
                    offset: valid,
                },
            }));
        }
    };
    migration_from_text(path, relative, format, version, text)
}

/// A migration of `format` whose text (already read, UTF-8) is `text`.
fn migration_from_text(
    path: &Path,
    relative: &str,
    format: Format,
    version: Version,
    text: String,
) -> Result<std::result::Result<MigrationFile, Issue>> {
    if let Some(at) = text.find('\0') {
        let (location, position) = location_after(path, &text[..at]);
        return Ok(Err(Issue {
            location,
            kind: IssueKind::NulByte {
                line: position.line,
                column: position.column,
            },
        }));
    }
    let bom = text.starts_with('\u{feff}');
    if bom && !format.strips_byte_order_mark() {
        return Ok(Err(Issue {
            location: Finding::for_file(&display(path)),
            kind: IssueKind::ByteOrderMark { format },
        }));
    }
    let source = SourceFile::new(display(path), text);
    let (mut up, sections_issue) = up_section(format, &source);
    if bom {
        // The tool drops it before it runs the file; so does the apply stage, which sends `up`.
        up = Span::new(up.start.max('\u{feff}'.len_utf8()), up.end);
    }
    if let Some(kind) = sections_issue {
        return Ok(Err(Issue {
            location: Finding::for_file(&source.display_path()),
            kind,
        }));
    }
    let text = MigrationText {
        path,
        whole: &source.text,
        up: &source.text[up.start..up.end],
        up_start: up.start,
    };
    let transaction = format.transaction(&text);
    let refusal = format.refusal(&text);
    Ok(Ok(MigrationFile {
        source,
        relative: relative.to_string(),
        version,
        up,
        transaction,
        refusal,
    }))
}

/// The part of the file that runs going up, and for a format with sections and a file without
/// the up marker, the issue.
fn up_section(format: Format, source: &SourceFile) -> (Span, Option<IssueKind>) {
    let text = &source.text;
    let whole = Span::new(0, text.len());
    let Some(sections) = format.sections(text) else {
        return (whole, None);
    };
    match sections.up_span(text) {
        Some(up) => (up, None),
        None if text.trim().is_empty() => (whole, None),
        None => (
            whole,
            Some(IssueKind::MissingUpMarker {
                format,
                marker: sections.up,
                annotation: sections.annotation,
            }),
        ),
    }
}

/// Migration directories in a repository: directories named like `migrations` or `migrate` with
/// SQL files in them or in their immediate subdirectories (Prisma, diesel). Hidden directories,
/// `target` and `node_modules` are skipped; a found directory is not searched further.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut subdirs: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !name.starts_with('.') && name != "target" && name != "node_modules"
            })
            .collect();
        subdirs.sort();
        for sub in subdirs {
            let name = sub
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if (name.contains("migration") || name == "migrate") && has_sql(&sub, 1) {
                found.push(sub);
            } else if depth < 6 {
                pending.push((sub, depth + 1));
            }
        }
    }
    found.sort();
    found
}

fn has_sql(dir: &Path, levels: usize) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let path = e.path();
            if path.is_dir() {
                levels > 0 && has_sql(&path, levels - 1)
            } else {
                path.extension().is_some_and(|x| x == "sql")
            }
        })
}
