//! `drydock drift`: compares a live database with the schema its migration directory produces
//! in a throwaway Postgres. The live session is read-only (default_transaction_read_only, a
//! connect timeout and a statement timeout): drift never writes to it.

use super::schema_diff::{database_schema, directory_schema, read_only_config};
use super::{DriftArgs, runtime, targets};
use crate::apply::postgres::{Server, describe_config};
use crate::config::Config;
use crate::diff;
use crate::report::schema_diff;
use anyhow::{Result, bail};

pub fn run(args: DriftArgs) -> i32 {
    runtime::run_until_interrupted("drydock drift", drift(args))
}

async fn drift(args: DriftArgs) -> Result<i32> {
    let config = Config::load(args.options.config.as_deref())?;
    let (provider, image) = runtime::provider(
        &config,
        args.options.postgres.as_deref(),
        args.options.postgres_image.as_deref(),
    )?;
    let (targets, input_errors) = targets::load(
        &args.dirs,
        args.options.migration_format.as_deref(),
        &config,
    )?;
    if input_errors > 0 {
        return Ok(2);
    }
    let [target] = targets.as_slice() else {
        bail!(
            "drift compares one migration directory with one database; {} were found: name the one this database runs",
            targets.len()
        );
    };

    let live_config = read_only_config(&args.database_url, "drydock drift")?;
    let live_name = describe_config(&live_config);
    let live = database_schema(&live_config, &config.diff.ignored_tables()).await?;

    let server = Server::start(&provider, &image).await?;
    let expected = directory_schema(&server, &target.dir, &config).await;
    server.shutdown().await;
    // Different databases: OIDs mean nothing across them.
    let (expected, live) = (expected?.without_identities(), live.without_identities());
    let started = std::time::Instant::now();
    let changes = diff::diff(&expected, &live);
    tracing::info!(
        changes = changes.len(),
        seconds = started.elapsed().as_secs_f64(),
        "diffed"
    );
    let directory = crate::plan::display(&target.dir.path);
    print!(
        "{}",
        schema_diff::render_drift(args.options.format.into(), &directory, &live_name, &changes)
    );
    Ok(if changes.is_empty() { 0 } else { 1 })
}
