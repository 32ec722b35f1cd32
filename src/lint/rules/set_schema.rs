use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, AlterTableOp, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE|VIEW|FUNCTION|SEQUENCE|TYPE ... SET SCHEMA` on an object that existed
    /// before this change.
    ///
    /// ## Why it matters
    /// Moving an object to another schema renames it for everyone who reaches it by name:
    /// queries that qualify it with the old schema fail, and so do those that find it through
    /// `search_path` when the new schema is not on it. Like a rename, it breaks the version of
    /// the application that is still running.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders SET SCHEMA archive;
    /// ```
    ///
    /// ## Use instead
    /// Move the code to the new name first (qualify it, or add the schema to `search_path`);
    /// for a table, a view in the old schema (`CREATE VIEW public.orders AS SELECT * FROM
    /// archive.orders`) keeps the old name working while the code moves.
    pub struct SetSchema {
        name: "set-schema",
        category: BackwardIncompatible,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for SetSchema {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let (kind, name, schema, subject) = match cx.action() {
            Action::AlterTable { table, ops } => {
                let Some(schema) = ops.iter().find_map(|op| match op {
                    AlterTableOp::SetSchema { schema } => Some(schema),
                    _ => None,
                }) else {
                    return;
                };
                if !cx.is_existing_table(table) {
                    return;
                }
                (ObjectKind::Table, table, schema, SubjectKind::Table)
            }
            Action::SetSchema {
                kind,
                name,
                schema,
                arguments,
            } => {
                let subject = match kind {
                    ObjectKind::Function => {
                        if cx.state.created_routine(name, arguments.as_deref()) {
                            return;
                        }
                        SubjectKind::Function
                    }
                    ObjectKind::Type => {
                        if cx.state.created_types.contains(&name.key()) {
                            return;
                        }
                        SubjectKind::Type
                    }
                    ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence
                        if cx.state.created_relations.contains(&(*kind, name.key())) =>
                    {
                        return;
                    }
                    ObjectKind::View | ObjectKind::MaterializedView => SubjectKind::View,
                    ObjectKind::Sequence => SubjectKind::Sequence,
                    ObjectKind::Table => {
                        if !cx.is_existing_table(name) {
                            return;
                        }
                        SubjectKind::Table
                    }
                    _ => return,
                };
                (*kind, name, schema, subject)
            }
            _ => return,
        };
        out.push(
            Hit::new(
                format!(
                    "moves {} {name} to schema {schema}: queries that name it as {name}, or \
                    find it through a search_path without {schema}, fail from now on",
                    kind.describe()
                ),
                "Move the code to the new name first, or keep the old name working (a view \
                in the old schema) until every instance is redeployed.",
            )
            .about(name.subject(subject)),
        );
    }
}
