use super::plan_rule;

declare_rule! {
    /// ## What it does
    /// Flags two migrations with the same version in one directory.
    ///
    /// ## Why it matters
    /// Frameworks refuse to run, or apply only one of the two, depending on the tool.
    ///
    /// ## Example
    /// `0005_add_email.sql` and `0005_add_phone.sql`.
    ///
    /// ## Use instead
    /// Give each migration its own version.
    pub struct DuplicateVersion {
        name: "duplicate-version",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

plan_rule!(DuplicateVersion);
