use crate::finding::{Subject, SubjectKind};
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP DATABASE`.
    ///
    /// ## Why it matters
    /// Everything in the database is deleted. A migration should never do this; it is almost
    /// always a script run against the wrong connection.
    ///
    /// ## Example
    /// ```sql
    /// DROP DATABASE analytics;
    /// ```
    ///
    /// ## Use instead
    /// Drop databases by hand, outside the migration history, after taking a backup.
    pub struct DropDatabase {
        name: "drop-database",
        category: Destructive,
        severity: Error,
        aliases: ["ban-drop-database", "destructive"],
    }
}

impl Rule for DropDatabase {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Drop {
            kind: ObjectKind::Database,
            names,
            ..
        } = cx.action()
        {
            for db in names {
                out.push(
                    Hit::new(
                        format!(
                            "drops database {}: every table and row in it is deleted",
                            db.name
                        ),
                        "Do not drop databases from migrations; do it by hand after a backup.",
                    )
                    .about(Subject::new(SubjectKind::Database, None, &db.name)),
                );
            }
        }
    }
}
