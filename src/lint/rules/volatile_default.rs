use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

/// Functions Postgres marks VOLATILE that show up in column defaults.
pub const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "setseed",
];

declare_rule! {
    /// ## What it does
    /// Flags a column added to an existing table with a volatile default, such as
    /// `gen_random_uuid()`, `random()`, `clock_timestamp()` or `nextval()`. (On Postgres 10 and
    /// older, any default.)
    ///
    /// ## Why it matters
    /// Since Postgres 11 a constant or stable default (`0`, `now()`) is stored once in the
    /// catalog and the column is added instantly. A volatile default must be computed per row, so
    /// Postgres rewrites the whole table under an ACCESS EXCLUSIVE lock.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN public_id uuid;
    /// ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
    /// -- then backfill existing rows in batches
    /// ```
    pub struct VolatileDefault {
        name: "volatile-default",
        category: TableRewrite,
        severity: Error,
        aliases: ["adding-field-with-default"],
    }
}

impl Rule for VolatileDefault {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::AddColumn(column) = op else {
                continue;
            };
            let Some(default) = &column.default else {
                continue;
            };
            let volatile = default
                .functions
                .iter()
                .find(|f| VOLATILE_FUNCTIONS.contains(&f.as_str()));
            let reason = match volatile {
                Some(f) => format!("its default calls the volatile function {f}()"),
                None if cx.settings.postgres_version < 11 => {
                    format!(
                        "Postgres {} rewrites the table for any default",
                        cx.settings.postgres_version
                    )
                }
                None => continue,
            };
            out.push(Hit::new(
                format!(
                    "adds {table}.{} and {reason}: every row is rewritten under an \
                    ACCESS EXCLUSIVE lock, blocking all reads and writes for a time \
                    that grows with the table",
                    column.name
                ),
                format!(
                    "Add the column without a default, then `ALTER COLUMN {} SET \
                    DEFAULT {}` and backfill existing rows in batches.",
                    column.name, default.text
                ),
            ));
        }
    }
}
