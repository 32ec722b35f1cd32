use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{Issue, IssueKind};

declare_rule! {
    /// ## What it does
    /// Flags two migrations of one directory that their framework cannot tell apart: the same
    /// version number (golang-migrate, goose, sqlx: `001_a` and `1_b` are both version 1;
    /// Flyway: `V1` and `V1.0`), the same leading digits (dbmate), the same version without its
    /// `-`s (diesel), the same text before the first `_` (Atlas). Prisma tells migrations apart
    /// by their whole directory name, so two Prisma migrations with the same timestamp are
    /// fine.
    ///
    /// ## Why it matters
    /// Depending on the tool, it refuses to run (golang-migrate, goose, Flyway), fails on the
    /// second one (sqlx), or applies only one of the two and never the other (diesel, dbmate).
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
                        {format} {}",
                    format.on_duplicate()
                ),
                "Give the new migration a version of its own, after the newest one.",
            ));
        }
    }
}
