//! `drydock github`, the GitHub Action, as the runner sees it: the action's inputs
//! (`INPUT_<NAME>`, upper-cased, hyphens kept as a Docker action gets them, or as `_` as
//! action.yml's composite step passes them), the runner's variables (`GITHUB_*`), the event
//! payload, and the step outputs it sets. This file is action.yml's counterpart (a test checks
//! that they name the same inputs and outputs). Reads the environment and the payload file;
//! returns [`Action`] and [`Event`], or the error that names the bad input; removes the secrets
//! from the environment before anything is started. The run itself (pipeline, then publish) is
//! in [`command`].

mod command;

use super::runtime;
use crate::finding::Severity;
use crate::pipeline::Overrides;
use crate::verdict::Verdict;
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};

pub fn run() -> i32 {
    let action = match Action::from_env() {
        Ok(action) => action,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 2;
        }
    };
    // SAFETY: no other thread exists yet (the runtime starts below), so nothing reads the
    // environment while it changes.
    unsafe { remove_secrets() };
    runtime::run_until_interrupted("drydock github", command::github(action))
}

/// Variables whose values must not reach anything Drydock starts (git, Postgres).
const SECRETS: &[&str] = &[
    "GITHUB_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "INPUT_GITHUB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

/// Removes the secrets from the environment, so that nothing Drydock starts inherits them.
///
/// # Safety
/// No other thread may exist: call it before the async runtime starts.
unsafe fn remove_secrets() {
    for name in SECRETS {
        // SAFETY: the caller promises no other thread reads the environment meanwhile.
        unsafe { std::env::remove_var(name) };
    }
}

/// When the run fails for findings (destructive changes fail it regardless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    fn fails(self, verdict: &Verdict) -> bool {
        match self {
            FailOn::Error => verdict.has_errors(),
            FailOn::Warning => verdict.has_errors() || verdict.count(Severity::Warning) > 0,
            FailOn::Never => false,
        }
    }
}

/// The action's inputs and the runner's variables.
struct Action {
    repository: String,
    api_url: String,
    run_url: String,
    event_name: String,
    event_path: PathBuf,
    /// The checkout, which paths are relative to.
    workspace: Option<String>,
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

/// What the event asks of Drydock.
enum Event {
    /// Review pull request `number`.
    Review { number: u64 },
    /// A pull request event there is nothing to do for (`closed`, `assigned`, ...).
    Ignored { action: String },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn input(name: &str) -> Option<String> {
    let upper = name.to_uppercase();
    var(&format!("INPUT_{upper}"))
        .or_else(|| var(&format!("INPUT_{}", upper.replace('-', "_"))))
        .map(|v| v.trim().to_string())
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
        let token = input("github-token")
            .or_else(|| var("GITHUB_TOKEN"))
            .ok_or_else(|| {
                anyhow!(
                    "no GitHub token: pass `github-token: ${{{{ secrets.GITHUB_TOKEN \
                    }}}}` (the default) or set GITHUB_TOKEN, and give the job \
                    `permissions: pull-requests: write`"
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
            workspace: var("GITHUB_WORKSPACE"),
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

    /// The `directories` input names directories of the checkout.
    fn check_directories(&self) -> Result<()> {
        for dir in &self.directories {
            if !dir.is_dir() {
                bail!(
                    "input `directories`: {} is not a directory in the checkout; \
                        name migration directories relative to the repository root",
                    dir.display()
                );
            }
        }
        Ok(())
    }

    /// What the pipeline is asked for: the changes since the pull request's `base` commit.
    fn overrides(&self, base: &str) -> Overrides {
        Overrides {
            targets: self.directories.clone(),
            base: Some(base.to_string()),
            postgres: self.postgres.clone(),
            postgres_image: self.postgres_image.clone(),
            ..Overrides::default()
        }
    }

    /// The pull request number and the event's action, from the event payload.
    fn event(&self) -> Result<Event> {
        if !matches!(
            self.event_name.as_str(),
            "pull_request" | "pull_request_target"
        ) {
            bail!(
                "`drydock github` reviews pull requests, and this run is a `{}` \
                    event: trigger the workflow `on: pull_request` (or use `drydock \
                    check --base REF` for other events)",
                self.event_name
            );
        }
        let text = std::fs::read_to_string(&self.event_path).with_context(|| {
            format!(
                "{}: cannot read the event payload (GITHUB_EVENT_PATH)",
                self.event_path.display()
            )
        })?;
        let event: serde_json::Value = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: the event payload is not JSON",
                self.event_path.display()
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
            return Ok(Event::Ignored {
                action: kind.to_string(),
            });
        }
        event["pull_request"]["number"]
            .as_u64()
            .or_else(|| event["number"].as_u64())
            .map(|number| Event::Review { number })
            .ok_or_else(|| anyhow!("the event payload has no pull request number"))
    }
}

/// The step outputs of a check, as action.yml declares them.
fn outputs(verdict: &Verdict, report: &Path) -> [(&'static str, String); 6] {
    [
        ("errors", verdict.count(Severity::Error).to_string()),
        ("warnings", verdict.count(Severity::Warning).to_string()),
        ("notices", verdict.count(Severity::Info).to_string()),
        ("destructive", (verdict.blocking() > 0).to_string()),
        ("blocked", verdict.blocked().to_string()),
        ("report", report.display().to_string()),
    ]
}

/// The step outputs when the pull request changes no migrations: nothing found, no report.
fn nothing_to_check_outputs() -> [(&'static str, String); 6] {
    [
        ("errors", "0".into()),
        ("warnings", "0".into()),
        ("notices", "0".into()),
        ("destructive", "false".into()),
        ("blocked", "false".into()),
        ("report", String::new()),
    ]
}

/// GitHub label names: 1 to 50 characters, no line breaks.
fn validate_label(label: &str) -> Result<()> {
    let length = label.chars().count();
    if length == 0 || length > 50 || label.chars().any(char::is_control) {
        bail!(
            "override label `{}`: a GitHub label name has 1 to 50 characters \
                and no control characters",
            label.escape_debug()
        );
    }
    Ok(())
}
