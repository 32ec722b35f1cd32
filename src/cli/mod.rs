//! The command line: `drydock lint`, `check`, `diff`, `drift`, `github`, `new`, `rules`,
//! `explain`.
//! Each command parses its arguments, calls the library (mostly [`crate::pipeline`], and
//! [`crate::publish`] for `github`) and renders what it returns; none opens a database itself.

mod check;
mod drift;
mod github;
mod lint;
mod new;
mod runtime;
mod schema_diff;

use crate::lint::rules;
use crate::pipeline::Overrides;
use crate::pipeline::targets::{self, Target};
use crate::report::{self, ApplyReport, OutputFormat};
use crate::verdict::Verdict;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

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
    /// Apply the migrations under review to a throwaway Postgres, trace what each statement
    /// does, and report it with the lint findings.
    Check(CheckArgs),
    /// Compare a live database with the schema its migration directory produces (read-only).
    Drift(DriftArgs),
    /// Show how the schema changes from one source to another: a migration directory, REF:DIR
    /// (the directory at a git ref), or a postgres:// URL (read only).
    Diff(DiffArgs),
    /// Review a pull request inside GitHub Actions: reads the Actions environment (INPUT_*,
    /// GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, ...), comments, reviews and gates
    /// destructive changes behind the override label.
    Github,
    /// Write the next migration of a directory in its own format (version scheme, layout,
    /// up/down markers), starting with `SET lock_timeout`.
    New(NewArgs),
    /// List every rule with its category and default severity.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule name, e.g. `create-index-without-concurrently`.
        rule: String,
    },
}

#[derive(clap::Args)]
pub struct NewArgs {
    /// What the migration does, e.g. `add_orders_index` (made snake_case).
    pub name: String,
    /// The migration directory (default: the one in drydock.toml, else the one found in the
    /// repository).
    pub dir: Option<PathBuf>,
    /// Run it outside a transaction (for CREATE INDEX CONCURRENTLY), with the format's marker.
    #[arg(long)]
    pub no_transaction: bool,
    /// Format of a directory with no migrations yet (default: detected, or drydock.toml's).
    #[arg(long = "migration-format")]
    pub migration_format: Option<String>,
    /// Config file (default: drydock.toml in the current directory or the repository root).
    #[arg(long)]
    pub config: Option<PathBuf>,
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

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Migration directories (default: the directories in drydock.toml, else the ones found in
    /// the repository).
    pub dirs: Vec<PathBuf>,
    /// Git ref of the base branch: the migrations that exist there are the base state; those
    /// added or edited since are under review.
    #[arg(long)]
    pub base: Option<String>,
    /// A migration file under review (instead of --base); repeat for several.
    #[arg(long = "changed", value_name = "FILE")]
    pub changed: Vec<PathBuf>,
    /// auto, docker, local, or a postgres:// URL of an existing server (default: drydock.toml's
    /// [check] postgres, else auto).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Image for the docker provider (default: drydock.toml's [check] postgres-image).
    #[arg(long = "postgres-image")]
    pub postgres_image: Option<String>,
    /// Seconds one statement may run before it is cancelled.
    #[arg(long = "statement-timeout")]
    pub statement_timeout: Option<f64>,
    /// Seconds the whole apply stage may take.
    #[arg(long)]
    pub timeout: Option<f64>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Config file (default: drydock.toml in the current directory or the repository root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Migration format of the directories given (default: detected).
    #[arg(long = "migration-format")]
    pub migration_format: Option<String>,
}

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old state: a migration directory, REF:DIR (e.g. main:db/migrations), or a
    /// postgres:// URL.
    pub from: String,
    /// The new state, in the same forms.
    pub to: String,
    #[command(flatten)]
    pub options: SchemaOptions,
}

#[derive(clap::Args)]
pub struct DriftArgs {
    /// The live database (postgres://...). Read only: the session is read-only and bounded by
    /// connect and statement timeouts.
    #[arg(long = "database-url")]
    pub database_url: String,
    /// The migration directory this database runs (default: drydock.toml's, else the one found
    /// in the repository).
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub options: SchemaOptions,
}

/// What `diff` and `drift` share: where migration directories are applied, and the output.
#[derive(clap::Args)]
pub struct SchemaOptions {
    /// Where migration directories are applied: auto, docker, local or a postgres:// URL.
    #[arg(long)]
    pub postgres: Option<String>,
    #[arg(long = "postgres-image")]
    pub postgres_image: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SchemaFormat,
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long = "migration-format")]
    pub migration_format: Option<String>,
}

impl LintArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            targets: self.paths.clone(),
            base: self.base.clone(),
            migration_format: self.migration_format.clone(),
            ..Overrides::default()
        }
    }
}

impl CheckArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            targets: self.dirs.clone(),
            base: self.base.clone(),
            changed: self.changed.clone(),
            postgres: self.postgres.clone(),
            postgres_image: self.postgres_image.clone(),
            statement_timeout: self.statement_timeout,
            timeout: self.timeout,
            migration_format: self.migration_format.clone(),
        }
    }
}

impl SchemaOptions {
    /// `targets`: the migration directories named (drift's), if any.
    fn overrides(&self, targets: Vec<PathBuf>) -> Overrides {
        Overrides {
            targets,
            postgres: self.postgres.clone(),
            postgres_image: self.postgres_image.clone(),
            migration_format: self.migration_format.clone(),
            ..Overrides::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    Text,
    Json,
    Markdown,
}

impl From<SchemaFormat> for OutputFormat {
    fn from(format: SchemaFormat) -> OutputFormat {
        match format {
            SchemaFormat::Text => OutputFormat::Text,
            SchemaFormat::Json => OutputFormat::Json,
            SchemaFormat::Markdown => OutputFormat::Markdown,
        }
    }
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
        Command::Lint(args) => match lint::run(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                2
            }
        },
        Command::Check(args) => check::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Diff(args) => schema_diff::run(args),
        Command::Github => github::run(),
        Command::New(args) => new::run(&args).unwrap_or_else(|e| {
            eprintln!("error: {e:#}");
            2
        }),
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

/// The verdict's notices (conditions already on the base branch) on stderr, for the formats
/// whose shape has no place for them (lint's JSON array, SARIF); the others show them.
fn notices_to_stderr(format: OutputFormat, verdict: &Verdict, applied: bool) {
    let elsewhere = match format {
        OutputFormat::Json => !applied,
        OutputFormat::Sarif => true,
        OutputFormat::Text | OutputFormat::Github | OutputFormat::Markdown => false,
    };
    if elsewhere {
        for notice in &verdict.notices {
            eprintln!("note: {}", notice.text());
        }
    }
}

/// Renders a verdict in the chosen format; `apply` is what `drydock check` learned.
fn render(
    format: OutputFormat,
    verdict: &Verdict,
    targets: &[Target],
    apply: Option<&ApplyReport>,
) -> String {
    let sources = targets::sources(targets);
    match format {
        OutputFormat::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            report::text::render(verdict, &sources, color, apply)
        }
        OutputFormat::Json => match apply {
            Some(apply) => report::json::render_check(verdict, apply),
            None => report::json::render(verdict),
        },
        OutputFormat::Sarif => report::sarif::render(verdict),
        OutputFormat::Github => report::github::render(verdict),
        OutputFormat::Markdown => report::markdown::render(verdict, &sources, apply),
    }
}
