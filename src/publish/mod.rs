//! Publish: the only stage that talks to GitHub. It reads the pull request (labels, head and
//! base commits, files and their diff hunks) and writes Drydock's sticky summary comments, its
//! review with inline comments, and the dismissal of its own earlier blocking review.
//! [`policy`] decides what to write and what to do when GitHub refuses; [`runner`] holds the
//! other channel to GitHub, the Actions runner's annotations, step outputs and job summary.

pub mod client;
pub mod policy;
pub mod pull_request;
pub mod runner;

use crate::report::pull_request::{InlineComment, is_summary};
use client::{ApiError, GitHub};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
}

#[derive(Debug, Clone, Deserialize)]
struct IssueComment {
    id: u64,
    body: Option<String>,
    user: Option<User>,
}

#[derive(Debug, Clone, Deserialize)]
struct ReviewComment {
    body: String,
    user: Option<User>,
}

#[derive(Debug, Clone, Deserialize)]
struct Review {
    id: u64,
    state: String,
    user: Option<User>,
}

/// The login Drydock's comments are posted as. The workflow token cannot read `/user`; its
/// comments come from `github-actions[bot]`.
pub async fn bot_login(github: &GitHub) -> String {
    match github.get::<User>("/user").await {
        Ok(user) => user.login,
        Err(_) => "github-actions[bot]".to_string(),
    }
}

/// One pull request, as the bot sees it.
pub struct Publisher<'a> {
    pub github: &'a GitHub,
    pub repo: &'a str,
    pub number: u64,
    pub bot: String,
}

impl Publisher<'_> {
    fn by_bot(&self, user: &Option<User>) -> bool {
        user.as_ref().is_some_and(|u| u.login == self.bot)
    }

    /// The bot's summary comments on the pull request: (id, body).
    pub async fn summary_comments(&self) -> Result<Vec<(u64, String)>, ApiError> {
        let comments: Vec<IssueComment> = self
            .github
            .get_all(&format!(
                "/repos/{}/issues/{}/comments",
                self.repo, self.number
            ))
            .await?;
        Ok(comments
            .into_iter()
            .filter(|c| self.by_bot(&c.user))
            .filter_map(|c| Some((c.id, c.body?)))
            .filter(|(_, body)| is_summary(body))
            .collect())
    }

    /// Creates the comment that starts with `marker`, or updates the bot's existing one in place
    /// (unless it already says `body`).
    pub async fn upsert_comment(
        &self,
        existing: &[(u64, String)],
        marker: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        match existing.iter().find(|(_, b)| b.starts_with(marker)) {
            Some((_, old)) if old == body => Ok(()),
            Some((id, _)) => {
                let _: serde_json::Value = self
                    .github
                    .patch(
                        &format!("/repos/{}/issues/comments/{id}", self.repo),
                        &json!({ "body": body }),
                    )
                    .await?;
                Ok(())
            }
            None => {
                let _: serde_json::Value = self
                    .github
                    .post(
                        &format!("/repos/{}/issues/{}/comments", self.repo, self.number),
                        &json!({ "body": body }),
                    )
                    .await?;
                Ok(())
            }
        }
    }

    /// Bodies of the bot's inline comments already on the pull request.
    pub async fn inline_comment_bodies(&self) -> Result<Vec<String>, ApiError> {
        let comments: Vec<ReviewComment> = self
            .github
            .get_all(&format!(
                "/repos/{}/pulls/{}/comments",
                self.repo, self.number
            ))
            .await?;
        Ok(comments
            .into_iter()
            .filter(|c| self.by_bot(&c.user))
            .map(|c| c.body)
            .collect())
    }

    /// The bot's reviews that still request changes.
    pub async fn blocking_reviews(&self) -> Result<Vec<u64>, ApiError> {
        let reviews: Vec<Review> = self
            .github
            .get_all(&format!(
                "/repos/{}/pulls/{}/reviews",
                self.repo, self.number
            ))
            .await?;
        Ok(reviews
            .into_iter()
            .filter(|r| self.by_bot(&r.user) && r.state == "CHANGES_REQUESTED")
            .map(|r| r.id)
            .collect())
    }

    /// Posts a review on `commit`: `event` is COMMENT or REQUEST_CHANGES.
    pub async fn create_review(
        &self,
        commit: &str,
        event: &str,
        body: &str,
        comments: &[InlineComment],
    ) -> Result<(), ApiError> {
        let comments: Vec<serde_json::Value> = comments
            .iter()
            .map(|c| {
                let mut comment = json!({
                    "path": c.path,
                    "line": c.line,
                    "side": "RIGHT",
                    "body": c.body,
                });
                if let Some(start) = c.start_line {
                    comment["start_line"] = json!(start);
                    comment["start_side"] = json!("RIGHT");
                }
                comment
            })
            .collect();
        let _: serde_json::Value = self
            .github
            .post(
                &format!("/repos/{}/pulls/{}/reviews", self.repo, self.number),
                &json!({
                    "commit_id": commit,
                    "event": event,
                    "body": body,
                    "comments": comments,
                }),
            )
            .await?;
        Ok(())
    }

    pub async fn dismiss_review(&self, id: u64, message: &str) -> Result<(), ApiError> {
        let _: serde_json::Value = self
            .github
            .put(
                &format!(
                    "/repos/{}/pulls/{}/reviews/{id}/dismissals",
                    self.repo, self.number
                ),
                &json!({ "message": message, "event": "DISMISS" }),
            )
            .await?;
        Ok(())
    }
}
