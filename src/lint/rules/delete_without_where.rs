use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags `DELETE` without a `WHERE` clause on a table that existed before this change.
    ///
    /// ## Why it matters
    /// It deletes every row of the table, in one transaction that holds row locks on all of
    /// them and bloats the table until vacuum catches up.
    ///
    /// ## Example
    /// ```sql
    /// DELETE FROM audit_log;
    /// ```
    ///
    /// ## Use instead
    /// Add the `WHERE` clause you meant; for large deletes, delete in batches from a job.
    pub struct DeleteWithoutWhere {
        name: "delete-without-where",
        category: Destructive,
        severity: Error,
        aliases: [],
    }
}

impl Rule for DeleteWithoutWhere {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Delete {
            table,
            filtered: false,
        } = cx.action()
            && cx.is_existing_table(table)
        {
            out.push(
                Hit::new(
                    format!("deletes every row of {table}: there is no WHERE clause"),
                    "Add a WHERE clause that selects the rows to delete; delete \
                        large sets in batches.",
                )
                .about(table.subject(SubjectKind::Table)),
            );
        }
    }
}
