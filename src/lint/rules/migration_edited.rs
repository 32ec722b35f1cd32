use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags a migration that exists on the base branch (`--base REF`) and was edited.
    ///
    /// ## Why it matters
    /// Databases that already ran the file will never run it again, so they never get the edit;
    /// new databases do. Production and fresh environments silently diverge.
    ///
    /// ## Example
    /// A pull request changes `0007_add_orders.sql`, which is already merged.
    ///
    /// ## Use instead
    /// Revert the edit and write a new migration with the change.
    pub struct MigrationEdited {
        name: "migration-edited",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(MigrationEdited);
