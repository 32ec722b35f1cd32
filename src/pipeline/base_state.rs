//! When the base state cannot be built: a migration already on the base branch (merged, and
//! deployed by the project) fails on the throwaway server. That is the environment's doing (a
//! server without the project's extension, an older major version than production's), never
//! the change's, so it is not a finding of the change but an outcome of its own: the run ends
//! with exit code 2 and says what to change, and the change's static findings are still
//! reported, marked as not applied.
//!
//! The same holds for a migration of the change that the URL provider's throwaway role is
//! refused a privilege for (SQLSTATE 42501): Drydock's isolation refused it, not production.

use crate::apply::postgres::ProviderChoice;
use crate::apply::postgres::docker::image_with_extension;
use crate::apply::{ApplyFailure, ApplyFailureKind, FailureCause};
use serde::Serialize;

/// Why one directory's base state could not be built, and what to change.
#[derive(Debug, Clone, Serialize)]
pub struct BaseUnbuilt {
    /// The migration on the base branch that failed, and where.
    pub file: String,
    pub line: usize,
    /// What went wrong, as Postgres said it.
    pub error: String,
    /// What to change so that the server can build the base: an image with the extension, a
    /// server of production's version.
    pub help: String,
    /// The migration is on the base branch (else it is the change's, refused a privilege by
    /// the throwaway role).
    pub on_base: bool,
}

impl BaseUnbuilt {
    /// What could not be done, as a sentence's start: `could not build the base state of
    /// db/migrations: 001.sql:3 (already on the base branch) fails on the throwaway server`.
    pub fn what(&self, directory: &str) -> String {
        if self.on_base {
            format!(
                "could not build the base state of {directory}: {}:{} (already on the base \
                    branch) fails on the throwaway server",
                self.file, self.line
            )
        } else {
            format!(
                "could not check {directory}: {}:{} is refused a privilege on the throwaway \
                    server",
                self.file, self.line
            )
        }
    }
}

/// What Drydock knows of the server and the configuration, to say what to change.
pub struct Environment<'a> {
    pub provider: &'a ProviderChoice,
    /// An image was named (`postgres-image`, `--postgres-image`).
    pub image_named: bool,
    /// The server's major version, when it was read.
    pub server_major: Option<u32>,
    /// Production's major version (`postgres-version`).
    pub postgres_version: u32,
    /// The role migrations ran as when it is one without superuser that Drydock made (the URL
    /// provider's throwaway role).
    pub restricted_role: Option<&'a str>,
}

/// The failure of a migration already on the base branch, as this outcome; `None` for any
/// other failure (those are findings of the change).
pub fn diagnose(failure: &ApplyFailure, env: &Environment) -> Option<BaseUnbuilt> {
    let ApplyFailureKind::Statement { cause, base, .. } = &failure.kind else {
        return None;
    };
    let refused_role = match cause {
        FailureCause::Rejected { sqlstate, .. } if sqlstate == "42501" => env.restricted_role,
        _ => None,
    };
    if !base && refused_role.is_none() {
        return None;
    }
    let error = match cause {
        FailureCause::Rejected {
            sqlstate,
            message,
            detail,
            ..
        } => match detail {
            Some(detail) => format!("{message} ({detail}; SQLSTATE {sqlstate})"),
            None => format!("{message} (SQLSTATE {sqlstate})"),
        },
        other => crate::lint::rules::migration_fails::what_happened(other),
    };
    let help = match (cause, refused_role) {
        (_, Some(role)) => role_help(role, *base),
        (FailureCause::Rejected { message, .. }, None) => match missing_extension(message) {
            Some(extension) => extension_help(&extension, env),
            None => version_help(env),
        },
        _ => version_help(env),
    };
    Some(BaseUnbuilt {
        file: failure.location.file.clone(),
        line: failure.location.start.line,
        error,
        help,
        on_base: *base,
    })
}

/// The extension a server lacks, from Postgres' message: `extension "vector" is not available`
/// (PostgreSQL 15 and later), `could not open extension control file
/// ".../extension/vector.control": No such file or directory` (before).
fn missing_extension(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("extension \"")
        && let Some((name, tail)) = rest.split_once('"')
        && tail.trim_start().starts_with("is not available")
    {
        return Some(name.to_string());
    }
    let control = message.strip_prefix("could not open extension control file \"")?;
    let path = control.split('"').next()?;
    let file = path.rsplit('/').next()?;
    file.strip_suffix(".control").map(str::to_string)
}

fn extension_help(extension: &str, env: &Environment) -> String {
    // Production's version: the image should match it, whatever the server here runs.
    let image = image_with_extension(extension, env.postgres_version);
    let with_image = match &image {
        Some(image) => format!("an image that has it, such as `{image}`"),
        None => "an image that has it".to_string(),
    };
    let how = match env.provider {
        ProviderChoice::Url(_) => format!(
            "The server at the given URL lacks the `{extension}` extension: point `[check] \
                postgres` at a server that has it (a service container from {with_image})."
        ),
        ProviderChoice::Local => format!(
            "The local PostgreSQL lacks the `{extension}` extension: install it for the local \
                server, or use the docker provider (`--postgres docker`) with {with_image}."
        ),
        ProviderChoice::Docker | ProviderChoice::Auto if env.image_named => format!(
            "The image lacks the `{extension}` extension: set `[check] postgres-image` (or \
                `--postgres-image`, the action's `postgres-image`) to {with_image}."
        ),
        ProviderChoice::Docker | ProviderChoice::Auto => format!(
            "The server lacks the `{extension}` extension: set `[check] postgres-image` (or \
                `--postgres-image`, the action's `postgres-image`) to {with_image}, or \
                `[check] postgres` to a service container that has it."
        ),
    };
    format!("{how} {NOT_THE_CHANGE}")
}

fn role_help(role: &str, on_base: bool) -> String {
    let after = if on_base {
        NOT_THE_CHANGE
    } else {
        "The migrations after it were not applied; the change's static findings are reported."
    };
    format!(
        "The URL provider runs the migrations as a throwaway role without superuser \
            (`{role}`), because the server may be shared, and the role lacks this privilege. If \
            the server is Drydock's alone (a service container), set `url-role = \"given\"` \
            under `[check]` in drydock.toml to run them as the URL's role; or use the docker or \
            local provider, which run them as a superuser in a sandbox. {after}"
    )
}

fn version_help(env: &Environment) -> String {
    let production = env.postgres_version;
    let version = match env.server_major {
        Some(server) if server < production => format!(
            "The server runs PostgreSQL {server}, older than production's {production} \
                (`postgres-version`): the migration may use what only a newer release has. \
                Apply on a server of version {production}: the docker provider's image \
                (`postgres:{production}`, the default), or `[check] postgres` set to one."
        ),
        Some(server) if server != production => format!(
            "The server runs PostgreSQL {server}, but production runs {production} \
                (`postgres-version`): apply on a server of production's version (the \
                docker provider's image `postgres:{production}`), or correct \
                `postgres-version`."
        ),
        _ => "If production runs this migration fine, the throwaway server differs from \
            production: give it production's major version (`postgres-version`, \
            `postgres-image`) and extensions, or set `[check] postgres` to a service \
            container built like production."
            .to_string(),
    };
    format!("{version} {NOT_THE_CHANGE}")
}

const NOT_THE_CHANGE: &str = "This migration is already on the base branch, so nothing of this \
    change was applied; its static findings are reported, not yet checked against a database.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_extensions_are_read_from_both_messages() {
        assert_eq!(
            missing_extension("extension \"vector\" is not available").as_deref(),
            Some("vector")
        );
        assert_eq!(
            missing_extension(
                "could not open extension control file \
                    \"/usr/share/postgresql/14/extension/postgis.control\": No such file or \
                    directory"
            )
            .as_deref(),
            Some("postgis")
        );
        assert_eq!(missing_extension("relation \"x\" does not exist"), None);
    }

    #[test]
    fn the_help_names_what_to_change() {
        let env = |provider, server_major| Environment {
            provider,
            image_named: false,
            server_major,
            postgres_version: 17,
            restricted_role: None,
        };
        let docker = ProviderChoice::Docker;
        let help = extension_help("vector", &env(&docker, Some(17)));
        assert!(help.contains("`pgvector/pgvector:pg17`"), "{help}");
        let local = ProviderChoice::Local;
        let help = version_help(&env(&local, Some(15)));
        assert!(
            help.contains("PostgreSQL 15, older than production's 17"),
            "{help}"
        );
    }
}
