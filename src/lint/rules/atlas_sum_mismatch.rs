use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{AtlasSumDifference, Issue, IssueKind};

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

impl Rule for AtlasSumMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        let IssueKind::AtlasSumMismatch(difference) = &issue.kind else {
            return;
        };
        let detail = match difference {
            AtlasSumDifference::NotListed(name) => format!("{name} is not listed in it"),
            AtlasSumDifference::HashDiffers(name) => {
                format!("{name} differs from the hash it records")
            }
            AtlasSumDifference::ListsMissingFiles => {
                "it lists files that are no longer in the directory".to_string()
            }
        };
        out.push(Hit::new(
            format!(
                "atlas.sum no longer matches the migration directory: {detail}; \
                    `atlas migrate apply` will refuse to run"
            ),
            "Run `atlas migrate hash` and commit the updated atlas.sum \
                (after checking that no merged migration was edited).",
        ));
    }
}
