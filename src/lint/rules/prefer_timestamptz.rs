use super::column_type_rule;

declare_rule! {
    /// ## What it does
    /// Flags `timestamp` (without time zone) columns.
    ///
    /// ## Why it matters
    /// `timestamp` stores wall-clock time with no zone: values written by servers or sessions in
    /// different time zones cannot be compared, and daylight-saving changes create duplicates.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN shipped_at timestamp;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    /// ```
    pub struct PreferTimestamptz {
        name: "prefer-timestamptz",
        category: Hygiene,
        severity: Info,
        aliases: ["prefer-timestamp-tz"],
    }
}

column_type_rule!(
    PreferTimestamptz,
    |t| t.base == "timestamp",
    "{table}.{column} is {ty}: it stores wall-clock time without a \
        zone, so values from different time zones cannot be compared",
    "Use timestamptz."
);
