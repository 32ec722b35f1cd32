//! The URL provider: an existing server (a CI service container, say). Drydock works only in
//! databases it creates there, and drops them at the end.

use super::{Guard, Server, abandoned, connect, describe_config, redact_url};
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
}

impl Databases {
    pub fn record(&self, name: &str) {
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(name.to_string());
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.names.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub async fn drop_all(self) {
        let names = self.take();
        drop_databases(&self.admin, names).await;
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let names = self.take();
        if names.is_empty() {
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
                runtime.block_on(drop_databases(&admin, names));
            }
        })
        .join();
    }
}

async fn drop_databases(admin: &Config, names: Vec<String>) {
    let Ok(client) = connect(admin).await else {
        eprintln!(
            "warning: could not reconnect to {} to drop the databases {}",
            describe_config(admin),
            names.join(", ")
        );
        return;
    };
    for name in names {
        // Sessions left in it (a migration's own, after a timeout) must not keep it alive.
        let _ = client
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE \
                    datname = $1 AND pid <> pg_backend_pid()",
                &[&name],
            )
            .await;
        if let Err(e) = client
            .simple_query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await
        {
            eprintln!(
                "warning: could not drop the database {name}: {}",
                super::describe_error(&e)
            );
        }
    }
}

/// Drops the databases of SIGKILLed runs from this host: each database Drydock creates carries
/// its run's `host/pid/start-time` as its comment ([`super::Server::create_database`]). Those of
/// live runs, and of other hosts (which this host cannot tell about), are left alone.
async fn sweep_abandoned(client: &tokio_postgres::Client, admin: &Config) {
    let Ok(rows) = client
        .query(
            "SELECT datname, pg_catalog.shobj_description(oid, 'pg_database') \
             FROM pg_catalog.pg_database WHERE datname LIKE 'drydock\\_%'",
            &[],
        )
        .await
    else {
        return;
    };
    let killed: Vec<String> = rows
        .iter()
        .filter(|row| {
            row.get::<_, Option<String>>(1)
                .is_some_and(|owner| abandoned(&owner))
        })
        .map(|row| row.get(0))
        .collect();
    if !killed.is_empty() {
        tracing::info!(databases = ?killed, "dropping killed runs' databases");
        drop_databases(admin, killed).await;
    }
}

pub async fn start(url: &str) -> Result<Server> {
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
    let description = format!("PostgreSQL {version} at {}", describe_config(&admin));
    sweep_abandoned(&client, &admin).await;
    Ok(Server::new(
        description,
        admin.clone(),
        Guard::Url(Databases {
            admin,
            names: Arc::default(),
        }),
    ))
}
