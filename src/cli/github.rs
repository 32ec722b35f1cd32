//! `drydock github`: the GitHub Action. Reads the Actions environment and the pull request
//! (through the API, so a re-run sees today's labels), checks the migration directories the pull
//! request changes against its base commit, and publishes: a sticky summary comment per
//! directory, a review with inline comments, a REQUEST_CHANGES review while destructive changes
//! lack the override label (dismissed once approved or fixed), annotations, the job summary and
//! the step outputs. A fork's read-only token falls back to annotations and the job summary.

use super::check::{Checked, pipeline_on};
use super::targets::{self, Target};
use super::{CheckArgs, runtime};
use crate::config::Config;
use crate::finding::Severity;
use crate::publish::client::{ApiError, GitHub, RetryPolicy};
use crate::publish::pull_request::{self, DiffLines};
use crate::publish::{Publisher, bot_login};
use crate::report::pull_request::{
    inline_comment, nothing_to_check_comment, summary_comment, summary_marker,
};
use crate::report::{self, ApplyReport, OutputFormat, Sources};
use crate::verdict::Verdict;
use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::PathBuf;

/// Variables whose values must not reach anything Drydock starts (git, Postgres).
const SECRETS: &[&str] = &[
    "GITHUB_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

pub fn run() -> i32 {
    let action = match Action::from_env() {
        Ok(action) => action,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 2;
        }
    };
    for name in SECRETS {
        // SAFETY: no other thread exists yet (the runtime starts below), so nothing reads the
        // environment while it changes.
        unsafe { std::env::remove_var(name) };
    }
    runtime::run_until_interrupted("drydock github", github(action))
}

/// When the run fails for findings (destructive changes fail it regardless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Never,
}

/// The action's inputs (`INPUT_<NAME>`, upper-cased, hyphens kept) and the runner's variables.
struct Action {
    repository: String,
    api_url: String,
    run_url: String,
    event_name: String,
    event_path: PathBuf,
    step_summary: Option<PathBuf>,
    output: Option<PathBuf>,
    token: String,
    directories: Vec<PathBuf>,
    config: Option<PathBuf>,
    postgres: Option<String>,
    postgres_image: Option<String>,
    override_label: Option<String>,
    fail_on: FailOn,
    comment: bool,
    review: bool,
    request_changes: bool,
    report_path: PathBuf,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn input(name: &str) -> Option<String> {
    var(&format!("INPUT_{}", name.to_uppercase())).map(|v| v.trim().to_string())
}

fn flag(name: &str, default: bool) -> Result<bool> {
    match input(name).as_deref() {
        None => Ok(default),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => bail!("input `{name}`: expected true or false, got `{other}`"),
    }
}

impl Action {
    fn from_env() -> Result<Action> {
        let required = |name: &str| {
            var(name).ok_or_else(|| {
                anyhow!("{name} is not set: `drydock github` runs inside a GitHub Actions job")
            })
        };
        let token = input("github-token").or_else(|| var("GITHUB_TOKEN")).ok_or_else(|| {
            anyhow!(
                "no GitHub token: pass `github-token: ${{{{ secrets.GITHUB_TOKEN }}}}` (the default) or set GITHUB_TOKEN, and give the job `permissions: pull-requests: write`"
            )
        })?;
        let fail_on = match input("fail-on").as_deref() {
            None | Some("error") => FailOn::Error,
            Some("warning") => FailOn::Warning,
            Some("never") => FailOn::Never,
            Some(other) => {
                bail!("input `fail-on`: expected error, warning or never, got `{other}`")
            }
        };
        let override_label = input("override-label");
        if let Some(label) = &override_label {
            validate_label(label)?;
        }
        let server_url = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        let repository = required("GITHUB_REPOSITORY")?;
        let run_url = format!(
            "{server_url}/{repository}/actions/runs/{}",
            var("GITHUB_RUN_ID").unwrap_or_default()
        );
        Ok(Action {
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            run_url,
            repository,
            event_name: required("GITHUB_EVENT_NAME")?,
            event_path: required("GITHUB_EVENT_PATH")?.into(),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            token,
            directories: input("directories")
                .map(|d| {
                    d.split(['\n', ','])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default(),
            config: input("config").map(PathBuf::from),
            postgres: input("postgres"),
            postgres_image: input("postgres-image"),
            override_label,
            fail_on,
            comment: flag("comment", true)?,
            review: flag("review", true)?,
            request_changes: flag("request-changes", true)?,
            report_path: input("report-path")
                .unwrap_or_else(|| "drydock-report.json".into())
                .into(),
        })
    }
}

/// GitHub label names: 1 to 50 characters, no line breaks.
fn validate_label(label: &str) -> Result<()> {
    let length = label.chars().count();
    if length == 0 || length > 50 || label.chars().any(char::is_control) {
        bail!(
            "override label `{}`: a GitHub label name has 1 to 50 characters and no control characters",
            label.escape_debug()
        );
    }
    Ok(())
}

/// The pull request number and the event's action, from the event payload.
fn read_event(action: &Action) -> Result<Option<u64>> {
    if !matches!(
        action.event_name.as_str(),
        "pull_request" | "pull_request_target"
    ) {
        bail!(
            "`drydock github` reviews pull requests, and this run is a `{}` event: trigger the workflow `on: pull_request` (or use `drydock check --base REF` for other events)",
            action.event_name
        );
    }
    let text = std::fs::read_to_string(&action.event_path).with_context(|| {
        format!(
            "{}: cannot read the event payload (GITHUB_EVENT_PATH)",
            action.event_path.display()
        )
    })?;
    let event: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: the event payload is not JSON",
            action.event_path.display()
        )
    })?;
    let kind = event["action"].as_str().unwrap_or("");
    if !matches!(
        kind,
        "opened"
            | "synchronize"
            | "reopened"
            | "labeled"
            | "unlabeled"
            | "ready_for_review"
            | "edited"
    ) {
        println!("Drydock: nothing to do for a pull request that was {kind}.");
        return Ok(None);
    }
    event["pull_request"]["number"]
        .as_u64()
        .or_else(|| event["number"].as_u64())
        .map(Some)
        .ok_or_else(|| anyhow!("the event payload has no pull request number"))
}

/// What the publishing found out, for the job summary and the exit code.
#[derive(Default)]
struct Published {
    /// The pull request comes from another repository.
    from_fork: bool,
    /// GitHub refused a write with 403: write nothing more.
    read_only: bool,
    notices: Vec<String>,
    /// An API error other than a fork's read-only token.
    failed: bool,
}

impl Published {
    /// Handles a write's error: a 403 means a read-only token (a fork's), so stop writing and
    /// say so; anything else is reported and remembered.
    fn write_failed(&mut self, what: &str, error: &ApiError) {
        if error.is_forbidden() {
            if !self.read_only {
                self.read_only = true;
                let why = if self.from_fork {
                    "a pull request from a fork gets a read-only token"
                } else {
                    "give the job `permissions: pull-requests: write`"
                };
                let notice = format!(
                    "This pull request's token cannot write to it ({why}), so Drydock's findings are in the workflow annotations and this job summary instead of a comment and a review."
                );
                println!("::warning title=Drydock::{notice}");
                self.notices.push(notice);
            }
        } else {
            println!(
                "::error title=Drydock::{}",
                report::github::escape_data(&format!("could not {what}: {error}"))
            );
            self.notices.push(format!("Could not {what}: {error}"));
            self.failed = true;
        }
    }
}

async fn github(action: Action) -> Result<i32> {
    let Some(number) = read_event(&action)? else {
        return Ok(0);
    };
    if let Some(workspace) = var("GITHUB_WORKSPACE") {
        std::env::set_current_dir(&workspace)
            .with_context(|| format!("cannot enter GITHUB_WORKSPACE {workspace}"))?;
    }
    let config = Config::load(action.config.as_deref())?;
    let label = action
        .override_label
        .clone()
        .unwrap_or_else(|| config.override_label.clone());
    validate_label(&label).context("drydock.toml override-label")?;
    for dir in &action.directories {
        if !dir.is_dir() {
            bail!(
                "input `directories`: {} is not a directory in the checkout; name migration directories relative to the repository root",
                dir.display()
            );
        }
    }

    let github = GitHub::new(&action.api_url, &action.token, RetryPolicy::default())?;
    let repo = action.repository.as_str();
    let pr = pull_request::get(&github, repo, number)
        .await
        .with_context(|| format!("cannot read pull request #{number}"))?;
    let files = pull_request::files(&github, repo, number)
        .await
        .with_context(|| format!("cannot list the files of pull request #{number}"))?;
    let publisher = Publisher {
        github: &github,
        repo,
        number,
        bot: bot_login(&github).await,
    };

    // The directories this pull request touches.
    let (all_targets, input_errors) = targets::load(&action.directories, None, &config)?;
    if input_errors > 0 {
        return Ok(2);
    }
    let root = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .context("cannot read the current directory")?;
    let touched: Vec<Target> = all_targets
        .into_iter()
        .filter(|t| {
            t.dir.path.canonicalize().is_ok_and(|dir| {
                files
                    .iter()
                    .any(|f| root.join(&f.filename).starts_with(&dir))
            })
        })
        .collect();
    let mut published = Published {
        from_fork: pr.from_fork(),
        ..Published::default()
    };
    if touched.is_empty() {
        return nothing_to_check(&action, &publisher, &mut published).await;
    }

    let args = CheckArgs {
        dirs: Vec::new(),
        base: Some(pr.base.sha.clone()),
        changed: Vec::new(),
        postgres: action.postgres.clone(),
        postgres_image: action.postgres_image.clone(),
        statement_timeout: None,
        timeout: None,
        format: OutputFormat::Json,
        config: action.config.clone(),
        migration_format: None,
    };
    let mut checked = pipeline_on(touched, 0, &args, &config).await?;
    checked.verdict.override_label = label.clone();
    if pr.has_label(&label) {
        checked.verdict.approved_by = Some(label.clone());
    }
    let verdict = &checked.verdict;
    let sources = targets::sources(&checked.targets);

    // What the job log and the next steps see first: annotations and the JSON report.
    print!("{}", report::github::render(verdict));
    let json = report::json::render_check(verdict, &checked.report);
    if let Some(parent) = action
        .report_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).ok();
    }
    std::fs::write(&action.report_path, json).with_context(|| {
        format!(
            "cannot write the report to {}",
            action.report_path.display()
        )
    })?;

    // One summary comment per directory.
    let per_directory = split_by_directory(&checked);
    if action.comment {
        publish_comments(
            &action,
            &publisher,
            &per_directory,
            &sources,
            &mut published,
        )
        .await;
    }
    if !published.read_only {
        publish_review(
            &action,
            &publisher,
            &pr,
            &files,
            verdict,
            &sources,
            &label,
            &mut published,
        )
        .await;
    }

    let mut summary = String::new();
    for notice in &published.notices {
        summary.push_str(&format!(
            "> [!NOTE]\n> {}\n\n",
            report::markdown::escape(notice)
        ));
    }
    for (directory, dir_verdict, apply) in &per_directory {
        let title = format!("Drydock · {}", report::markdown::escape(directory));
        summary.push_str(&report::markdown::render_titled(
            &title,
            dir_verdict,
            &sources,
            Some(apply),
        ));
        summary.push('\n');
    }
    append_step_summary(&action, &summary);

    let blocked = verdict.blocked();
    let fails = blocked
        || match action.fail_on {
            FailOn::Error => verdict.has_errors(),
            FailOn::Warning => verdict.has_errors() || verdict.count(Severity::Warning) > 0,
            FailOn::Never => false,
        };
    write_outputs(
        &action,
        &[
            ("errors", verdict.count(Severity::Error).to_string()),
            ("warnings", verdict.count(Severity::Warning).to_string()),
            ("notices", verdict.count(Severity::Info).to_string()),
            ("destructive", (verdict.blocking() > 0).to_string()),
            ("blocked", blocked.to_string()),
            ("report", action.report_path.display().to_string()),
        ],
    )?;
    if blocked {
        println!(
            "::error title=Drydock::{}",
            report::github::escape_data(&format!(
                "{} destructive change(s) need the `{label}` label from a maintainer before this can merge",
                verdict.blocking()
            ))
        );
    }
    Ok(if checked.input_errors > 0 {
        2
    } else if fails {
        1
    } else if published.failed {
        2
    } else {
        0
    })
}

/// The verdict and apply report of each directory, for its own comment.
fn split_by_directory(checked: &Checked) -> Vec<(String, Verdict, ApplyReport)> {
    checked
        .report
        .directories
        .iter()
        .map(|dir| {
            let prefix = format!("{}/", dir.path.trim_end_matches('/'));
            let findings = checked
                .verdict
                .findings
                .iter()
                .filter(|f| f.file.starts_with(&prefix) || f.file == dir.path)
                .cloned()
                .collect();
            let reviewed = dir.files.iter().filter(|f| f.reviewed);
            let verdict = Verdict {
                findings,
                ignored: checked.verdict.ignored,
                files: reviewed.clone().count(),
                statements: reviewed.map(|f| f.statements).sum(),
                override_label: checked.verdict.override_label.clone(),
                approved_by: checked.verdict.approved_by.clone(),
            };
            let apply = ApplyReport {
                postgres: checked.report.postgres.clone(),
                directories: vec![dir.clone()],
            };
            (dir.path.clone(), verdict, apply)
        })
        .collect()
}

async fn publish_comments(
    action: &Action,
    publisher: &Publisher<'_>,
    per_directory: &[(String, Verdict, ApplyReport)],
    sources: &Sources<'_>,
    published: &mut Published,
) {
    let existing = match publisher.summary_comments().await {
        Ok(existing) => existing,
        Err(e) => {
            published.write_failed("read the pull request's comments", &e);
            return;
        }
    };
    for (directory, verdict, apply) in per_directory {
        let body = summary_comment(directory, verdict, sources, apply, &action.run_url);
        if let Err(e) = publisher
            .upsert_comment(&existing, &summary_marker(directory), &body)
            .await
        {
            published.write_failed("post the summary comment", &e);
            return;
        }
    }
    // Directories this pull request no longer changes.
    let current: Vec<String> = per_directory
        .iter()
        .map(|(d, ..)| summary_marker(d))
        .collect();
    retire_comments(publisher, &existing, &current, published).await;
}

/// Turns the bot's summary comments whose marker is not in `keep` into "nothing to check".
async fn retire_comments(
    publisher: &Publisher<'_>,
    existing: &[(u64, String)],
    keep: &[String],
    published: &mut Published,
) {
    for (_, body) in existing {
        let marker = body.lines().next().unwrap_or("");
        if keep.iter().any(|m| m == marker) {
            continue;
        }
        if let Err(e) = publisher
            .upsert_comment(existing, marker, &nothing_to_check_comment(marker))
            .await
        {
            published.write_failed("update an old summary comment", &e);
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn publish_review(
    action: &Action,
    publisher: &Publisher<'_>,
    pr: &pull_request::PullRequest,
    files: &[pull_request::ChangedFile],
    verdict: &Verdict,
    sources: &Sources<'_>,
    label: &str,
    published: &mut Published,
) {
    let blocking_reviews = match publisher.blocking_reviews().await {
        Ok(ids) => ids,
        Err(e) => {
            published.write_failed("read the pull request's reviews", &e);
            return;
        }
    };
    if !verdict.blocked() {
        let why = match &verdict.approved_by {
            Some(_) if verdict.blocking() > 0 => {
                format!("Drydock: the destructive changes were approved by the `{label}` label.")
            }
            _ => "Drydock: the destructive changes are gone.".to_string(),
        };
        for id in &blocking_reviews {
            if let Err(e) = publisher.dismiss_review(*id, &why).await {
                published.write_failed("dismiss Drydock's earlier blocking review", &e);
                return;
            }
        }
    }

    let mut comments = Vec::new();
    if action.review {
        let existing = match publisher.inline_comment_bodies().await {
            Ok(bodies) => bodies,
            Err(e) => {
                published.write_failed("read the review comments", &e);
                return;
            }
        };
        let lines = DiffLines::new(files);
        for finding in verdict
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
        {
            let Some(comment) = inline_comment(finding, sources, |first, last| {
                lines.hunk(&finding.file, first, last).is_some()
            }) else {
                continue;
            };
            let marker = comment.body.lines().next().unwrap_or("");
            if !existing.iter().any(|b| b.starts_with(marker)) {
                comments.push(comment);
            }
        }
    }
    let request_changes =
        action.request_changes && verdict.blocked() && blocking_reviews.is_empty();
    if comments.is_empty() && !request_changes {
        return;
    }
    let (event, body) = if request_changes {
        (
            "REQUEST_CHANGES",
            format!(
                "Drydock found {} destructive change(s). A maintainer can approve them by adding the `{label}` label; this review is then dismissed.",
                verdict.blocking()
            ),
        )
    } else {
        (
            "COMMENT",
            format!(
                "Drydock: {} finding(s) on the changed lines; the summary comment has them all.",
                comments.len()
            ),
        )
    };
    let result = publisher
        .create_review(&pr.head.sha, event, &body, &comments)
        .await;
    if let Err(e) = result {
        if e.status() == Some(http::StatusCode::UNPROCESSABLE_ENTITY) && !comments.is_empty() {
            // GitHub refused a line (the diff moved on since): keep the review, drop the lines.
            println!(
                "::warning title=Drydock::{}",
                report::github::escape_data(&format!(
                    "GitHub refused the inline comments ({e}); they are in the summary comment instead"
                ))
            );
            if let Err(e) = publisher
                .create_review(&pr.head.sha, event, &body, &[])
                .await
            {
                published.write_failed("post the review", &e);
            }
        } else {
            published.write_failed("post the review", &e);
        }
    }
}

async fn nothing_to_check(
    action: &Action,
    publisher: &Publisher<'_>,
    published: &mut Published,
) -> Result<i32> {
    let message = "Drydock: nothing to check: this pull request changes no migration files.";
    println!("{message}");
    // Earlier comments and a blocking review are out of date now.
    if action.comment {
        match publisher.summary_comments().await {
            Ok(existing) => retire_comments(publisher, &existing, &[], published).await,
            Err(e) => published.write_failed("read the pull request's comments", &e),
        }
    }
    match publisher.blocking_reviews().await {
        Ok(ids) => {
            for id in ids {
                if let Err(e) = publisher
                    .dismiss_review(
                        id,
                        "Drydock: this pull request no longer changes migrations.",
                    )
                    .await
                {
                    published.write_failed("dismiss Drydock's earlier review", &e);
                    break;
                }
            }
        }
        Err(e) => published.write_failed("read the pull request's reviews", &e),
    }
    append_step_summary(action, &format!("{message}\n"));
    write_outputs(
        action,
        &[
            ("errors", "0".into()),
            ("warnings", "0".into()),
            ("notices", "0".into()),
            ("destructive", "false".into()),
            ("blocked", "false".into()),
            ("report", String::new()),
        ],
    )?;
    Ok(if published.failed { 2 } else { 0 })
}

/// The job summary takes 1 MiB per step.
fn append_step_summary(action: &Action, markdown: &str) {
    let Some(path) = &action.step_summary else {
        return;
    };
    const LIMIT: usize = 1024 * 1024 - 200;
    let mut text = markdown.to_string();
    if text.len() > LIMIT {
        let mut cut = LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(
            "\n\n… the report was cut at GitHub's 1 MiB limit; the JSON report has all of it.\n",
        );
    }
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "warning: cannot write the job summary {}: {e}",
            path.display()
        );
    }
}

fn write_outputs(action: &Action, outputs: &[(&str, String)]) -> Result<()> {
    let Some(path) = &action.output else {
        return Ok(());
    };
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&format!("{name}={}\n", value.replace(['\n', '\r'], " ")));
    }
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write the step outputs to {}", path.display()))
}
