use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags `UPDATE` without a `WHERE` clause on a table that existed before this change.
    ///
    /// ## Why it matters
    /// It overwrites the column in every row, irreversibly, and rewrites every row version in
    /// one transaction: row locks on the whole table, and the table doubles in size until vacuum.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE users SET plan = 'free';
    /// ```
    ///
    /// ## Use instead
    /// Add the `WHERE` clause you meant; backfill large tables in batches
    /// (`WHERE id BETWEEN ...`) from a job, outside the migration.
    pub struct UpdateWithoutWhere {
        name: "update-without-where",
        category: Destructive,
        severity: Error,
        aliases: [],
    }
}

impl Rule for UpdateWithoutWhere {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Update {
            table,
            filtered: false,
            ..
        } = cx.action()
            && cx.is_existing_table(table)
        {
            out.push(
                Hit::new(
                    format!(
                        "updates every row of {table}: there is no WHERE clause, and the \
                        old values are lost"
                    ),
                    "Add a WHERE clause; backfill large tables in batches outside the migration.",
                )
                .about(table.subject(SubjectKind::Table)),
            );
        }
    }
}
