use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check` when the schema diff from the base state to the state after
    /// the migrations under review shows a table, column or schema gone, and no statement was
    /// recognised as dropping it: a DROP inside a DO block, a function, or a statement form the
    /// static rules do not know.
    ///
    /// ## Why it matters
    /// The data is deleted for good, and running code that still uses the object fails. Like
    /// every destructive change, it blocks the merge until a maintainer approves it with the
    /// override label.
    ///
    /// ## Example
    /// ```sql
    /// DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'legacy_carts'; END $$;
    /// ```
    ///
    /// ## Use instead
    /// Make the drop explicit, after a deploy that removed every use:
    /// ```sql
    /// DROP TABLE legacy_carts;
    /// ```
    pub struct DestructiveChange {
        name: "destructive-change",
        category: Destructive,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(DestructiveChange);
