use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP TABLE` of a table that existed before this change.
    ///
    /// ## Why it matters
    /// The table's rows are gone the moment the migration commits; only a backup brings them
    /// back. Application code that still reads or writes the table fails, and the drop waits for
    /// an ACCESS EXCLUSIVE lock, queueing every query on the table behind it.
    ///
    /// ## Example
    /// ```sql
    /// DROP TABLE legacy_orders;
    /// ```
    ///
    /// ## Use instead
    /// Stop using the table in code first and deploy that. Then drop it in its own pull request,
    /// approved by a maintainer with the override label; consider renaming it first
    /// (`ALTER TABLE legacy_orders RENAME TO legacy_orders_deprecated`) for one release.
    pub struct DropTable {
        name: "drop-table",
        category: Destructive,
        severity: Error,
        aliases: ["ban-drop-table", "DS102", "destructive"],
    }
}

impl Rule for DropTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Drop {
            kind: ObjectKind::Table,
            names,
            cascade,
            ..
        } = cx.action()
        {
            for table in names.iter().filter(|t| cx.is_existing_table(t)) {
                out.push(
                    Hit::new(
                        format!(
                            "drops table {table}{}: its data is deleted for good, and code \
                            that still uses it fails",
                            if *cascade {
                                " and, with CASCADE, every view and foreign key that depends on \
                            it"
                            } else {
                                ""
                            }
                        ),
                        "Remove all uses of the table in a deploy first; then drop it in \
                        a change approved with the override label.",
                    )
                    .about(table.subject(SubjectKind::Table)),
                );
            }
        }
    }
}
