use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{AlterTableOp, TypeName};

declare_rule! {
    /// ## What it does
    /// Flags `ALTER COLUMN ... TYPE` on an existing table when the change rewrites the table.
    /// Changes Postgres makes without a rewrite are not flagged: `varchar(n)` to a longer
    /// `varchar` or to `text`, `text` to unbounded `varchar`, a larger `numeric` precision with
    /// the same scale, a longer `varbit`, `cidr` to `inet`. The old type comes from the earlier
    /// migrations of the directory.
    ///
    /// ## Why it matters
    /// A rewriting type change copies every row and rebuilds every index under an ACCESS
    /// EXCLUSIVE lock: no reads or writes for a time that grows with the table's size, and twice
    /// the disk space meanwhile.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN id TYPE bigint;
    /// ```
    ///
    /// ## Use instead
    /// Add a new column of the new type, backfill it in batches, switch the code over, then drop
    /// the old column; or use a tool that does this online.
    pub struct ColumnTypeChange {
        name: "column-type-change",
        category: TableRewrite,
        severity: Error,
        aliases: ["changing-column-type"],
    }
}

/// Whether changing `from` to `to` needs no table rewrite.
pub fn is_binary_compatible(from: &TypeName, to: &TypeName) -> bool {
    if from.array != to.array {
        return false;
    }
    let widened = |from_mods: &[i64], to_mods: &[i64]| match (from_mods.first(), to_mods.first()) {
        (_, None) => true,
        (Some(a), Some(b)) => b >= a,
        (None, Some(_)) => false,
    };
    match (from.base.as_str(), to.base.as_str()) {
        (a, b) if a == b && from.modifiers == to.modifiers => true,
        ("varchar", "varchar") | ("varbit", "varbit") => widened(&from.modifiers, &to.modifiers),
        ("varchar" | "text", "text") => true,
        ("text", "varchar") => to.modifiers.is_empty(),
        ("numeric", "numeric") => {
            to.modifiers.is_empty()
                || !from.modifiers.is_empty()
                    && to.modifiers[0] >= from.modifiers[0]
                    && to.modifiers.get(1).unwrap_or(&0) == from.modifiers.get(1).unwrap_or(&0)
        }
        ("cidr", "inet") => true,
        _ => false,
    }
}

impl Rule for ColumnTypeChange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::AlterType { column, to, using } = op else {
                continue;
            };
            if cx
                .state
                .added_columns
                .contains_key(&(table.key(), column.clone()))
            {
                continue;
            }
            let from = cx
                .state
                .column_types
                .get(&table.key())
                .and_then(|t| t.get(column));
            let message = match from {
                Some(from) if using.is_none() && is_binary_compatible(from, to) => continue,
                Some(from) if from.base == "timestamp" && to.base == "timestamptz" => format!(
                    "changes {table}.{column} from timestamp to timestamptz: unless \
                        the server's TimeZone is UTC, every row is rewritten under an \
                        ACCESS EXCLUSIVE lock"
                ),
                Some(from) => format!(
                    "changes {table}.{column} from {} to {}: every row is rewritten \
                        and every index rebuilt under an ACCESS EXCLUSIVE lock, \
                        blocking all reads and writes for a time that grows with the \
                        table",
                    from.written, to.written
                ),
                None => format!(
                    "changes the type of {table}.{column} to {}: unless the old type \
                        converts without a rewrite (e.g. a longer varchar), every row \
                        is rewritten under an ACCESS EXCLUSIVE lock",
                    to.written
                ),
            };
            out.push(Hit::new(
                message,
                "Add a new column with the new type, backfill it in batches, \
                    move the code over, then drop the old column.",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::types::normalize_type as t;

    #[test]
    fn binary_compatible_changes() {
        assert!(is_binary_compatible(&t("varchar(20)"), &t("varchar(50)")));
        assert!(is_binary_compatible(&t("varchar(20)"), &t("text")));
        assert!(is_binary_compatible(
            &t("numeric(10,2)"),
            &t("numeric(12,2)")
        ));
        assert!(!is_binary_compatible(
            &t("numeric(10,2)"),
            &t("numeric(12,3)")
        ));
        assert!(!is_binary_compatible(&t("varchar(50)"), &t("varchar(20)")));
        assert!(!is_binary_compatible(&t("integer"), &t("bigint")));
        assert!(!is_binary_compatible(&t("text"), &t("varchar(10)")));
    }
}
