use super::column_type_rule;

declare_rule! {
    /// ## What it does
    /// Flags `json` columns.
    ///
    /// ## Why it matters
    /// `json` stores the text as written and re-parses it on every access; it cannot be indexed
    /// with GIN and has no equality operator, so `DISTINCT` and `GROUP BY` fail on it.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE events ADD COLUMN payload json;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE events ADD COLUMN payload jsonb;
    /// ```
    pub struct PreferJsonb {
        name: "prefer-jsonb",
        category: Hygiene,
        severity: Info,
        aliases: [],
    }
}

column_type_rule!(
    PreferJsonb,
    |t| t.base == "json",
    "{table}.{column} is {ty}: it is re-parsed on every access, \
        cannot be GIN-indexed and has no equality operator",
    "Use jsonb."
);
