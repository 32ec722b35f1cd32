use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check`: Postgres rejected a statement when the migrations were
    /// applied to a throwaway database (or it ran past the statement timeout, or ended its own
    /// connection). The finding points at the position Postgres reported and carries the SQLSTATE,
    /// message, detail and hint.
    ///
    /// ## Why it matters
    /// The deploy would stop at the same statement. Under a framework that wraps each file in a
    /// transaction the file is rolled back; otherwise the statements before it stay applied and
    /// the database is left half-migrated. Later migrations do not run.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN total numeric;
    /// ALTER TABLE orders ADD COLUMN total numeric;  -- column "total" already exists
    /// ```
    ///
    /// ## Use instead
    /// Write the statement against the schema the earlier migrations produce:
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN total numeric;
    /// ```
    pub struct MigrationFails {
        name: "migration-fails",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(MigrationFails);
