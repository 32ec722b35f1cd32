//! Directory integrity: duplicate identities, and against a base ref, merged migrations that were
//! edited or deleted, new files that sort before what is already deployed, and which of the
//! directory's issues were already there at the base (not the change's doing).

use super::formats::OutOfOrder;
use super::git::BaseState;
use super::{Issue, IssueKind, MigrationDir, MigrationFile};
use crate::finding::Finding;
use std::collections::HashMap;

/// Each migration whose identity ([`super::format::Version::identity`]) an earlier one (in the
/// tool's order) already has, against the first that has it.
pub fn duplicate_versions(dir: &MigrationDir) -> Vec<Issue> {
    let mut first_of: HashMap<&str, &MigrationFile> = HashMap::new();
    let mut issues = Vec::new();
    for file in dir.files.iter().filter(|f| !f.version.repeatable) {
        let identity = file.version.identity.as_str();
        match first_of.get(identity) {
            Some(first) => issues.push(Issue {
                location: Finding::for_file(&file.source.display_path()),
                kind: IssueKind::DuplicateVersion {
                    format: dir.format,
                    version: identity.to_string(),
                    first: first.relative.clone(),
                    second: file.relative.clone(),
                },
            }),
            None => {
                first_of.insert(identity, file);
            }
        }
    }
    issues
}

/// What a change does to a directory, against its base.
pub struct BaseComparison<'a> {
    /// The files under review: added or edited since the base.
    pub under_review: Vec<&'a MigrationFile>,
    /// Edited and deleted merged migrations, and new ones sorting before the newest merged one
    /// where the tool skips or refuses them.
    pub issues: Vec<Issue>,
    /// New migrations sorting before the newest merged one, where the tool applies them
    /// ([`OutOfOrder::Applied`]): production and a fresh install run them in different orders.
    pub applied_out_of_order: Option<OutOfOrderChange>,
    /// Merged migrations the change edits that the tool runs again when they change (Flyway's
    /// repeatable migrations): not an issue; the base ran their old text.
    pub rerun: Vec<String>,
}

/// New migrations that sort before the newest one on the base branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfOrderChange {
    /// Relative paths, in the tool's order.
    pub files: Vec<String>,
    /// The newest migration on the base branch (relative path).
    pub newest: String,
}

/// The files under review (added or edited since the base) and the integrity issues.
pub fn against_base<'a>(dir: &'a MigrationDir, base: &BaseState) -> BaseComparison<'a> {
    let mut issues = Vec::new();
    let newest_base = dir
        .files
        .iter()
        .filter(|f| base.files.contains(&f.relative) && !f.version.repeatable)
        .max_by(|a, b| a.version.cmp(&b.version));
    let runner = dir.format.out_of_order();
    let mut under_review = Vec::new();
    let mut applied_out_of_order = Vec::new();
    let mut rerun = Vec::new();
    for file in &dir.files {
        let existed = base.files.contains(&file.relative);
        // Flyway applies a repeatable migration again whenever its checksum changes, after the
        // versioned ones: editing it is how it is meant to change ("Repeatable migrations ...
        // are (re-)applied every time their checksum changes", flywaydb.org/documentation/
        // concepts/migrations), and it is never out of order.
        if file.version.repeatable {
            if existed && base.changed.contains(&file.relative) {
                rerun.push(file.relative.clone());
            }
            if !existed || base.changed.contains(&file.relative) {
                under_review.push(file);
            }
            continue;
        }
        if existed && base.changed.contains(&file.relative) {
            let merged = dir
                .file_at_base(&base.reference, &file.relative)
                .ok()
                .flatten();
            issues.push(Issue {
                location: Finding::for_file(&file.source.display_path()),
                kind: IssueKind::Edited {
                    format: dir.format,
                    relative: file.relative.clone(),
                    runs_the_same: merged.is_some_and(|m| m.runs_the_same_as(file)),
                },
            });
            under_review.push(file);
        } else if !existed {
            if let Some(newest) = newest_base.filter(|n| file.version < n.version) {
                if runner == OutOfOrder::Applied {
                    applied_out_of_order.push(file.relative.clone());
                } else {
                    issues.push(Issue {
                        location: Finding::for_file(&file.source.display_path()),
                        kind: IssueKind::OutOfOrder {
                            format: dir.format,
                            version: file.version.text.clone(),
                            newest: newest.version.text.clone(),
                            newest_file: newest.relative.clone(),
                        },
                    });
                }
            }
            under_review.push(file);
        }
    }
    let dir_display = super::display(&dir.path);
    for gone in &base.files {
        let name = gone.split('/').next().unwrap_or(gone);
        let is_migration = dir.format.parse_name(name).is_some_and(|info| info.is_up)
            && (!dir.format.uses_subdirectories() || gone.contains('/'));
        let still_there = dir.path.join(gone).exists();
        if is_migration && !still_there && base.changed.contains(gone) {
            issues.push(Issue {
                location: Finding::for_file(&format!("{dir_display}/{gone}")),
                kind: IssueKind::Deleted {
                    relative: gone.clone(),
                },
            });
        }
    }
    let applied_out_of_order = newest_base
        .filter(|_| !applied_out_of_order.is_empty())
        .map(|newest| OutOfOrderChange {
            files: applied_out_of_order,
            newest: newest.relative.clone(),
        });
    BaseComparison {
        under_review,
        issues,
        applied_out_of_order,
        rerun,
    }
}

/// Splits `issues` into the change's and those already on the base branch: an issue that
/// concerns only files the change does not add or edit, and that was therefore already true at
/// the base (a duplicate merged long ago, an `atlas.sum` out of date before the change). Edited,
/// deleted and out-of-order migrations are facts about the change itself.
pub fn split_pre_existing(
    dir: &MigrationDir,
    base: &BaseState,
    issues: Vec<Issue>,
) -> (Vec<Issue>, Vec<Issue>) {
    let untouched =
        |relative: &str| base.files.contains(relative) && !base.changed.contains(relative);
    issues
        .into_iter()
        .partition(|issue| match concerned_files(dir, issue) {
            Some(files) => !files.iter().all(|f| untouched(f)),
            None => true,
        })
}

/// The files (relative to the directory) whose content alone makes `issue` true; `None` for an
/// issue about the change itself (or one whose files are not known).
fn concerned_files(dir: &MigrationDir, issue: &Issue) -> Option<Vec<String>> {
    match &issue.kind {
        IssueKind::Unreadable { .. }
        | IssueKind::Refused { .. }
        | IssueKind::NotUtf8 { .. }
        | IssueKind::NulByte { .. }
        | IssueKind::ByteOrderMark { .. }
        | IssueKind::MissingUpMarker { .. } => {
            let prefix = format!("{}/", super::display(&dir.path));
            let relative = issue.location.file.strip_prefix(&prefix)?;
            Some(vec![relative.to_string()])
        }
        IssueKind::DuplicateVersion { first, second, .. } => {
            Some(vec![first.clone(), second.clone()])
        }
        // atlas.sum is checked against every `.sql` file of the directory
        // ([`super::atlas_sum::check`]): unchanged, they were out of step at the base too.
        IssueKind::AtlasSumMismatch(_) => {
            let mut files = vec!["atlas.sum".to_string()];
            let entries = std::fs::read_dir(&dir.path).ok()?;
            files.extend(
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.ends_with(".sql")),
            );
            Some(files)
        }
        IssueKind::Edited { .. } | IssueKind::Deleted { .. } | IssueKind::OutOfOrder { .. } => None,
    }
}
