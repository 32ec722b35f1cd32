//! The run of `drydock github`: takes the [`Action`] read from the environment, reads the pull
//! request (through the API, so a re-run sees today's labels), reads drydock.toml as the base
//! commit has it (the pull request's own change to it takes effect once merged, and is
//! announced), runs the pipeline on the migration directories the pull request changes against
//! its base commit, and hands the result to the publishing policy ([`crate::publish::policy`]):
//! a sticky summary comment per directory, a review with inline comments, a REQUEST_CHANGES
//! review while destructive changes lack the override label (dismissed once approved or fixed).
//! Annotations, the JSON report, the job summary and the step outputs go to the runner
//! ([`Runner`]). Returns the exit code.

use super::{Action, Event, nothing_to_check_outputs, outputs, validate_label};
use crate::config::Config;
use crate::pipeline::targets;
use crate::pipeline::{Options, Pipeline};
use crate::publish::client::{GitHub, RetryPolicy};
use crate::publish::policy::{self, Policy};
use crate::publish::pull_request;
use crate::publish::runner::Runner;
use crate::publish::{Publisher, bot_login};
use crate::report;
use anyhow::{Context, Result};

pub(super) async fn github(action: Action) -> Result<i32> {
    let runner = Runner::new(action.step_summary.clone(), action.output.clone());
    let number = match action.event()? {
        Event::Review { number } => number,
        Event::Ignored { action: kind } => {
            runner.log(&format!(
                "Drydock: nothing to do for a pull request that was {kind}."
            ));
            return Ok(0);
        }
    };
    if let Some(workspace) = &action.workspace {
        std::env::set_current_dir(workspace)
            .with_context(|| format!("cannot enter GITHUB_WORKSPACE {workspace}"))?;
    }
    action.check_directories()?;

    let github = GitHub::new(&action.api_url, &action.token, RetryPolicy::default())?;
    let repo = action.repository.as_str();
    let pr = pull_request::get(&github, repo, number)
        .await
        .with_context(|| format!("cannot read pull request #{number}"))?;
    // The policy (rule levels, exclusions, the override label, directories, how to apply) is
    // the base commit's: the checkout is the pull request's, and a pull request that could
    // turn off the rule that blocks it would never be blocked. Its own change is announced.
    let (config, config_change) = Config::load_at(action.config.as_deref(), &pr.base.sha)?;
    let notices: Vec<String> = config_change.iter().map(policy::config_notice).collect();
    for notice in &notices {
        runner.notice(notice);
    }
    let label = action
        .override_label
        .clone()
        .unwrap_or_else(|| config.override_label.clone());
    validate_label(&label).context("drydock.toml override-label")?;
    let files = pull_request::files(&github, repo, number)
        .await
        .with_context(|| format!("cannot list the files of pull request #{number}"))?;
    let publisher = Publisher {
        github: &github,
        repo,
        number,
        bot: bot_login(&github).await,
    };
    let policy = Policy {
        publisher: &publisher,
        runner: &runner,
        comment: action.comment,
        review: action.review,
        request_changes: action.request_changes,
        override_label: &label,
        run_url: &action.run_url,
        notices: &notices,
    };

    // The directories this pull request touches. Chosen before the pipeline's options are
    // resolved: those matter only when there is something to check.
    let (all_targets, input_errors) = targets::load(&action.directories, None, &config)?;
    if input_errors > 0 {
        return Ok(2);
    }
    let changed: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    let touched = targets::touched_by(all_targets, &changed)?;
    if touched.is_empty() {
        let published = policy.nothing_to_check(&pr).await;
        runner.set_outputs(&nothing_to_check_outputs())?;
        return Ok(if published.failed { 2 } else { 0 });
    }

    let options = Options::resolve(config, action.overrides(&pr.base.sha))?;
    let mut checked = Pipeline::new(options).check_targets(touched).await?;
    policy::approve_by_label(&mut checked.verdict, &pr, &label);
    let verdict = &checked.verdict;
    let sources = targets::sources(&checked.targets);

    // What the job log and the next steps see first: annotations and the JSON report.
    runner.annotate(verdict);
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

    let per_directory = checked.by_directory();
    let published = policy
        .publish(&pr, &files, &per_directory, verdict, &sources)
        .await;

    let blocked = verdict.blocked();
    let fails = blocked || action.fail_on.fails(verdict);
    runner.set_outputs(&outputs(verdict, &action.report_path))?;
    if blocked {
        runner.error(&format!(
            "{} destructive change(s) need the `{label}` label from a \
                maintainer before this can merge",
            verdict.blocking()
        ));
    }
    let base_unbuilt: Vec<_> = checked.report.base_unbuilt().collect();
    for (directory, unbuilt) in &base_unbuilt {
        runner.error(&format!(
            "{}: {}. {}",
            unbuilt.what(directory),
            unbuilt.error,
            unbuilt.help
        ));
    }
    // Nothing of the change was applied: the run could not check it (exit 2, as for bad
    // input), whatever its static findings say.
    Ok(if !base_unbuilt.is_empty() {
        2
    } else if fails {
        1
    } else if published.failed {
        2
    } else {
        0
    })
}
