//! `drydock lint`: the static rules only, no database.

use super::{LintArgs, notices_to_stderr, render};
use crate::pipeline::{Options, Pipeline};
use anyhow::Result;

pub fn run(args: &LintArgs) -> Result<i32> {
    let options = Options::load(args.config.as_deref(), args.overrides())?;
    let linted = Pipeline::new(options).lint()?;
    print!(
        "{}",
        render(args.format, &linted.verdict, &linted.targets, None)
    );
    notices_to_stderr(args.format, &linted.verdict, false);
    Ok(if linted.input_errors > 0 {
        2
    } else if linted.verdict.has_errors() {
        1
    } else {
        0
    })
}
