//! The docker provider: a container from a configurable image, through testcontainers. Its
//! environment holds only what we set (the image's own ENV aside): nothing of Drydock's.

use super::{Guard, Server, abandoned, owner, wait_until_ready};
use anyhow::{Context, Result, anyhow};
use std::time::Duration;
use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio_postgres::Config;

/// Label on every container Drydock starts, with the starting process id as value.
pub const LABEL: &str = "dev.drydock.pid";

/// Label with `host/pid/start-time` of the starting process: a later run on the same host can
/// tell a container whose Drydock was SIGKILLed (no chance to clean up) from one in use.
pub const OWNER_LABEL: &str = "dev.drydock.owner";

/// Removes the containers of killed Drydock runs on this host.
async fn sweep_abandoned() {
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

pub struct Container(ContainerAsync<GenericImage>);

impl Container {
    pub async fn remove(self) {
        // Errors here leave nothing we could do better; testcontainers logs them.
        let _ = self.0.rm().await;
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

pub async fn start(image: &str) -> Result<Server> {
    if !daemon_answers().await {
        return Err(anyhow!(
            "no Docker daemon answers (DOCKER_HOST={}): start Docker, or use \
                --postgres local or a postgres:// URL",
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
        ));
    }
    let (name, tag) = split_image(image);
    let password = format!("dd{}", super::unique_suffix());
    let container = GenericImage::new(name, tag)
        .with_exposed_port(ContainerPort::Tcp(5432))
        .with_wait_for(WaitFor::message_on_stdout(READY))
        .with_wait_for(WaitFor::message_on_stderr(READY))
        .with_env_var("POSTGRES_USER", "postgres")
        .with_env_var("POSTGRES_PASSWORD", &password)
        .with_env_var("POSTGRES_DB", "postgres")
        .with_label(LABEL, std::process::id().to_string())
        .with_label(OWNER_LABEL, owner())
        .with_cmd([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "TimeZone=UTC",
        ])
        .with_startup_timeout(Duration::from_secs(120))
        .start();
    // Meanwhile, clear away what killed runs left.
    let (container, ()) = tokio::join!(container, sweep_abandoned());
    let container = container.map_err(|e| anyhow!("{e}")).with_context(|| {
        format!(
            "cannot start a container from the image `{image}` (is the image \
                    present or can it be pulled? set postgres-image in drydock.toml \
                    or --postgres-image to one you have)"
        )
    })?;
    let host = container.get_host().await.map_err(|e| anyhow!("{e}"))?;
    let port = container
        .get_host_port_ipv4(5432)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let mut config = Config::new();
    config
        .host(host.to_string())
        .port(port)
        .user("postgres")
        .password(password)
        .dbname("postgres");
    let container = Container(container);
    // The log line can come a moment before the port is mapped through.
    wait_until_ready(&config, Duration::from_secs(15), || Ok(())).await?;
    Ok(Server::new(
        format!("docker image {image}"),
        config,
        Guard::Docker(container),
    ))
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
