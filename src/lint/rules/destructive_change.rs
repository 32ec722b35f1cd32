use crate::diff;
use crate::finding::{Category, Evidence, Finding};
use crate::lint::{DiffContext, Hit, Located, Rule, RuleMeta};
use crate::sql::model::LockMode;

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check` when the schema diff from the base state to the state after
    /// the migrations under review shows a table, column or schema gone, and no statement was
    /// recognised as dropping it: a DROP inside a DO block, a function, or a statement form the
    /// static rules do not know.
    ///
    /// ## Why it matters
    /// The data is deleted for good, and running code that still uses the object fails. Like
    /// every destructive change, it blocks the merge until a maintainer approves it with the
    /// override label.
    ///
    /// ## Example
    /// ```sql
    /// DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'legacy_carts'; END $$;
    /// ```
    ///
    /// ## Use instead
    /// Make the drop explicit, after a deploy that removed every use:
    /// ```sql
    /// DROP TABLE legacy_carts;
    /// ```
    pub struct DestructiveChange {
        name: "destructive-change",
        category: Destructive,
        severity: Error,
        aliases: [],
    }
}

impl Rule for DestructiveChange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_schema_diff(&self, cx: &DiffContext, out: &mut Vec<Located>) {
        for change in diff::destructive_removals(cx.changes) {
            let Some(subject) = change.subject() else {
                continue;
            };
            let explained = cx.findings.iter().any(|f| {
                f.category == Category::Destructive
                    && f.subject.as_ref().is_some_and(|s| s.is(&subject))
            });
            if explained {
                continue;
            }
            // Attributed to the statement that took ACCESS EXCLUSIVE on the table (the DO block
            // that dropped it), else to the first migration under review.
            let table = match &subject.table {
                Some(table) => format!("{}.{table}", subject.schema.as_deref().unwrap_or("")),
                None => change.name.clone(),
            };
            let location = cx
                .traces
                .iter()
                .find(|t| {
                    t.effects
                        .locks
                        .iter()
                        .any(|l| l.relation == table && l.mode == LockMode::AccessExclusive)
                })
                .map_or_else(|| Finding::for_file(cx.first_reviewed), |t| t.location());
            let hit = Hit::new(
                format!(
                    "applying the migrations removed {} {}, though no statement was \
                        recognised as dropping it (a DROP inside a DO block or a \
                        function?): its data is deleted for good",
                    change.kind.as_str(),
                    change.name
                ),
                "Make the drop explicit in the migration, after every use of it \
                    is gone from the code, and have a maintainer approve it with \
                    the override label.",
            )
            .about(subject)
            .with_evidence(vec![Evidence::Diff {
                summary: format!("{} {} removed", change.kind.as_str(), change.name),
            }]);
            out.push(Located { location, hit });
        }
    }
}
