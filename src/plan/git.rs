//! The little Drydock needs from git: which files a directory held at a base ref, which of them
//! differ now, and one file as a base commit has it (drydock.toml). Uses the `git` command, which
//! every CI checkout has.

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    Ok(String::from_utf8_lossy(&git_bytes(dir, args)?).to_string())
}

/// As [`git`], its output as it is (a file's content need not be UTF-8).
fn git_bytes(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run `git`; install git or lint without --base")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(output.stdout)
}

/// `reference:path` as git names the object: a relative `path` is taken from the current
/// directory (`./`), an absolute one from the repository's top.
fn object_name(cwd: &Path, reference: &str, path: &Path) -> Result<String> {
    if path.is_absolute() {
        let top = git(cwd, &["rev-parse", "--show-toplevel"])?;
        let inside = path.strip_prefix(top.trim()).map_err(|_| {
            anyhow::anyhow!(
                "{} is outside the git repository at {}",
                path.display(),
                top.trim()
            )
        })?;
        Ok(format!("{reference}:{}", inside.display()))
    } else {
        Ok(format!("{reference}:./{}", path.display()))
    }
}

/// The content of the file `path` (relative to the current directory, or absolute inside the
/// repository) at the commit `reference`; `None` when that commit has no file there. For what
/// must come from the base commit and not from the pull request's checkout (its policy).
pub fn file_at(reference: &str, path: &Path) -> Result<Option<Vec<u8>>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if !commit_exists(&cwd, reference) {
        bail!(
            "base commit `{reference}` was not found in the git repository at {}; \
                fetch it first (in GitHub Actions, check out with `fetch-depth: 0`)",
            cwd.display()
        );
    }
    let object = object_name(&cwd, reference, path)?;
    // `cat-file -t` fails for a path the commit does not have: no file there.
    let Ok(kind) = git(&cwd, &["cat-file", "-t", &object]) else {
        return Ok(None);
    };
    if kind.trim() != "blob" {
        bail!("{} is not a file at `{reference}`", path.display());
    }
    git_bytes(&cwd, &["cat-file", "blob", &object]).map(Some)
}

/// What a migration directory looked like at the base ref, relative to the directory.
#[derive(Debug, Clone, Default)]
pub struct BaseState {
    /// Files that existed at the base ref.
    pub files: BTreeSet<String>,
    /// Files whose content differs between the base ref and the working tree (or are gone).
    pub changed: BTreeSet<String>,
    /// The base ref, to read a file's text there.
    pub reference: String,
}

pub fn base_state(dir: &Path, reference: &str) -> Result<BaseState> {
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        anyhow::anyhow!(
            "base ref `{reference}` was not found in the git repository at \
                    {}; fetch it first (in GitHub Actions, check out with \
                    `fetch-depth: 0`)",
            dir.display()
        )
    })?;
    // The change is what the branch did since it left the base: compared with the base ref
    // itself, a branch behind it would see the base's newer migrations as deleted. GitHub's
    // pull request head is a merge commit whose merge base is the base ref anyway; a shallow
    // clone without the common ancestor falls back to the ref.
    let merge_base = git(dir, &["merge-base", reference, "HEAD"])
        .ok()
        .map(|sha| sha.trim().to_string())
        .filter(|sha| !sha.is_empty());
    let reference = merge_base.as_deref().unwrap_or(reference);
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
    Ok(BaseState {
        files,
        changed,
        reference: reference.to_string(),
    })
}

/// Writes the directory `dir` (relative to the current directory, or absolute inside the
/// repository) as it was at `reference` into `into`, for `drydock diff REF:DIR`.
pub fn export_dir(dir: &Path, reference: &str, into: &Path) -> Result<()> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if !commit_exists(&cwd, reference) {
        bail!(
            "git ref `{reference}` was not found in the repository at {}; fetch it first",
            cwd.display()
        );
    }
    let tree = object_name(&cwd, reference, dir)?;
    let kind = git(&cwd, &["cat-file", "-t", &tree]).unwrap_or_default();
    if kind.trim() != "tree" {
        bail!(
            "{} is not a directory at `{reference}`; name a migration \
                directory that exists at that ref",
            dir.display()
        );
    }
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(&cwd)
        .args(["archive", "--format=tar", &tree])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("cannot run `git archive`")?;
    let stdout = archive.stdout.take().context("git archive has no output")?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(stdout)
        .output()
        .context("cannot run `tar` to unpack the directory")?;
    let archived = archive.wait().context("git archive did not finish")?;
    if !archived.success() || !untar.status.success() {
        bail!(
            "cannot export {} at `{reference}`: {}",
            dir.display(),
            String::from_utf8_lossy(&untar.stderr).trim()
        );
    }
    Ok(())
}

/// Whether `reference` names a commit of the repository at `cwd`.
fn commit_exists(cwd: &Path, reference: &str) -> bool {
    let commit = format!("{reference}^{{commit}}");
    git(cwd, &["rev-parse", "--verify", "--quiet", &commit]).is_ok()
}

/// The top of the git repository the current directory is in; `None` outside one.
pub fn repository_root() -> Option<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
