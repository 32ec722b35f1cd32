use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags a migration file Drydock cannot read: not UTF-8, unreadable, or missing the up-section
    /// annotation its format needs (`-- +goose Up`, `-- migrate:up`).
    ///
    /// ## Why it matters
    /// The framework will reject the file too, or run nothing from it; the rest of the directory
    /// is still checked.
    ///
    /// ## Example
    /// A file saved as Latin-1 with an accented character in a comment.
    ///
    /// ## Use instead
    /// Save the file as UTF-8; add the format's up annotation.
    pub struct InvalidFile {
        name: "invalid-file",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(InvalidFile);
