//! Directory integrity: duplicate versions, and against a base ref, merged migrations that were
//! edited or deleted and new files that sort before what is already deployed.

use super::formats::OutOfOrder;
use super::git::BaseState;
use super::{Issue, IssueKind, MigrationDir, MigrationFile};
use crate::finding::Finding;

pub fn duplicate_versions(dir: &MigrationDir) -> Vec<Issue> {
    dir.files
        .windows(2)
        .filter(|pair| pair[0].version.same_as(&pair[1].version))
        .map(|pair| Issue {
            location: Finding::for_file(&pair[1].source.display_path()),
            kind: IssueKind::DuplicateVersion {
                format: dir.format,
                version: pair[1].version.text.clone(),
                first: pair[0].relative.clone(),
                second: pair[1].relative.clone(),
            },
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
                location: Finding::for_file(&file.source.display_path()),
                kind: IssueKind::Edited {
                    relative: file.relative.clone(),
                },
            });
            under_review.push(file);
        } else if !existed {
            let reported = match dir.format.out_of_order() {
                OutOfOrder::Reported => true,
            };
            if let Some(newest) = newest_base.filter(|n| reported && file.version < **n) {
                issues.push(Issue {
                    location: Finding::for_file(&file.source.display_path()),
                    kind: IssueKind::OutOfOrder {
                        format: dir.format,
                        version: file.version.text.clone(),
                        newest: newest.text.clone(),
                    },
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
                location: Finding::for_file(&format!("{dir_display}/{gone}")),
                kind: IssueKind::Deleted {
                    relative: gone.clone(),
                },
            });
        }
    }
    (under_review, issues)
}
