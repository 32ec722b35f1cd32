use super::plan_rule;

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
    }
}

plan_rule!(SyntaxError);
