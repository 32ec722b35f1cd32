use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check` when a statement rewrote an existing table (its storage,
    /// `pg_class.relfilenode`, changed) and no static rule had flagged the statement: typically
    /// a DO block, a function call or a statement form the static rules do not recognise.
    ///
    /// ## Why it matters
    /// A rewrite copies the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock:
    /// no reads or writes for as long as the copy takes, which grows with the table's size.
    ///
    /// ## Example
    /// ```sql
    /// DO $$ BEGIN
    ///   EXECUTE 'ALTER TABLE orders ALTER COLUMN id TYPE bigint';
    /// END $$;
    /// ```
    ///
    /// ## Use instead
    /// Make the change without a rewrite: add a new column, backfill it in batches, and switch
    /// over; or schedule the rewrite in a maintenance window.
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN id_new bigint;
    /// -- backfill in batches, then swap in a later migration
    /// ```
    pub struct TracedTableRewrite {
        name: "traced-table-rewrite",
        category: TableRewrite,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(TracedTableRewrite);
