//! The docker provider: a container from a configurable image, through testcontainers. Its
//! environment holds only what we set (the image's own ENV aside): nothing of Drydock's.

use super::{Guard, Server, abandoned, owner, wait_until_ready};
use anyhow::{Context, Result, anyhow};
use std::time::Duration;
use testcontainers::core::{ContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio_postgres::Config;

/// Label on every container Drydock starts, with the starting process id as value.
pub const LABEL: &str = "dev.drydock.pid";

/// Label with `host/pid/start-time` of the starting process: a later run on the same host can
/// tell a container whose Drydock was SIGKILLed (no chance to clean up) from one in use.
pub const OWNER_LABEL: &str = "dev.drydock.owner";

/// In each socket directory: the `host/pid/start-time` of the run that made it.
const OWNER_FILE: &str = "drydock-owner";

/// Removes the containers of killed Drydock runs on this host, and their socket directories.
async fn sweep_abandoned() {
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            let named = entry
                .file_name()
                .to_string_lossy()
                .starts_with("drydock-docker-");
            if named
                && entry.file_type().is_ok_and(|t| t.is_dir())
                && std::fs::read_to_string(entry.path().join(OWNER_FILE))
                    .is_ok_and(|owner| abandoned(owner.trim()))
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    use testcontainers::bollard::query_parameters::{
        ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    };
    let Ok(docker) = testcontainers::bollard::Docker::connect_with_defaults() else {
        return;
    };
    let filters = std::collections::HashMap::from([("label", vec![OWNER_LABEL])]);
    let listed = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await;
    for container in listed.unwrap_or_default() {
        let owner = container
            .labels
            .as_ref()
            .and_then(|labels| labels.get(OWNER_LABEL))
            .cloned()
            .unwrap_or_default();
        if let (true, Some(id)) = (abandoned(&owner), container.id) {
            tracing::info!(container = %id, owner, "removing the container of a killed run");
            let _ = docker
                .remove_container(
                    &id,
                    Some(
                        RemoveContainerOptionsBuilder::new()
                            .force(true)
                            .v(true)
                            .build(),
                    ),
                )
                .await;
        }
    }
}

const READY: &str = "database system is ready to accept connections";

/// Where the isolated container's server also puts its socket, inside the container.
const SOCKET_MOUNT: &str = "/var/run/drydock";

pub struct Container {
    container: ContainerAsync<GenericImage>,
    /// The private directory the isolated container's socket is reached through; removed
    /// after the container.
    socket_directory: Option<tempfile::TempDir>,
}

impl Container {
    pub async fn remove(self) {
        // Errors here leave nothing we could do better; testcontainers logs them.
        let _ = self.container.rm().await;
        drop(self.socket_directory);
    }
}

/// Whether a Docker daemon answers on the configured socket (DOCKER_HOST or the default).
pub async fn daemon_answers() -> bool {
    let Ok(docker) = testcontainers::bollard::Docker::connect_with_defaults() else {
        return false;
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(3), docker.ping()).await,
        Ok(Ok(_))
    )
}

/// How Drydock reaches the container's server, and so what the migrations can reach.
enum Reach {
    /// `--network none`: the container has no interface but loopback, so nothing a migration
    /// runs (`COPY ... TO PROGRAM`, an extension) can send anything anywhere. Drydock connects
    /// to the server's unix socket through a directory of the host bind-mounted into the
    /// container: `socket/` (0777, so that the server's uid, whatever the image and the user
    /// namespace map it to, can create its socket) inside a directory only Drydock's user can
    /// enter (0700). That works where the daemon shares this machine's kernel and files.
    Socket(tempfile::TempDir),
    /// Docker's default bridge with the port published on the host, where the socket cannot
    /// be shared (why, said in the output): the daemon is elsewhere (DOCKER_HOST=tcp://) or in
    /// a virtual machine (Docker Desktop). Not isolated from the network.
    Port(String),
}

/// Why the container's socket cannot be shared with this machine, if it cannot.
fn socket_refused() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some(
            "the Docker daemon runs in a virtual machine on this system, where a unix socket \
                cannot be shared with the host"
                .into(),
        );
    }
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() && !host.starts_with("unix://") => Some(format!(
            "the Docker daemon is not on this machine (DOCKER_HOST={})",
            super::redact_url(&host)
        )),
        _ => None,
    }
}

/// Why the daemon cannot mount this machine's directories, when its host is not this one (a
/// container that was given the host's Docker socket, a VM): a bind mount names a path on the
/// daemon's machine.
async fn daemon_elsewhere() -> Option<String> {
    let docker = testcontainers::bollard::Docker::connect_with_defaults().ok()?;
    let name = tokio::time::timeout(Duration::from_secs(3), docker.info())
        .await
        .ok()?
        .ok()?
        .name?;
    (name != super::host_name()).then(|| {
        format!(
            "the Docker daemon runs on `{name}`, whose directories are not this machine's (is \
                Drydock in a container?)"
        )
    })
}

fn socket_directory() -> Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let private = tempfile::Builder::new()
        .prefix("drydock-docker-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .context("cannot create a directory for the container's socket")?;
    // Whose it is: the next run removes it if this one is SIGKILLed ([`sweep_abandoned`]).
    std::fs::write(private.path().join(OWNER_FILE), owner())
        .context("cannot mark the container's socket directory as this run's")?;
    let socket = private.path().join("socket");
    std::fs::create_dir(&socket)
        .and_then(|()| std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)))
        .with_context(|| format!("cannot create {}", socket.display()))?;
    Ok(private)
}

pub async fn start(image: &str) -> Result<Server> {
    if !daemon_answers().await {
        return Err(anyhow!(
            "no Docker daemon answers (DOCKER_HOST={}): start Docker, or use \
                --postgres local or a postgres:// URL",
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
        ));
    }
    let reach = match socket_refused().or(daemon_elsewhere().await) {
        Some(why) => Reach::Port(why),
        None => match socket_directory() {
            Ok(directory) => Reach::Socket(directory),
            Err(e) => Reach::Port(format!("{e:#}")),
        },
    };
    // Meanwhile, clear away what killed runs left.
    let (started, ()) = tokio::join!(start_reached(image, reach), sweep_abandoned());
    started
}

/// Starts the container as `reach` says, falling back to a published port when the shared
/// socket does not show up on this side (a daemon in a VM that DOCKER_HOST does not reveal).
async fn start_reached(image: &str, reach: Reach) -> Result<Server> {
    match start_container(image, reach).await? {
        Ok(server) => Ok(server),
        Err(why) => match start_container(image, Reach::Port(why)).await? {
            Ok(server) => Ok(server),
            Err(why) => Err(anyhow!(why)),
        },
    }
}

/// The server, or (when its shared socket cannot be reached) why not; errors for a container
/// that does not start.
async fn start_container(image: &str, reach: Reach) -> Result<Result<Server, String>> {
    let (name, tag) = split_image(image);
    let password = format!("dd{}", super::unique_suffix());
    let mut args = vec![
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "TimeZone=UTC",
    ];
    let socket_arg = format!("unix_socket_directories=/var/run/postgresql,{SOCKET_MOUNT}");
    if let Reach::Socket(_) = reach {
        args.extend(["-c", socket_arg.as_str()]);
    }
    let mut definition = GenericImage::new(name, tag)
        .with_wait_for(WaitFor::message_on_stdout(READY))
        .with_wait_for(WaitFor::message_on_stderr(READY));
    if let Reach::Port(_) = reach {
        definition = definition.with_exposed_port(ContainerPort::Tcp(5432));
    }
    let request = definition
        .with_env_var("POSTGRES_USER", "postgres")
        .with_env_var("POSTGRES_PASSWORD", &password)
        .with_env_var("POSTGRES_DB", "postgres")
        .with_label(LABEL, std::process::id().to_string())
        .with_label(OWNER_LABEL, owner())
        .with_cmd(args)
        // No setuid program in the image can give a migration's process root back.
        .with_security_opt("no-new-privileges:true")
        .with_startup_timeout(Duration::from_secs(120));
    let request = match &reach {
        Reach::Socket(directory) => request.with_network("none").with_mount(Mount::bind_mount(
            directory.path().join("socket").display().to_string(),
            SOCKET_MOUNT,
        )),
        Reach::Port(_) => request,
    };
    let container = request
        .start()
        .await
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| {
            format!(
                "cannot start a container from the image `{image}` (is the image \
                    present or can it be pulled? set postgres-image in drydock.toml \
                    or --postgres-image to one you have)"
            )
        })?;
    let mut config = Config::new();
    config
        .user("postgres")
        .password(password)
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(10));
    let (socket_directory, isolation) = match reach {
        Reach::Socket(directory) => {
            config.host_path(directory.path().join("socket")).port(5432);
            (
                Some(directory),
                "sandbox: no network, reached through a private socket directory; no mounts \
                    of the checkout"
                    .to_string(),
            )
        }
        Reach::Port(why) => {
            let host = container.get_host().await.map_err(|e| anyhow!("{e}"))?;
            let port = container
                .get_host_port_ipv4(5432)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            config.host(host.to_string()).port(port);
            (
                None,
                format!("network not isolated (Docker's default bridge): {why}"),
            )
        }
    };
    let shared_socket = socket_directory.is_some();
    let container = Container {
        container,
        socket_directory,
    };
    // The log line can come a moment before the port is mapped through (or the socket shows
    // through the mount).
    let patience = Duration::from_secs(if shared_socket { 5 } else { 15 });
    if let Err(e) = wait_until_ready(&config, patience, || Ok(())).await {
        container.remove().await;
        if shared_socket {
            return Ok(Err(format!(
                "the server's socket could not be reached through the directory shared with \
                    the container ({e:#}; is the daemon in a virtual machine?)"
            )));
        }
        return Err(e);
    }
    if let Some(directory) = &container.socket_directory {
        // The server has made its socket: from now on the directory is Drydock's alone, or a
        // migration (`COPY ... TO PROGRAM`, as the server's uid) could replace the socket with
        // a link to another server's on this machine, which Drydock's next connection would
        // follow out of the sandbox.
        use std::os::unix::fs::PermissionsExt;
        let socket = directory.path().join("socket");
        if let Err(e) = std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o755)) {
            container.remove().await;
            return Err(anyhow!(
                "cannot close {} to the container: {e}",
                socket.display()
            ));
        }
    }
    Ok(Ok(Server::new(
        format!("docker image {image} ({isolation})"),
        config,
        Guard::Docker(container),
    )))
}

/// Images that ship an extension the official image does not, by the extension's name, as
/// `(extension, image)` with `{v}` for the major version. These are the images each project
/// publishes itself on Docker Hub.
const IMAGES_WITH_EXTENSIONS: &[(&str, &str)] = &[
    ("vector", "pgvector/pgvector:pg{v}"),
    ("postgis", "postgis/postgis:{v}-3.5"),
    ("postgis_raster", "postgis/postgis:{v}-3.5"),
    ("postgis_topology", "postgis/postgis:{v}-3.5"),
    ("postgis_tiger_geocoder", "postgis/postgis:{v}-3.5"),
    ("address_standardizer", "postgis/postgis:{v}-3.5"),
    ("timescaledb", "timescale/timescaledb:latest-pg{v}"),
];

/// An image that has `extension` at `major`, when Drydock knows one.
pub fn image_with_extension(extension: &str, major: u32) -> Option<String> {
    IMAGES_WITH_EXTENSIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(extension))
        .map(|(_, image)| image.replace("{v}", &major.to_string()))
}

/// The image the docker provider uses when none is named: production's major version
/// (`postgres-version`), from the image of the first extension the migrations create that the
/// official image lacks, else the official image.
pub fn default_image(major: u32, extensions: &[String]) -> String {
    extensions
        .iter()
        .find_map(|e| image_with_extension(e, major))
        .unwrap_or_else(|| format!("postgres:{major}"))
}

/// `postgres:17` → (`postgres`, `17`); a registry port is not a tag.
fn split_image(image: &str) -> (String, String) {
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => (
            image[..last_slash + colon].to_string(),
            image[last_slash + colon + 1..].to_string(),
        ),
        None => (image.to_string(), "latest".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::{default_image, split_image};

    #[test]
    fn the_default_image_follows_the_version_and_the_extensions() {
        assert_eq!(default_image(15, &[]), "postgres:15");
        let created = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(default_image(16, &created(&["pgcrypto"])), "postgres:16");
        assert_eq!(
            default_image(17, &created(&["pgcrypto", "vector"])),
            "pgvector/pgvector:pg17"
        );
        assert_eq!(
            default_image(17, &created(&["PostGIS"])),
            "postgis/postgis:17-3.5"
        );
    }

    #[test]
    fn image_names_split_at_the_tag() {
        assert_eq!(split_image("postgres:17"), ("postgres".into(), "17".into()));
        assert_eq!(
            split_image("registry:5000/team/pg"),
            ("registry:5000/team/pg".into(), "latest".into())
        );
        assert_eq!(
            split_image("registry:5000/team/pg:15-alpine"),
            ("registry:5000/team/pg".into(), "15-alpine".into())
        );
    }
}
