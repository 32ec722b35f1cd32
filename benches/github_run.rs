//! A whole `drydock github` run, timed: a pull request that adds one migration to a directory of
//! 300, against the mock GitHub and the local provider (initdb, apply 300 files, trace the new
//! one, diff, comment and review). Prints the median wall time of 5 runs.
//! Run: `cargo bench --bench github_run`. Target: under 5 s on the 2-core machine.

#[path = "../tests/support/mock_github.rs"]
mod mock_github;

#[path = "../tests/support/git.rs"]
mod git_support;
use git_support::git;
use mock_github::{State, files, mount};
use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: usize = 300;

/// Migration `n` of a growing shop schema: tables, foreign keys, indexes, backfills.
fn migration(n: usize) -> String {
    match n % 3 {
        0 => format!(
            "CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY \
                PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT \
                NULL DEFAULT now());\nCREATE INDEX t{n}_created_idx ON t{n} \
                (created_at);\n"
        ),
        1 => format!(
            "ALTER TABLE t{p} ADD COLUMN note text;\nCOMMENT ON TABLE t{p} \
                IS 'table {p}';\nINSERT INTO t{p} (name) SELECT 'n' || g FROM \
                generate_series(1, 20) g;\n",
            p = n - 1
        ),
        _ => format!(
            "CREATE TABLE c{n} (id bigint PRIMARY KEY, parent bigint \
                REFERENCES t{p} (id), amount numeric(12,2) CHECK (amount >= \
                0));\nCREATE VIEW v{n} AS SELECT id, amount FROM c{n} WHERE \
                amount > 0;\n",
            p = n - 2
        ),
    }
}

fn main() {
    if drydock::apply::postgres::local_binaries().is_none() {
        eprintln!(
            "github_run: no PostgreSQL server binaries; install PostgreSQL to run this bench"
        );
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path().join("db/migrations");
    fs::create_dir_all(&dir).unwrap();
    for n in 0..FILES {
        fs::write(dir.join(format!("{:04}_step.sql", n + 1)), migration(n)).unwrap();
    }
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    let base = git(repo.path(), &["rev-parse", "HEAD"]);
    let new_file = format!("db/migrations/{:04}_orders.sql", FILES + 1);
    let sql = "SET lock_timeout = '2s';\nCREATE TABLE orders (id bigint \
        PRIMARY KEY, t0 bigint REFERENCES t0 (id));\nCREATE INDEX \
        orders_t0_idx ON orders (t0);\nALTER TABLE t3 ADD COLUMN flag \
        boolean NOT NULL DEFAULT false;\n";
    fs::write(repo.path().join(&new_file), sql).unwrap();
    let change = [(new_file.as_str(), sql)];

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        mount(&server, State::new(&base, files(&change))).await;
        server
    });
    let event = repo.path().join("event.json");
    fs::write(
        &event,
        r#"{"action": "synchronize", "number": 7, "pull_request": {"number": 7}}"#,
    )
    .unwrap();

    // `cargo bench` passes --bench; under `cargo test --all-targets` one run is a smoke test.
    let runs = if std::env::args().any(|a| a == "--bench") {
        5
    } else {
        1
    };
    let mut times: Vec<Duration> = Vec::new();
    for run in 1..=runs {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_drydock"))
            .arg("github")
            .current_dir(repo.path())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", mock_github::REPO)
            .env("GITHUB_API_URL", server.uri())
            .env("GITHUB_WORKSPACE", repo.path())
            .env("INPUT_GITHUB-TOKEN", "bench-token")
            .env("INPUT_POSTGRES", "local")
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "run {run}: {:.2} s (exit {:?})",
            elapsed.as_secs_f64(),
            out.status.code()
        );
        times.push(elapsed);
    }
    let requests = runtime.block_on(server.received_requests()).unwrap();
    let comments = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/issues/7/comments"))
        .count();
    assert_eq!(comments, runs, "each run posts its summary comment");
    times.sort();
    println!(
        "drydock github, {} files + 1 new, local provider, mock GitHub: \
            median {:.2} s of {runs} (target < 5 s)",
        FILES,
        times[times.len() / 2].as_secs_f64()
    );
}
