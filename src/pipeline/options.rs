//! The pipeline's options, resolved in one place: what the caller gave ([`Overrides`], as typed
//! on the command line or in the Action's inputs), else drydock.toml's `[check]`, else the
//! defaults. Takes a loaded [`Config`] (or the path of one) and the overrides; returns typed
//! [`Options`] or the error that names the bad value. Touches nothing but the config file.

use crate::apply::postgres::ProviderChoice;
use crate::config::Config;
use crate::plan::format::Format;
use anyhow::{Result, anyhow};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the caller asked for, as given; `None` (or empty) falls back to drydock.toml. No `Debug`:
/// `postgres` may be a URL with a password.
#[derive(Clone, Default)]
pub struct Overrides {
    /// Migration files or directories; empty: drydock.toml's directories, else the ones found
    /// in the repository.
    pub targets: Vec<PathBuf>,
    /// Git ref of the base branch: what is under review is what changed since.
    pub base: Option<String>,
    /// Files under review (instead of `base`).
    pub changed: Vec<PathBuf>,
    /// auto, docker, local or a postgres:// URL.
    pub postgres: Option<String>,
    pub postgres_image: Option<String>,
    /// Seconds one statement may run.
    pub statement_timeout: Option<f64>,
    /// Seconds the whole apply stage may take.
    pub timeout: Option<f64>,
    /// The migration format of the targets, by name; `None`: configured or detected.
    pub migration_format: Option<String>,
}

/// Which files of the targets are under review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnderReview {
    /// All of each target's files (or the one file a target names).
    Everything,
    /// The files added or edited since this git ref.
    SinceBase(String),
    /// These files.
    Changed(Vec<PathBuf>),
}

impl UnderReview {
    pub fn base(&self) -> Option<&str> {
        match self {
            UnderReview::SinceBase(base) => Some(base),
            _ => None,
        }
    }

    pub fn changed(&self) -> &[PathBuf] {
        match self {
            UnderReview::Changed(files) => files,
            _ => &[],
        }
    }
}

/// Everything a pipeline run needs to know, resolved and validated.
pub struct Options {
    pub config: Config,
    /// As in [`Overrides::targets`].
    pub targets: Vec<PathBuf>,
    pub under_review: UnderReview,
    pub provider: ProviderChoice,
    /// The image of the docker provider, when one is named (else chosen from
    /// `postgres-version` and the extensions the migrations create).
    pub image: Option<String>,
    pub statement_timeout: Duration,
    pub timeout: Duration,
    /// Overrides the configured or detected format of every target.
    pub migration_format: Option<Format>,
}

impl Options {
    /// Loads `config` (default: drydock.toml in the current directory or the repository root)
    /// and resolves the overrides against it.
    pub fn load(config: Option<&Path>, overrides: Overrides) -> Result<Options> {
        Options::resolve(Config::load(config)?, overrides)
    }

    /// The overrides, else `config`'s `[check]`. Errors name the option as the command line
    /// spells it.
    pub fn resolve(config: Config, overrides: Overrides) -> Result<Options> {
        let migration_format = overrides
            .migration_format
            .as_deref()
            .map(|f| f.parse::<Format>().map_err(|e| anyhow!(e)))
            .transpose()?;
        let under_review = match (overrides.base, overrides.changed) {
            (Some(_), changed) if !changed.is_empty() => {
                return Err(anyhow!(
                    "give either --base or --changed, not both: --base finds the \
                        changed files itself"
                ));
            }
            (Some(base), _) => UnderReview::SinceBase(base),
            (None, changed) if !changed.is_empty() => UnderReview::Changed(changed),
            (None, _) => UnderReview::Everything,
        };
        let provider = overrides
            .postgres
            .as_deref()
            .unwrap_or(&config.check.postgres)
            .parse()
            .map_err(|e: String| anyhow!(e))?;
        let image = overrides
            .postgres_image
            .or_else(|| config.check.postgres_image.clone());
        let statement_timeout = seconds(
            "--statement-timeout",
            overrides
                .statement_timeout
                .unwrap_or(config.check.statement_timeout),
        )?;
        let timeout = seconds(
            "--timeout",
            overrides.timeout.unwrap_or(config.check.timeout),
        )?;
        Ok(Options {
            config,
            targets: overrides.targets,
            under_review,
            provider,
            image,
            statement_timeout,
            timeout,
            migration_format,
        })
    }
}

fn seconds(option: &str, value: f64) -> Result<Duration> {
    crate::config::timeout_seconds(option, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(overrides: Overrides) -> Result<Options> {
        Options::resolve(Config::default(), overrides)
    }

    fn error(overrides: Overrides) -> String {
        match resolve(overrides) {
            Ok(_) => panic!("expected an error"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn the_command_line_wins_over_the_config() {
        let mut config = Config::default();
        config.check.postgres = "docker".into();
        config.check.postgres_image = Some("postgres:15".into());
        config.check.statement_timeout = 7.0;
        let defaults = Options::resolve(config.clone(), Overrides::default()).unwrap();
        assert_eq!(defaults.provider, ProviderChoice::Docker);
        assert_eq!(defaults.image.as_deref(), Some("postgres:15"));
        assert_eq!(defaults.statement_timeout, Duration::from_secs(7));
        assert_eq!(defaults.timeout, Duration::from_secs(600));
        assert_eq!(defaults.under_review, UnderReview::Everything);
        assert_eq!(defaults.migration_format, None);

        let given = Options::resolve(
            config,
            Overrides {
                postgres: Some("local".into()),
                postgres_image: Some("postgres:16".into()),
                statement_timeout: Some(0.5),
                timeout: Some(2.0),
                base: Some("main".into()),
                migration_format: Some("goose".into()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(given.provider, ProviderChoice::Local);
        assert_eq!(given.image.as_deref(), Some("postgres:16"));
        assert_eq!(given.statement_timeout, Duration::from_millis(500));
        assert_eq!(given.timeout, Duration::from_secs(2));
        assert_eq!(given.under_review, UnderReview::SinceBase("main".into()));
        assert_eq!(given.migration_format, Some(Format::Goose));
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(
            error(Overrides {
                base: Some("main".into()),
                changed: vec!["a.sql".into()],
                ..Overrides::default()
            }),
            "give either --base or --changed, not both: --base finds the changed files itself"
        );
        assert_eq!(
            error(Overrides {
                statement_timeout: Some(0.0),
                ..Overrides::default()
            }),
            "--statement-timeout: expected a positive number of seconds, got 0"
        );
        assert_eq!(
            error(Overrides {
                timeout: Some(-1.0),
                ..Overrides::default()
            }),
            "--timeout: expected a positive number of seconds, got -1"
        );
        assert!(
            error(Overrides {
                postgres: Some("mysql".into()),
                ..Overrides::default()
            })
            .starts_with("unknown Postgres provider `mysql`")
        );
        assert!(
            error(Overrides {
                migration_format: Some("liquibase".into()),
                ..Overrides::default()
            })
            .starts_with("unknown migration format `liquibase`")
        );
    }

    #[test]
    fn changed_files_without_a_base_are_under_review() {
        let options = resolve(Overrides {
            changed: vec!["db/1.sql".into()],
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(
            options.under_review,
            UnderReview::Changed(vec!["db/1.sql".into()])
        );
        assert_eq!(options.under_review.changed(), [PathBuf::from("db/1.sql")]);
        assert_eq!(options.under_review.base(), None);
    }
}
