//! The throwaway Postgres: a container (testcontainers), a local cluster (initdb + postgres in a
//! temp dir) or a fresh database on an existing server. Whatever is started is torn down when the
//! [`Server`] is shut down or dropped, also on error, panic and interruption (the CLI turns
//! Ctrl-C and SIGTERM into a drop).

pub mod docker;
mod local;
mod sandbox;
mod url;

use anyhow::{Context, Result, anyhow, bail};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_postgres::{Client, Config, NoTls};

/// Which Postgres to use, as given by `--postgres` or drydock.toml.
#[derive(Clone, PartialEq, Eq)]
pub enum ProviderChoice {
    /// Docker if a daemon answers, else local binaries.
    Auto,
    Docker,
    Local,
    /// An existing server; Drydock creates (and drops) its own database on it.
    Url(String),
}

impl FromStr for ProviderChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(ProviderChoice::Auto),
            "docker" => Ok(ProviderChoice::Docker),
            "local" => Ok(ProviderChoice::Local),
            url if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(ProviderChoice::Url(url.to_string()))
            }
            other => Err(format!(
                "unknown Postgres provider `{}`: use auto, docker, local or a postgres:// URL",
                redact_url(other)
            )),
        }
    }
}

impl fmt::Debug for ProviderChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderChoice::Auto => f.write_str("auto"),
            ProviderChoice::Docker => f.write_str("docker"),
            ProviderChoice::Local => f.write_str("local"),
            ProviderChoice::Url(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// Whose privileges migrations run with on a server given by URL (`[check] url-role`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UrlRole {
    /// A role made for the run, without superuser, owner of Drydock's databases: for a server
    /// that may be shared.
    #[default]
    Throwaway,
    /// The URL's own role: for a server that is Drydock's alone (a service container), where
    /// migrations need superuser (`CREATE EXTENSION` of an untrusted extension, event triggers).
    Given,
}

/// What a started server needs to keep alive and tear down.
#[allow(clippy::large_enum_variant)] // one per run: size does not matter
enum Guard {
    Local(local::Cluster),
    Docker(docker::Container),
    Url(url::Databases),
}

/// A running Postgres that Drydock may create databases on.
pub struct Server {
    /// For people: which provider, which version; never a password.
    pub description: String,
    admin: Config,
    guard: Guard,
    next_database: AtomicUsize,
    /// The role (name, password) migrations run as, when not the admin's: the URL provider's
    /// throwaway role.
    migrator: Option<(String, String)>,
}

impl Server {
    /// Starts (or connects to) a Postgres as `choice` says.
    pub async fn start(choice: &ProviderChoice, image: &str, url_role: UrlRole) -> Result<Server> {
        let started = std::time::Instant::now();
        let server = match choice {
            ProviderChoice::Local => local::start().await?,
            ProviderChoice::Docker => docker::start(image).await?,
            ProviderChoice::Url(url) => url::start(url, url_role).await?,
            ProviderChoice::Auto => {
                if docker::daemon_answers().await {
                    match docker::start(image).await {
                        Ok(server) => server,
                        Err(docker_error) => match local::start().await {
                            Ok(server) => {
                                eprintln!(
                                    "note: the docker provider failed ({docker_error:#}); using \
                                        local PostgreSQL binaries instead"
                                );
                                server
                            }
                            Err(_) => return Err(docker_error),
                        },
                    }
                } else {
                    local::start().await.map_err(|e| {
                        e.context(
                            "no Docker daemon answers and no local PostgreSQL could be started: \
                             install Docker, or PostgreSQL server binaries (initdb, postgres), \
                             or pass --postgres postgres://... for an existing server",
                        )
                    })?
                }
            }
        };
        tracing::info!(
            server = %server.description,
            seconds = started.elapsed().as_secs_f64(),
            "postgres ready"
        );
        Ok(server)
    }

    fn new(description: String, admin: Config, guard: Guard) -> Server {
        Server {
            description,
            admin,
            guard,
            next_database: AtomicUsize::new(0),
            migrator: None,
        }
    }

    /// The role migrations run as when it is not a superuser made for them: the URL
    /// provider's throwaway role. A migration refused a privilege there was refused by
    /// Drydock's isolation, not by production.
    pub fn restricted_role(&self) -> Option<&str> {
        self.migrator.as_ref().map(|(name, _)| name.as_str())
    }

    /// Creates an empty database and returns how to connect to it.
    pub async fn create_database(&self) -> Result<Config> {
        let n = self.next_database.fetch_add(1, Ordering::Relaxed);
        let name = format!("drydock_{}_{}_{n}", std::process::id(), unique_suffix());
        if let Guard::Url(databases) = &self.guard {
            // Recorded first: a database half-created when we are interrupted is still dropped.
            databases.record(&name);
        }
        let admin = connect(&self.admin).await?;
        let owned_by = match &self.migrator {
            Some((role, _)) => format!(" OWNER \"{role}\""),
            None => String::new(),
        };
        admin
            .simple_query(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE template0{owned_by}"
            ))
            .await
            .map_err(|e| anyhow!(describe_error(&e)))
            .with_context(|| format!("cannot create a database on {}", self.description))?;
        if let Guard::Url(_) = &self.guard {
            // Whose it is: the next run on this host drops it if this one is SIGKILLed.
            let comment = owner().replace('\'', "''");
            let _ = admin
                .simple_query(&format!("COMMENT ON DATABASE \"{name}\" IS '{comment}'"))
                .await;
        }
        let mut config = self.admin.clone();
        config.dbname(&name);
        if let Some((role, password)) = &self.migrator {
            // Only the run's role may connect to it (the server may be shared).
            let _ = admin
                .simple_query(&format!("REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC"))
                .await;
            config.user(role).password(password);
        }
        Ok(config)
    }

    /// Ends the session of backend `pid` from a connection of Drydock's own: for a statement
    /// that catches the cancel (a DO block's `EXCEPTION WHEN query_canceled`) and so would run
    /// on. A terminated backend cannot catch it. Returns whether Postgres signalled it.
    pub async fn terminate_backend(&self, pid: i32) -> Result<bool> {
        let admin = connect(&self.admin).await?;
        let row = admin
            .query_one("SELECT pg_catalog.pg_terminate_backend($1)", &[&pid])
            .await
            .map_err(|e| anyhow!(describe_error(&e)))
            .with_context(|| format!("cannot end the backend {pid} on {}", self.description))?;
        Ok(row.get(0))
    }

    /// Tears the server down (or drops the databases Drydock created on it).
    pub async fn shutdown(self) {
        match self.guard {
            Guard::Local(cluster) => drop(cluster),
            Guard::Docker(container) => container.remove().await,
            Guard::Url(databases) => databases.drop_all().await,
        }
    }
}

/// Where the local provider would find PostgreSQL's server binaries, if anywhere.
pub fn local_binaries() -> Option<std::path::PathBuf> {
    local::find_bindir().ok()
}

/// Connects with a spawned connection task; errors name the server, never its password.
pub async fn connect(config: &Config) -> Result<Client> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| anyhow!(describe_error(&e)))
        .with_context(|| format!("cannot connect to {}", describe_config(config)))?;
    tokio::spawn(async move {
        // The error, if any, surfaces on the client's next query.
        let _ = connection.await;
    });
    Ok(client)
}

/// A Postgres error in one line: the server's message (with SQLSTATE) or the client's.
pub fn describe_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

/// `user@host:port/dbname`, without the password.
pub fn describe_config(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("postgres"),
        config.get_dbname().unwrap_or("postgres")
    )
}

/// A URL with its password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

/// Waits until a freshly started server accepts connections.
async fn wait_until_ready(
    config: &Config,
    timeout: Duration,
    mut still_starting: impl FnMut() -> Result<()>,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let attempt = config.connect(NoTls).await;
        match attempt {
            Ok(_) => return Ok(()),
            Err(e) => {
                still_starting()?;
                if tokio::time::Instant::now() > deadline {
                    bail!(
                        "the server did not accept connections within {}s: {}",
                        timeout.as_secs(),
                        describe_error(&e)
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:08x}")
}

/// When process `pid` started (clock ticks since boot), from /proc; `None` if it is gone.
fn process_start(pid: &str) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces: state is field 3, starttime 22.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_string)
}

pub(super) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// This process, as `host/pid/start-time`: what marks the containers and clusters it starts.
pub(super) fn owner() -> String {
    let pid = std::process::id().to_string();
    let start = process_start(&pid).unwrap_or_default();
    format!("{}/{pid}/{start}", host_name())
}

/// Started on this host by a Drydock process that no longer runs.
pub(super) fn abandoned(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, '/');
    let (Some(start), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    host == host_name() && process_start(pid).as_deref() != Some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x?sslmode=disable"),
            "postgres://app:***@db:5432/x?sslmode=disable"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        assert_eq!(
            redact_url("postgresql://u@db/x"),
            "postgresql://u@db/x",
            "no password, nothing to hide"
        );
        let err = "mysql://u:pw@h/x".parse::<ProviderChoice>().unwrap_err();
        assert!(!err.contains("pw"), "{err}");
    }
}
