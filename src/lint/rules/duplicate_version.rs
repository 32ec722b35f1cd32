use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{Issue, IssueKind};

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

impl Rule for DuplicateVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        if let IssueKind::DuplicateVersion {
            format,
            version,
            first,
            second,
        } = &issue.kind
        {
            out.push(Hit::new(
                format!(
                    "version {version} is used by both {first} and {second}; \
                        {format} will apply only one of them or refuse to run"
                ),
                "Give the new migration a version of its own, after the newest one.",
            ));
        }
    }
}
