//! The rule catalogue. One rule, one file; its doc comment is its documentation (shown by
//! `drydock explain` and linked from reviews). To add a rule, write its file and add one line to
//! the `registry!` list below.

use super::Rule;

/// Declares a rule's unit struct and its [`super::RuleMeta`], taking the documentation from the
/// doc comment.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident {
            name: $name:literal,
            category: $cat:ident,
            severity: $sev:ident,
            aliases: [$($alias:literal),* $(,)?]
            $(, predicts: [$($sqlstate:literal),* $(,)?])? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;
        impl $ty {
            pub const META: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
                id: $crate::lint::rules::RuleId::$ty,
                name: $name,
                category: $crate::finding::Category::$cat,
                default_severity: declare_rule!(@severity $sev),
                doc: concat!($($doc, "\n"),*),
                aliases: &[$($alias),*],
                predicts: &[$($($sqlstate),*)?],
            };
        }
    };
    (@severity Off) => { None };
    (@severity $s:ident) => { Some($crate::finding::Severity::$s) };
}

/// Declares the rule modules, the [`RuleId`] of each (named after its type) and the table of
/// rules in the same order, so `RuleId as usize` indexes it.
macro_rules! registry {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// A rule's identity. Findings, configuration and ignores hold this rather than a name,
        /// so naming a rule that does not exist fails to compile instead of panicking at run
        /// time. Output (JSON, SARIF, config, ignore comments) still uses the kebab-case
        /// [`RuleId::name`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($rule),*
        }

        static RULES: &[&dyn Rule] = &[$(&$module::$rule),*];
    };
}

registry! {
    // destructive
    drop_table::DropTable,
    drop_column::DropColumn,
    drop_schema::DropSchema,
    drop_database::DropDatabase,
    truncate::Truncate,
    drop_type::DropType,
    delete_without_where::DeleteWithoutWhere,
    update_without_where::UpdateWithoutWhere,
    destructive_change::DestructiveChange,
    // blocking-lock
    create_index_without_concurrently::CreateIndexWithoutConcurrently,
    drop_index_without_concurrently::DropIndexWithoutConcurrently,
    reindex_without_concurrently::ReindexWithoutConcurrently,
    detach_partition_without_concurrently::DetachPartitionWithoutConcurrently,
    foreign_key_without_not_valid::ForeignKeyWithoutNotValid,
    check_without_not_valid::CheckWithoutNotValid,
    constraint_without_using_index::ConstraintWithoutUsingIndex,
    set_not_null_without_check::SetNotNullWithoutCheck,
    vacuum_full_or_cluster::VacuumFullOrCluster,
    exclusion_constraint::ExclusionConstraint,
    missing_lock_timeout::MissingLockTimeout,
    statements_while_locked::StatementsWhileLocked,
    // table-rewrite
    column_type_change::ColumnTypeChange,
    volatile_default::VolatileDefault,
    stored_generated_column::StoredGeneratedColumn,
    serial_column::SerialColumn,
    traced_table_rewrite::TracedTableRewrite,
    // data-dependent
    not_null_column_without_default::NotNullColumnWithoutDefault,
    unique_on_existing_data::UniqueOnExistingData,
    validate_constraint::ValidateConstraint,
    fails_on_existing_rows::FailsOnExistingRows,
    // backward-incompatible
    rename_table::RenameTable,
    rename_column::RenameColumn,
    drop_view::DropView,
    drop_routine::DropRoutine,
    rename_routine::RenameRoutine,
    set_schema::SetSchema,
    // transaction
    concurrently_in_transaction::ConcurrentlyInTransaction,
    unbalanced_transaction::UnbalancedTransaction,
    enum_value_used_in_transaction::EnumValueUsedInTransaction,
    mixed_transactional_statements::MixedTransactionalStatements,
    // integrity
    migration_edited::MigrationEdited,
    migration_deleted::MigrationDeleted,
    out_of_order_version::OutOfOrderVersion,
    duplicate_version::DuplicateVersion,
    atlas_sum_mismatch::AtlasSumMismatch,
    invalid_file::InvalidFile,
    syntax_error::SyntaxError,
    migration_fails::MigrationFails,
    empty_migration::EmptyMigration,
    unknown_rule_in_ignore::UnknownRuleInIgnore,
    // hygiene
    prefer_bigint::PreferBigint,
    prefer_text::PreferText,
    prefer_timestamptz::PreferTimestamptz,
    prefer_identity::PreferIdentity,
    prefer_jsonb::PreferJsonb,
    identifier_too_long::IdentifierTooLong,
    foreign_key_without_index::ForeignKeyWithoutIndex,
    table_without_primary_key::TableWithoutPrimaryKey,
}

pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule a user named (in drydock.toml, an ignore comment, `drydock explain`), ignoring case.
pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().name.eq_ignore_ascii_case(name))
}

impl RuleId {
    pub fn rule(self) -> &'static dyn Rule {
        RULES[self as usize]
    }

    pub fn meta(self) -> &'static super::RuleMeta {
        self.rule().meta()
    }

    /// The kebab-case name used in configuration, ignore comments and output.
    pub fn name(self) -> &'static str {
        self.meta().name
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Ordered by name, so that reports sort findings the same way whatever the registry order.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Lets tests and callers compare with a name: `finding.rule == "drop-table"`.
impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// Shorthand for rules: the ALTER TABLE operations of this statement, when it alters a table
/// that existed before the change.
pub(crate) fn existing_table_ops<'a>(
    cx: &'a super::Context,
) -> Option<(
    &'a crate::sql::model::Name,
    &'a [crate::sql::model::AlterTableOp],
)> {
    match cx.action() {
        crate::sql::model::Action::AlterTable { table, ops } if cx.is_existing_table(table) => {
            Some((table, ops.as_slice()))
        }
        _ => None,
    }
}

/// Columns this statement defines (CREATE TABLE columns, ADD COLUMN), with their table.
pub(crate) fn defined_columns(
    action: &crate::sql::model::Action,
) -> Vec<(&crate::sql::model::Name, &crate::sql::model::Column)> {
    use crate::sql::model::{Action, AlterTableOp};
    match action {
        Action::CreateTable { table, columns, .. } => columns.iter().map(|c| (table, c)).collect(),
        Action::AlterTable { table, ops } => ops
            .iter()
            .filter_map(|op| match op {
                AlterTableOp::AddColumn(c) => Some((table, c)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A hygiene rule that looks at the type of each column a statement defines.
macro_rules! column_type_rule {
    ($ty:ident, |$t:ident| $test:expr, $message:literal, $help:literal) => {
        impl $crate::lint::Rule for $ty {
            fn meta(&self) -> &'static $crate::lint::RuleMeta {
                &Self::META
            }
            fn check(&self, cx: &$crate::lint::Context, out: &mut Vec<$crate::lint::Hit>) {
                for (table, column) in super::defined_columns(cx.action()) {
                    let Some($t) = &column.data_type else {
                        continue;
                    };
                    if $test {
                        out.push($crate::lint::Hit::new(
                            format!(
                                $message,
                                table = table,
                                column = column.name,
                                ty = $t.written
                            ),
                            $help,
                        ));
                    }
                }
            }
        }
    };
}
pub(crate) use column_type_rule;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;

    #[test]
    fn every_rule_is_documented_in_four_sections_and_uniquely_named() {
        let mut names = std::collections::HashSet::new();
        for rule in all() {
            let meta = rule.meta();
            assert!(names.insert(meta.name), "duplicate rule {}", meta.name);
            let doc = meta.documentation();
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Use instead",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", meta.name);
            }
        }
        for (index, rule) in all().iter().enumerate() {
            let id = rule.meta().id;
            assert_eq!(id as usize, index, "{} is out of registry order", id.name());
            assert_eq!(id.meta().name, rule.meta().name);
        }
        for category in Category::ALL {
            assert!(
                all().iter().any(|r| r.meta().category == category),
                "{category:?} has no rule"
            );
        }
    }
}
