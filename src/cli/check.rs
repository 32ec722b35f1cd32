//! `drydock check`: runs the pipeline (lint, then apply the migrations under review to a
//! throwaway Postgres and trace each statement) and prints the result. Ctrl-C and SIGTERM abort
//! the run and still tear the server down.

use super::{CheckArgs, notices_to_stderr, render};
use crate::pipeline::{Options, Pipeline};
use anyhow::Result;

pub fn run(args: CheckArgs) -> i32 {
    super::runtime::run_until_interrupted("drydock check", check(args))
}

async fn check(args: CheckArgs) -> Result<i32> {
    let options = Options::load(args.config.as_deref(), args.overrides())?;
    let checked = Pipeline::new(options).check().await?;
    print!(
        "{}",
        render(
            args.format,
            &checked.verdict,
            &checked.targets,
            Some(&checked.report)
        )
    );
    notices_to_stderr(args.format, &checked.verdict, true);
    Ok(
        if checked.input_errors > 0 || checked.report.base_unbuilt().next().is_some() {
            2
        } else if checked.verdict.has_errors() {
            1
        } else {
            0
        },
    )
}
