use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP TYPE` / `DROP DOMAIN` of a type that existed before this change.
    ///
    /// ## Why it matters
    /// Without CASCADE the drop fails while any column uses the type, failing the deploy; with
    /// CASCADE, Postgres drops those columns and their data.
    ///
    /// ## Example
    /// ```sql
    /// DROP TYPE order_status CASCADE;
    /// ```
    ///
    /// ## Use instead
    /// Move the columns to another type first (`ALTER COLUMN ... TYPE text`), deploy, then drop
    /// the unused type without CASCADE.
    pub struct DropType {
        name: "drop-type",
        category: Destructive,
        severity: Error,
        aliases: ["destructive"],
    }
}

impl Rule for DropType {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Drop {
            kind: ObjectKind::Type,
            names,
            cascade,
            ..
        } = cx.action()
        {
            for ty in names
                .iter()
                .filter(|t| !cx.state.created_types.contains(&t.key()))
            {
                let effect = if *cascade {
                    "with CASCADE, every column of that type is dropped with its data"
                } else {
                    "it fails while any column still uses the type"
                };
                out.push(
                    Hit::new(
                        format!("drops type {ty}: {effect}"),
                        "Move columns off the type first, then drop it without CASCADE, \
                        approved with the override label.",
                    )
                    .about(ty.subject(SubjectKind::Type)),
                );
            }
        }
    }
}
