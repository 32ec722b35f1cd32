use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{Issue, IssueKind};

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

impl Rule for OutOfOrderVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        if let IssueKind::OutOfOrder {
            format,
            version,
            newest,
        } = &issue.kind
        {
            out.push(Hit::new(
                format!(
                    "version {version} sorts before {newest}, the newest migration \
                        on the base branch; {format} will skip it or run it out of \
                        order on databases that are already up to date"
                ),
                "Rename the file so that its version comes after the newest \
                    migration on the base branch.",
            ));
        }
    }
}
