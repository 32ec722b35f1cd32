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
//!   actions/checkout keeps the token) and the runner's files cannot be read.
//!
//! Who makes the namespaces depends on who Drydock is ([`Identity`]). As root (CI in a
//! container), the host's: the server then drops to the `postgres` (or `nobody`) user. As
//! anyone else (a GitHub-hosted runner's `runner`, a laptop), a user namespace of Drydock's own
//! makes the others, where the kernel allows unprivileged user namespaces: the server keeps
//! Drydock's uid on the host, but inside it sees neither Drydock's processes nor the hidden
//! directories, and holds no capability outside. PostgreSQL refuses to run as root, also as
//! the root of a user namespace, so the server runs in a second, nested user namespace under
//! Drydock's own uid.
//!
//! It needs util-linux's `unshare` and `setpriv`, and a kernel or container that allows the
//! namespaces; where any of that is missing the server runs as before (its own user when
//! Drydock is root, cleared environment) and the provider's description says the sandbox is
//! off and why.

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

/// Who the server runs as, and so who makes the namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Drydock is root: the host's namespaces; the server drops to this uid and gid.
    FromRoot { uid: u32, gid: u32 },
    /// Drydock is not root: a user namespace of its own, the server under Drydock's uid and
    /// gid (these).
    Unprivileged { uid: u32, gid: u32 },
}

/// The arguments of the outer `unshare`, which makes the namespaces.
fn unshare_args(identity: Identity) -> Vec<&'static str> {
    let mut args = Vec::new();
    if matches!(identity, Identity::Unprivileged { .. }) {
        args.extend(["--user", "--map-root-user"]);
    }
    args.extend(UNSHARE_ARGS);
    args
}

/// The command, run by the sandbox's shell, that drops from the namespace's root to the
/// server's user, then runs `program` (dying with the sandbox's first process).
fn drop_to_server_user(identity: Identity) -> String {
    match identity {
        Identity::FromRoot { uid, gid } => {
            format!("{SETPRIV} --reuid={uid} --regid={gid} --clear-groups --pdeathsig SIGQUIT --")
        }
        Identity::Unprivileged { uid, gid } => format!(
            "{UNSHARE} --user --map-user={uid} --map-group={gid} -- {SETPRIV} --pdeathsig \
            SIGQUIT --"
        ),
    }
}

/// Whether the sandbox can be used here; `Err` says why not, for the provider's description.
pub fn available(identity: Identity) -> Result<(), String> {
    for tool in [UNSHARE, SETPRIV] {
        if !Path::new(tool).is_file() {
            return Err(format!("{tool} is not installed (util-linux)"));
        }
    }
    let script = format!("exec {} /bin/true", drop_to_server_user(identity));
    let probe = Command::new(UNSHARE)
        .args(unshare_args(identity))
        .args(["--", "/bin/sh", "-c", &script])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{UNSHARE} cannot run: {e}"))?;
    if !probe.status.success() {
        let refusal = String::from_utf8_lossy(&probe.stderr).trim().to_string();
        return Err(match identity {
            Identity::FromRoot { .. } => {
                format!("the kernel or container refuses the namespaces ({refusal})")
            }
            Identity::Unprivileged { .. } => format!(
                "the kernel or container refuses unprivileged user namespaces ({refusal}); \
                run Drydock as root, or allow them (sysctl kernel.unprivileged_userns_clone=1, \
                or on Ubuntu 24.04 kernel.apparmor_restrict_unprivileged_userns=0)"
            ),
        });
    }
    Ok(())
}

/// What the sandbox in force is, for people.
pub fn description(identity: Identity) -> &'static str {
    match identity {
        Identity::FromRoot { .. } => {
            "sandbox: own pid, network and mount namespaces; checkout and home directories \
            hidden"
        }
        Identity::Unprivileged { .. } => {
            "sandbox: own pid, network and mount namespaces in a user namespace of its own \
            (unprivileged); checkout and home directories hidden"
        }
    }
}

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

/// The command that runs `program args` in the sandbox as `identity` says. Covers `hidden`
/// with empty tmpfs mounts first. The server gets SIGQUIT (immediate shutdown) when the
/// `unshare` parent dies, and everything in its pid namespace dies with it.
pub fn command(program: &Path, args: &[String], identity: Identity, hidden: &[PathBuf]) -> Command {
    let mut script = String::from("set -e\n");
    for dir in hidden {
        script.push_str(&format!(
            "/bin/mount -t tmpfs -o size=64k,mode=0755 drydock-hidden {}\n",
            quote(&dir.display().to_string())
        ));
    }
    script.push_str(&format!(
        "exec {} {}",
        drop_to_server_user(identity),
        quote(&program.display().to_string())
    ));
    for arg in args {
        script.push(' ');
        script.push_str(&quote(arg));
    }
    let mut command = Command::new(UNSHARE);
    command
        .args(unshare_args(identity))
        .args(["--", "/bin/sh", "-c", &script]);
    command
}

/// `text` as one shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
