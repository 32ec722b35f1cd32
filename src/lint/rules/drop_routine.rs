use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP FUNCTION`, `DROP PROCEDURE` and `DROP ROUTINE` of a routine that existed
    /// before this change (one the change creates with a plain `CREATE FUNCTION` is its own
    /// to drop).
    ///
    /// ## Why it matters
    /// Code that calls the routine, and triggers, defaults, views and other routines that
    /// call it by name in their body, fail from the moment it is gone: the running version of
    /// the application still calls it until every instance is redeployed. Postgres does not
    /// track calls inside a function body, so `DROP` succeeds without `CASCADE` and the
    /// failure only shows at run time.
    ///
    /// ## Example
    /// ```sql
    /// DROP FUNCTION compute_total(integer);
    /// ```
    ///
    /// ## Use instead
    /// Deploy the code that stops calling it first; drop the routine in a later migration.
    /// To change its signature, create the new one beside it and drop the old one once
    /// nothing calls it.
    pub struct DropRoutine {
        name: "drop-routine",
        category: BackwardIncompatible,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for DropRoutine {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Action::Drop {
            kind: ObjectKind::Function,
            names,
            arguments,
            ..
        } = cx.action()
        else {
            return;
        };
        for (index, routine) in names.iter().enumerate() {
            let arguments = arguments.get(index).cloned().flatten();
            if cx.state.created_routine(routine, arguments.as_deref()) {
                continue;
            }
            out.push(
                Hit::new(
                    format!(
                        "drops routine {routine}: the code, triggers and routines that still \
                        call it fail from now on"
                    ),
                    "Deploy the code that stops calling it first, and drop it in a later \
                    migration.",
                )
                .about(routine.subject(SubjectKind::Function)),
            );
        }
    }
}
