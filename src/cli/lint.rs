//! `drydock lint`: the static rules only, no database.

use super::targets::{self, Review};
use super::{LintArgs, render};
use crate::config::Config;
use crate::verdict::Verdict;
use anyhow::Result;

pub fn run(args: &LintArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let (targets, input_errors) =
        targets::load(&args.paths, args.migration_format.as_deref(), &config)?;
    let reviews = targets
        .iter()
        .map(|t| targets::review(t, args.base.as_deref(), &[], &config))
        .collect::<Result<Vec<Review>>>()?;
    let linted = targets::lint_all(&targets, &reviews, &config);
    let verdict = Verdict::build(
        linted.findings,
        &linted.suppressions,
        &config,
        linted.statements,
        linted.files,
    );
    print!("{}", render(args.format, &verdict, &targets, None));
    Ok(if input_errors > 0 {
        2
    } else if verdict.has_errors() {
        1
    } else {
        0
    })
}
