use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags a migration that exists on the base branch and was deleted.
    ///
    /// ## Why it matters
    /// Deployed databases keep what it did; new databases never get it. Some frameworks also
    /// refuse to run when an applied migration is missing.
    ///
    /// ## Example
    /// A pull request removes `0003_create_users.sql`.
    ///
    /// ## Use instead
    /// Keep the file; undo its effect with a new migration.
    pub struct MigrationDeleted {
        name: "migration-deleted",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(MigrationDeleted);
