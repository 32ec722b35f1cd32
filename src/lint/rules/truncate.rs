use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags `TRUNCATE` of a table that existed before this change.
    ///
    /// ## Why it matters
    /// Every row is deleted at once (with CASCADE, also the rows of every table that references
    /// it), and TRUNCATE waits for an ACCESS EXCLUSIVE lock that blocks all reads and writes.
    ///
    /// ## Example
    /// ```sql
    /// TRUNCATE sessions;
    /// ```
    ///
    /// ## Use instead
    /// Delete in batches with a `WHERE` clause from a background job, or, when emptying the
    /// table is really intended, approve it with the override label.
    pub struct Truncate {
        name: "truncate",
        category: Destructive,
        severity: Error,
        aliases: ["ban-truncate-cascade", "destructive"],
    }
}

impl Rule for Truncate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Truncate { tables } = cx.action() {
            for table in tables.iter().filter(|t| cx.is_existing_table(t)) {
                out.push(
                    Hit::new(
                        format!(
                            "truncates {table}: every row is deleted, under an ACCESS \
                        EXCLUSIVE lock that blocks all reads and writes"
                        ),
                        "Delete only the rows you mean to, in batches; if emptying the \
                        table is intended, approve it with the override label.",
                    )
                    .about(table.subject(SubjectKind::Table)),
                );
            }
        }
    }
}
