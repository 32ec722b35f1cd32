//! Directory integrity: duplicate versions, and against a base ref, merged migrations that were
//! edited or deleted and new files that sort before what is already deployed.

use super::git::BaseState;
use super::{Issue, MigrationDir, MigrationFile};
use crate::finding::Finding;

pub fn duplicate_versions(dir: &MigrationDir) -> Vec<Issue> {
    dir.files
        .windows(2)
        .filter(|pair| pair[0].version.same_as(&pair[1].version))
        .map(|pair| Issue {
            rule: "duplicate-version",
            location: Finding::for_file(&pair[1].source.display_path()),
            message: format!(
                "version {} is used by both {} and {}; {} will apply only one of them or refuse to run",
                pair[1].version.text,
                pair[0].relative,
                pair[1].relative,
                dir.format
            ),
            help: "Give the new migration a version of its own, after the newest one.".into(),
        })
        .collect()
}

/// The files under review (added or edited since the base) and the integrity issues.
pub fn against_base<'a>(
    dir: &'a MigrationDir,
    base: &BaseState,
) -> (Vec<&'a MigrationFile>, Vec<Issue>) {
    let mut issues = Vec::new();
    let newest_base = dir
        .files
        .iter()
        .filter(|f| base.files.contains(&f.relative))
        .map(|f| &f.version)
        .max();
    let mut under_review = Vec::new();
    for file in &dir.files {
        let existed = base.files.contains(&file.relative);
        if existed && base.changed.contains(&file.relative) {
            issues.push(Issue {
                rule: "migration-edited",
                location: Finding::for_file(&file.source.display_path()),
                message: format!(
                    "{} already exists on the base branch and was edited; databases that ran it will not run it again, so they will never see this change",
                    file.relative
                ),
                help: "Revert the edit and put the change in a new migration.".into(),
            });
            under_review.push(file);
        } else if !existed {
            if let Some(newest) = newest_base.filter(|n| file.version < **n) {
                issues.push(Issue {
                    rule: "out-of-order-version",
                    location: Finding::for_file(&file.source.display_path()),
                    message: format!(
                        "version {} sorts before {}, the newest migration on the base branch; {} will skip it or run it out of order on databases that are already up to date",
                        file.version.text, newest.text, dir.format
                    ),
                    help: "Rename the file so that its version comes after the newest migration on the base branch.".into(),
                });
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
                rule: "migration-deleted",
                location: Finding::for_file(&format!("{dir_display}/{gone}")),
                message: format!(
                    "{gone} exists on the base branch and was deleted; databases that ran it keep its changes, new databases will not get them"
                ),
                help: "Restore the file; undo its changes with a new migration instead.".into(),
            });
        }
    }
    (under_review, issues)
}
