use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags a new migration whose version sorts before the newest migration on the base branch.
    ///
    /// ## Why it matters
    /// Databases already at the newest version skip it (golang-migrate, Flyway by default) or run it
    /// after later migrations, in an order nobody tested. This happens when two branches add migrations
    /// in parallel.
    ///
    /// ## Example
    /// The base branch has `20240301_add_index.sql`; the pull request adds `20240215_add_column.sql`.
    ///
    /// ## Use instead
    /// Rename the new file so its version is after the newest one on the base branch.
    pub struct OutOfOrderVersion {
        name: "out-of-order-version",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(OutOfOrderVersion);
