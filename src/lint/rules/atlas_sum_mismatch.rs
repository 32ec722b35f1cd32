use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags an `atlas.sum` that does not match the migration files (computed the way Atlas does).
    ///
    /// ## Why it matters
    /// `atlas migrate apply` refuses to run a directory whose sum file does not match, so the
    /// deploy fails. A mismatch also hides edits to merged migrations.
    ///
    /// ## Example
    /// A migration file was added or edited without re-running `atlas migrate hash`.
    ///
    /// ## Use instead
    /// Run `atlas migrate hash` and commit the result.
    pub struct AtlasSumMismatch {
        name: "atlas-sum-mismatch",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(AtlasSumMismatch);
