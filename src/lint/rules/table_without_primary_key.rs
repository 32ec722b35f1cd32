use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ConstraintKind};

declare_rule! {
    /// ## What it does
    /// Flags `CREATE TABLE` without a primary key (off by default).
    ///
    /// ## Why it matters
    /// Logical replication cannot replicate UPDATEs and DELETEs of a table without a primary key
    /// (or replica identity), and rows cannot be addressed reliably by tools and ORMs.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE page_views (url text, viewed_at timestamptz);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE page_views (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, url text, viewed_at timestamptz);
    /// ```
    pub struct TableWithoutPrimaryKey {
        name: "table-without-primary-key",
        category: Hygiene,
        severity: Off,
        aliases: [],
    }
}

impl Rule for TableWithoutPrimaryKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Action::CreateTable {
            table,
            columns,
            constraints,
            partition_of: None,
        } = cx.action()
        else {
            return;
        };
        if !cx.statement.parsed || columns.is_empty() {
            return;
        }
        let has_pk = columns.iter().any(|c| c.primary_key)
            || constraints.iter().any(|c| {
                matches!(
                    c.kind,
                    ConstraintKind::PrimaryKey
                        | ConstraintKind::UsingIndex {
                            primary_key: true,
                            ..
                        }
                )
            });
        if !has_pk {
            out.push(Hit::new(
                format!(
                    "{table} has no primary key: logical replication cannot \
                    replicate its UPDATEs and DELETEs"
                ),
                "Add a primary key, e.g. `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`.",
            ));
        }
    }
}
