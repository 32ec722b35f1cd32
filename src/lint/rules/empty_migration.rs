use crate::lint::{FileContext, Hit, Rule, RuleMeta};

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

impl Rule for EmptyMigration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_file(&self, cx: &FileContext, out: &mut Vec<Hit>) {
        // A file that is only an unterminated literal is a syntax error, not an empty file.
        let whitespace = cx.source.text.trim().is_empty();
        if whitespace || cx.statements == 0 && cx.unterminated.is_none() {
            out.push(Hit::new(
                "the migration has no statements; the framework will record it \
                    as applied and do nothing",
                "Add the intended statements, or delete the file if it was created by mistake.",
            ));
        }
    }
}
