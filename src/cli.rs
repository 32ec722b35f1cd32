//! The command line: `drydock lint`, `drydock rules`, `drydock explain`.

use crate::config::Config;
use crate::finding::Finding;
use crate::lint::{self, Input, LintSettings, Scope, rules};
use crate::plan::{self, MigrationDir, format::Format, git, integrity};
use crate::report::{self, OutputFormat, Sources};
use crate::verdict::Verdict;
use anyhow::{Result, anyhow};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "drydock",
    version,
    about = "Makes PostgreSQL schema migrations safe to merge"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Lint migration files or directories statically.
    Lint(LintArgs),
    /// List every rule with its category and default severity.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule name, e.g. `create-index-without-concurrently`.
        rule: String,
    },
}

#[derive(clap::Args)]
pub struct LintArgs {
    /// Migration files or directories (default: the directories in drydock.toml).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Config file (default: drydock.toml in the current directory or the repository root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Git ref of the base branch: review only the migrations added or edited since it, and
    /// check directory integrity against it.
    #[arg(long)]
    pub base: Option<String>,
    /// Migration format of the directories given (default: detected).
    #[arg(long = "migration-format")]
    pub migration_format: Option<String>,
}

/// Exit codes: 0 clean, 1 an error-severity finding remains, 2 usage or input errors.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Rules => {
            print!("{}", rules_listing());
            0
        }
        Command::Explain { rule } => match rules::by_name(&rule) {
            Some(r) => {
                let m = r.meta();
                println!(
                    "# {}\n\ncategory: {}, default severity: {}\n\n{}",
                    m.name,
                    m.category.as_str(),
                    m.default_severity.map_or("off", |s| s.as_str()),
                    m.documentation()
                );
                0
            }
            None => {
                eprintln!("error: unknown rule `{rule}`; `drydock rules` lists them");
                2
            }
        },
        Command::Lint(args) => match lint_command(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                2
            }
        },
    }
}

pub fn rules_listing() -> String {
    let mut out = String::new();
    for r in rules::all() {
        let m = r.meta();
        out.push_str(&format!(
            "{:<40} {:<22} {:<8} {}\n",
            m.name,
            m.category.as_str(),
            m.default_severity.map_or("off", |s| s.as_str()),
            m.summary()
        ));
    }
    out
}

/// What to lint in one directory.
struct Target {
    dir: MigrationDir,
    /// Relative paths of the files under review; `None`: all of them.
    only: Option<Vec<String>>,
}

fn lint_command(args: &LintArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let exclusions = config.exclusions()?;
    let format_override = args
        .migration_format
        .as_deref()
        .map(|f| f.parse::<Format>().map_err(|e| anyhow!(e)))
        .transpose()?;
    let paths: Vec<(PathBuf, Option<Format>)> = if args.paths.is_empty() {
        if config.directories.is_empty() {
            return Err(anyhow!(
                "no migration paths given and no [[directories]] in drydock.toml; run `drydock lint path/to/migrations`"
            ));
        }
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
        args.paths.iter().map(|p| (p.clone(), None)).collect()
    };

    let mut input_errors = 0;
    let mut targets = Vec::new();
    for (path, configured) in paths {
        match target(
            &path,
            format_override
                .or(configured)
                .or_else(|| configured_format(&config, &path)),
        ) {
            Ok(t) => targets.push(t),
            Err(e) => {
                eprintln!("error: {e:#}");
                input_errors += 1;
            }
        }
    }

    let settings = LintSettings {
        postgres_version: config.postgres_version,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut suppressions = Vec::new();
    let (mut statements, mut files) = (0, 0);
    for t in &targets {
        let mut issues = t.dir.issues.clone();
        let (reviewed, scope): (Vec<&str>, Scope) = match (&args.base, &t.only) {
            (Some(base), _) => {
                let state = git::base_state(&t.dir.path, base)?;
                let (under_review, base_issues) = integrity::against_base(&t.dir, &state);
                issues.extend(base_issues);
                (
                    under_review.iter().map(|f| f.relative.as_str()).collect(),
                    Scope::ChangeSet,
                )
            }
            (None, Some(only)) => (only.iter().map(String::as_str).collect(), Scope::EachFile),
            (None, None) => (
                t.dir.files.iter().map(|f| f.relative.as_str()).collect(),
                Scope::EachFile,
            ),
        };
        let inputs: Vec<Input> = t
            .dir
            .files
            .iter()
            .map(|file| Input {
                file,
                reviewed: reviewed.contains(&file.relative.as_str())
                    && !is_excluded(&exclusions, &config.root, &t.dir.path.join(&file.relative)),
            })
            .collect();
        files += inputs.iter().filter(|i| i.reviewed).count();
        let output = lint::lint(&inputs, scope, &settings);
        statements += output.statements;
        findings.extend(output.findings);
        suppressions.extend(output.suppressions);
        findings.extend(issues.into_iter().map(lint::issue_finding));
    }

    let verdict = Verdict::build(findings, &suppressions, &config, statements, files);
    let mut sources = Sources::default();
    for t in &targets {
        for f in &t.dir.files {
            sources.add(&f.source);
        }
    }
    let rendered = match args.format {
        OutputFormat::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            report::text::render(&verdict, &sources, color)
        }
        OutputFormat::Json => report::json::render(&verdict),
        OutputFormat::Sarif => report::sarif::render(&verdict),
        OutputFormat::Github => report::github::render(&verdict),
    };
    print!("{rendered}");
    Ok(if input_errors > 0 {
        2
    } else if verdict.has_errors() {
        1
    } else {
        0
    })
}

fn configured_format(config: &Config, path: &Path) -> Option<Format> {
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
    set.is_match(relative) || set.is_match(path)
}

fn target(path: &Path, format: Option<Format>) -> Result<Target> {
    if path.is_dir() {
        return Ok(Target {
            dir: plan::load_dir(path, format)?,
            only: None,
        });
    }
    if !path.exists() {
        return Err(anyhow!("{}: no such file or directory", path.display()));
    }
    // A single file: read its directory too, for the format's rules and the earlier schema.
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if let Ok(dir) = plan::load_dir(parent, format) {
        let relative = if dir.format.uses_subdirectories() {
            format!(
                "{}/{name}",
                parent
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            )
        } else {
            name.clone()
        };
        if dir.files.iter().any(|f| f.relative == relative) {
            let issues = dir
                .issues
                .iter()
                .filter(|i| i.location.file == plan::display(path))
                .cloned()
                .collect();
            return Ok(Target {
                dir: MigrationDir { issues, ..dir },
                only: Some(vec![relative]),
            });
        }
    }
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
