use super::column_type_rule;

declare_rule! {
    /// ## What it does
    /// Flags `varchar(n)` and `char(n)` columns (off by default).
    ///
    /// ## Why it matters
    /// In Postgres `varchar(n)` is stored exactly like `text`; the limit only adds a failure mode,
    /// and lowering it later rewrites the table. `char(n)` pads with spaces, which surprises
    /// comparisons.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD COLUMN nickname varchar(40);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE users ADD COLUMN nickname text CHECK (length(nickname) <= 40);
    /// ```
    pub struct PreferText {
        name: "prefer-text",
        category: Hygiene,
        severity: Off,
        aliases: ["prefer-text-field"],
    }
}

column_type_rule!(
    PreferText,
    |t| (t.base == "varchar" && !t.modifiers.is_empty()) || t.base == "char",
    "{table}.{column} is {ty}: the length limit is stored like text \
        but can only fail, and changing it later can rewrite the table",
    "Use text, with a CHECK (length(...) <= n) constraint if the limit matters."
);
