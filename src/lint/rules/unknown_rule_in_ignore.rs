use crate::lint::{FileContext, Hit, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a `-- drydock:ignore` or `-- drydock:ignore-file` comment naming a rule that does not
    /// exist.
    ///
    /// ## Why it matters
    /// The comment ignores nothing, usually because of a typo, so the finding it meant to silence
    /// is still reported and the reader is misled.
    ///
    /// ## Example
    /// `-- drydock:ignore drop-colum -- backfilled in #123`
    ///
    /// ## Use instead
    /// Use a name from `drydock rules`: `-- drydock:ignore drop-column -- backfilled in #123`.
    pub struct UnknownRuleInIgnore {
        name: "unknown-rule-in-ignore",
        category: Integrity,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for UnknownRuleInIgnore {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_file(&self, cx: &FileContext, out: &mut Vec<Hit>) {
        for unknown in cx.unknown_ignores {
            out.push(
                Hit::new(
                    format!(
                        "`{}` is not a Drydock rule, so this ignore comment does nothing",
                        unknown.name
                    ),
                    "Use a name from `drydock rules` (e.g. `drop-column`), or remove the comment.",
                )
                .at(unknown.span),
            );
        }
    }
}
