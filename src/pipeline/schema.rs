//! Schema comparisons: `drydock diff FROM TO`, the schema change between two sources (each a
//! migration directory, a directory at a git ref (`REF:DIR`), or a database URL), and `drydock
//! drift`, a live database against the schema its migration directory produces. Takes the
//! [`Pipeline`]'s options and the sources; returns the changes ([`SchemaDiff`], [`Drift`]).
//! Touches: the directories and git (a `REF:DIR` is exported to a scratch directory), a
//! throwaway Postgres to apply directories to (started only when a directory is compared, and
//! removed before returning), and live databases, only in read-only sessions bounded by connect
//! and statement timeouts.

use super::Pipeline;
use super::targets;
use crate::apply::postgres::{Server, connect, describe_config, describe_error, redact_url};
use crate::apply::{self, DirInput, Settings};
use crate::config::Config;
use crate::diff::{self, Change, Schema, introspect};
use crate::plan::{self, MigrationDir, format::Format};
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The change from one schema to another, for `drydock diff`.
pub struct SchemaDiff {
    /// The sources, for people (URLs without their password).
    pub from: String,
    pub to: String,
    pub changes: Vec<Change>,
}

/// How a live database differs from what its migration directory produces.
pub struct Drift {
    /// The migration directory, as given.
    pub directory: String,
    /// The live database, for people (no password).
    pub database: String,
    /// From the directory's schema to the live one.
    pub changes: Vec<Change>,
}

/// Where a schema comes from.
#[derive(Debug, PartialEq)]
pub enum SchemaSource {
    Database(String),
    Directory { path: PathBuf, at: Option<String> },
}

impl FromStr for SchemaSource {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Self> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(SchemaSource::Database(text.to_string()));
        }
        let path = PathBuf::from(text);
        if path.exists() {
            return Ok(SchemaSource::Directory { path, at: None });
        }
        match text.split_once(':') {
            Some((reference, dir)) if !reference.is_empty() && !dir.is_empty() => {
                Ok(SchemaSource::Directory {
                    path: PathBuf::from(dir),
                    at: Some(reference.to_string()),
                })
            }
            _ => bail!(
                "`{text}`: no such directory; give a migration directory, \
                    REF:DIR for a directory at a git ref (main:db/migrations), or a \
                    postgres:// URL"
            ),
        }
    }
}

impl SchemaSource {
    /// For people: the directory as given, or the URL without its password.
    pub fn label(&self) -> String {
        match self {
            SchemaSource::Database(url) => redact_url(url),
            SchemaSource::Directory { path, at: None } => plan::display(path),
            SchemaSource::Directory { path, at: Some(r) } => format!("{r}:{}", path.display()),
        }
    }
}

/// How to reach a database that must not be written to: read-only, bounded in time.
fn read_only_config(url: &str, application_name: &str) -> Result<tokio_postgres::Config> {
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("invalid database URL {}", redact_url(url)))?;
    config
        .options(
            "-c default_transaction_read_only=on -c statement_timeout=60000 -c lock_timeout=5000",
        )
        .application_name(application_name);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(config)
}

/// The schema of a live database, read in a read-only session.
async fn database_schema(
    config: &tokio_postgres::Config,
    ignore_tables: &[String],
) -> Result<Schema> {
    let name = describe_config(config);
    let started = std::time::Instant::now();
    let client = connect(config).await?;
    let schema = introspect::introspect(&client, ignore_tables)
        .await
        .map_err(|e| anyhow!(describe_error(&e)))
        .with_context(|| format!("cannot read the schema of {name}"))?;
    tracing::info!(
        objects = schema.len(),
        seconds = started.elapsed().as_secs_f64(),
        "introspected {name}"
    );
    Ok(schema)
}

/// The schema a migration directory produces, applied in full to a fresh database of `server`.
async fn directory_schema(
    server: &Server,
    dir: &MigrationDir,
    settings: &Settings,
    config: &Config,
) -> Result<Schema> {
    let input = DirInput {
        dir,
        reviewed: vec![false; dir.files.len()],
        each_file: false,
        ignore_tables: config.diff.ignored_tables(),
    };
    let outcome = apply::apply_dir(server, &input, settings).await;
    if let Some(failure) = crate::lint::apply_failure_findings(&outcome.failures).first() {
        bail!(
            "{}:{}:{}: {} does not apply, so it has no schema to compare: {}",
            failure.file,
            failure.start.line,
            failure.start.column,
            plan::display(&dir.path),
            failure.message
        );
    }
    outcome.schema_before.ok_or_else(|| {
        anyhow!(
            "could not read the schema {} produces",
            plan::display(&dir.path)
        )
    })
}

/// Loads the one migration directory `path` names (exported from git into `scratch` first when
/// `at` is set), with its files shown as `REF:DIR/file`.
fn load_directory(
    path: &Path,
    at: Option<&str>,
    migration_format: Option<Format>,
    config: &Config,
    scratch: &Path,
) -> Result<MigrationDir> {
    let on_disk = match at {
        None => path.to_path_buf(),
        Some(reference) => {
            let into = scratch.to_path_buf();
            std::fs::create_dir(&into).context("cannot create a scratch directory")?;
            plan::git::export_dir(path, reference, &into)?;
            into
        }
    };
    let (targets, input_errors) =
        targets::load(std::slice::from_ref(&on_disk), migration_format, config)?;
    if input_errors > 0 {
        bail!("{}: cannot load the migration directory", path.display());
    }
    let [target] = <[_; 1]>::try_from(targets)
        .map_err(|_| anyhow!("{}: expected one migration directory", path.display()))?;
    let mut dir = target.dir;
    if let Some(issue) = crate::lint::plan_findings(&dir.issues).first() {
        bail!("{}:{}: {}", issue.file, issue.start.line, issue.message);
    }
    if let Some(reference) = at {
        for file in &mut dir.files {
            file.source.path = PathBuf::from(format!(
                "{reference}:{}",
                path.join(&file.relative).display()
            ));
        }
        dir.path = PathBuf::from(format!("{reference}:{}", path.display()));
    }
    Ok(dir)
}

impl Pipeline {
    /// The schema change from `from` to `to`.
    pub async fn diff(&self, from: &SchemaSource, to: &SchemaSource) -> Result<SchemaDiff> {
        let options = &self.options;
        let config = &options.config;
        let sources = [from, to];
        let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
        let mut dirs = Vec::new();
        let mut databases = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            match source {
                SchemaSource::Directory { path, at } => {
                    let slot = scratch.path().join(i.to_string());
                    dirs.push(load_directory(
                        path,
                        at.as_deref(),
                        options.migration_format,
                        config,
                        &slot,
                    )?);
                }
                SchemaSource::Database(url) => {
                    databases.push(read_only_config(url, "drydock diff")?)
                }
            }
        }
        let server = if dirs.is_empty() {
            None
        } else {
            let image = self.image_for(&dirs);
            Some(Server::start(&options.provider, &image, options.config.check.url_role).await?)
        };
        let mut schemas = Vec::new();
        let mut dirs = dirs.iter();
        let mut databases = databases.iter();
        let ignore_tables = config.diff.ignored_tables();
        let mut failure = None;
        for source in &sources {
            let schema = match source {
                SchemaSource::Database(_) => {
                    let live = databases.next().expect("one config per database source");
                    database_schema(live, &ignore_tables).await
                }
                SchemaSource::Directory { .. } => {
                    let dir = dirs
                        .next()
                        .expect("one loaded directory per directory source");
                    let server = server.as_ref().expect("started for directories");
                    directory_schema(server, dir, &self.apply_settings(), config).await
                }
            };
            match schema {
                Ok(schema) => schemas.push(schema),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(server) = server {
            server.shutdown().await;
        }
        if let Some(e) = failure {
            return Err(e);
        }
        let [before, after] = <[Schema; 2]>::try_from(schemas).expect("two schemas");
        // Two databases: OIDs mean nothing across them, so renames show as drop plus add.
        let changes = diff::diff(&before.without_identities(), &after.without_identities());
        Ok(SchemaDiff {
            from: from.label(),
            to: to.label(),
            changes,
        })
    }

    /// The live database at `database_url` against the schema the options' one migration
    /// directory produces. `None`: a path could not be read (the errors are printed).
    pub async fn drift(&self, database_url: &str) -> Result<Option<Drift>> {
        let config = &self.options.config;
        let (targets, input_errors) = self.load_targets()?;
        if input_errors > 0 {
            return Ok(None);
        }
        let [target] = targets.as_slice() else {
            bail!(
                "drift compares one migration directory with one database; {} \
                    were found: name the one this database runs",
                targets.len()
            );
        };

        let live_config = read_only_config(database_url, "drydock drift")?;
        let live_name = describe_config(&live_config);
        let live = database_schema(&live_config, &config.diff.ignored_tables()).await?;

        let image = self.image_for([&target.dir]);
        let server = Server::start(
            &self.options.provider,
            &image,
            self.options.config.check.url_role,
        )
        .await?;
        let expected = directory_schema(&server, &target.dir, &self.apply_settings(), config).await;
        server.shutdown().await;
        // Different databases: OIDs mean nothing across them.
        let (expected, live) = (expected?.without_identities(), live.without_identities());
        let started = std::time::Instant::now();
        let changes = diff::diff(&expected, &live);
        tracing::info!(
            changes = changes.len(),
            seconds = started.elapsed().as_secs_f64(),
            "diffed"
        );
        Ok(Some(Drift {
            directory: plan::display(&target.dir.path),
            database: live_name,
            changes,
        }))
    }
}
