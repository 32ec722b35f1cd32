//! `drydock diff FROM TO`: parses the two sources, asks the pipeline for the schema change
//! between them and prints it. Exit 1 when the schemas differ.

use super::{DiffArgs, runtime};
use crate::pipeline::schema::SchemaSource;
use crate::pipeline::{Options, Pipeline};
use crate::report::schema_diff;
use anyhow::Result;

pub fn run(args: DiffArgs) -> i32 {
    runtime::run_until_interrupted("drydock diff", diff(args))
}

async fn diff(args: DiffArgs) -> Result<i32> {
    let pipeline = Pipeline::new(Options::load(
        args.options.config.as_deref(),
        args.options.overrides(Vec::new()),
    )?);
    let from: SchemaSource = args.from.parse()?;
    let to: SchemaSource = args.to.parse()?;
    let diff = pipeline.diff(&from, &to).await?;
    print!(
        "{}",
        schema_diff::render_diff(
            args.options.format.into(),
            &diff.from,
            &diff.to,
            &diff.changes
        )
    );
    Ok(if diff.changes.is_empty() { 0 } else { 1 })
}
