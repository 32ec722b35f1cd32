use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP VIEW` and `DROP MATERIALIZED VIEW` of a view that existed before this change
    /// (a view recreated later in the same change is still flagged: code may read it in between).
    ///
    /// ## Why it matters
    /// Code and reports that read the view fail from the moment it is dropped; the drop also
    /// waits for an ACCESS EXCLUSIVE lock on the view.
    ///
    /// ## Example
    /// ```sql
    /// DROP VIEW active_users;
    /// ```
    ///
    /// ## Use instead
    /// `CREATE OR REPLACE VIEW` when only adding columns; otherwise move readers off the view
    /// first.
    pub struct DropView {
        name: "drop-view",
        category: BackwardIncompatible,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for DropView {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Drop {
            kind: kind @ (ObjectKind::View | ObjectKind::MaterializedView),
            names,
            ..
        } = cx.action()
        {
            for view in names {
                out.push(
                    Hit::new(
                        format!(
                            "drops {} {view}: code that still reads it fails",
                            kind.describe()
                        ),
                        "Use CREATE OR REPLACE VIEW when you can; otherwise move readers \
                        off the view in an earlier deploy.",
                    )
                    .about(view.subject(SubjectKind::View)),
                );
            }
        }
    }
}
