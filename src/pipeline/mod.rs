//! The pipeline: everything `drydock lint`, `check`, `diff`, `drift` and `github` do between
//! parsing their arguments and rendering or publishing the result. One entry point,
//! [`Pipeline`], built from resolved [`Options`]:
//! - [`Pipeline::lint`]: load the targets, decide what is under review, run the static rules;
//! - [`Pipeline::check`] (or [`Pipeline::check_targets`] on targets already chosen): that, then
//!   apply the migrations to a throwaway Postgres, trace each statement and diff the schema;
//! - [`Pipeline::diff`] and [`Pipeline::drift`] (in [`schema`]): compare schemas.
//!
//! Each returns plain data ([`Checked`], [`LintVerdict`], [`schema::SchemaDiff`],
//! [`schema::Drift`]) for the caller to render or publish. It may touch the migration
//! directories and git (read only), a Postgres it starts and removes (or databases it creates and
//! drops on a given server), live databases in read-only sessions, and stderr for paths it
//! cannot read. Never GitHub, never stdout.

pub mod base_state;
pub mod by_directory;
pub mod options;
pub mod schema;
pub mod targets;

pub use by_directory::DirectoryVerdict;
pub use options::{Options, Overrides, UnderReview};

use crate::apply::postgres::Server;
use crate::apply::{self, DirInput, Settings};
use crate::config::Config;
use crate::finding::Finding;
use crate::lint;
use crate::plan::MigrationDir;
use crate::report::{AppliedDir, ApplyReport};
use crate::verdict::{self, Verdict};
use anyhow::Result;
use targets::{Linted, Review, Target};

/// The one way into the pipeline: options in, plain results out.
pub struct Pipeline {
    options: Options,
}

/// What a check found: the verdict, the directories it covered and what applying them showed.
pub struct Checked {
    pub verdict: Verdict,
    pub targets: Vec<Target>,
    pub report: ApplyReport,
    /// Paths that could not be read (already printed).
    pub input_errors: usize,
}

/// What the static rules alone found.
pub struct LintVerdict {
    pub verdict: Verdict,
    pub targets: Vec<Target>,
    /// Paths that could not be read (already printed).
    pub input_errors: usize,
}

impl Pipeline {
    pub fn new(options: Options) -> Pipeline {
        Pipeline { options }
    }

    /// The targets the options name (see [`targets::load`]), and how many paths could not be
    /// read.
    pub fn load_targets(&self) -> Result<(Vec<Target>, usize)> {
        targets::load(
            &self.options.targets,
            self.options.migration_format,
            &self.options.config,
        )
    }

    /// The static rules over what is under review; no database.
    pub fn lint(&self) -> Result<LintVerdict> {
        let (targets, input_errors) = self.load_targets()?;
        let reviews = self.reviews(&targets)?;
        let linted = targets::lint_all(&targets, &reviews, &self.options.config);
        let verdict = decide(
            linted,
            Vec::new(),
            &targets,
            &reviews,
            &ApplyReport::default(),
            &self.options.config,
        );
        Ok(LintVerdict {
            verdict,
            targets,
            input_errors,
        })
    }

    /// Lint, apply, trace and diff the targets the options name.
    pub async fn check(&self) -> Result<Checked> {
        let (targets, input_errors) = self.load_targets()?;
        let mut checked = self.check_targets(targets).await?;
        checked.input_errors = input_errors;
        Ok(checked)
    }

    /// [`Pipeline::check`] on targets already loaded (`options.targets` is not read).
    pub async fn check_targets(&self, targets: Vec<Target>) -> Result<Checked> {
        let reviews = self.reviews(&targets)?;
        let linted = targets::lint_all(&targets, &reviews, &self.options.config);
        let (applied, report) = self.apply(&targets, &reviews).await?;
        let verdict = decide(
            linted,
            applied,
            &targets,
            &reviews,
            &report,
            &self.options.config,
        );
        Ok(Checked {
            verdict,
            targets,
            report,
            input_errors: 0,
        })
    }

    fn reviews(&self, targets: &[Target]) -> Result<Vec<Review>> {
        let under_review = &self.options.under_review;
        targets
            .iter()
            .map(|t| {
                targets::review(
                    t,
                    under_review.base(),
                    under_review.changed(),
                    &self.options.config,
                )
            })
            .collect()
    }

    /// The image of the docker provider for applying `dirs`: the one named, else the official
    /// image of production's major version, or an image with an extension the migrations
    /// create (`CREATE EXTENSION vector`: pgvector's).
    fn image_for<'d>(&self, dirs: impl IntoIterator<Item = &'d MigrationDir>) -> String {
        if let Some(image) = &self.options.image {
            return image.clone();
        }
        let extensions: Vec<String> = dirs
            .into_iter()
            .flat_map(MigrationDir::extensions_created)
            .collect();
        crate::apply::postgres::docker::default_image(
            self.options.config.postgres_version,
            &extensions,
        )
    }

    /// How the apply stage runs migrations: the options' timeouts (the overall one from now)
    /// and the runner's lock_timeout.
    fn apply_settings(&self) -> Settings {
        Settings {
            statement_timeout: self.options.statement_timeout,
            deadline: tokio::time::Instant::now() + self.options.timeout,
            runner_lock_timeout: self.options.config.runner_lock_timeout(),
        }
    }

    /// Applies each target to one throwaway Postgres (started only when something is under
    /// review, removed before returning): the findings applying raised, and what it showed.
    async fn apply(
        &self,
        targets: &[Target],
        reviews: &[Review],
    ) -> Result<(Vec<Finding>, ApplyReport)> {
        let options = &self.options;
        let mut findings = Vec::new();
        let mut report = ApplyReport::default();
        if reviews.iter().any(|r| r.reviewed.contains(&true)) {
            let image = self.image_for(targets.iter().map(|t| &t.dir));
            let server =
                Server::start(&options.provider, &image, options.config.check.url_role).await?;
            report.postgres = server.description.clone();
            let settings = self.apply_settings();
            for (t, review) in targets.iter().zip(reviews) {
                let (on_base, reviewed) = review.to_apply(&t.dir)?;
                let dir = on_base.as_ref().unwrap_or(&t.dir);
                let input = DirInput {
                    dir,
                    reviewed,
                    each_file: review.scope == crate::lint::Scope::EachFile,
                    ignore_tables: options.config.diff.ignored_tables(),
                };
                let started = std::time::Instant::now();
                let outcome = apply::apply_dir(&server, &input, &settings).await;
                tracing::info!(
                    dir = %t.dir.path.display(),
                    statements = outcome.traces.len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "applied"
                );
                let environment = base_state::Environment {
                    provider: &options.provider,
                    image_named: options.image.is_some(),
                    server_major: outcome.server_major,
                    postgres_version: options.config.postgres_version,
                    restricted_role: server.restricted_role(),
                };
                // A base migration that fails is the environment's doing, not the change's.
                let mut base_unbuilt = None;
                let mut change_failures = Vec::new();
                for failure in &outcome.failures {
                    match base_state::diagnose(failure, &environment) {
                        Some(unbuilt) => base_unbuilt = base_unbuilt.or(Some(unbuilt)),
                        None => change_failures.push(failure.clone()),
                    }
                }
                let mut failures = lint::apply_failure_findings(&change_failures);
                if let Some(change) = review
                    .out_of_order
                    .as_ref()
                    .filter(|_| base_unbuilt.is_none())
                {
                    in_production_order(&mut failures, &t.dir, change);
                    // Production's order is the one just applied; a fresh install's, on a
                    // database of its own.
                    let started = std::time::Instant::now();
                    let fresh =
                        apply::fresh_install(&server, &t.dir, change, &outcome, &settings).await;
                    tracing::info!(
                        dir = %t.dir.path.display(),
                        seconds = started.elapsed().as_secs_f64(),
                        "applied in a fresh install's order"
                    );
                    failures.extend(lint::apply_failure_findings(fresh.as_slice()));
                }
                findings.extend(failures);
                let schema_changes = match (&outcome.schema_before, &outcome.schema_after) {
                    (Some(before), Some(after)) => crate::diff::diff(before, after),
                    _ => Vec::new(),
                };
                report.directories.push(AppliedDir {
                    path: crate::plan::display(&t.dir.path),
                    format: t.dir.format.name(),
                    files: outcome.files,
                    traces: outcome.traces,
                    schema_changes,
                    base_unbuilt,
                });
            }
            let started = std::time::Instant::now();
            server.shutdown().await;
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "postgres removed"
            );
        }
        Ok((findings, report))
    }
}

/// Says, on each failure in a new migration that sorts before merged ones, that this is the
/// order production applies it in: after them.
fn in_production_order(
    failures: &mut [Finding],
    dir: &crate::plan::MigrationDir,
    change: &crate::plan::integrity::OutOfOrderChange,
) {
    let late: Vec<String> = dir
        .files
        .iter()
        .filter(|f| change.files.contains(&f.relative))
        .map(|f| f.source.display_path())
        .collect();
    for failure in failures.iter_mut().filter(|f| late.contains(&f.file)) {
        failure.message = format!(
            "{} (in production's order: {} applies this migration after {}, which sorts after \
                it and is already merged)",
            failure.message, dir.format, change.newest
        );
    }
}

/// Folds what applying showed (`applied`: its failures' findings; `report`: its traces and
/// schema changes) into the static findings and decides: the rules' trace and schema-diff hooks
/// raise what only applying could show, and the verdict merges evidence, configures and
/// decides. Every merge happens here and only here; `lint` comes through with nothing applied.
fn decide(
    linted: Linted,
    applied: Vec<Finding>,
    targets: &[Target],
    reviews: &[Review],
    report: &ApplyReport,
    config: &Config,
) -> Verdict {
    let mut findings = linted.findings;
    findings.extend(applied);
    let traces: Vec<_> = report
        .directories
        .iter()
        .flat_map(|d| d.traces.iter().cloned())
        .collect();
    verdict::merge_failures(&mut findings);
    lint::trace_findings(&mut findings, &traces);
    verdict::merge_traces(&mut findings, &traces);
    for ((t, review), dir) in targets.iter().zip(reviews).zip(&report.directories) {
        let first_reviewed = t
            .dir
            .files
            .iter()
            .zip(&review.reviewed)
            .find(|(_, reviewed)| **reviewed)
            .map(|(f, _)| f.source.display_path())
            .unwrap_or_else(|| dir.path.clone());
        verdict::merge_schema_changes(&mut findings, &dir.schema_changes);
        lint::schema_diff_findings(
            &mut findings,
            &dir.schema_changes,
            &dir.traces,
            &first_reviewed,
        );
    }
    let mut verdict = Verdict::build(
        findings,
        &linted.suppressions,
        config,
        linted.statements,
        linted.files,
    );
    verdict.notices = verdict::pre_existing_notices(linted.pre_existing, config);
    verdict
}
