use super::column_type_rule;

declare_rule! {
    /// ## What it does
    /// Flags `serial`/`bigserial` columns (off by default).
    ///
    /// ## Why it matters
    /// serial creates a separately owned sequence with loose permissions and odd dump/restore
    /// behaviour; `GENERATED ... AS IDENTITY` is the SQL-standard replacement, tied to the column.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE users (id bigserial PRIMARY KEY);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    /// ```
    pub struct PreferIdentity {
        name: "prefer-identity",
        category: Hygiene,
        severity: Off,
        aliases: ["prefer-identity"],
    }
}

column_type_rule!(
    PreferIdentity,
    |t| t.base.ends_with("serial"),
    "{table}.{column} is {ty}: an identity column does the same with fewer surprises",
    "Use bigint GENERATED ALWAYS AS IDENTITY."
);
