//! `drydock new NAME [DIR]`: writes the next migration of a directory in its own format
//! ([`crate::plan::new`] decides the files; this command finds the directory and writes them).

use super::NewArgs;
use crate::config::Config;
use crate::pipeline::targets;
use crate::plan::{self, format::Format, git};
use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: &NewArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let (path, configured) = directory(args.dir.as_deref(), &config)?;
    let named = args
        .migration_format
        .as_deref()
        .map(|f| f.parse::<Format>().map_err(|e| anyhow!(e)))
        .transpose()?
        .or(configured);
    let dir = match named {
        Some(format) if !has_migrations(&path, format) => None,
        _ if !path.is_dir() || std::fs::read_dir(&path)?.next().is_none() => None,
        format => Some(plan::load_dir(&path, format)?),
    };
    let format = match (&dir, named) {
        (Some(dir), _) => dir.format,
        (None, Some(format)) => format,
        (None, None) => bail!(
            "{} has no migrations to tell its format by: pass --migration-format (goose, \
                flyway, ...) or set `format` for it under [[directories]] in drydock.toml",
            plan::display(&path)
        ),
    };
    // The team's runner sets it on its session already: the header would say it twice.
    let lock_timeout = config
        .runner_lock_timeout
        .is_none()
        .then(|| "5s".to_string());
    let files = plan::new::next_migration(
        dir.as_ref(),
        format,
        &args.name,
        args.no_transaction,
        lock_timeout,
        chrono::Utc::now(),
    )?;
    for file in &files {
        let target = path.join(&file.relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", plan::display(parent)))?;
        }
        let written = if file.replaces {
            std::fs::write(&target, &file.content)
        } else {
            // Never over a file that appeared meanwhile.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target)
                .and_then(|mut f| f.write_all(file.content.as_bytes()))
        };
        written.with_context(|| format!("cannot write {}", plan::display(&target)))?;
        let verb = if file.replaces { "updated" } else { "created" };
        println!("{verb} {}", plan::display(&target));
    }
    Ok(0)
}

/// Whether `path` holds any migration of `format`.
fn has_migrations(path: &Path, format: Format) -> bool {
    std::fs::read_dir(path).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            format
                .parse_name(&e.file_name().to_string_lossy())
                .is_some()
        })
    })
}

/// The directory to write to, with the format drydock.toml sets for it: the one named, else
/// drydock.toml's only directory, else the only one in the repository.
fn directory(named: Option<&Path>, config: &Config) -> Result<(PathBuf, Option<Format>)> {
    let configured_format = |path: &Path| targets::configured_format(config, path);
    if let Some(path) = named {
        return Ok((path.to_path_buf(), configured_format(path)));
    }
    let candidates: Vec<PathBuf> = if config.directories.is_empty() {
        plan::discover(&git::repository_root().unwrap_or_else(|| PathBuf::from(".")))
    } else {
        config
            .directories
            .iter()
            .map(|d| config.root.join(&d.path))
            .collect()
    };
    match candidates.as_slice() {
        [one] => Ok((one.clone(), configured_format(one))),
        [] => bail!(
            "no migration directory in drydock.toml ([[directories]]) and none found in the \
                repository: name one, e.g. `drydock new add_orders_index db/migrations`"
        ),
        several => bail!(
            "{} migration directories ({}): name the one the migration goes in, e.g. `drydock \
                new add_orders_index {}`",
            several.len(),
            several
                .iter()
                .map(|p| plan::display(p))
                .collect::<Vec<_>>()
                .join(", "),
            plan::display(&several[0])
        ),
    }
}
