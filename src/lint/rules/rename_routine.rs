use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `ALTER FUNCTION|PROCEDURE|ROUTINE ... RENAME TO` of a routine that existed before
    /// this change.
    ///
    /// ## Why it matters
    /// To its callers a rename is a drop: the running version of the application, and
    /// triggers, views and other routines that call it by name in their body, fail on the old
    /// name from the moment the migration commits. Postgres does not track calls inside a
    /// function body, so the rename succeeds and the failure only shows at run time.
    ///
    /// ## Example
    /// ```sql
    /// ALTER FUNCTION compute_total(integer) RENAME TO order_total;
    /// ```
    ///
    /// ## Use instead
    /// Create the routine under its new name beside the old one (the old one can call the
    /// new), move the callers over in a deploy, and drop the old name in a later migration.
    pub struct RenameRoutine {
        name: "rename-routine",
        category: BackwardIncompatible,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for RenameRoutine {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Action::Rename {
            kind: ObjectKind::Function,
            from,
            to,
            arguments,
        } = cx.action()
        else {
            return;
        };
        if cx.state.created_routine(from, arguments.as_deref()) {
            return;
        }
        out.push(
            Hit::new(
                format!(
                    "renames routine {from} to {to}: the code, triggers and routines that \
                    still call {from} fail from now on"
                ),
                format!(
                    "Create {to} beside {from} and move the callers over in a deploy; drop \
                    {from} in a later migration."
                ),
            )
            .about(from.subject(SubjectKind::Function)),
        );
    }
}
