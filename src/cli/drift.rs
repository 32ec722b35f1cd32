//! `drydock drift`: asks the pipeline how a live database differs from the schema its migration
//! directory produces, and prints it. The live session is read-only: drift never writes to it.
//! Exit 1 when they differ.

use super::{DriftArgs, runtime};
use crate::pipeline::{Options, Pipeline};
use crate::report::schema_diff::render_drift;
use anyhow::Result;

pub fn run(args: DriftArgs) -> i32 {
    runtime::run_until_interrupted("drydock drift", drift(args))
}

async fn drift(args: DriftArgs) -> Result<i32> {
    let pipeline = Pipeline::new(Options::load(
        args.options.config.as_deref(),
        args.options.overrides(args.dirs),
    )?);
    let Some(drift) = pipeline.drift(&args.database_url).await? else {
        // A path could not be read; the pipeline said which.
        return Ok(2);
    };
    print!(
        "{}",
        render_drift(
            args.options.format.into(),
            &drift.directory,
            &drift.database,
            &drift.changes
        )
    );
    Ok(if drift.changes.is_empty() { 0 } else { 1 })
}
