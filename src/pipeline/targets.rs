//! What the pipeline works on: the migration directories (from arguments, drydock.toml, or found
//! in the repository), which of their files are under review, and the static lint of them.
//! Reads the directories, git (for the base state) and the config's exclusions; a path that
//! cannot be read is reported on stderr and counted, so it does not hide the other findings.

use crate::config::Config;
use crate::finding::Finding;
use crate::lint::{self, Input, LintSettings, Scope, Suppression};
use crate::plan::{self, Issue, IssueKind, MigrationDir, format::Format, git, integrity};
use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};

/// One migration directory (or a single file of one).
pub struct Target {
    pub dir: MigrationDir,
    /// Relative paths of the files under review; `None`: all of them.
    pub only: Option<Vec<String>>,
}

/// Which files of a target are under review, and how they relate.
pub struct Review {
    /// Parallel to `dir.files`.
    pub reviewed: Vec<bool>,
    pub scope: Scope,
    /// Plan and integrity issues (edited, deleted, out-of-order migrations, ...) of the change.
    pub issues: Vec<Issue>,
    /// Issues already on the base branch, which the change does not touch: said once, as
    /// notices, never findings of the change.
    pub pre_existing: Vec<Issue>,
    /// New migrations sorting before the newest merged one, of a tool that applies them
    /// anyway: `check` applies both orders.
    pub out_of_order: Option<integrity::OutOfOrderChange>,
    /// The merged migrations the change edits or deletes: `check` builds the base as production
    /// ran them.
    pub merged_changed: Option<MergedChanges>,
}

/// Merged migrations (relative paths) a change edits or deletes, against the base ref.
pub struct MergedChanges {
    pub base: String,
    /// Edited or deleted: the runner never runs them again, so the base text is what counts.
    pub replaced: Vec<String>,
    /// Edited, and run again by the runner (Flyway's repeatables): the base ran the old text,
    /// the change runs the new one.
    pub rerun: Vec<String>,
}

impl Review {
    /// The directory to apply and which of its files are under review: `dir` itself, or with
    /// the merged migrations the change edited or deleted as the base has them, never under
    /// review (no runner runs an applied migration again).
    pub fn to_apply(&self, dir: &MigrationDir) -> Result<(Option<MigrationDir>, Vec<bool>)> {
        let Some(merged) = self
            .merged_changed
            .as_ref()
            .filter(|m| !m.replaced.is_empty() || !m.rerun.is_empty())
        else {
            return Ok((None, self.reviewed.clone()));
        };
        let (on_base, is_merged) = dir.as_on_base(&merged.base, &merged.replaced, &merged.rerun)?;
        let reviewed = on_base
            .files
            .iter()
            .zip(is_merged)
            .map(|(file, merged)| {
                !merged
                    && dir
                        .files
                        .iter()
                        .zip(&self.reviewed)
                        .any(|(f, r)| *r && f.relative == file.relative)
            })
            .collect();
        Ok((Some(on_base), reviewed))
    }
}

/// The static stage's result over every target.
#[derive(Default)]
pub struct Linted {
    pub findings: Vec<Finding>,
    /// What the rules say of the issues already on the base branch: notices, not findings.
    pub pre_existing: Vec<Finding>,
    pub suppressions: Vec<Suppression>,
    pub statements: usize,
    pub files: usize,
}

/// Loads the targets named by `paths`, else drydock.toml's directories, else the migration
/// directories found in the repository. Errors about single paths are printed and counted, so
/// one bad path does not hide the findings of the others.
pub fn load(
    paths: &[PathBuf],
    format_override: Option<Format>,
    config: &Config,
) -> Result<(Vec<Target>, usize)> {
    let paths: Vec<(PathBuf, Option<Format>)> = if !paths.is_empty() {
        paths.iter().map(|p| (p.clone(), None)).collect()
    } else if !config.directories.is_empty() {
        config
            .directories
            .iter()
            .map(|d| {
                let format = d
                    .format
                    .as_deref()
                    .map(|f| f.parse().expect("validated on load"));
                (config.root.join(&d.path), format)
            })
            .collect()
    } else {
        let found = plan::discover(&git::repository_root().unwrap_or_else(|| PathBuf::from(".")));
        if found.is_empty() {
            return Err(anyhow!(
                "no migration directories given, none in drydock.toml \
                    ([[directories]]) and none found in the repository; name one, \
                    e.g. `drydock check db/migrations`"
            ));
        }
        found.into_iter().map(|p| (p, None)).collect()
    };

    let mut input_errors = 0;
    let mut targets: Vec<Target> = Vec::new();
    // Files named one by one are grouped by the directory they belong to, which is read once
    // (not once per file: a list of a directory's files is as fast as the directory).
    let mut directories = DirectoryCache::default();
    // For each directory of the cache that files were found in, its target.
    let mut target_of_directory: Vec<(usize, usize)> = Vec::new();
    for (path, configured) in paths {
        let format = format_override
            .or(configured)
            .or_else(|| configured_format(config, &path));
        if path.is_dir() {
            match plan::load_dir(&path, format) {
                Ok(dir) => targets.push(Target { dir, only: None }),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    input_errors += 1;
                }
            }
            continue;
        }
        if !path.exists() {
            eprintln!("error: {}: no such file or directory", path.display());
            input_errors += 1;
            continue;
        }
        let Some((index, relative)) = directories.owner_of(&path, format) else {
            match plain_file_target(&path) {
                Ok(t) => targets.push(t),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    input_errors += 1;
                }
            }
            continue;
        };
        let dir = &directories.loaded[index]
            .1
            .as_ref()
            .expect("an owner was read");
        let shown = plan::display(&path);
        let issues = dir
            .issues
            .iter()
            .filter(|i| i.location.file == shown)
            .cloned();
        match target_of_directory.iter().find(|(d, _)| *d == index) {
            Some(&(_, t)) => {
                let target = &mut targets[t];
                let only = target.only.get_or_insert_with(Vec::new);
                if !only.contains(&relative) {
                    only.push(relative);
                    target.dir.issues.extend(issues);
                }
            }
            None => {
                target_of_directory.push((index, targets.len()));
                targets.push(Target {
                    dir: MigrationDir {
                        path: dir.path.clone(),
                        format: dir.format,
                        files: dir.files.clone(),
                        issues: issues.collect(),
                    },
                    only: Some(vec![relative]),
                });
            }
        }
    }
    Ok((targets, input_errors))
}

/// Migration directories read for the files named on the command line, by path and format.
#[derive(Default)]
struct DirectoryCache {
    loaded: Vec<(DirectoryKey, Option<MigrationDir>)>,
}

/// A directory as read: its path and the format it was read in (`None`: detected). A loaded
/// `None` is not a migration directory.
type DirectoryKey = (PathBuf, Option<Format>);

impl DirectoryCache {
    /// The index of the directory at `path`, read on first use.
    fn index(&mut self, path: &Path, format: Option<Format>) -> usize {
        let key = (path.to_path_buf(), format);
        match self.loaded.iter().position(|(k, _)| *k == key) {
            Some(index) => index,
            None => {
                self.loaded.push((key, plan::load_dir(path, format).ok()));
                self.loaded.len() - 1
            }
        }
    }

    /// The directory `file` is a migration of (its index here) and the file's path relative
    /// to it; `None` when it is a migration of none.
    fn owner_of(&mut self, file: &Path, format: Option<Format>) -> Option<(usize, String)> {
        let parent = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = file.file_name()?.to_string_lossy().to_string();
        for (dir_path, relative) in owning_directories(parent, &name) {
            let index = self.index(&dir_path, format);
            let Some(dir) = &self.loaded[index].1 else {
                continue;
            };
            let subdirectories = dir_path != parent;
            if dir.format.uses_subdirectories() == subdirectories
                && dir.files.iter().any(|f| f.relative == relative)
            {
                return Some((index, relative));
            }
        }
        None
    }
}

/// The targets that hold one of the `changed` files (paths relative to the current directory,
/// as a pull request names them).
pub fn touched_by(targets: Vec<Target>, changed: &[&str]) -> Result<Vec<Target>> {
    let root = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .context("cannot read the current directory")?;
    Ok(targets
        .into_iter()
        .filter(|t| {
            t.dir
                .path
                .canonicalize()
                .is_ok_and(|dir| changed.iter().any(|f| root.join(f).starts_with(&dir)))
        })
        .collect())
}

/// Decides what is under review: the files added or edited since `base`, else the `changed`
/// files, else the target's files (all of them, or the one named).
pub fn review(
    t: &Target,
    base: Option<&str>,
    changed: &[PathBuf],
    config: &Config,
) -> Result<Review> {
    let exclusions = config.exclusions()?;
    let mut issues = t.dir.issues.clone();
    let mut pre_existing = Vec::new();
    let mut out_of_order = None;
    let mut merged_changed = None;
    let (names, scope): (Vec<String>, Scope) = if let Some(base) = base {
        let state = git::base_state(&t.dir.path, base)?;
        let comparison = integrity::against_base(&t.dir, &state);
        issues.extend(comparison.issues);
        (issues, pre_existing) = integrity::split_pre_existing(&t.dir, &state, issues);
        out_of_order = comparison.applied_out_of_order;
        let merged = issues
            .iter()
            .filter_map(|issue| match &issue.kind {
                IssueKind::Edited { relative, .. } | IssueKind::Deleted { relative } => {
                    Some(relative.clone())
                }
                _ => None,
            })
            .collect();
        merged_changed = Some(MergedChanges {
            base: state.reference.clone(),
            replaced: merged,
            rerun: comparison.rerun,
        });
        (
            comparison
                .under_review
                .iter()
                .map(|f| f.relative.clone())
                .collect(),
            Scope::ChangeSet,
        )
    } else if !changed.is_empty() {
        let wanted: Vec<PathBuf> = changed
            .iter()
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        let names = t
            .dir
            .files
            .iter()
            .filter(|f| {
                t.dir
                    .path
                    .join(&f.relative)
                    .canonicalize()
                    .is_ok_and(|p| wanted.contains(&p))
            })
            .map(|f| f.relative.clone())
            .collect();
        (names, Scope::ChangeSet)
    } else {
        match &t.only {
            Some(only) => (only.clone(), Scope::EachFile),
            None => (
                t.dir.files.iter().map(|f| f.relative.clone()).collect(),
                Scope::EachFile,
            ),
        }
    };
    let reviewed = t
        .dir
        .files
        .iter()
        .map(|file| {
            names.contains(&file.relative)
                && !is_excluded(&exclusions, &config.root, &t.dir.path.join(&file.relative))
        })
        .collect();
    Ok(Review {
        reviewed,
        scope,
        issues,
        pre_existing,
        out_of_order,
        merged_changed,
    })
}

/// Every file of the targets, by the path findings name them with.
pub fn sources(targets: &[Target]) -> crate::report::Sources<'_> {
    let mut sources = crate::report::Sources::default();
    for t in targets {
        for f in &t.dir.files {
            sources.add(&f.source);
        }
    }
    sources
}

/// Runs the static rules over every target's files under review.
pub fn lint_all(targets: &[Target], reviews: &[Review], config: &Config) -> Linted {
    let settings = LintSettings {
        postgres_version: config.postgres_version,
        runner_sets_lock_timeout: config.runner_lock_timeout.is_some(),
    };
    let mut out = Linted::default();
    for (t, review) in targets.iter().zip(reviews) {
        let inputs: Vec<Input> = t
            .dir
            .files
            .iter()
            .zip(&review.reviewed)
            .map(|(file, reviewed)| Input {
                file,
                reviewed: *reviewed,
            })
            .collect();
        out.files += review.reviewed.iter().filter(|r| **r).count();
        let output = lint::lint(&inputs, review.scope, &settings);
        out.statements += output.statements;
        out.findings.extend(output.findings);
        out.suppressions.extend(output.suppressions);
        out.findings.extend(lint::plan_findings(&review.issues));
        out.pre_existing
            .extend(lint::plan_findings(&review.pre_existing));
    }
    out
}

/// The format drydock.toml's `[[directories]]` sets for `path` (or a directory above it).
pub fn configured_format(config: &Config, path: &Path) -> Option<Format> {
    let canonical = path.canonicalize().ok()?;
    config.directories.iter().find_map(|d| {
        let dir = config.root.join(&d.path).canonicalize().ok()?;
        if !canonical.starts_with(&dir) {
            return None;
        }
        d.format.as_deref()?.parse().ok()
    })
}

fn is_excluded(set: &globset::GlobSet, root: &Path, path: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    // A discovered directory's path is absolute, a configured one relative: compare both
    // canonical, so `exclude` (relative to drydock.toml) means the same files either way.
    let canonical = match (root.canonicalize(), path.canonicalize()) {
        (Ok(root), Ok(path)) => path.strip_prefix(&root).ok().map(Path::to_path_buf),
        _ => None,
    };
    set.is_match(relative) || set.is_match(path) || canonical.is_some_and(|c| set.is_match(c))
}

/// The directories a file named `name` in `parent` may be a migration of, with its path relative
/// to each: the one above `parent` first when the name is the up file of a format that keeps
/// one migration per sub-directory (`<version>_name/migration.sql`), then `parent` itself.
fn owning_directories(parent: &Path, name: &str) -> Vec<(PathBuf, String)> {
    let mut candidates = Vec::new();
    let up_file_of_a_subdirectory_format = Format::ALL.iter().any(|f| {
        matches!(f.layout(), plan::formats::Layout::Subdirectory { up_file } if up_file == name)
    });
    if up_file_of_a_subdirectory_format
        && let (Some(above), Some(sub)) = (parent.parent(), parent.file_name())
    {
        let above = if above.as_os_str().is_empty() {
            Path::new(".")
        } else {
            above
        };
        candidates.push((
            above.to_path_buf(),
            format!("{}/{name}", sub.to_string_lossy()),
        ));
    }
    candidates.push((parent.to_path_buf(), name.to_string()));
    candidates
}

/// A file named on the command line that is no migration of its directory: linted as a plain
/// SQL file of its own.
fn plain_file_target(path: &Path) -> Result<Target> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Not a migration of a recognised directory: lint it as a plain SQL file.
    let file = match plan::load_file(path)? {
        Ok(file) => file,
        Err(issue) => {
            return Ok(Target {
                dir: MigrationDir {
                    path: parent.to_path_buf(),
                    format: Format::Plain,
                    files: Vec::new(),
                    issues: vec![issue],
                },
                only: Some(Vec::new()),
            });
        }
    };
    Ok(Target {
        only: Some(vec![file.relative.clone()]),
        dir: MigrationDir {
            path: parent.to_path_buf(),
            format: Format::Plain,
            files: vec![file],
            issues: Vec::new(),
        },
    })
}
