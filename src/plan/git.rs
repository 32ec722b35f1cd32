//! The little Drydock needs from git: which files a directory held at a base ref, and which of
//! them differ now. Uses the `git` command, which every CI checkout has.

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run `git`; install git or lint without --base")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).to_string())
}

/// What a migration directory looked like at the base ref, relative to the directory.
#[derive(Debug, Clone, Default)]
pub struct BaseState {
    /// Files that existed at the base ref.
    pub files: BTreeSet<String>,
    /// Files whose content differs between the base ref and the working tree (or are gone).
    pub changed: BTreeSet<String>,
}

pub fn base_state(dir: &Path, reference: &str) -> Result<BaseState> {
    git(dir, &["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")])
        .map_err(|_| {
            anyhow::anyhow!(
                "base ref `{reference}` was not found in the git repository at {}; fetch it first (in GitHub Actions, check out with `fetch-depth: 0`)",
                dir.display()
            )
        })?;
    let files = git(dir, &["ls-tree", "-r", "--name-only", reference, "--", "."])?
        .lines()
        .map(str::to_string)
        .collect();
    let changed = git(
        dir,
        &[
            "diff",
            "--name-only",
            "--relative",
            "--no-renames",
            reference,
            "--",
            ".",
        ],
    )?
    .lines()
    .map(str::to_string)
    .collect();
    Ok(BaseState { files, changed })
}
