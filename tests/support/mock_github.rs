//! A mock GitHub (wiremock) holding one pull request, #7 of acme/shop: its labels, files (over
//! two pages, linked as GitHub links them), comments and reviews. Shared by tests/github.rs and
//! benches/github_run.rs.
#![allow(dead_code)]

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const REPO: &str = "acme/shop";
pub const HEAD_SHA: &str = "1111111111111111111111111111111111111111";
pub const BOT: &str = "github-actions[bot]";

/// The unified diff GitHub lists for a new file.
pub fn added_patch(sql: &str) -> String {
    let lines: Vec<String> = sql.lines().map(|l| format!("+{l}")).collect();
    format!("@@ -0,0 +1,{} @@\n{}", lines.len(), lines.join("\n"))
}

pub fn pull(base: &str, labels: &[&str], fork: bool) -> Value {
    let head_repo = if fork { "contributor/shop" } else { REPO };
    json!({
        "number": 7,
        "state": "open",
        "head": {"sha": HEAD_SHA, "ref": "feature", "repo": {"full_name": head_repo}},
        "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO}},
        "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
    })
}

/// The standing GitHub state of pull request #7 for one run.
pub struct State<'a> {
    pub base: &'a str,
    pub labels: &'a [&'a str],
    pub files: Vec<Value>,
    pub comments: Vec<Value>,
    pub inline: Vec<Value>,
    pub reviews: Vec<Value>,
    /// Status of every write (201, or 403 for a fork's token).
    pub write_status: u16,
    /// The head branch lives in a fork (another repository).
    pub fork: bool,
}

impl<'a> State<'a> {
    /// A fresh pull request from the repository itself, changing `files`, with no labels,
    /// comments or reviews yet; writes succeed.
    pub fn new(base: &'a str, files: Vec<Value>) -> State<'a> {
        State {
            base,
            labels: &[],
            files,
            comments: vec![],
            inline: vec![],
            reviews: vec![],
            write_status: 201,
            fork: false,
        }
    }
}

pub async fn mount(server: &MockServer, state: State<'_>) {
    mount_at(server, "", state).await
}

/// As [`mount`], under a path prefix: GitHub Enterprise serves its API at `/api/v3`.
pub async fn mount_at(server: &MockServer, prefix: &str, state: State<'_>) {
    server.reset().await;
    let pulls = format!("{prefix}/repos/{REPO}/pulls/7");
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/user")))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(pulls.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(pull(
            state.base,
            state.labels,
            state.fork,
        )))
        .mount(server)
        .await;
    // Files over two pages, linked as GitHub links them.
    let (first, second) = state.files.split_at(state.files.len() / 2);
    let next = format!("{}{pulls}/files?per_page=100&page=2", server.uri());
    Mock::given(method("GET"))
        .and(path(format!("{pulls}/files")))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{pulls}/files")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
                )
                .set_body_json(first),
        )
        .with_priority(2)
        .mount(server)
        .await;
    for (route, items) in [
        (
            format!("{prefix}/repos/{REPO}/issues/7/comments"),
            &state.comments,
        ),
        (format!("{pulls}/comments"), &state.inline),
        (format!("{pulls}/reviews"), &state.reviews),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(items))
            .mount(server)
            .await;
    }
    let write = if state.write_status == 403 {
        ResponseTemplate::new(403)
            .set_body_json(json!({"message": "Resource not accessible by integration"}))
    } else {
        ResponseTemplate::new(state.write_status).set_body_json(json!({"id": 1}))
    };
    for verb in ["POST", "PATCH", "PUT"] {
        Mock::given(method(verb))
            .respond_with(write.clone())
            .mount(server)
            .await;
    }
}

pub fn files(change: &[(&str, &str)]) -> Vec<Value> {
    let mut files = vec![
        json!({"filename": "README.md", "status": "modified", "patch": "@@ -1 +1 @@\n-x\n+shop"}),
    ];
    for (name, sql) in change {
        files.push(json!({"filename": name, "status": "added", "patch": added_patch(sql)}));
    }
    files
}

pub fn comment(id: u64, login: &str, body: &str) -> Value {
    json!({"id": id, "body": body, "user": {"login": login, "type": "Bot"}})
}
