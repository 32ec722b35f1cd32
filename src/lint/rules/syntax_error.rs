use crate::lint::{FileContext, Hit, Rule, RuleMeta};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a string, quoted identifier, dollar quote or block comment that is never closed.
    ///
    /// ## Why it matters
    /// Everything after it becomes one unfinished statement; Postgres rejects the file.
    ///
    /// ## Example
    /// ```sql
    /// CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $$ LANGUAGE sql;
    /// ```
    ///
    /// ## Use instead
    /// Close it; a dollar quote's closing tag must repeat the opening tag exactly (`$body$ ... $body$`).
    pub struct SyntaxError {
        name: "syntax-error",
        category: Integrity,
        severity: Error,
        aliases: [],
        predicts: ["42601"],
    }
}

impl Rule for SyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_file(&self, cx: &FileContext, out: &mut Vec<Hit>) {
        let Some(unterminated) = cx.unterminated else {
            return;
        };
        let position = cx.source.position(unterminated.start);
        out.push(
            Hit::new(
                format!(
                    "unterminated {} starting at line {}, column {}: everything \
                        after it is one unfinished statement and Postgres will reject \
                        the file",
                    unterminated.what, position.line, position.column
                ),
                "Close the literal or comment; for dollar quotes the closing tag \
                    must match the opening one exactly.",
            )
            .at(Span::new(unterminated.start, unterminated.start)),
        );
    }
}
