//! `drydock github` end to end: the real binary, a real Postgres (local provider), a git
//! repository, and a mock GitHub (wiremock) that answers as GitHub's REST API documents and
//! checks every request Drydock makes against it.

#[path = "support/git.rs"]
mod git_support;
use git_support::git;
use serde_json::{Value, json};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[path = "support/mock_github.rs"]
mod mock_github;

use mock_github::{BOT, HEAD_SHA, REPO, State, comment, files, mount, mount_at};

const BIN: &str = env!("CARGO_BIN_EXE_drydock");

fn no_local_postgres() -> bool {
    if drydock::apply::postgres::local_binaries().is_some() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide PostgreSQL binaries"
    );
    eprintln!("skipping: no PostgreSQL server binaries (initdb, postgres)");
    true
}

const CHANGE: &str = "SET lock_timeout = '2s';
CREATE INDEX users_email_idx ON users (email);
ALTER TABLE users DROP COLUMN nickname;
";

/// A checkout: `main` has the base migrations, the work tree adds the pull request's one.
/// Returns the repository and the base commit.
fn checkout(change: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    checkout_on(&[], change)
}

/// As [`checkout`], with `base` files (a drydock.toml, say) committed on `main` too.
fn checkout_on(base: &[(&str, &str)], change: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("db/migrations");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("001_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text);\n",
    )
    .unwrap();
    fs::write(t.path().join("README.md"), "shop\n").unwrap();
    for (name, text) in base {
        fs::create_dir_all(t.path().join(name).parent().unwrap()).unwrap();
        fs::write(t.path().join(name), text).unwrap();
    }
    git(t.path(), &["init", "-q", "-b", "main"]);
    git(t.path(), &["add", "."]);
    git(t.path(), &["commit", "-q", "-m", "base"]);
    let base = git(t.path(), &["rev-parse", "HEAD"]);
    for (name, sql) in change {
        fs::create_dir_all(t.path().join(name).parent().unwrap()).unwrap();
        fs::write(t.path().join(name), sql).unwrap();
    }
    (t, base)
}

struct Run {
    output: Output,
    outputs: String,
    summary: String,
    requests: Vec<Request>,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).to_string()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).to_string()
    }
    /// The requests other than reads.
    fn writes(&self) -> Vec<(String, String, Value)> {
        self.requests
            .iter()
            .filter(|r| r.method.as_str() != "GET")
            .map(|r| {
                (
                    r.method.to_string(),
                    r.url.path().to_string(),
                    serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }
}

/// Runs `drydock github` in `repo` as a pull_request event of `action`, with `inputs`.
async fn run(
    server: &MockServer,
    repo: &Path,
    event: &str,
    action: &str,
    inputs: &[(&str, &str)],
) -> Run {
    run_with_env(server, repo, event, action, inputs, &[]).await
}

async fn run_with_env(
    server: &MockServer,
    repo: &Path,
    event: &str,
    action: &str,
    inputs: &[(&str, &str)],
    env: &[(&str, &str)],
) -> Run {
    let temp = tempfile::tempdir().unwrap();
    let event_path = temp.path().join("event.json");
    fs::write(
        &event_path,
        json!({"action": action, "number": 7, "pull_request": {"number": 7}}).to_string(),
    )
    .unwrap();
    let (outputs, summary) = (temp.path().join("output"), temp.path().join("summary"));
    let mut command = Command::new(BIN);
    command
        .arg("github")
        .current_dir(repo)
        .env_remove("GITHUB_TOKEN")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_WORKSPACE", repo)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("INPUT_GITHUB-TOKEN", "ghs_secret-token")
        .env("INPUT_POSTGRES", "local");
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_uppercase()), value);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    for request in &requests {
        check_documented(request);
    }
    Run {
        output,
        outputs: fs::read_to_string(&outputs).unwrap_or_default(),
        summary: fs::read_to_string(&summary).unwrap_or_default(),
        requests,
    }
}

/// Each request is one GitHub documents, with the body it documents.
fn check_documented(request: &Request) {
    let method = request.method.as_str();
    let path = request.url.path();
    // GitHub Enterprise serves the same API under /api/v3.
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    let auth = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(auth, "Bearer ghs_secret-token", "{method} {path}: token");
    let accept = request
        .headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(accept.contains("json"), "{method} {path}: accept {accept}");
    let pulls = format!("/repos/{REPO}/pulls/7");
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let text_under_limit = |field: &str| {
        let text = body[field]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: `{field}` must be a string"));
        assert!(
            text.chars().count() <= 65_536,
            "{method} {path}: body too long"
        );
    };
    match (method, path) {
        ("GET", "/user") => {}
        ("GET", p) if p == pulls => {}
        ("GET", p)
            if [
                format!("{pulls}/files"),
                format!("{pulls}/comments"),
                format!("{pulls}/reviews"),
                format!("/repos/{REPO}/issues/7/comments"),
            ]
            .contains(&p.to_string()) =>
        {
            let per_page = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "per_page")
                .map(|(_, v)| v.parse::<u32>().unwrap());
            assert!(per_page.is_some_and(|n| n <= 100), "{path}: per_page");
        }
        ("POST", p) if p == format!("/repos/{REPO}/issues/7/comments") => text_under_limit("body"),
        ("PATCH", p) if p.starts_with(&format!("/repos/{REPO}/issues/comments/")) => {
            text_under_limit("body")
        }
        ("POST", p) if p == format!("{pulls}/reviews") => {
            assert!(
                ["COMMENT", "REQUEST_CHANGES", "APPROVE"]
                    .contains(&body["event"].as_str().unwrap()),
                "review event"
            );
            assert_eq!(
                body["commit_id"], HEAD_SHA,
                "reviews are on the head commit"
            );
            // "Required when using REQUEST_CHANGES or COMMENT for the event parameter."
            if body["event"] != "APPROVE" {
                assert!(
                    !body["body"].as_str().unwrap_or("").is_empty(),
                    "{} needs a body",
                    body["event"]
                );
            }
            for c in body["comments"].as_array().unwrap() {
                assert!(c["path"].is_string() && c["body"].is_string(), "{c}");
                assert!(c["line"].as_u64().is_some_and(|l| l > 0), "{c}");
                assert_eq!(c["side"], "RIGHT");
                if let Some(start) = c["start_line"].as_u64() {
                    assert!(start < c["line"].as_u64().unwrap());
                    assert_eq!(c["start_side"], "RIGHT");
                }
            }
        }
        ("PUT", p) if p.starts_with(&format!("{pulls}/reviews/")) && p.ends_with("/dismissals") => {
            assert!(body["message"].is_string(), "dismissal message");
        }
        _ => panic!("Drydock sent a request GitHub does not document: {method} {path}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_gates_destructive_changes_and_comments_stay_single() {
    if no_local_postgres() {
        return;
    }
    let change = [("db/migrations/002_email.sql", CHANGE)];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    let label = "db: approve drop ✅ <ok>";
    // fail-on never: the findings alone would not fail the run, the unapproved drop does.
    let inputs = [("override-label", label), ("fail-on", "never")];

    // 1. No label: the run blocks, one comment, one REQUEST_CHANGES review with inline comments.
    mount(&server, State::new(&base, files(&change))).await;
    let first = run(&server, repo.path(), "pull_request", "opened", &inputs).await;
    assert_eq!(
        first.code(),
        Some(1),
        "{}\n{}",
        first.stdout(),
        first.stderr()
    );
    let writes = first.writes();
    let paths: Vec<(&str, &str)> = writes
        .iter()
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("POST", "/repos/acme/shop/issues/7/comments"),
            ("POST", "/repos/acme/shop/pulls/7/reviews")
        ]
    );
    let summary_body = writes[0].2["body"].as_str().unwrap().to_string();
    assert!(
        summary_body.starts_with("<!-- drydock:summary:"),
        "{summary_body}"
    );
    assert!(summary_body.contains("Blocked"), "{summary_body}");
    let stable: Vec<&str> = summary_body
        .lines()
        .map(|l| match l.split_once(" to local PostgreSQL") {
            Some((applied, _)) if l.starts_with("applied") => applied,
            _ => l,
        })
        .collect();
    insta::assert_snapshot!("pull_request_summary_comment", stable.join("\n"));
    let review = &writes[1].2;
    assert_eq!(review["event"], "REQUEST_CHANGES");
    let inline: Vec<(String, u64)> = review["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["body"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .nth(1)
                    .unwrap()
                    .to_string(),
                c["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        inline,
        [
            (
                "**error** `create-index-without-concurrently`: builds an index \
                on users under a SHARE lock: all writes to the table wait until \
                the build finishes, which grows with the table's size"
                    .to_string(),
                2
            ),
            (
                "**error** `drop-column`: drops column users.nickname: its data \
                is deleted, and code that still names the column fails \
                **(destructive)**"
                    .to_string(),
                3
            ),
        ],
        "{review:#}"
    );
    let index_comment = review["comments"][0]["body"].as_str().unwrap();
    assert!(
        index_comment.contains(
            "```suggestion\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n```"
        ),
        "{index_comment}"
    );
    assert!(
        first.outputs.contains("blocked=true\n") && first.outputs.contains("destructive=true\n"),
        "{}",
        first.outputs
    );
    assert!(first.outputs.contains("errors=2\n"), "{}", first.outputs);
    assert!(
        first
            .summary
            .contains("## Drydock · db/migrations: 🛑 Blocked"),
        "{}",
        first.summary
    );
    assert!(
        first
            .stdout()
            .contains("::error file=db/migrations/002_email.sql,line=3"),
        "{}",
        first.stdout()
    );
    let report: Value =
        serde_json::from_str(&fs::read_to_string(repo.path().join("drydock-report.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["blocking"], 1, "{report:#}");

    // 2. Another push, same findings: the comment is updated in place (the forged one from
    // someone else is left alone), no inline comment twice, no second blocking review.
    let review_comments: Vec<Value> = review["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"id": 5, "body": c["body"], "path": c["path"], "line": c["line"], "user": {"login": BOT}}))
        .collect();
    let stale = summary_body.replace("Blocked", "Old");
    let forged = comment(12, "mallory", &summary_body);
    mount(
        &server,
        State {
            base: &base,
            labels: &[],
            files: files(&change),
            comments: vec![forged.clone(), comment(11, BOT, &stale)],
            inline: review_comments.clone(),
            reviews: vec![json!({"id": 99, "state": "CHANGES_REQUESTED", "user": {"login": BOT}})],
            write_status: 200,
            fork: false,
        },
    )
    .await;
    let second = run(&server, repo.path(), "pull_request", "synchronize", &inputs).await;
    assert_eq!(second.code(), Some(1), "{}", second.stderr());
    let writes = second.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        (writes[0].0.as_str(), writes[0].1.as_str()),
        ("PATCH", "/repos/acme/shop/issues/comments/11")
    );
    assert_eq!(writes[0].2["body"], summary_body);

    // 3. A maintainer adds the label: the run passes, the comment says so, the blocking review
    // is dismissed.
    mount(
        &server,
        State {
            base: &base,
            labels: &["bug", label],
            files: files(&change),
            comments: vec![forged, comment(11, BOT, &summary_body)],
            inline: review_comments,
            reviews: vec![json!({"id": 99, "state": "CHANGES_REQUESTED", "user": {"login": BOT}})],
            write_status: 200,
            fork: false,
        },
    )
    .await;
    let third = run(&server, repo.path(), "pull_request", "labeled", &inputs).await;
    assert_eq!(
        third.code(),
        Some(0),
        "{}\n{}",
        third.stdout(),
        third.stderr()
    );
    let writes = third.writes();
    let paths: Vec<(&str, &str)> = writes
        .iter()
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("PATCH", "/repos/acme/shop/issues/comments/11"),
            ("PUT", "/repos/acme/shop/pulls/7/reviews/99/dismissals")
        ]
    );
    let approved = writes[0].2["body"].as_str().unwrap();
    assert!(
        approved.contains("were approved by the `db: approve drop ✅ <ok>` label"),
        "{approved}"
    );
    assert!(
        writes[1].2["message"]
            .as_str()
            .unwrap()
            .contains("approved")
    );
    assert!(
        third.outputs.contains("blocked=false\n") && third.outputs.contains("destructive=true\n")
    );

    // 4. The label comes off again: blocked again.
    mount(&server, State::new(&base, files(&change))).await;
    let fourth = run(&server, repo.path(), "pull_request", "unlabeled", &inputs).await;
    assert_eq!(fourth.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forks_read_only_token_falls_back_to_annotations_and_the_job_summary() {
    if no_local_postgres() {
        return;
    }
    let change = [("db/migrations/002_email.sql", CHANGE)];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    mount(
        &server,
        State {
            write_status: 403,
            fork: true,
            ..State::new(&base, files(&change))
        },
    )
    .await;
    let run = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    // The verdict stands: blocked.
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stdout()
            .contains("::warning title=Drydock::This pull request's token cannot write"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout()
            .contains("::error file=db/migrations/002_email.sql")
    );
    assert!(run.summary.contains("read-only token"), "{}", run.summary);
    assert!(run.summary.contains("drop-column"), "{}", run.summary);
    // It stopped writing after the first refusal.
    assert_eq!(run.writes().len(), 1, "{:?}", run.writes());

    // The same refusal on a pull request from the repository itself: the job lacks permissions.
    let state = State {
        write_status: 403,
        ..State::new(&base, files(&change))
    };
    mount(&server, state).await;
    let own = self::run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(own.code(), Some(1));
    assert!(
        own.summary
            .contains("give the job \\`permissions: pull-requests: write\\`"),
        "{}",
        own.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_outside_the_diff_get_no_inline_comment_and_a_422_keeps_the_review() {
    if no_local_postgres() {
        return;
    }
    let change = [("db/migrations/002_email.sql", CHANGE)];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    // GitHub shows only line 3 as changed (as if lines 1-2 were already in the base).
    let mut pr_files = files(&change);
    pr_files[1]["patch"] = json!("@@ -2,0 +3,1 @@\n+ALTER TABLE users DROP COLUMN nickname;");
    mount(&server, State::new(&base, pr_files.clone())).await;
    let run1 = run(
        &server,
        repo.path(),
        "pull_request",
        "opened",
        &[("comment", "false")],
    )
    .await;
    let writes = run1.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    let lines: Vec<u64> = writes[0].2["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3]);

    // GitHub refuses the lines anyway (422): the review is posted again without them.
    mount(&server, State::new(&base, pr_files)).await;
    Mock::given(method("POST"))
        .and(path(format!("/repos/{REPO}/pulls/7/reviews")))
        .and(|r: &Request| {
            serde_json::from_slice::<Value>(&r.body)
                .is_ok_and(|b| !b["comments"].as_array().unwrap().is_empty())
        })
        .respond_with(ResponseTemplate::new(422).set_body_json(
            json!({"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]}),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let run2 = run(
        &server,
        repo.path(),
        "pull_request",
        "synchronize",
        &[("comment", "false")],
    )
    .await;
    assert_eq!(run2.code(), Some(1));
    let reviews: Vec<usize> = run2
        .writes()
        .iter()
        .map(|(_, _, b)| b["comments"].as_array().unwrap().len())
        .collect();
    assert_eq!(reviews, [1, 0]);
    assert!(
        run2.stdout().contains("Line could not be resolved"),
        "{}",
        run2.stdout()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_and_other_errors_are_reported_without_hiding_the_verdict() {
    if no_local_postgres() {
        return;
    }
    let change = [(
        "db/migrations/002_email.sql",
        "CREATE TABLE carts (id bigint PRIMARY KEY);\n",
    )];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/pulls/7")))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let ok = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(ok.code(), Some(0), "{}", ok.stderr());
    let pull_reads = ok
        .requests
        .iter()
        .filter(|r| r.url.path() == "/repos/acme/shop/pulls/7")
        .count();
    assert_eq!(pull_reads, 2);
    assert_eq!(
        ok.writes().len(),
        1,
        "a clean change gets its summary comment only"
    );

    // A 500 that persists on the comment: reported, exit 2; the verdict is still in the outputs.
    mount(
        &server,
        State {
            write_status: 500,
            ..State::new(&base, files(&change))
        },
    )
    .await;
    let failed = run(&server, repo.path(), "pull_request", "synchronize", &[]).await;
    assert_eq!(failed.code(), Some(2));
    assert!(
        failed.stdout().contains(
            "::error title=Drydock::could not post the summary comment: GitHub answered 500"
        ),
        "{}",
        failed.stdout()
    );
    assert!(
        failed.outputs.contains("blocked=false"),
        "{}",
        failed.outputs
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_messages_and_exit_codes() {
    let (repo, base) = checkout(&[("README.md", "shop, now with docs\n")]);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&[]))).await;

    // No migration changes: a short result, no comment.
    let quiet = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(quiet.code(), Some(0), "{}", quiet.stderr());
    assert!(quiet.stdout().contains("nothing to check"));
    assert!(quiet.writes().is_empty(), "{:?}", quiet.writes());
    assert!(quiet.outputs.contains("blocked=false"));
    // A comment from an earlier push that changed migrations says there is nothing left.
    let old = "<!-- drydock:summary:0123456789abcdef -->\n## Drydock: 🛑 Blocked";
    mount(
        &server,
        State {
            base: &base,
            labels: &[],
            files: files(&[]),
            comments: vec![comment(11, BOT, old)],
            inline: vec![],
            reviews: vec![json!({"id": 99, "state": "CHANGES_REQUESTED", "user": {"login": BOT}})],
            write_status: 200,
            fork: false,
        },
    )
    .await;
    let retired = run(&server, repo.path(), "pull_request", "synchronize", &[]).await;
    assert_eq!(retired.code(), Some(0));
    let writes = retired.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(writes[0].1, "/repos/acme/shop/issues/comments/11");
    let body = writes[0].2["body"].as_str().unwrap();
    assert!(
        body.starts_with("<!-- drydock:summary:0123456789abcdef -->\n## Drydock: nothing to check"),
        "{body}"
    );
    assert_eq!(
        writes[1].1,
        "/repos/acme/shop/pulls/7/reviews/99/dismissals"
    );

    let push = run(&server, repo.path(), "push", "", &[]).await;
    assert_eq!(push.code(), Some(2));
    assert!(
        push.stderr()
            .contains("reviews pull requests, and this run is a `push` event"),
        "{}",
        push.stderr()
    );

    let closed = run(&server, repo.path(), "pull_request", "closed", &[]).await;
    assert_eq!(closed.code(), Some(0));

    let missing = run(
        &server,
        repo.path(),
        "pull_request",
        "opened",
        &[("directories", "db/nope")],
    )
    .await;
    assert_eq!(missing.code(), Some(2));
    assert!(
        missing
            .stderr()
            .contains("db/nope is not a directory in the checkout"),
        "{}",
        missing.stderr()
    );

    let bad_flag = run(
        &server,
        repo.path(),
        "pull_request",
        "opened",
        &[("fail-on", "sometimes")],
    )
    .await;
    assert_eq!(bad_flag.code(), Some(2));
    assert!(
        bad_flag
            .stderr()
            .contains("input `fail-on`: expected error, warning or never")
    );

    let bad_label = run(
        &server,
        repo.path(),
        "pull_request",
        "opened",
        &[("override-label", &"x".repeat(51))],
    )
    .await;
    assert_eq!(bad_label.code(), Some(2));
    assert!(
        bad_label.stderr().contains("1 to 50 characters"),
        "{}",
        bad_label.stderr()
    );

    let no_token = Command::new(BIN)
        .arg("github")
        .current_dir(repo.path())
        .env_remove("GITHUB_TOKEN")
        .env_remove("INPUT_GITHUB-TOKEN")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_REPOSITORY", REPO)
        .output()
        .unwrap();
    assert_eq!(no_token.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("no GitHub token"));
    // No request ever carries the token anywhere but the Authorization header, and no output
    // prints it.
    for r in [&quiet, &push, &missing] {
        assert!(!r.stdout().contains("ghs_secret") && !r.stderr().contains("ghs_secret"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_drydock_starts_can_read_the_token() {
    if no_local_postgres() {
        return;
    }
    // The migration asks the server for its environment, and `git` is a wrapper that writes down
    // its own.
    let leak = "CREATE TABLE leak (line text);\nCOPY leak FROM PROGRAM \
        'env';\nDO $$ BEGIN RAISE EXCEPTION 'env: %', (SELECT \
        string_agg(line, ' ') FROM leak); END $$;\n";
    let change = [("db/migrations/002_leak.sql", leak)];
    let (repo, base) = checkout(&change);
    let wrappers = tempfile::tempdir().unwrap();
    let seen = wrappers.path().join("git-env");
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    fs::write(
        wrappers.path().join("git"),
        format!(
            "#!/bin/sh\nenv >> {}\nexec {} \"$@\"\n",
            seen.display(),
            real_git.trim()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(wrappers.path().join("git"))
        .status()
        .unwrap();
    let path = format!(
        "{}:{}",
        wrappers.path().display(),
        std::env::var("PATH").unwrap()
    );
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run_with_env(
        &server,
        repo.path(),
        "pull_request",
        "opened",
        &[],
        &[
            ("PATH", &path),
            ("GITHUB_TOKEN", "ghs_secret-token"),
            ("ACTIONS_RUNTIME_TOKEN", "runtime-secret"),
        ],
    )
    .await;
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let report = fs::read_to_string(repo.path().join("drydock-report.json")).unwrap();
    assert!(report.contains("env: "), "the probe ran: {report}");
    let git_env = fs::read_to_string(&seen).unwrap();
    assert!(git_env.contains("PATH="), "git ran through the wrapper");
    for secret in ["ghs_secret", "runtime-secret"] {
        assert!(!report.contains(secret), "Postgres saw {secret}");
        assert!(!git_env.contains(secret), "git saw {secret}");
        assert!(!run.stdout().contains(secret) && !run.stderr().contains(secret));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pull_request_cannot_inject_markup_mentions_or_a_marker() {
    if no_local_postgres() {
        return;
    }
    let hostile = "-- @octocat <!-- drydock:summary:0000000000000000 -->\nDO $$ \
        BEGIN RAISE EXCEPTION '@octocat <img src=x onerror=alert(1)> \
        [click](http://evil.example) <!-- \
        drydock:summary:0000000000000000 -->'; END $$;\n";
    let change = [("db/migrations/002_hostile.sql", hostile)];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let bodies: Vec<String> = run
        .writes()
        .iter()
        .flat_map(|(_, _, body)| {
            let mut texts = vec![body["body"].as_str().unwrap_or("").to_string()];
            for c in body["comments"].as_array().into_iter().flatten() {
                texts.push(c["body"].as_str().unwrap().to_string());
            }
            texts
        })
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("octocat")),
        "the message is shown: {bodies:#?}"
    );
    for body in &bodies {
        // Outside code blocks, where GitHub would act on them.
        let prose: String = body.split("```").step_by(2).collect::<Vec<_>>().join("");
        assert!(!prose.contains("@octocat"), "a mention: {body}");
        assert!(!prose.contains("<img"), "HTML: {body}");
        assert!(!prose.contains("http://evil"), "a link: {prose}");
        match prose.matches("<!--").count() {
            0 => {}
            1 => assert!(body.starts_with("<!-- drydock:"), "{body}"),
            _ => panic!("one marker, Drydock's own: {body}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_enterprise_is_reached_through_github_api_url() {
    if no_local_postgres() {
        return;
    }
    let change = [("db/migrations/002_email.sql", CHANGE)];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    let state = State::new(&base, files(&change));
    mount_at(&server, "/api/v3", state).await;
    let api = format!("{}/api/v3", server.uri());
    let run = run_with_env(
        &server,
        repo.path(),
        "pull_request",
        "opened",
        &[],
        &[("GITHUB_API_URL", &api)],
    )
    .await;
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.requests
            .iter()
            .all(|r| r.url.path().starts_with("/api/v3/"))
    );
    // Both pages of files were read, the second through the Link header's absolute URL.
    let pages = run
        .requests
        .iter()
        .filter(|r| r.url.path().ends_with("/files"))
        .count();
    assert_eq!(pages, 2);
    assert_eq!(run.writes().len(), 2, "{:?}", run.writes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_migration_directory_gets_its_own_comment() {
    if no_local_postgres() {
        return;
    }
    let change = [
        ("db/migrations/002_email.sql", CHANGE),
        (
            "analytics/migrations/001_events.sql",
            "CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);\n",
        ),
    ];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let comments: Vec<String> = run
        .writes()
        .into_iter()
        .filter(|(_, path, _)| path.ends_with("/issues/7/comments"))
        .map(|(_, _, body)| body["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(comments.len(), 2);
    let analytics = comments
        .iter()
        .find(|c| c.contains("## Drydock · analytics/migrations: ✅ Passed"))
        .expect("analytics comment");
    let db = comments
        .iter()
        .find(|c| c.contains("## Drydock · db/migrations: 🛑 Blocked"))
        .expect("db comment");
    assert_ne!(
        analytics.lines().next(),
        db.lines().next(),
        "each has its own marker"
    );
    assert!(!analytics.contains("drop-column") && db.contains("drop-column"));
    assert!(
        analytics.contains("added** table public.events"),
        "{analytics}"
    );
}

const DROP_USERS: &str = "DROP TABLE users;\n";

/// The bodies of the summary comments a run posted or updated.
fn summary_comments(run: &Run) -> Vec<String> {
    run.writes()
        .into_iter()
        .filter(|(_, path, _)| path.contains("/issues/"))
        .map(|(_, _, body)| body["body"].as_str().unwrap().to_string())
        .collect()
}

/// The events of the reviews a run posted.
fn review_events(run: &Run) -> Vec<String> {
    run.writes()
        .into_iter()
        .filter(|(_, path, _)| path.ends_with("/pulls/7/reviews"))
        .map(|(_, _, body)| body["event"].as_str().unwrap().to_string())
        .collect()
}

/// The pull request's own drydock.toml is not its policy: the review uses the base commit's
/// (here none, so the defaults), and says the change waits for the merge.
async fn still_blocked_with_the_pull_requests_config(config: &str, inputs: &[(&str, &str)]) {
    let change = [
        ("drydock.toml", config),
        ("db/migrations/002_drop.sql", DROP_USERS),
    ];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run(&server, repo.path(), "pull_request", "opened", inputs).await;
    assert_eq!(
        run.code(),
        Some(1),
        "{config}: {}\n{}",
        run.stdout(),
        run.stderr()
    );
    assert_eq!(review_events(&run), ["REQUEST_CHANGES"], "{config}");
    let comments = summary_comments(&run);
    assert_eq!(comments.len(), 1, "{config}: {comments:?}");
    let body = &comments[0];
    assert!(
        body.contains("## Drydock · db/migrations: 🛑 Blocked"),
        "{body}"
    );
    assert!(body.contains("`drop-table`"), "{body}");
    let notice = "This pull request adds drydock.toml; it takes effect after it is merged: this \
        review used the default configuration, as the base branch has none.";
    assert!(body.contains(notice), "{body}");
    assert!(run.summary.contains(notice), "{}", run.summary);
    assert!(run.outputs.contains("blocked=true\n"), "{}", run.outputs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_cannot_turn_off_the_rule_that_blocks_it() {
    if no_local_postgres() {
        return;
    }
    still_blocked_with_the_pull_requests_config("[rules]\ndrop-table = \"off\"\n", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_cannot_exclude_its_own_migration() {
    if no_local_postgres() {
        return;
    }
    // Named, so that the glob (relative to drydock.toml) matches the directory's paths.
    let inputs = [("directories", "db/migrations")];
    still_blocked_with_the_pull_requests_config("exclude = [\"db/migrations/**\"]\n", &inputs)
        .await;
}

/// The base commit's drydock.toml is the policy, whatever the pull request makes of it: a rule
/// the base turns off stays off when the pull request turns it back on, or deletes the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_base_commits_configuration_applies() {
    if no_local_postgres() {
        return;
    }
    let base_config = [("drydock.toml", "[rules]\ndrop-table = \"off\"\n")];
    let change = [
        ("drydock.toml", "[rules]\ndrop-table = \"error\"\n"),
        ("db/migrations/002_drop.sql", DROP_USERS),
    ];
    let (repo, base) = checkout_on(&base_config, &change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let changed = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(
        changed.code(),
        Some(0),
        "{}\n{}",
        changed.stdout(),
        changed.stderr()
    );
    // A COMMENT review for the warnings at most, no REQUEST_CHANGES.
    assert!(
        review_events(&changed).iter().all(|e| e == "COMMENT"),
        "{:?}",
        changed.writes()
    );
    let comments = summary_comments(&changed);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(!comments[0].contains("`drop-table`"), "{}", comments[0]);
    let notice = "This pull request changes drydock.toml; the change takes effect after it is \
        merged: this review used the base branch's configuration.";
    assert!(comments[0].contains(notice), "{}", comments[0]);
    assert!(changed.summary.contains(notice), "{}", changed.summary);
    assert!(
        changed.outputs.contains("blocked=false\n"),
        "{}",
        changed.outputs
    );

    // The pull request deletes drydock.toml: the base's still applies until the merge.
    fs::remove_file(repo.path().join("drydock.toml")).unwrap();
    let change = [("db/migrations/002_drop.sql", DROP_USERS)];
    mount(&server, State::new(&base, files(&change))).await;
    let deleted = run(&server, repo.path(), "pull_request", "synchronize", &[]).await;
    assert_eq!(deleted.code(), Some(0), "{}", deleted.stderr());
    let comments = summary_comments(&deleted);
    assert!(
        comments[0].contains("This pull request deletes drydock.toml"),
        "{}",
        comments[0]
    );
}

/// The `config` input names a file that is read at the base commit too: its override label
/// is the one that approves, and the pull request's edit of it waits for the merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_input_is_read_at_the_base_commit() {
    if no_local_postgres() {
        return;
    }
    let base_config = [("ci/drydock.toml", "override-label = \"ok-to-drop\"\n")];
    let change = [
        (
            "ci/drydock.toml",
            "override-label = \"ok-to-drop\"\n[rules]\ndrop-table = \"off\"\n",
        ),
        ("db/migrations/002_drop.sql", DROP_USERS),
    ];
    let (repo, base) = checkout_on(&base_config, &change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let inputs = [("config", "ci/drydock.toml")];
    let blocked = run(&server, repo.path(), "pull_request", "opened", &inputs).await;
    assert_eq!(blocked.code(), Some(1), "{}", blocked.stderr());
    assert_eq!(review_events(&blocked), ["REQUEST_CHANGES"]);
    let comments = summary_comments(&blocked);
    assert!(
        comments[0].contains("This pull request changes ci/drydock.toml"),
        "{}",
        comments[0]
    );
    assert!(
        blocked.stdout().contains("need the `ok-to-drop` label"),
        "{}",
        blocked.stdout()
    );
}

/// A drydock.toml at the base commit that does not parse stops the run (exit 2), naming the
/// file and the commit, even when the pull request fixes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_configuration_at_the_base_commit_is_an_input_error() {
    let base_config = [("drydock.toml", "[rules]\ndrop-tabel = \"off\"\n")];
    let change = [
        ("drydock.toml", "[rules]\ndrop-table = \"off\"\n"),
        ("db/migrations/002_drop.sql", DROP_USERS),
    ];
    let (repo, base) = checkout_on(&base_config, &change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(run.code(), Some(2), "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().contains(&format!("drydock.toml at {base}")),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("drop-tabel"), "{}", run.stderr());
    assert!(run.writes().is_empty(), "{:?}", run.writes());
}

/// A pull request that changes drydock.toml and no migrations: nothing to check, and the job
/// summary says the change waits for the merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_change_alone_is_announced_in_the_job_summary() {
    let base_config = [("drydock.toml", "postgres-version = 15\n")];
    let change = [("drydock.toml", "postgres-version = 16\n")];
    let (repo, base) = checkout_on(&base_config, &change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(
        run.summary.starts_with(
            "> [!NOTE]\n> This pull request changes drydock.toml; the change takes effect \
                after it is merged"
        ),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("nothing to check"), "{}", run.summary);
    assert!(
        run.stdout()
            .contains("::notice title=Drydock::This pull request changes drydock.toml"),
        "{}",
        run.stdout()
    );
}

/// A duplicate version merged long ago is not the pull request's: its comment says so once,
/// as a note, and the run passes; the pull request's own duplicate still fails it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_on_the_base_branch_is_a_note_in_the_comment_not_a_failure() {
    if no_local_postgres() {
        return;
    }
    let base_files = [
        (
            "db/migrations/005_accounts.up.sql",
            "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
        ),
        (
            "db/migrations/005_payments.up.sql",
            "CREATE TABLE payments (id bigint PRIMARY KEY);\n",
        ),
    ];
    let change = [(
        "db/migrations/006_refunds.up.sql",
        "CREATE TABLE refunds (id bigint PRIMARY KEY);\n",
    )];
    let (repo, base) = checkout_on(&base_files, &change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let passed = run(&server, repo.path(), "pull_request", "opened", &[]).await;
    assert_eq!(
        passed.code(),
        Some(0),
        "{}\n{}",
        passed.stdout(),
        passed.stderr()
    );
    let comments = summary_comments(&passed);
    assert_eq!(comments.len(), 1, "{comments:?}");
    let body = &comments[0];
    assert!(
        body.contains("## Drydock · db/migrations: ✅ Passed"),
        "{body}"
    );
    let note = "> [!NOTE]\n> Already on the base branch, so not this change's doing \
        (duplicate-version, db/migrations/005\\_payments.up.sql): version 5 is used by both \
        005\\_accounts.up.sql and 005\\_payments.up.sql";
    assert_eq!(body.matches(note).count(), 1, "{body}");
    assert!(!body.contains("`duplicate-version`"), "{body}");
    assert_eq!(
        passed.summary.matches(note).count(),
        1,
        "{}",
        passed.summary
    );
    assert!(review_events(&passed).is_empty(), "{:?}", passed.writes());

    let change = [(
        "db/migrations/005_refunds.up.sql",
        "CREATE TABLE refunds (id bigint PRIMARY KEY);\n",
    )];
    fs::remove_file(repo.path().join("db/migrations/006_refunds.up.sql")).unwrap();
    for (name, sql) in change {
        fs::write(repo.path().join(name), sql).unwrap();
    }
    mount(&server, State::new(&base, files(&change))).await;
    let failed = run(&server, repo.path(), "pull_request", "synchronize", &[]).await;
    assert_eq!(failed.code(), Some(1), "{}", failed.stderr());
    let comments = summary_comments(&failed);
    assert!(
        comments[0].contains(
            "`duplicate-version` at line 1: version 5 is used by both 005\\_accounts.up.sql \
                and 005\\_refunds.up.sql"
        ),
        "{}",
        comments[0]
    );
    assert_eq!(comments[0].matches(note).count(), 1, "{}", comments[0]);
}

/// action.yml and `drydock github` agree on every input and output name.
#[test]
fn action_yml_declares_what_drydock_github_reads_and_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = fs::read_to_string(root.join("action.yml")).unwrap();
    let source = fs::read_to_string(root.join("src/cli/github.rs")).unwrap();
    let section = |name: &str| -> Vec<String> {
        action
            .split(&format!("\n{name}:\n"))
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
            .map(|l| l.trim().trim_end_matches(':').to_string())
            .collect()
    };
    let inputs = section("inputs");
    assert_eq!(inputs.len(), 12, "{inputs:?}");
    // `version` is the install step's (scripts/install.sh), not drydock github's.
    assert!(action.contains("DRYDOCK_VERSION: ${{ inputs.version }}"));
    for name in inputs.into_iter().filter(|n| n != "version") {
        // The composite step passes each one on, as `INPUT_<NAME>` with `_` for `-`.
        assert!(
            action.contains(&format!(
                "INPUT_{}: ${{{{ inputs.{name} }}}}",
                name.to_uppercase().replace('-', "_")
            )),
            "action.yml does not pass input `{name}` to drydock github"
        );
        assert!(
            source.contains(&format!("input(\"{name}\")"))
                || source.contains(&format!("flag(\"{name}\"")),
            "action.yml declares input `{name}` that drydock github does not read"
        );
    }
    let outputs = section("outputs");
    assert_eq!(outputs.len(), 6, "{outputs:?}");
    for name in outputs {
        assert!(
            source.matches(&format!("(\"{name}\",")).count() >= 2,
            "output `{name}` is not written on every path"
        );
    }
}

/// A hostile pull request tries every route to the token: the server's and Drydock's
/// environment through `/proc`, the checkout's `.git/config` (where actions/checkout keeps it),
/// a migration committed as a link to `/proc/self/environ`, the network, and a process left
/// behind to wait for it. The token appears in no request to GitHub (but the Authorization
/// header), no comment, no summary, no report, no output; nothing is sent; nothing is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_pull_request_reaches_the_token_by_no_route() {
    if no_local_postgres() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let placeholder = [("db/migrations/002_hostile.sql", "SELECT 1;\n")];
    let (repo, base) = checkout(&placeholder);
    fs::set_permissions(repo.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // As actions/checkout leaves it.
    git(
        repo.path(),
        &[
            "config",
            "http.https://github.com/.extraheader",
            "AUTHORIZATION: basic ghs_secret-token-in-git-config",
        ],
    );
    let checkout = repo.path().canonicalize().unwrap();
    let hostile = format!(
        "CREATE TABLE leak (line text);
COPY leak FROM PROGRAM '(cat {checkout}/.git/config 2>&1; cat /proc/*/environ 2>/dev/null | tr ''\\000'' ''\\n'') | tr ''\\t\\\\'' ''  ''; true';
COPY leak FROM PROGRAM 'bash -c \"(exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo connected || echo no-network\"';
COPY (SELECT 1) TO PROGRAM 'setsid sleep 6012 >/dev/null 2>&1 < /dev/null &';
DO $$ BEGIN INSERT INTO leak VALUES (pg_read_file('{checkout}/.git/config'));
EXCEPTION WHEN others THEN INSERT INTO leak VALUES ('read refused'); END $$;
DO $$ BEGIN RAISE EXCEPTION 'leak: %', (SELECT string_agg(line, ' | ') FROM leak); END $$;
",
        checkout = checkout.display()
    );
    let migrations = repo.path().join("db/migrations");
    fs::write(migrations.join("002_hostile.sql"), &hostile).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", migrations.join("003_environ.sql")).unwrap();
    let change = [
        ("db/migrations/002_hostile.sql", hostile.as_str()),
        ("db/migrations/003_environ.sql", "/proc/self/environ"),
    ];
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let run = run_with_env(
        &server,
        repo.path(),
        "pull_request_target",
        "opened",
        &[],
        &[
            ("GITHUB_TOKEN", "ghs_secret-token"),
            ("ACTIONS_RUNTIME_TOKEN", "ghs_secret-runtime"),
        ],
    )
    .await;
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let report = fs::read_to_string(repo.path().join("drydock-report.json")).unwrap();
    assert!(
        report.contains("leak: "),
        "the hostile migration ran: {report}"
    );
    assert!(
        report.contains("invalid-file"),
        "the link was refused: {report}"
    );
    let mut places = vec![
        ("the report", report),
        ("stdout", run.stdout()),
        ("stderr", run.stderr()),
        ("the job summary", run.summary.clone()),
        ("the outputs", run.outputs.clone()),
    ];
    for request in &run.requests {
        places.push((
            "a request to GitHub",
            String::from_utf8_lossy(&request.body).into(),
        ));
    }
    for (place, text) in &places {
        assert!(
            !text.contains("ghs_secret"),
            "the token reached {place}: {text}"
        );
        assert!(
            !text.split(" | ").any(|l| l.ends_with("connected")),
            "network: {text}"
        );
    }
    assert!(listener.accept().is_err(), "the server reached the network");
    let left = Command::new("pgrep")
        .args(["-f", "sleep 6012"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "a process the migration started outlived the run"
    );
}

/// A release asset as the release workflow publishes it: `drydock-<target>.tar.gz` holding
/// `drydock` (`binary`), and its `.sha256`.
fn release_asset(binary: &Path, target: &str) -> (Vec<u8>, String) {
    use sha2::Digest;
    let t = tempfile::tempdir().unwrap();
    let packed = t.path().join("drydock");
    fs::copy(binary, &packed).unwrap();
    // The debug build is large: without its debug sections it packs in a moment.
    let _ = Command::new("strip").arg(&packed).status();
    let archive = Command::new("tar")
        .args(["--use-compress-program", "gzip -1", "-cf", "-", "-C"])
        .arg(t.path())
        .arg("drydock")
        .output()
        .unwrap();
    assert!(archive.status.success());
    let digest = sha2::Sha256::digest(&archive.stdout);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let sum = format!("{hex}  drydock-{target}.tar.gz\n");
    (archive.stdout, sum)
}

/// Serves `asset` and `sum` as release `version`'s assets for `target`.
async fn serve_release(server: &MockServer, version: &str, target: &str, asset: &[u8], sum: &str) {
    let name = format!("/{version}/drydock-{target}.tar.gz");
    Mock::given(method("GET"))
        .and(path(name.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(asset.to_vec()))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{name}.sha256")))
        .respond_with(ResponseTemplate::new(200).set_body_string(sum))
        .mount(server)
        .await;
}

/// Runs scripts/install.sh with `env` (the runner's variables), a tool cache and GITHUB_PATH of
/// `home`'s; returns its output and what it added to GITHUB_PATH.
async fn install(env: &[(&str, &str)], home: &Path) -> (Output, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    let github_path = home.join("github_path");
    let mut command = Command::new("bash");
    command
        .arg(script)
        .env("RUNNER_TOOL_CACHE", home.join("tool-cache"))
        .env("GITHUB_PATH", &github_path)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    (output, fs::read_to_string(github_path).unwrap_or_default())
}

/// The action's install step downloads the release asset for the runner's platform, checks
/// its SHA-256 and keeps it in the tool cache (the next run downloads nothing); a corrupt
/// download, a release without the asset and a platform without a binary are clear errors that
/// install nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_install_script_verifies_caches_and_refuses_what_it_cannot_trust() {
    let releases = MockServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let fake = home.path().join("fake-drydock");
    fs::write(&fake, "#!/bin/sh\necho drydock 0.1.0\n").unwrap();
    let linux = "x86_64-unknown-linux-musl";
    let (asset, sum) = release_asset(&fake, linux);
    serve_release(&releases, "v0.1.0", linux, &asset, &sum).await;
    let url = releases.uri();
    let base = [("DRYDOCK_RELEASE_URL", url.as_str())];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut env = base.to_vec();
        env.extend_from_slice(extra);
        env
    };
    let said = |out: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };

    // The version defaults to the action's own (Cargo.toml's), as for `uses: ...@v0.1.0`.
    let (out, added) = install(&with(&[]), home.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let dir = home.path().join("tool-cache/drydock/0.1.0").join(linux);
    assert_eq!(added.trim(), dir.display().to_string());
    let version = Command::new(dir.join("drydock")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&version.stdout), "drydock 0.1.0\n");
    assert_eq!(releases.received_requests().await.unwrap().len(), 2);

    let (out, _) = install(&with(&[]), home.path()).await;
    assert!(said(&out).contains("from the tool cache"), "{}", said(&out));
    assert_eq!(
        releases.received_requests().await.unwrap().len(),
        2,
        "a cached binary is not downloaded again"
    );

    // A download that does not match its checksum.
    let tampered = [asset.as_slice(), b"x"].concat();
    serve_release(&releases, "v0.1.1", linux, &tampered, &sum).await;
    let (out, added) = install(&with(&[("DRYDOCK_VERSION", "v0.1.1")]), home.path()).await;
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("checksum"), "{}", said(&out));
    assert!(!home.path().join("tool-cache/drydock/0.1.1").exists());
    assert!(!added.contains("0.1.1"), "{added}");

    // A release without the asset (GitHub answers 404).
    let (out, _) = install(&with(&[("DRYDOCK_VERSION", "v9.9.9")]), home.path()).await;
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("no release asset at"), "{}", said(&out));
    assert!(!home.path().join("tool-cache/drydock/9.9.9").exists());

    // Each platform asks for its own asset; one without a binary is refused before any request.
    let before = releases.received_requests().await.unwrap().len();
    let (out, _) = install(
        &with(&[("RUNNER_OS", "macOS"), ("RUNNER_ARCH", "ARM64")]),
        home.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let asked: Vec<String> = releases.received_requests().await.unwrap()[before..]
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        asked,
        ["/v0.1.0/drydock-aarch64-apple-darwin.tar.gz.sha256"]
    );
    let before = releases.received_requests().await.unwrap().len();
    let (out, _) = install(&with(&[("RUNNER_OS", "Windows")]), home.path()).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        said(&out).contains("no prebuilt binary for Windows X64"),
        "{}",
        said(&out)
    );
    assert_eq!(releases.received_requests().await.unwrap().len(), before);
}

/// action.yml's own steps, run as the runner runs a composite action: each step's `env`
/// evaluated from the inputs (with their defaults), its `run` under `bash -e`, GITHUB_PATH
/// carried to the next step. The install step fetches the release binary (this build, as a
/// release asset) and the review step runs it: the pull request gets its review and the step
/// outputs are set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_installs_drydock_and_reviews_through_its_own_steps() {
    if no_local_postgres() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(root.join("action.yml")).unwrap()).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let version = env!("CARGO_PKG_VERSION");
    let linux = "x86_64-unknown-linux-musl";
    let releases = MockServer::start().await;
    let (asset, sum) = release_asset(Path::new(BIN), linux);
    serve_release(&releases, &format!("v{version}"), linux, &asset, &sum).await;

    let change = [("db/migrations/002_email.sql", CHANGE)];
    let (repo, base) = checkout(&change);
    let server = MockServer::start().await;
    mount(&server, State::new(&base, files(&change))).await;
    let runner = tempfile::tempdir().unwrap();
    let event_path = runner.path().join("event.json");
    fs::write(
        &event_path,
        json!({"action": "opened", "number": 7, "pull_request": {"number": 7}}).to_string(),
    )
    .unwrap();
    let (github_path, outputs) = (runner.path().join("path"), runner.path().join("output"));
    let given = [
        ("github-token", "ghs_secret-token"),
        ("postgres", "local"),
        ("fail-on", "never"),
    ];
    let input = |name: &str| -> String {
        given
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| {
                action["inputs"][name]["default"]
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_default()
    };
    let evaluate = |value: &str| -> String {
        let inner = value
            .strip_prefix("${{")
            .and_then(|v| v.strip_suffix("}}"))
            .map(str::trim);
        match inner.and_then(|e| e.strip_prefix("inputs.")) {
            Some(name) => input(name),
            None => {
                assert!(
                    inner.is_none(),
                    "an expression this runner cannot evaluate: {value}"
                );
                value.to_string()
            }
        }
    };
    let system_path = std::env::var("PATH").unwrap();
    let mut last = None;
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        assert_eq!(step["shell"], "bash");
        let path_added: Vec<String> = fs::read_to_string(&github_path)
            .unwrap_or_default()
            .lines()
            .rev()
            .map(str::to_string)
            .collect();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
            .arg(step["run"].as_str().unwrap())
            .current_dir(repo.path())
            .env_remove("GITHUB_TOKEN")
            .env(
                "PATH",
                [path_added.join(":"), system_path.clone()].join(":"),
            )
            .env("GITHUB_ACTION_PATH", root)
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", runner.path().join("summary"))
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_API_URL", server.uri())
            .env("GITHUB_SERVER_URL", "https://github.example")
            .env("GITHUB_RUN_ID", "42")
            .env("GITHUB_WORKSPACE", repo.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", runner.path().join("tool-cache"))
            .env("DRYDOCK_RELEASE_URL", releases.uri());
        if let Some(env) = step["env"].as_mapping() {
            for (name, value) in env {
                command.env(name.as_str().unwrap(), evaluate(value.as_str().unwrap()));
            }
        }
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let name = step["name"].as_str().unwrap_or("a step").to_string();
        last = Some((name, output));
    }
    let (name, output) = last.unwrap();
    let said = format!(
        "{name}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // fail-on never: the unapproved drop alone fails the run.
    assert_eq!(output.status.code(), Some(1), "{said}");
    let requests = server.received_requests().await.unwrap();
    for request in &requests {
        check_documented(request);
    }
    assert!(
        requests
            .iter()
            .any(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/pulls/7/reviews")),
        "{said}"
    );
    let outputs = fs::read_to_string(&outputs).unwrap();
    for output in action["outputs"].as_mapping().unwrap().keys() {
        let name = output.as_str().unwrap();
        assert!(outputs.contains(&format!("{name}=")), "{name}: {outputs}");
    }
    assert!(outputs.contains("blocked=true"), "{outputs}");
    assert_eq!(releases.received_requests().await.unwrap().len(), 2);
}
