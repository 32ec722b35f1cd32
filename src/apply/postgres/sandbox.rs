//! The local server's sandbox: migration SQL runs as a superuser and can start programs
//! (`COPY ... TO PROGRAM`) and read files (`pg_read_file`), so the server the local provider
//! starts runs, where the machine allows it, in namespaces of its own:
//!
//! - a pid namespace with the postmaster as its init: what a migration starts (even
//!   `setsid sleep 601 &`) dies with the server, and `/proc` shows no process of the runner's,
//!   so nothing reads Drydock's `/proc/PID/environ`;
//! - a network namespace with no interface up: nothing is sent anywhere (the server listens on
//!   its unix socket only, which is a file, reachable from outside the namespace);
//! - a mount namespace in which the checkout, the home directories and the runner's
//!   directories are covered by empty tmpfs mounts: the repository's `.git/config` (where
//!   actions/checkout keeps the token) and the runner's files cannot be read;
//! - under the `postgres` (or `nobody`) user, not Drydock's.
//!
//! It needs root (the CI case) and util-linux's `unshare` and `setpriv`, and a kernel or
//! container that allows the namespaces; where any of that is missing the server runs as before
//! (its own user, cleared environment) and the provider's description says the sandbox is off
//! and why.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const UNSHARE: &str = "/usr/bin/unshare";
const SETPRIV: &str = "/usr/bin/setpriv";
const UNSHARE_ARGS: &[&str] = &[
    "--pid",
    "--fork",
    "--mount-proc",
    "--net",
    "--mount",
    "--propagation",
    "private",
];

/// Whether the sandbox can be used here; `Err` says why not, for the provider's description.
pub fn available() -> Result<(), String> {
    for tool in [UNSHARE, SETPRIV] {
        if !Path::new(tool).is_file() {
            return Err(format!("{tool} is not installed (util-linux)"));
        }
    }
    let probe = Command::new(UNSHARE)
        .args(UNSHARE_ARGS)
        .args(["--", "/bin/true"])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{UNSHARE} cannot run: {e}"))?;
    if !probe.status.success() {
        return Err(format!(
            "the kernel or container refuses the namespaces ({})",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    Ok(())
}

/// What the sandbox in force is, for people.
pub const DESCRIPTION: &str = "sandbox: own pid, network and mount namespaces; checkout and \
                               home directories hidden";

/// The directories the server must not see: the checkout (the current directory's repository),
/// the home directories and the GitHub runner's, except any that holds the cluster or the
/// server binaries (covering it would hide them from the server too).
pub fn hidden_directories(cluster: &Path, bin: &Path) -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = ["/root", "/home", "/github", "/__w", "/srv"]
        .iter()
        .map(PathBuf::from)
        .collect();
    for var in [
        "HOME",
        "GITHUB_WORKSPACE",
        "RUNNER_TEMP",
        "RUNNER_TOOL_CACHE",
    ] {
        if let Some(value) = std::env::var_os(var) {
            candidates.push(PathBuf::from(value));
        }
    }
    if let Some(checkout) =
        crate::plan::git::repository_root().or_else(|| std::env::current_dir().ok())
    {
        candidates.push(checkout);
    }
    let needed: Vec<PathBuf> = [cluster, bin]
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut hidden: Vec<PathBuf> = candidates
        .into_iter()
        .filter_map(|p| p.canonicalize().ok())
        .filter(|p| p.is_dir() && p != Path::new("/"))
        .filter(|p| !needed.iter().any(|n| n.starts_with(p)))
        .collect();
    hidden.sort();
    hidden.dedup();
    hidden
}

/// The command that runs `program args` in the sandbox as `uid:gid`. Covers `hidden` with empty
/// tmpfs mounts first. The server gets SIGQUIT (immediate shutdown) when the `unshare` parent
/// dies, and everything in its pid namespace dies with it.
pub fn command(program: &Path, args: &[String], run_as: (u32, u32), hidden: &[PathBuf]) -> Command {
    let mut script = String::from("set -e\n");
    for dir in hidden {
        script.push_str(&format!(
            "/bin/mount -t tmpfs -o size=64k,mode=0755 drydock-hidden {}\n",
            quote(&dir.display().to_string())
        ));
    }
    let (uid, gid) = run_as;
    script.push_str(&format!(
        "exec {SETPRIV} --reuid={uid} --regid={gid} --clear-groups --pdeathsig SIGQUIT -- {}",
        quote(&program.display().to_string())
    ));
    for arg in args {
        script.push(' ');
        script.push_str(&quote(arg));
    }
    let mut command = Command::new(UNSHARE);
    command
        .args(UNSHARE_ARGS)
        .args(["--", "/bin/sh", "-c", &script]);
    command
}

/// `text` as one shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
