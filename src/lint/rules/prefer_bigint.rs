use super::column_type_rule;

declare_rule! {
    /// ## What it does
    /// Flags `integer`, `smallint` and `serial` columns (off by default).
    ///
    /// ## Why it matters
    /// A 32-bit id runs out at 2,147,483,647; changing the type later rewrites the table and
    /// every table that references it. bigint costs four more bytes per row.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE events (id serial PRIMARY KEY, user_id integer);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint);
    /// ```
    pub struct PreferBigint {
        name: "prefer-bigint",
        category: Hygiene,
        severity: Off,
        aliases: ["prefer-big-int", "prefer-bigint-over-int", "prefer-bigint-over-smallint"],
    }
}

column_type_rule!(
    PreferBigint,
    |t| matches!(
        t.base.as_str(),
        "integer" | "smallint" | "serial" | "smallserial"
    ),
    "{table}.{column} is {ty}: a 32-bit or smaller integer can run \
        out, and widening it later rewrites the table",
    "Use bigint (or bigserial / bigint identity)."
);
