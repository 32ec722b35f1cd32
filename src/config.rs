//! `drydock.toml`: directories and formats, rule severities, excluded paths, the production
//! Postgres version, the override label. Unknown keys are errors that name the key. Read from
//! the working tree ([`Config::load`], the CLI on a developer's machine) or from a base commit
//! ([`Config::load_at`], `drydock github`: a pull request does not set its own policy).

use crate::finding::Severity;
use crate::lint::{RuleId, rules};
use crate::plan::{self, format::Format, git};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "drydock.toml";

/// Major versions `postgres-version` may name: those the rules know (10 and later), with room for
/// releases to come.
const SUPPORTED_POSTGRES: std::ops::RangeInclusive<u32> = 10..=30;

/// The longest timeout Drydock takes (about 115 days): beyond, a deadline computed from it
/// overflows.
const MAX_TIMEOUT_SECONDS: f64 = 1e7;

/// A timeout in seconds from the command line or drydock.toml: positive, at most
/// [`MAX_TIMEOUT_SECONDS`], and at least a millisecond (Postgres counts in milliseconds, and 0
/// means no timeout at all). `what` names the option in the error.
pub fn timeout_seconds(what: &str, value: f64) -> Result<std::time::Duration> {
    if value.is_nan() || value <= 0.0 {
        bail!("{what}: expected a positive number of seconds, got {value}");
    }
    if value > MAX_TIMEOUT_SECONDS {
        // `{:e}`: not a thousand digits in an error message.
        bail!("{what}: expected at most {MAX_TIMEOUT_SECONDS:e} seconds, got {value:e}");
    }
    Ok(std::time::Duration::from_secs_f64(value).max(std::time::Duration::from_millis(1)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Info,
    Warning,
    Error,
}

/// How a pull request changes the configuration file it is reviewed under (named as shown to
/// the user): the change takes effect only once merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChange {
    Added(String),
    Changed(String),
    Deleted(String),
}

impl RuleLevel {
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    pub path: PathBuf,
    pub format: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub directories: Vec<DirectoryConfig>,
    /// Major version of the production Postgres.
    #[serde(default = "default_postgres_version")]
    pub postgres_version: u32,
    #[serde(default = "default_override_label")]
    pub override_label: String,
    /// Seconds of `lock_timeout` the team's migration runner sets on its session before it
    /// runs any migration (e.g. a wrapper that does `SET lock_timeout = '5s'`): the migrations
    /// then need not set it themselves, so `missing-lock-timeout` stays quiet, and `check`
    /// applies them with it in force, as production does.
    pub runner_lock_timeout: Option<f64>,
    /// Glob patterns (relative to the config file) of migration files to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Per-rule level: off, info, warning or error.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    /// `rules`, resolved to the rules they name.
    #[serde(skip)]
    levels: HashMap<RuleId, RuleLevel>,
    /// How `drydock check` applies the migrations.
    #[serde(default)]
    pub check: CheckConfig,
    /// What the schema diff (check, diff, drift) leaves out.
    #[serde(default)]
    pub diff: DiffConfig,
    /// Directory the config was read from; paths are relative to it.
    #[serde(skip)]
    pub root: PathBuf,
}

/// The `[check]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// auto, docker, local, or a postgres:// URL.
    #[serde(default = "default_provider")]
    pub postgres: String,
    /// The image of the docker provider. Default: the official image of `postgres-version`,
    /// or an image that has an extension the migrations create (pgvector, PostGIS, ...).
    pub postgres_image: Option<String>,
    /// Seconds one statement may run (or wait on a lock) before it is cancelled.
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout: f64,
    /// Seconds the whole apply stage may take.
    #[serde(default = "default_timeout")]
    pub timeout: f64,
    /// With a postgres:// URL: run the migrations as a throwaway role (default) or as the
    /// URL's own role.
    #[serde(default)]
    pub url_role: crate::apply::postgres::UrlRole,
}

/// The `[diff]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DiffConfig {
    /// Tables left out of every schema diff, by name or as `schema.table`. Replaces the default
    /// list, the history tables of the migration tools Drydock knows.
    pub ignore_tables: Option<Vec<String>>,
}

impl DiffConfig {
    pub fn ignored_tables(&self) -> Vec<String> {
        match &self.ignore_tables {
            Some(tables) => tables.clone(),
            None => crate::diff::introspect::default_ignored_tables(),
        }
    }
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            postgres: default_provider(),
            postgres_image: None,
            statement_timeout: default_statement_timeout(),
            timeout: default_timeout(),
            url_role: Default::default(),
        }
    }
}

fn default_provider() -> String {
    "auto".into()
}

fn default_statement_timeout() -> f64 {
    30.0
}

fn default_timeout() -> f64 {
    600.0
}

fn default_postgres_version() -> u32 {
    16
}

fn default_override_label() -> String {
    "allow-destructive-migration".to_string()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            directories: Vec::new(),
            postgres_version: default_postgres_version(),
            override_label: default_override_label(),
            runner_lock_timeout: None,
            exclude: Vec::new(),
            rules: BTreeMap::new(),
            levels: HashMap::new(),
            check: CheckConfig::default(),
            diff: DiffConfig::default(),
            root: PathBuf::from("."),
        }
    }
}

impl Config {
    /// Reads `path`, or `drydock.toml` at the repository root (or the current directory) when
    /// no path is given and one exists.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => match find_default() {
                Some(p) => p,
                None => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read the config file", path.display()))?;
        let config =
            Config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(config.rooted_at(&path))
    }

    /// The configuration as the commit `base` has it: `path`, or `drydock.toml` in the current
    /// directory or at the repository root, read from git and not from the checkout; the
    /// defaults when `base` has none. A pull request's checkout holds its own drydock.toml, so
    /// reading that would let the pull request set the policy it is reviewed under. Also says
    /// whether the checkout's file differs from the base commit's (the change that takes effect
    /// once merged). Paths in the configuration stay relative to the file's directory in the
    /// checkout, where the migrations under review are.
    pub fn load_at(path: Option<&Path>, base: &str) -> Result<(Config, Option<ConfigChange>)> {
        let at_base = match path {
            Some(p) => git::file_at(base, p)?.map(|bytes| (p.to_path_buf(), bytes)),
            None => {
                let mut found = None;
                for candidate in default_candidates() {
                    if let Some(bytes) = git::file_at(base, &candidate)? {
                        found = Some((candidate, bytes));
                        break;
                    }
                }
                found
            }
        };
        let in_checkout = match path {
            Some(p) => p.is_file().then(|| p.to_path_buf()),
            None => find_default(),
        }
        // Unreadable counts as different: the notice is then shown, never wrongly left out.
        .map(|p| {
            let bytes = std::fs::read(&p).ok();
            (p, bytes)
        });
        let change = match (&at_base, &in_checkout) {
            (None, None) => {
                if let Some(p) = path {
                    bail!(
                        "{}: cannot read the config file: it is neither in the checkout nor \
                            at the base commit {base}",
                        p.display()
                    );
                }
                None
            }
            (None, Some((p, _))) => Some(ConfigChange::Added(plan::display(p))),
            (Some((p, _)), None) => Some(ConfigChange::Deleted(plan::display(p))),
            (Some((base_path, base_bytes)), Some((path, bytes))) => (base_path != path
                || bytes.as_ref() != Some(base_bytes))
            .then(|| ConfigChange::Changed(plan::display(path))),
        };
        let Some((path, bytes)) = at_base else {
            return Ok((Config::default(), change));
        };
        let shown = plan::display(&path);
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{shown} at {base}: the config file is not UTF-8"))?;
        let config = Config::parse(&text).map_err(|e| anyhow::anyhow!("{shown} at {base}: {e}"))?;
        Ok((config.rooted_at(&path), change))
    }

    /// Paths in the config are relative to the directory of its file, `path`.
    fn rooted_at(mut self, path: &Path) -> Config {
        self.root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if self.root.as_os_str().is_empty() {
            self.root = PathBuf::from(".");
        }
        self
    }

    pub fn parse(text: &str) -> Result<Config> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))?;
        for (name, level) in &config.rules {
            let Some(rule) = rules::by_name(name) else {
                bail!("[rules]: unknown rule `{name}`; `drydock rules` lists the rule names");
            };
            config.levels.insert(rule.meta().id, *level);
        }
        config
            .check
            .postgres
            .parse::<crate::apply::postgres::ProviderChoice>()
            .map_err(|e| anyhow::anyhow!("[check] postgres: {e}"))?;
        for (key, seconds) in [
            ("statement-timeout", config.check.statement_timeout),
            ("timeout", config.check.timeout),
        ] {
            timeout_seconds(&format!("[check] {key}"), seconds)?;
        }
        if let Some(seconds) = config.runner_lock_timeout {
            timeout_seconds("runner-lock-timeout", seconds)?;
        }
        if !SUPPORTED_POSTGRES.contains(&config.postgres_version) {
            bail!(
                "postgres-version: expected a PostgreSQL major version from {} to {}, got {}",
                SUPPORTED_POSTGRES.start(),
                SUPPORTED_POSTGRES.end(),
                config.postgres_version
            );
        }
        for dir in &config.directories {
            if let Some(format) = &dir.format {
                format
                    .parse::<Format>()
                    .map_err(|e| anyhow::anyhow!("directories: {}: {e}", dir.path.display()))?;
            }
        }
        Ok(config)
    }

    /// The lock_timeout the migration runner sets, validated on load.
    pub fn runner_lock_timeout(&self) -> Option<std::time::Duration> {
        self.runner_lock_timeout
            .and_then(|s| timeout_seconds("runner-lock-timeout", s).ok())
    }

    /// The severity of `rule` after configuration; `None` when it is off.
    pub fn severity(&self, rule: RuleId) -> Option<Severity> {
        match self.levels.get(&rule) {
            Some(level) => level.severity(),
            None => rule.meta().default_severity,
        }
    }

    pub fn exclusions(&self) -> Result<globset::GlobSet> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in &self.exclude {
            builder.add(
                globset::Glob::new(pattern)
                    .with_context(|| format!("exclude: invalid glob `{pattern}`"))?,
            );
        }
        Ok(builder.build()?)
    }
}

fn find_default() -> Option<PathBuf> {
    default_candidates().into_iter().find(|p| p.is_file())
}

/// Where drydock.toml is looked for, first found wins: the current directory, then the
/// repository root.
fn default_candidates() -> Vec<PathBuf> {
    let mut candidates = vec![PathBuf::from(FILE_NAME)];
    if let Some(root) = crate::plan::git::repository_root() {
        candidates.push(root.join(FILE_NAME));
    }
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_rules_are_named() {
        let err = Config::parse("postgres-versoin = 15")
            .unwrap_err()
            .to_string();
        assert!(err.contains("postgres-versoin"), "{err}");
        let err = Config::parse("[rules]\ndrop-tabel = \"off\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("drop-tabel"), "{err}");
        let err = Config::parse("[[directories]]\npath = \"db\"\nformat = \"liquibase\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("liquibase"), "{err}");
    }

    #[test]
    fn rule_levels_override_defaults() {
        let c = Config::parse(
            "postgres-version = 13\n[rules]\ndrop-table = \"off\"\nprefer-bigint = \"warning\"",
        )
        .unwrap();
        assert_eq!(c.postgres_version, 13);
        assert_eq!(c.severity(RuleId::DropTable), None);
        assert_eq!(c.severity(RuleId::PreferBigint), Some(Severity::Warning));
        assert_eq!(c.severity(RuleId::DropColumn), Some(Severity::Error));
    }
}
