use crate::finding::{Subject, SubjectKind};
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP SCHEMA`.
    ///
    /// ## Why it matters
    /// With CASCADE it deletes every table, view, function and type in the schema and their
    /// data; without it, it fails as soon as the schema is not empty, breaking the deploy.
    ///
    /// ## Example
    /// ```sql
    /// DROP SCHEMA reporting CASCADE;
    /// ```
    ///
    /// ## Use instead
    /// Drop the objects one by one in reviewed changes, then the empty schema, with the
    /// override label.
    pub struct DropSchema {
        name: "drop-schema",
        category: Destructive,
        severity: Error,
        aliases: ["DS101", "destructive"],
    }
}

impl Rule for DropSchema {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Drop {
            kind: ObjectKind::Schema,
            names,
            cascade,
            ..
        } = cx.action()
        {
            for schema in names {
                out.push(
                    Hit::new(
                        format!(
                            "drops schema {}{}",
                            schema.name,
                            if *cascade {
                                " and, with CASCADE, every object in it and its data"
                            } else {
                                ""
                            }
                        ),
                        "Drop the schema's objects in reviewed steps; approve the final \
                        drop with the override label.",
                    )
                    .about(Subject::new(
                        SubjectKind::Schema,
                        None,
                        &schema.name,
                    )),
                );
            }
        }
    }
}
