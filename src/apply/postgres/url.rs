//! The URL provider: an existing server (a CI service container, say). Drydock works only in
//! databases it creates there, and drops them at the end.
//!
//! The server may be shared, so the migrations do not run as the URL's role (often a superuser,
//! who could drop other databases, create roles or run `ALTER SYSTEM`) but as a throwaway role
//! made for the run: no superuser, no CREATEDB, no replication, no BYPASSRLS, owner of the
//! databases Drydock creates, dropped at the end. Not CREATEROLE either: roles are the whole
//! server's, and before PostgreSQL 16 a CREATEROLE role may grant itself
//! `pg_execute_server_program` (the release notes of 16, "Restrict the privileges of
//! CREATEROLE"). A migration refused a privilege is reported as the environment's doing
//! ([`crate::pipeline::base_state`]); `[check] url-role = "given"` runs the migrations as the
//! URL's role, for a server that is Drydock's own.

use super::{Guard, Server, UrlRole, abandoned, connect, describe_config, owner, redact_url};
use anyhow::{Context, Result, anyhow};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_postgres::Config;

/// The databases created on the server; dropped by [`Databases::drop_all`] or, failing that,
/// on drop.
pub struct Databases {
    admin: Config,
    names: Arc<Mutex<Vec<String>>>,
    /// The throwaway role the migrations run as, dropped after the databases.
    role: Option<String>,
}

impl Databases {
    pub fn record(&self, name: &str) {
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(name.to_string());
    }

    fn take(&mut self) -> (Vec<String>, Option<String>) {
        let names = std::mem::take(&mut *self.names.lock().unwrap_or_else(|e| e.into_inner()));
        (names, self.role.take())
    }

    pub async fn drop_all(mut self) {
        let (names, role) = self.take();
        drop_databases(&self.admin, names).await;
        drop_roles(&self.admin, role.into_iter().collect()).await;
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let (names, role) = self.take();
        if names.is_empty() && role.is_none() {
            return;
        }
        // Drop may run outside any runtime or inside a single-threaded one: use a thread of
        // our own.
        let admin = self.admin.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(async {
                    drop_databases(&admin, names).await;
                    drop_roles(&admin, role.into_iter().collect()).await;
                });
            }
        })
        .join();
    }
}

/// The admin session that drops what a run left (`what`: "databases", "roles"), bounded: a
/// migration may leave a lock behind (a prepared transaction), which it must never wait on.
async fn cleanup_session(
    admin: &Config,
    what: &str,
    names: &[String],
) -> Option<tokio_postgres::Client> {
    let Ok(client) = connect(admin).await else {
        eprintln!(
            "warning: could not reconnect to {} to drop the {what} {}",
            describe_config(admin),
            names.join(", ")
        );
        return None;
    };
    let _ = client
        .batch_execute("SET lock_timeout = '10s'; SET statement_timeout = '60s'")
        .await;
    Some(client)
}

async fn drop_databases(admin: &Config, names: Vec<String>) {
    let Some(client) = cleanup_session(admin, "databases", &names).await else {
        return;
    };
    for name in names {
        // What the database's owner (the migrations' role) may have done to outlive the run:
        // made it a template (which cannot be dropped), left prepared transactions (which keep
        // it in use), sessions (a migration's own, after a timeout).
        let quoted = crate::sql::model::quote_ident(&name);
        let _ = client
            .batch_execute(&format!(
                "ALTER DATABASE {quoted} IS_TEMPLATE false; \
                 ALTER DATABASE {quoted} ALLOW_CONNECTIONS false"
            ))
            .await;
        roll_back_prepared(admin, &client, &name).await;
        let _ = client
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE \
                    datname = $1 AND pid <> pg_backend_pid()",
                &[&name],
            )
            .await;
        if let Err(e) = client
            .simple_query(&format!("DROP DATABASE IF EXISTS {quoted}"))
            .await
        {
            eprintln!(
                "warning: could not drop the database {name}: {}",
                super::describe_error(&e)
            );
        }
    }
}

/// Rolls back the transactions prepared in database `name` (`PREPARE TRANSACTION` from a
/// migration): `ROLLBACK PREPARED` runs in the database the transaction was prepared in.
async fn roll_back_prepared(admin: &Config, client: &tokio_postgres::Client, name: &str) {
    let Ok(rows) = client
        .query(
            "SELECT gid FROM pg_catalog.pg_prepared_xacts WHERE database = $1",
            &[&name],
        )
        .await
    else {
        return;
    };
    if rows.is_empty() {
        return;
    }
    let _ = client
        .batch_execute(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS true",
            crate::sql::model::quote_ident(name)
        ))
        .await;
    let mut inside = admin.clone();
    inside.dbname(name);
    if let Ok(there) = connect(&inside).await {
        for row in rows {
            let gid: String = row.get(0);
            let _ = there
                .batch_execute(&format!(
                    "ROLLBACK PREPARED {}",
                    crate::plan::formats::sql_literal(&gid)
                ))
                .await;
        }
    }
}

/// Drops throwaway `roles` (after their databases, which they own).
async fn drop_roles(admin: &Config, roles: Vec<String>) {
    if roles.is_empty() {
        return;
    }
    let Some(client) = cleanup_session(admin, "roles", &roles).await else {
        return;
    };
    for role in roles {
        let quoted = crate::sql::model::quote_ident(&role);
        // Privileges it was granted on shared objects (another run's database, say: a
        // migration can grant its own database to every `drydock_` role it sees) would keep
        // it alive; DROP OWNED revokes them (and drops what it owns here).
        let _ = client
            .simple_query(&format!("DROP OWNED BY {quoted}"))
            .await;
        let _ = client
            .execute(
                "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity \
                    WHERE usename = $1",
                &[&role],
            )
            .await;
        if let Err(e) = client
            .simple_query(&format!("DROP ROLE IF EXISTS {quoted}"))
            .await
        {
            eprintln!(
                "warning: could not drop the role {role}: {}",
                super::describe_error(&e)
            );
        }
    }
}

/// Why the migrations cannot run as a throwaway role here, or the role (name, password).
async fn throwaway_role(
    client: &tokio_postgres::Client,
    admin: &Config,
) -> Result<(String, String), String> {
    let row = client
        .query_one(
            "SELECT r.rolsuper, r.rolcreaterole FROM pg_catalog.pg_roles r \
             WHERE r.rolname = current_user",
            &[],
        )
        .await
        .map_err(|e| super::describe_error(&e))?;
    let (superuser, createrole): (bool, bool) = (row.get(0), row.get(1));
    if !superuser && !createrole {
        return Err("the URL's role can create no role".into());
    }
    let name = format!("drydock_{}_{}", std::process::id(), super::unique_suffix());
    let password = random_password().map_err(|e| format!("{e:#}"))?;
    // The verifier, not the password: the server may log statements.
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    let owner = owner().replace('\'', "''");
    let setup = format!(
        "SET lock_timeout = '10s'; CREATE ROLE \"{name}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION \
            NOBYPASSRLS PASSWORD '{verifier}'; COMMENT ON ROLE \"{name}\" IS '{owner}';"
    );
    client
        .batch_execute(&setup)
        .await
        .map_err(|e| format!("cannot create a role: {}", super::describe_error(&e)))?;
    // The role may own databases only a member of it creates (a CREATEROLE role is not one).
    let mut refused = None;
    if !superuser
        && let Err(e) = client
            .batch_execute(&format!("GRANT \"{name}\" TO CURRENT_USER"))
            .await
    {
        refused = Some(super::describe_error(&e));
    }
    let mut config = admin.clone();
    config.user(&name).password(&password);
    if refused.is_none()
        && let Err(e) = connect(&config).await
    {
        refused = Some(format!("cannot log in as it: {e:#}"));
    }
    if let Some(why) = refused {
        drop_roles(admin, vec![name]).await;
        return Err(format!("a throwaway role cannot be used: {why}"));
    }
    Ok((name, password))
}

fn random_password() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .context("cannot read /dev/urandom for a password")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Drops the databases of SIGKILLed runs from this host: each database Drydock creates carries
/// its run's `host/pid/start-time` as its comment ([`super::Server::create_database`]). Those of
/// live runs, and of other hosts (which this host cannot tell about), are left alone.
async fn sweep_abandoned(client: &tokio_postgres::Client, admin: &Config) {
    let databases = abandoned_named(
        client,
        "SELECT datname, pg_catalog.shobj_description(oid, 'pg_database') \
         FROM pg_catalog.pg_database WHERE datname LIKE 'drydock\\_%'",
    )
    .await;
    if !databases.is_empty() {
        tracing::info!(?databases, "dropping killed runs' databases");
        drop_databases(admin, databases).await;
    }
    // After their databases, which they own.
    let roles = abandoned_named(
        client,
        "SELECT rolname, pg_catalog.shobj_description(oid, 'pg_authid') \
         FROM pg_catalog.pg_roles WHERE rolname LIKE 'drydock\\_%'",
    )
    .await;
    if !roles.is_empty() {
        tracing::info!(?roles, "dropping killed runs' roles");
        drop_roles(admin, roles).await;
    }
}

/// The names `query` returns (name, owner comment) whose owner is a killed run of this host.
async fn abandoned_named(client: &tokio_postgres::Client, query: &str) -> Vec<String> {
    let Ok(rows) = client.query(query, &[]).await else {
        return Vec::new();
    };
    rows.iter()
        .filter(|row| {
            row.get::<_, Option<String>>(1)
                .is_some_and(|owner| abandoned(&owner))
        })
        .map(|row| row.get(0))
        .collect()
}

pub async fn start(url: &str, role: UrlRole) -> Result<Server> {
    let mut admin = Config::from_str(url)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("invalid Postgres URL {}", redact_url(url)))?;
    if admin.get_connect_timeout().is_none() {
        admin.connect_timeout(Duration::from_secs(10));
    }
    let client = connect(&admin).await?;
    let version: String = client
        .query_one("SHOW server_version", &[])
        .await
        .map_err(|e| anyhow!(super::describe_error(&e)))?
        .get(0);
    sweep_abandoned(&client, &admin).await;
    let (migrator, isolation) = match role {
        UrlRole::Given => (
            None,
            "migrations run as the URL's role (url-role = \"given\")".to_string(),
        ),
        UrlRole::Throwaway => match throwaway_role(&client, &admin).await {
            Ok(role) => (
                Some(role),
                "migrations run as a throwaway role without superuser, in databases it owns"
                    .to_string(),
            ),
            Err(why) => (
                None,
                format!("not isolated: migrations run as the URL's role, because {why}"),
            ),
        },
    };
    let description = format!(
        "PostgreSQL {version} at {} ({isolation})",
        describe_config(&admin)
    );
    let mut server = Server::new(
        description,
        admin.clone(),
        Guard::Url(Databases {
            admin,
            names: Arc::default(),
            role: migrator.as_ref().map(|(name, _)| name.clone()),
        }),
    );
    server.migrator = migrator;
    Ok(server)
}
