//! A check's verdict cut by migration directory, for a summary comment (and job summary
//! section) per directory. Takes a [`Checked`]; returns copies of its findings and apply report,
//! one per applied directory. Pure.

use super::Checked;
use crate::report::ApplyReport;
use crate::verdict::Verdict;

/// One directory's share of a check.
pub struct DirectoryVerdict {
    /// The directory as findings name it (`db/migrations`).
    pub directory: String,
    /// Its findings; its files and statements under review.
    pub verdict: Verdict,
    /// What applying it showed.
    pub apply: ApplyReport,
}

impl Checked {
    /// The verdict and apply report of each applied directory.
    pub fn by_directory(&self) -> Vec<DirectoryVerdict> {
        self.report
            .directories
            .iter()
            .map(|dir| {
                let prefix = format!("{}/", dir.path.trim_end_matches('/'));
                let findings = self
                    .verdict
                    .findings
                    .iter()
                    .filter(|f| f.file.starts_with(&prefix) || f.file == dir.path)
                    .cloned()
                    .collect();
                let notices = self
                    .verdict
                    .notices
                    .iter()
                    .filter(|n| n.file.starts_with(&prefix) || n.file == dir.path)
                    .cloned()
                    .collect();
                let reviewed = dir.files.iter().filter(|f| f.reviewed);
                let verdict = Verdict {
                    findings,
                    ignored: self.verdict.ignored,
                    files: reviewed.clone().count(),
                    statements: reviewed.map(|f| f.statements).sum(),
                    override_label: self.verdict.override_label.clone(),
                    approved_by: self.verdict.approved_by.clone(),
                    notices,
                };
                let apply = ApplyReport {
                    postgres: self.report.postgres.clone(),
                    directories: vec![dir.clone()],
                };
                DirectoryVerdict {
                    directory: dir.path.clone(),
                    verdict,
                    apply,
                }
            })
            .collect()
    }
}
