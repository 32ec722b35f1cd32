//! The ways people install Drydock outside the action, each with the real tool, from a clean
//! copy of this checkout: the Python wheel (maturin, then pip into a virtualenv, as pipx and uvx
//! install it), the pre-commit hooks (the real `pre-commit` on a sample repository, with the
//! copy as its hook repository), and `cargo install`. Builds share this test run's target
//! directory with the dev profile, so only the drydock crate itself is compiled again.

#[path = "support/git.rs"]
mod git_support;
#[path = "support/prerequisites.rs"]
#[allow(dead_code)]
mod prerequisites;
use git_support::git;
use prerequisites::missing;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The versions the test installs from PyPI.
const MATURIN: &str = "maturin==1.16.0";
const PRE_COMMIT: &str = "pre-commit==4.7.0";

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(command: &mut Command) -> Output {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{command:?}: {}", said(&out));
    out
}

/// The target directory of this test run (CARGO_TARGET_TMPDIR is `<target>/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A copy of the checkout's files (tracked and new, not ignored ones such as `target/`),
/// committed in a repository of its own: what a user clones.
fn clean_copy(to: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = run(Command::new("git").current_dir(root).args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ]));
    let _ = fs::remove_dir_all(to);
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).unwrap();
        let from = root.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let copy = to.join(name);
        fs::create_dir_all(copy.parent().unwrap()).unwrap();
        fs::copy(&from, &copy).unwrap();
    }
    git(to, &["init", "-q", "-b", "main"]);
    git(to, &["add", "."]);
    git(to, &["commit", "-q", "-m", "drydock"]);
}

#[test]
fn drydock_installs_as_a_wheel_a_pre_commit_hook_and_with_cargo_install() {
    let has_venv = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_venv && missing("python3 with venv (for the wheel and pre-commit)") {
        return;
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packaging");
    fs::create_dir_all(&work).unwrap();
    let source = work.join("drydock");
    clean_copy(&source);
    let tools = work.join("tools");
    if !tools.join("bin/pre-commit").exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&tools));
        run(Command::new(tools.join("bin/pip")).args(["install", "-q", MATURIN, PRE_COMMIT]));
    }
    let version = env!("CARGO_PKG_VERSION");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/migrations");

    // The wheel: built by maturin, installed by pip, its `drydock` on the virtualenv's PATH.
    let wheels = work.join("wheels");
    let _ = fs::remove_dir_all(&wheels);
    run(Command::new(tools.join("bin/maturin"))
        .args(["build", "--profile", "dev", "--out"])
        .arg(&wheels)
        .current_dir(&source)
        .env("CARGO_TARGET_DIR", target_dir()));
    let wheel = fs::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("maturin wrote a wheel");
    let name = wheel.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with(&format!("drydock-{version}-py3-none-")),
        "{name}"
    );
    let user = work.join("user-venv");
    let _ = fs::remove_dir_all(&user);
    run(Command::new("python3").arg("-m").arg("venv").arg(&user));
    run(Command::new(user.join("bin/pip"))
        .args(["install", "-q", "--no-index"])
        .arg(&wheel));
    let out = run(Command::new(user.join("bin/drydock")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("drydock {version}")
    );
    let lint = Command::new(user.join("bin/drydock"))
        .arg("lint")
        .arg(&example)
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(1), "{}", said(&lint));
    assert!(said(&lint).contains("create-index-without-concurrently"));

    // `cargo install` from the checkout, as its README line says.
    let root = work.join("cargo-root");
    let _ = fs::remove_dir_all(&root);
    run(Command::new(env!("CARGO"))
        .args(["install", "--locked", "--debug", "--path"])
        .arg(&source)
        .arg("--root")
        .arg(&root)
        .env("CARGO_TARGET_DIR", target_dir()));
    let out = run(Command::new(root.join("bin/drydock")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("drydock {version}")
    );

    // The pre-commit hook: a team's repository names the copy as its hook repository; pre-commit
    // installs it (pip, which builds it with maturin) and runs it on the staged migrations.
    let rev = git(&source, &["rev-parse", "HEAD"]);
    let sample = work.join("sample");
    let _ = fs::remove_dir_all(&sample);
    fs::create_dir_all(sample.join("db/migrations")).unwrap();
    fs::write(
        sample.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: drydock-lint\n",
            source.display()
        ),
    )
    .unwrap();
    fs::write(
        sample.join("db/migrations/001_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    )
    .unwrap();
    git(&sample, &["init", "-q", "-b", "main"]);
    git(&sample, &["add", "."]);
    let pre_commit = |args: &[&str]| {
        Command::new(tools.join("bin/pre-commit"))
            .args(args)
            .current_dir(&sample)
            .env("PRE_COMMIT_HOME", work.join("pre-commit-home"))
            // The hook's build: the dev profile, in this run's target directory.
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .unwrap()
    };
    let clean = pre_commit(&["run"]);
    assert_eq!(clean.status.code(), Some(0), "{}", said(&clean));
    assert!(said(&clean).contains("drydock lint"), "{}", said(&clean));
    fs::write(
        sample.join("db/migrations/002_email.sql"),
        "CREATE INDEX users_email_idx ON users (email);\n",
    )
    .unwrap();
    git(&sample, &["add", "db/migrations/002_email.sql"]);
    let flagged = pre_commit(&["run"]);
    assert_eq!(flagged.status.code(), Some(1), "{}", said(&flagged));
    assert!(
        said(&flagged).contains("create-index-without-concurrently"),
        "{}",
        said(&flagged)
    );
}
