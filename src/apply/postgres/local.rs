//! The local provider: `initdb` + `postgres` from this machine, in a temp dir, listening only on a
//! unix socket inside that dir. As root (CI jobs, container actions) the server runs as the
//! `postgres` user (or `nobody`), since Postgres refuses to run as root.

use super::{Guard, Server, abandoned, owner, sandbox, wait_until_ready};
use anyhow::{Context, Result, anyhow, bail};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_postgres::Config;

/// A running cluster: stopped and deleted on drop.
pub struct Cluster {
    /// The postmaster, or in the sandbox the `unshare` process that is its parent.
    child: Child,
    sandboxed: bool,
    /// In the sandbox, its pid namespace (`pid:[inode]`), to wait until it is empty.
    pid_namespace: Option<PathBuf>,
    // Dropped after the server has stopped (field order is drop order).
    dir: tempfile::TempDir,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.sandboxed {
            // The postmaster is the init of the sandbox's pid namespace: SIGKILLed, it takes
            // every process of the namespace with it (the kernel kills them as init exits),
            // whatever a migration started, at once. Nothing of a throwaway cluster needs a
            // clean shutdown, and its directory is deleted next. `unshare --fork` then reaps
            // it and exits; killing `unshare` first would leave the reaping to the machine's
            // init, whenever it gets to it (1.6 s here), and the namespace alive till then.
            match self.namespace_init() {
                Some(init) => unsafe {
                    libc::kill(init, libc::SIGKILL);
                },
                None => {
                    let _ = self.child.kill();
                }
            }
            let _ = self.child.wait();
            for _ in 0..1000 {
                if !self.pid_namespace_has_processes() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            return;
        }
        // SIGQUIT: immediate shutdown; nothing in a throwaway cluster needs a checkpoint.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGQUIT);
        }
        for _ in 0..500 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Cluster {
    /// The host pid of the sandbox's init (the postmaster): `unshare --fork`'s one child.
    fn namespace_init(&self) -> Option<libc::pid_t> {
        let pid = self.child.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    /// Whether any process is still in the sandbox's pid namespace: the kernel kills what a
    /// migration left behind as the namespace's init exits, and Drydock waits for that before
    /// it reports.
    fn pid_namespace_has_processes(&self) -> bool {
        let Some(namespace) = &self.pid_namespace else {
            return false;
        };
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return false;
        };
        entries.flatten().any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
                && std::fs::read_link(entry.path().join("ns/pid"))
                    .ok()
                    .as_ref()
                    == Some(namespace)
        })
    }
}

const CLUSTER_PREFIX: &str = "drydock-pg-";

/// In each cluster directory: the `host/pid/start-time` of the run that made it, so that a later
/// run can tell the cluster of a SIGKILLed run (its server died with it, its files did not) from
/// one in use.
const OWNER_FILE: &str = "drydock-owner";

/// Removes the cluster directories of killed runs (on this host, in this temp directory).
/// Directories without an owner file are left alone: one may be a run starting right now.
fn sweep_abandoned() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let is_cluster = entry
            .file_name()
            .to_string_lossy()
            .starts_with(CLUSTER_PREFIX)
            && entry.file_type().is_ok_and(|t| t.is_dir());
        let Ok(owner) = std::fs::read_to_string(entry.path().join(OWNER_FILE)) else {
            continue;
        };
        if is_cluster && abandoned(owner.trim()) {
            tracing::info!(dir = %entry.path().display(), "removing a killed run's cluster");
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub async fn start() -> Result<Server> {
    let bin = find_bindir()?;
    // Through symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb).
    let bin = bin
        .join("initdb")
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or(bin);
    let run_as = unprivileged_user()?;
    sweep_abandoned();
    let dir = tempfile::Builder::new()
        .prefix(CLUSTER_PREFIX)
        .tempdir()
        .context("cannot create a temp dir for the local cluster")?;
    std::fs::write(dir.path().join(OWNER_FILE), owner())
        .context("cannot mark the local cluster as this run's")?;
    // Private to the server's user (and root): the cluster trusts whoever reaches its socket,
    // and its log holds the migrations' errors.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .context("cannot make the local cluster's temp dir private")?;
    let data = dir.path().join("data");
    let log_path = dir.path().join("server.log");
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
            .context("cannot hand the temp dir to the unprivileged user")?;
    }

    let init = server_command(&bin.join("initdb"), dir.path(), run_as)
        .args(["--username=postgres", "--auth=trust", "--no-sync"])
        .args(["--encoding=UTF8", "--locale=C"])
        .arg("-D")
        .arg(&data)
        .output()
        .with_context(|| format!("cannot run {}", bin.join("initdb").display()))?;
    if !init.status.success() {
        bail!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        );
    }

    let log = std::fs::File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&log_path)
        .context("cannot create the server log")?;
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(&log_path, Some(uid), Some(gid))?;
    }
    let mut server_args: Vec<String> = vec![
        "-D".into(),
        data.display().to_string(),
        "-k".into(),
        dir.path().display().to_string(),
    ];
    for setting in [
        "listen_addresses=",
        "unix_socket_permissions=0700",
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_wal_senders=0",
        "wal_level=minimal",
        "TimeZone=UTC",
    ] {
        server_args.extend(["-c".to_string(), setting.to_string()]);
    }
    let postgres = bin.join("postgres");
    let identity = match run_as {
        Some((uid, gid)) => sandbox::Identity::FromRoot { uid, gid },
        None => sandbox::Identity::Unprivileged {
            uid: unsafe { libc::geteuid() },
            gid: unsafe { libc::getegid() },
        },
    };
    let sandbox = sandbox::available(identity);
    let (mut command, sandbox_said) = match &sandbox {
        Ok(()) => {
            let hidden = sandbox::hidden_directories(dir.path(), &bin);
            let mut command = sandbox::command(&postgres, &server_args, identity, &hidden);
            // `unshare` ignores SIGQUIT; killed, it takes the server with it.
            guard_command(&mut command, dir.path(), None, libc::SIGKILL);
            (command, sandbox::description(identity).to_string())
        }
        Err(why) => {
            let mut command = server_command(&postgres, dir.path(), run_as);
            command.args(&server_args);
            (command, format!("no sandbox: {why}"))
        }
    };
    let child = command
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", postgres.display()))?;
    let mut cluster = Cluster {
        child,
        sandboxed: sandbox.is_ok(),
        pid_namespace: None,
        dir,
    };

    let mut config = Config::new();
    config
        .host_path(cluster.dir.path())
        .port(5432)
        .user("postgres")
        .dbname("postgres");
    wait_until_ready(&config, Duration::from_secs(30), || {
        match cluster.child.try_wait() {
            Ok(Some(status)) => Err(anyhow!(
                "postgres exited ({status}) before accepting connections: {}",
                std::fs::read_to_string(&log_path)
                    .unwrap_or_default()
                    .trim()
            )),
            _ => Ok(()),
        }
    })
    .await?;
    if cluster.sandboxed {
        // Made by now: the server in it answers.
        cluster.pid_namespace =
            std::fs::read_link(format!("/proc/{}/ns/pid_for_children", cluster.child.id())).ok();
    }
    let version = version_of(&bin);
    Ok(Server::new(
        format!(
            "local PostgreSQL {version} ({}; {sandbox_said})",
            bin.display()
        ),
        config,
        Guard::Local(cluster),
    ))
}

/// A command with a cleared environment: migration SQL can run shell commands as the server's
/// user (`COPY ... TO PROGRAM`), so nothing of Drydock's environment (tokens) may reach it.
fn server_command(program: &Path, cwd: &Path, run_as: Option<(u32, u32)>) -> Command {
    let mut command = Command::new(program);
    // SIGQUIT: the postmaster's immediate shutdown.
    guard_command(&mut command, cwd, run_as, libc::SIGQUIT);
    command
}

/// Clears `command`'s environment, runs it as `run_as` (when given), and has it die with
/// Drydock.
fn guard_command(
    command: &mut Command,
    cwd: &Path,
    run_as: Option<(u32, u32)>,
    death_signal: libc::c_int,
) {
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LC_ALL", "C")
        .current_dir(cwd)
        .stdin(Stdio::null());
    unsafe {
        command.pre_exec(move || {
            if let Some((uid, gid)) = run_as {
                // Groups first: once the uid is dropped they cannot be changed.
                if libc::setgroups(1, &gid) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // If Drydock is killed outright, the server goes with it (set after the uid
            // change, which would clear it).
            libc::prctl(libc::PR_SET_PDEATHSIG, death_signal);
            Ok(())
        });
    }
}

/// `None` when not root; else the uid and gid to run the server as.
fn unprivileged_user() -> Result<Option<(u32, u32)>> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    for name in [c"postgres", c"nobody"] {
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        if !entry.is_null() {
            let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
            return Ok(Some((uid, gid)));
        }
    }
    bail!(
        "running as root and there is no `postgres` or `nobody` user to \
            run the local server as; create one, or use --postgres docker"
    )
}

/// initdb's directory: from PATH, `pg_config --bindir`, or the newest /usr/lib/postgresql/*/bin.
pub fn find_bindir() -> Result<PathBuf> {
    find_bindir_in(
        std::env::var_os("PATH").as_deref(),
        Path::new("/usr/lib/postgresql"),
    )
}

fn find_bindir_in(path: Option<&std::ffi::OsStr>, versioned_root: &Path) -> Result<PathBuf> {
    let on_path: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    if let Some(dir) = on_path.iter().find(|d| has_server(d)) {
        return Ok(dir.clone());
    }
    if let Some(pg_config) = on_path
        .iter()
        .map(|d| d.join("pg_config"))
        .find(|p| p.is_file())
        && let Ok(out) = Command::new(pg_config).arg("--bindir").output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server(&dir) {
            return Ok(dir);
        }
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir(versioned_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versioned.sort();
    versioned.pop().map(|(_, bin)| bin).ok_or_else(|| {
        anyhow!(
            "no PostgreSQL server binaries (initdb, postgres) on PATH, from \
                `pg_config --bindir` or in {}/*/bin: install PostgreSQL (e.g. \
                `apt-get install postgresql`), or use --postgres docker or a \
                postgres:// URL",
            versioned_root.display()
        )
    })
}

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

fn version_of(bin: &Path) -> String {
    Command::new(bin.join("postgres"))
        .arg("--version")
        .env_clear()
        .output()
        .ok()
        .and_then(|o| {
            // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            let mut words = text.split_whitespace();
            words.find(|w| *w == "(PostgreSQL)")?;
            words.next().map(str::to_string)
        })
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_server_binaries_anywhere_says_what_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let err = find_bindir_in(Some(empty.path().as_os_str()), empty.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("apt-get install postgresql"), "{err}");
        assert!(err.contains("--postgres docker"), "{err}");
    }

    #[test]
    fn the_newest_versioned_directory_wins() {
        let root = tempfile::tempdir().unwrap();
        for version in ["9", "15", "13"] {
            let bin = root.path().join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("initdb"), "").unwrap();
            std::fs::write(bin.join("postgres"), "").unwrap();
        }
        let found = find_bindir_in(None, root.path()).unwrap();
        assert_eq!(found, root.path().join("15/bin"));
    }
}
