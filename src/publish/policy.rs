//! The publishing policy: what Drydock writes to a pull request after a check, and what it does
//! when GitHub refuses. Takes the pull request (through a [`Publisher`]), the check's verdict
//! (whole and per directory) and the action's choices; writes through the API and, for notices
//! and the job summary, through the [`Runner`]. Returns what happened ([`Published`]) for the
//! exit code.
//!
//! - One sticky summary comment per directory, updated in place; the bot's comments for
//!   directories the pull request no longer changes are retired ("nothing to check").
//! - A review with inline comments on the changed lines (each once), and a REQUEST_CHANGES
//!   review while destructive changes lack the override label; Drydock's earlier blocking
//!   review is dismissed once they are approved or gone.
//! - Notices about the review as a whole (the pull request changes the configuration, which
//!   takes effect once merged) go under the headline of every summary comment and atop the job
//!   summary.
//! - A 403 means a read-only token (a fork's pull request): stop writing and say so in the
//!   annotations and the job summary. A 422 on the review (a line outside the current diff) is
//!   retried without the lines. Any other API error is reported and fails the run.

use super::Publisher;
use super::client::ApiError;
use super::pull_request::{ChangedFile, DiffLines, PullRequest};
use super::runner::Runner;
use crate::config::ConfigChange;
use crate::finding::Severity;
use crate::pipeline::DirectoryVerdict;
use crate::report::pull_request::{
    inline_comment, nothing_to_check_comment, summary_comment, summary_marker,
};
use crate::report::{self, Sources};
use crate::verdict::Verdict;

/// What the job log and summary say when a pull request changes no migration files.
const NOTHING_TO_CHECK: &str =
    "Drydock: nothing to check: this pull request changes no migration files.";

/// How to publish to one pull request, as the action's inputs ask.
pub struct Policy<'a> {
    pub publisher: &'a Publisher<'a>,
    pub runner: &'a Runner,
    /// Post and update a summary comment per directory.
    pub comment: bool,
    /// Post inline comments on the changed lines.
    pub review: bool,
    /// Request changes while destructive changes lack the override label.
    pub request_changes: bool,
    /// The label that approves destructive changes.
    pub override_label: &'a str,
    /// The workflow run, linked from the summary comments.
    pub run_url: &'a str,
    /// What every summary comment and the job summary say about the review as a whole (plain
    /// text): that the pull request's configuration change waits for the merge.
    pub notices: &'a [String],
}

/// What publishing found out, for the job summary and the exit code.
#[derive(Default)]
pub struct Published {
    /// The pull request comes from another repository.
    pub from_fork: bool,
    /// GitHub refused a write with 403: write nothing more.
    pub read_only: bool,
    /// The policy's notices, then what could not be written; for the job summary.
    pub notices: Vec<String>,
    /// An API error other than a fork's read-only token.
    pub failed: bool,
}

/// The notice that the pull request changes the configuration it is reviewed under: the review
/// used the base commit's, and the change takes effect once merged.
pub fn config_notice(change: &ConfigChange) -> String {
    match change {
        ConfigChange::Added(file) => format!(
            "This pull request adds {file}; it takes effect after it is merged: this review \
                used the default configuration, as the base branch has none."
        ),
        ConfigChange::Changed(file) => format!(
            "This pull request changes {file}; the change takes effect after it is merged: \
                this review used the base branch's configuration."
        ),
        ConfigChange::Deleted(file) => format!(
            "This pull request deletes {file}; the deletion takes effect after it is merged: \
                this review used the base branch's configuration."
        ),
    }
}

/// The override label on the pull request approves the verdict's destructive changes.
pub fn approve_by_label(verdict: &mut Verdict, pr: &PullRequest, label: &str) {
    verdict.override_label = label.to_string();
    if pr.has_label(label) {
        verdict.approved_by = Some(label.to_string());
    }
}

impl Published {
    /// Handles a write's error: a 403 means a read-only token (a fork's), so stop writing and
    /// say so; anything else is reported and remembered.
    fn write_failed(&mut self, runner: &Runner, what: &str, error: &ApiError) {
        if error.is_forbidden() {
            if !self.read_only {
                self.read_only = true;
                let why = if self.from_fork {
                    "a pull request from a fork gets a read-only token"
                } else {
                    "give the job `permissions: pull-requests: write`"
                };
                let notice = format!(
                    "This pull request's token cannot write to it ({why}), so \
                        Drydock's findings are in the workflow annotations and this job \
                        summary instead of a comment and a review."
                );
                runner.warning(&notice);
                self.notices.push(notice);
            }
        } else {
            runner.error(&format!("could not {what}: {error}"));
            self.notices.push(format!("Could not {what}: {error}"));
            self.failed = true;
        }
    }
}

impl Policy<'_> {
    /// Publishes a check of `pr`: the summary comments, the review, then the job summary (with
    /// any notice about what could not be written).
    pub async fn publish(
        &self,
        pr: &PullRequest,
        files: &[ChangedFile],
        per_directory: &[DirectoryVerdict],
        verdict: &Verdict,
        sources: &Sources<'_>,
    ) -> Published {
        let mut published = Published {
            from_fork: pr.from_fork(),
            notices: self.notices.to_vec(),
            ..Published::default()
        };
        if self.comment {
            self.publish_comments(per_directory, sources, &mut published)
                .await;
        }
        if !published.read_only {
            self.publish_review(pr, files, verdict, sources, &mut published)
                .await;
        }
        self.runner
            .append_summary(&job_summary(&published, per_directory, sources));
        published
    }

    /// A pull request that changes no migration files: Drydock's earlier comments and blocking
    /// review are out of date, so they are retired and dismissed.
    pub async fn nothing_to_check(&self, pr: &PullRequest) -> Published {
        let mut published = Published {
            from_fork: pr.from_fork(),
            ..Published::default()
        };
        self.runner.log(NOTHING_TO_CHECK);
        if self.comment {
            match self.publisher.summary_comments().await {
                Ok(existing) => self.retire_comments(&existing, &[], &mut published).await,
                Err(e) => {
                    published.write_failed(self.runner, "read the pull request's comments", &e)
                }
            }
        }
        match self.publisher.blocking_reviews().await {
            Ok(ids) => {
                for id in ids {
                    if let Err(e) = self
                        .publisher
                        .dismiss_review(
                            id,
                            "Drydock: this pull request no longer changes migrations.",
                        )
                        .await
                    {
                        published.write_failed(self.runner, "dismiss Drydock's earlier review", &e);
                        break;
                    }
                }
            }
            Err(e) => published.write_failed(self.runner, "read the pull request's reviews", &e),
        }
        self.runner.append_summary(&format!(
            "{}{NOTHING_TO_CHECK}\n",
            report::markdown::notes(self.notices)
        ));
        published
    }

    async fn publish_comments(
        &self,
        per_directory: &[DirectoryVerdict],
        sources: &Sources<'_>,
        published: &mut Published,
    ) {
        let existing = match self.publisher.summary_comments().await {
            Ok(existing) => existing,
            Err(e) => {
                published.write_failed(self.runner, "read the pull request's comments", &e);
                return;
            }
        };
        for dir in per_directory {
            let body = summary_comment(
                &dir.directory,
                &dir.verdict,
                sources,
                &dir.apply,
                self.notices,
                self.run_url,
            );
            if let Err(e) = self
                .publisher
                .upsert_comment(&existing, &summary_marker(&dir.directory), &body)
                .await
            {
                published.write_failed(self.runner, "post the summary comment", &e);
                return;
            }
        }
        // Directories this pull request no longer changes.
        let current: Vec<String> = per_directory
            .iter()
            .map(|d| summary_marker(&d.directory))
            .collect();
        self.retire_comments(&existing, &current, published).await;
    }

    /// Turns the bot's summary comments whose marker is not in `keep` into "nothing to check".
    async fn retire_comments(
        &self,
        existing: &[(u64, String)],
        keep: &[String],
        published: &mut Published,
    ) {
        for (_, body) in existing {
            let marker = body.lines().next().unwrap_or("");
            if keep.iter().any(|m| m == marker) {
                continue;
            }
            if let Err(e) = self
                .publisher
                .upsert_comment(existing, marker, &nothing_to_check_comment(marker))
                .await
            {
                published.write_failed(self.runner, "update an old summary comment", &e);
                return;
            }
        }
    }

    async fn publish_review(
        &self,
        pr: &PullRequest,
        files: &[ChangedFile],
        verdict: &Verdict,
        sources: &Sources<'_>,
        published: &mut Published,
    ) {
        let label = self.override_label;
        let blocking_reviews = match self.publisher.blocking_reviews().await {
            Ok(ids) => ids,
            Err(e) => {
                published.write_failed(self.runner, "read the pull request's reviews", &e);
                return;
            }
        };
        if !verdict.blocked() {
            let why = match &verdict.approved_by {
                Some(_) if verdict.blocking() > 0 => {
                    format!(
                        "Drydock: the destructive changes were approved by the `{label}` label."
                    )
                }
                _ => "Drydock: the destructive changes are gone.".to_string(),
            };
            for id in &blocking_reviews {
                if let Err(e) = self.publisher.dismiss_review(*id, &why).await {
                    published.write_failed(
                        self.runner,
                        "dismiss Drydock's earlier blocking review",
                        &e,
                    );
                    return;
                }
            }
        }

        let mut comments = Vec::new();
        if self.review {
            let existing = match self.publisher.inline_comment_bodies().await {
                Ok(bodies) => bodies,
                Err(e) => {
                    published.write_failed(self.runner, "read the review comments", &e);
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
            self.request_changes && verdict.blocked() && blocking_reviews.is_empty();
        if comments.is_empty() && !request_changes {
            return;
        }
        let (event, body) = if request_changes {
            (
                "REQUEST_CHANGES",
                format!(
                    "Drydock found {} destructive change(s). A maintainer can \
                        approve them by adding the `{label}` label; this review is then \
                        dismissed.",
                    verdict.blocking()
                ),
            )
        } else {
            (
                "COMMENT",
                format!(
                    "Drydock: {} finding(s) on the changed lines; the summary \
                        comment has them all.",
                    comments.len()
                ),
            )
        };
        let result = self
            .publisher
            .create_review(&pr.head.sha, event, &body, &comments)
            .await;
        if let Err(e) = result {
            if e.status() == Some(http::StatusCode::UNPROCESSABLE_ENTITY) && !comments.is_empty() {
                // GitHub refused a line (the diff moved on since): keep the review, drop the
                // lines.
                self.runner.warning(&format!(
                    "GitHub refused the inline comments ({e}); they are in the \
                        summary comment instead"
                ));
                if let Err(e) = self
                    .publisher
                    .create_review(&pr.head.sha, event, &body, &[])
                    .await
                {
                    published.write_failed(self.runner, "post the review", &e);
                }
            } else {
                published.write_failed(self.runner, "post the review", &e);
            }
        }
    }
}

/// The job summary of a check: the notices, then each directory's report.
fn job_summary(
    published: &Published,
    per_directory: &[DirectoryVerdict],
    sources: &Sources<'_>,
) -> String {
    let mut summary = report::markdown::notes(&published.notices);
    for dir in per_directory {
        let title = format!("Drydock · {}", report::markdown::escape(&dir.directory));
        summary.push_str(&report::markdown::render_titled(
            &title,
            &dir.verdict,
            sources,
            Some(&dir.apply),
        ));
        summary.push('\n');
    }
    summary
}
