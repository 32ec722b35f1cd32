//! Slow work: what a statement does whose time grows with the data of a table that existed
//! before the change (a scan, a rewrite, an index build, a data change). Work on a table the
//! change creates is instant (it is empty), and catalog-only steps (`ADD CONSTRAINT ... USING
//! INDEX`, a `NOT VALID` constraint, a nullable column, a rename, a default) are instant too.
//! Rules that ask "does this take long while something is locked?" ask here, so that they
//! agree on what is slow.

use super::Context;
use super::rules::column_type_change::is_binary_compatible;
use super::rules::volatile_default::VOLATILE_FUNCTIONS;
use crate::sql::model::{Action, AlterTableOp, ConstraintKind, Name};

/// What makes a statement slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Reads every row (a constraint's validation, `SET NOT NULL`).
    Scan,
    /// Fills a new table from a query (`INSERT INTO new SELECT ... FROM old`).
    Copy,
    /// Writes every row again (a type change, a volatile default, `SET LOGGED`).
    Rewrite,
    /// Builds an index over every row.
    IndexBuild,
    /// Changes rows (`UPDATE`, `DELETE`, `INSERT`).
    DataChange,
}

impl Work {
    pub fn describe(self) -> &'static str {
        match self {
            Work::Scan => "scans",
            Work::Copy => "copies rows into",
            Work::Rewrite => "rewrites",
            Work::IndexBuild => "builds an index on",
            Work::DataChange => "changes rows of",
        }
    }
}

/// The slow work this statement does, and on which existing table; `None` when it does none
/// (or only on tables the change creates).
pub fn slow_work<'a>(cx: &'a Context) -> Option<(Work, &'a Name)> {
    let existing = |table: &'a Name| cx.is_existing_table(table).then_some(table);
    match cx.action() {
        Action::CreateIndex { table, .. } => existing(table).map(|t| (Work::IndexBuild, t)),
        Action::Update { table, .. } | Action::Delete { table, .. } => {
            existing(table).map(|t| (Work::DataChange, t))
        }
        // Rows into an existing table change it; rows into a new table are slow only when
        // they are copied from another (`INSERT INTO new SELECT ... FROM old`), which reads it.
        Action::Other {
            verb,
            target: Some(table),
        } if verb.starts_with("INSERT") => match existing(table) {
            Some(t) => Some((Work::DataChange, t)),
            None => copies_rows(cx.text()).then_some((Work::Copy, table)),
        },
        Action::AlterTable { table, ops } => {
            let table = existing(table)?;
            ops.iter()
                .find_map(|op| alter_work(cx, table, op))
                .map(|work| (work, table))
        }
        _ => None,
    }
}

fn alter_work(cx: &Context, table: &Name, op: &AlterTableOp) -> Option<Work> {
    let state = cx.state;
    match op {
        AlterTableOp::AddColumn(column) => {
            let volatile = column.default.as_ref().is_some_and(|d| {
                d.functions
                    .iter()
                    .any(|f| VOLATILE_FUNCTIONS.contains(&f.as_str()))
            });
            let old_server = column.default.is_some() && cx.settings.postgres_version < 11;
            (volatile || old_server || column.identity || column.generated_stored)
                .then_some(Work::Rewrite)
        }
        AlterTableOp::AlterType { column, to, using } => {
            if state
                .added_columns
                .contains_key(&(table.key(), column.clone()))
            {
                return None;
            }
            let from = state
                .column_types
                .get(&table.key())
                .and_then(|t| t.get(column));
            match from {
                Some(from) if using.is_none() && is_binary_compatible(from, to) => None,
                _ => Some(Work::Rewrite),
            }
        }
        // A validated `CHECK (column IS NOT NULL)` proves it without a scan (PostgreSQL 12+).
        AlterTableOp::SetNotNull { column } => (!state
            .not_null_checks
            .contains(&(table.key(), column.clone())))
        .then_some(Work::Scan),
        AlterTableOp::AddConstraint {
            constraint,
            not_valid,
        } => match &constraint.kind {
            ConstraintKind::UsingIndex { .. } => None,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
                Some(Work::IndexBuild)
            }
            ConstraintKind::Check { .. } | ConstraintKind::ForeignKey(_) => {
                (!not_valid).then_some(Work::Scan)
            }
        },
        AlterTableOp::ValidateConstraint { .. } | AlterTableOp::AttachPartition { .. } => {
            Some(Work::Scan)
        }
        AlterTableOp::SetLogged => Some(Work::Rewrite),
        _ => None,
    }
}

/// Whether an `INSERT` takes its rows from a query (`INSERT INTO t SELECT ...`, `... (a) WITH
/// ... SELECT`) rather than from a `VALUES` list.
fn copies_rows(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w == "SELECT")
}
