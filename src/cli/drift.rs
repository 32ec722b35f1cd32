//! `drydock drift`: compares a live database with the schema its migration directory produces
//! in a throwaway Postgres. The live session is read-only (default_transaction_read_only, a
//! connect timeout and a statement timeout): drift never writes to it.

use super::{DriftArgs, runtime, targets};
use crate::apply::postgres::{Server, connect, describe_config, redact_url};
use crate::apply::{self, DirInput, Settings};
use crate::config::Config;
use crate::diff::{self, ChangeType, Schema, introspect};
use crate::report::OutputFormat;
use crate::report::markdown::{code_block, escape};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use std::str::FromStr;
use std::time::Duration;

pub fn run(args: DriftArgs) -> i32 {
    runtime::run_until_interrupted("drydock drift", drift(args))
}

/// How to reach the live database: read-only, bounded in time.
pub fn live_config(url: &str) -> Result<tokio_postgres::Config> {
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("invalid --database-url {}", redact_url(url)))?;
    config
        .options(
            "-c default_transaction_read_only=on -c statement_timeout=60000 -c lock_timeout=5000",
        )
        .application_name("drydock drift");
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(config)
}

async fn drift(args: DriftArgs) -> Result<i32> {
    if !matches!(
        args.format,
        OutputFormat::Text | OutputFormat::Json | OutputFormat::Markdown
    ) {
        bail!("drift prints text, json or markdown");
    }
    let config = Config::load(args.config.as_deref())?;
    let (provider, image) = runtime::provider(
        &config,
        args.postgres.as_deref(),
        args.postgres_image.as_deref(),
    )?;
    let (targets, input_errors) =
        targets::load(&args.dirs, args.migration_format.as_deref(), &config)?;
    if input_errors > 0 {
        return Ok(2);
    }
    let [target] = targets.as_slice() else {
        bail!(
            "drift compares one migration directory with one database; {} were found: name the one this database runs",
            targets.len()
        );
    };
    let ignore_tables = introspect::default_ignored_tables();

    let live_config = live_config(&args.database_url)?;
    let live_name = describe_config(&live_config);
    let started = std::time::Instant::now();
    let live = {
        let client = connect(&live_config).await?;
        introspect::introspect(&client, &ignore_tables)
            .await
            .map_err(|e| anyhow!(crate::apply::postgres::describe_error(&e)))
            .with_context(|| format!("cannot read the schema of {live_name}"))?
    };
    tracing::info!(
        objects = live.len(),
        seconds = started.elapsed().as_secs_f64(),
        "introspected the live database"
    );

    let server = Server::start(&provider, &image).await?;
    let input = DirInput {
        dir: &target.dir,
        reviewed: vec![false; target.dir.files.len()],
        each_file: false,
        ignore_tables,
    };
    let settings = Settings {
        statement_timeout: Duration::from_secs_f64(config.check.statement_timeout),
        deadline: tokio::time::Instant::now() + Duration::from_secs_f64(config.check.timeout),
    };
    let outcome = apply::apply_dir(&server, &input, &settings).await;
    server.shutdown().await;
    if let Some(failure) = outcome.findings.first() {
        bail!(
            "{}:{}:{}: the migration directory does not apply, so there is no expected schema to compare with: {}",
            failure.file,
            failure.start.line,
            failure.start.column,
            failure.message
        );
    }
    let expected = outcome
        .schema_before
        .ok_or_else(|| anyhow!("could not read the schema the migrations produce"))?;
    // Different databases: OIDs mean nothing across them.
    let started = std::time::Instant::now();
    let changes = diff::diff(&without_identities(expected), &without_identities(live));
    tracing::info!(
        changes = changes.len(),
        seconds = started.elapsed().as_secs_f64(),
        "diffed"
    );
    let directory = crate::plan::display(&target.dir.path);
    print!("{}", render(args.format, &directory, &live_name, &changes));
    Ok(if changes.is_empty() { 0 } else { 1 })
}

fn without_identities(mut schema: Schema) -> Schema {
    for object in schema.objects.values_mut() {
        object.identity = None;
    }
    schema
}

/// "+" only in the database, "-" only in the migrations, "~" different.
fn render(
    format: OutputFormat,
    directory: &str,
    database: &str,
    changes: &[diff::Change],
) -> String {
    let where_ = |c: &diff::Change| match c.change {
        ChangeType::Added => "only in the database",
        ChangeType::Removed => "only in the migrations",
        ChangeType::Renamed | ChangeType::Altered => "differs",
    };
    match format {
        OutputFormat::Json => {
            let value = json!({
                "in_sync": changes.is_empty(),
                "directory": directory,
                "database": database,
                "changes": changes.iter().map(|c| {
                    let mut v = serde_json::to_value(c).expect("changes serialize");
                    v["drift"] = json!(where_(c));
                    v
                }).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&value).expect("serializes") + "\n"
        }
        OutputFormat::Markdown => {
            if changes.is_empty() {
                return format!(
                    "## Drydock drift: ✅ in sync\n\n{} matches what {} produces.\n",
                    escape(database),
                    escape(directory)
                );
            }
            let mut out = format!(
                "## Drydock drift: ⚠️ {} difference(s)\n\nBetween {} and what {} produces:\n\n",
                changes.len(),
                escape(database),
                escape(directory)
            );
            for c in changes {
                out.push_str(&format!(
                    "- {} {}: {}\n",
                    c.kind.as_str(),
                    escape(&c.name),
                    where_(c)
                ));
            }
            out.push_str(
                "\n<details><summary>Definitions (- migrations, + database)</summary>\n\n",
            );
            for c in changes {
                out.push_str(&code_block(&c.diff, "diff", ""));
                out.push('\n');
            }
            out.push_str("</details>\n");
            out
        }
        _ => {
            if changes.is_empty() {
                return format!("in sync: {database} matches what {directory} produces\n");
            }
            let mut out = format!(
                "drift: {} difference(s) between {database} and what {directory} produces\n",
                changes.len()
            );
            for c in changes {
                out.push_str(&format!(
                    "  {} {}: {}\n",
                    c.kind.as_str(),
                    c.name,
                    where_(c)
                ));
            }
            for c in changes {
                out.push('\n');
                out.push_str(&c.diff);
            }
            out
        }
    }
}
