//! The pull request as the API sees it now (a re-run replays an old event payload, so labels
//! and commits are read again), its files, and the lines of each file's diff hunks: the only
//! lines GitHub accepts review comments on.

use super::client::{ApiError, GitHub};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub head: Commit,
    pub base: Commit,
    #[serde(default)]
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Commit {
    pub sha: String,
    /// Absent when the fork's repository was deleted.
    pub repo: Option<Repository>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub full_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChangedFile {
    pub filename: String,
    /// The unified diff; absent for binary files and very large diffs.
    pub patch: Option<String>,
}

impl PullRequest {
    /// Label names are unique regardless of case on GitHub.
    pub fn has_label(&self, name: &str) -> bool {
        self.labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name))
    }

    /// From another repository: its token is usually read-only.
    pub fn from_fork(&self) -> bool {
        match (&self.head.repo, &self.base.repo) {
            (Some(head), Some(base)) => head.full_name != base.full_name,
            _ => true,
        }
    }
}

pub async fn get(github: &GitHub, repo: &str, number: u64) -> Result<PullRequest, ApiError> {
    github.get(&format!("/repos/{repo}/pulls/{number}")).await
}

/// Every file of the pull request (GitHub lists at most 3,000).
pub async fn files(github: &GitHub, repo: &str, number: u64) -> Result<Vec<ChangedFile>, ApiError> {
    github
        .get_all(&format!("/repos/{repo}/pulls/{number}/files"))
        .await
}

/// Per file, the new-side line ranges of its hunks.
#[derive(Debug, Default, Clone)]
pub struct DiffLines {
    files: BTreeMap<String, Vec<RangeInclusive<u32>>>,
}

impl DiffLines {
    pub fn new(files: &[ChangedFile]) -> DiffLines {
        DiffLines {
            files: files
                .iter()
                .filter_map(|f| Some((f.filename.clone(), hunks(f.patch.as_deref()?))))
                .collect(),
        }
    }

    /// The hunk that holds lines `first..=last` of `path`, if one holds them all.
    pub fn hunk(&self, path: &str, first: u32, last: u32) -> Option<RangeInclusive<u32>> {
        self.files
            .get(path)?
            .iter()
            .find(|h| h.contains(&first) && h.contains(&last))
            .cloned()
    }
}

/// New-side ranges from the hunk headers `@@ -a,b +c,d @@`.
fn hunks(patch: &str) -> Vec<RangeInclusive<u32>> {
    patch
        .lines()
        .filter_map(|line| {
            let header = line.strip_prefix("@@ -")?;
            let new_side = header.split_whitespace().nth(1)?.strip_prefix('+')?;
            let (start, count) = match new_side.split_once(',') {
                Some((s, c)) => (s.parse::<u32>().ok()?, c.parse::<u32>().ok()?),
                None => (new_side.parse::<u32>().ok()?, 1),
            };
            (count > 0).then(|| start..=start + count - 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunk_headers_give_the_commentable_lines() {
        let patch = "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n@@ -10,2 +12,4 @@ fn x\n \
            ctx\n+d\n+e\n ctx\n@@ -30 +33,0 @@\n-gone";
        assert_eq!(hunks(patch), vec![1..=3, 12..=15]);
        let lines = DiffLines::new(&[ChangedFile {
            filename: "db/1.sql".into(),
            patch: Some(patch.into()),
        }]);
        assert_eq!(lines.hunk("db/1.sql", 2, 3), Some(1..=3));
        assert_eq!(lines.hunk("db/1.sql", 3, 12), None);
        assert_eq!(lines.hunk("db/1.sql", 5, 5), None);
        assert_eq!(lines.hunk("db/2.sql", 1, 1), None);
    }
}
