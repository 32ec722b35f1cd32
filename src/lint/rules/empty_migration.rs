use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags a migration file with no statements in its up section.
    ///
    /// ## Why it matters
    /// The framework records it as applied and does nothing; usually the SQL was forgotten or put
    /// under the wrong section.
    ///
    /// ## Example
    /// A goose file whose statements all sit under `-- +goose Down`.
    ///
    /// ## Use instead
    /// Add the statements, or delete the file.
    pub struct EmptyMigration {
        name: "empty-migration",
        category: Integrity,
        severity: Warning,
        aliases: [],
    }
}

plan_rule!(EmptyMigration);
