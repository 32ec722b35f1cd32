//! `drydock check`: lint, then apply the migrations under review to a throwaway Postgres and
//! trace each statement. Ctrl-C and SIGTERM abort the run and still tear the server down.

use super::targets::{self, Review, Target};
use super::{CheckArgs, render};
use crate::apply::postgres::Server;
use crate::apply::{self, DirInput, Settings};
use crate::config::Config;
use crate::report::{AppliedDir, ApplyReport};
use crate::verdict::{self, Verdict};
use anyhow::{Result, anyhow};
use std::time::Duration;

pub fn run(args: CheckArgs) -> i32 {
    super::runtime::run_until_interrupted("drydock check", check(args))
}

async fn check(args: CheckArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let checked = pipeline(&args, &config).await?;
    print!(
        "{}",
        render(
            args.format,
            &checked.verdict,
            &checked.targets,
            Some(&checked.report)
        )
    );
    Ok(if checked.input_errors > 0 {
        2
    } else if checked.verdict.has_errors() {
        1
    } else {
        0
    })
}

/// What a check found: the verdict, the directories it covered and what applying them showed.
pub struct Checked {
    pub verdict: Verdict,
    pub targets: Vec<Target>,
    pub report: ApplyReport,
    /// Paths that could not be read (already printed).
    pub input_errors: usize,
}

/// Lint, apply, trace and diff: everything `drydock check` does short of printing.
pub async fn pipeline(args: &CheckArgs, config: &Config) -> Result<Checked> {
    let (targets, input_errors) =
        targets::load(&args.dirs, args.migration_format.as_deref(), config)?;
    pipeline_on(targets, input_errors, args, config).await
}

/// [`pipeline`] on targets already loaded (`args.dirs` is not read).
pub async fn pipeline_on(
    targets: Vec<Target>,
    input_errors: usize,
    args: &CheckArgs,
    config: &Config,
) -> Result<Checked> {
    if args.base.is_some() && !args.changed.is_empty() {
        return Err(anyhow!(
            "give either --base or --changed, not both: --base finds the changed files itself"
        ));
    }
    let (provider, image) = super::runtime::provider(
        config,
        args.postgres.as_deref(),
        args.postgres_image.as_deref(),
    )?;
    let statement_timeout = seconds(
        "--statement-timeout",
        args.statement_timeout
            .unwrap_or(config.check.statement_timeout),
    )?;
    let timeout = seconds("--timeout", args.timeout.unwrap_or(config.check.timeout))?;

    let reviews = targets
        .iter()
        .map(|t| targets::review(t, args.base.as_deref(), &args.changed, config))
        .collect::<Result<Vec<Review>>>()?;
    let linted = targets::lint_all(&targets, &reviews, config);
    let mut findings = linted.findings;
    let mut report = ApplyReport::default();
    if reviews.iter().any(|r| r.reviewed.contains(&true)) {
        let server = Server::start(&provider, &image).await?;
        report.postgres = server.description.clone();
        let settings = Settings {
            statement_timeout,
            deadline: tokio::time::Instant::now() + timeout,
        };
        for (t, review) in targets.iter().zip(&reviews) {
            let input = DirInput {
                dir: &t.dir,
                reviewed: review.reviewed.clone(),
                each_file: review.scope == crate::lint::Scope::EachFile,
                ignore_tables: config.diff.ignored_tables(),
            };
            let started = std::time::Instant::now();
            let outcome = apply::apply_dir(&server, &input, &settings).await;
            tracing::info!(
                dir = %t.dir.path.display(),
                statements = outcome.traces.len(),
                seconds = started.elapsed().as_secs_f64(),
                "applied"
            );
            findings.extend(crate::lint::apply_failure_findings(&outcome.failures));
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
            });
        }
        let started = std::time::Instant::now();
        server.shutdown().await;
        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "postgres removed"
        );
    }

    let traces: Vec<_> = report
        .directories
        .iter()
        .flat_map(|d| d.traces.iter().cloned())
        .collect();
    verdict::merge_failures(&mut findings);
    crate::lint::trace_findings(&mut findings, &traces);
    verdict::merge_traces(&mut findings, &traces);
    for ((t, review), dir) in targets.iter().zip(&reviews).zip(&report.directories) {
        let first_reviewed = t
            .dir
            .files
            .iter()
            .zip(&review.reviewed)
            .find(|(_, reviewed)| **reviewed)
            .map(|(f, _)| f.source.display_path())
            .unwrap_or_else(|| dir.path.clone());
        verdict::merge_schema_changes(&mut findings, &dir.schema_changes);
        crate::lint::schema_diff_findings(
            &mut findings,
            &dir.schema_changes,
            &dir.traces,
            &first_reviewed,
        );
    }
    let verdict = Verdict::build(
        findings,
        &linted.suppressions,
        config,
        linted.statements,
        linted.files,
    );
    Ok(Checked {
        verdict,
        targets,
        report,
        input_errors,
    })
}

fn seconds(option: &str, value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow!("{option}: expected a positive number of seconds, got {value}"))
}
