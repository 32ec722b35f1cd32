use super::column_type_change::is_binary_compatible;
use super::existing_table_ops;
use crate::finding::SubjectKind;
use crate::lint::state::is_not_null_check;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{AlterTableOp, ConstraintKind, Name, TypeName};

declare_rule! {
    /// ## What it does
    /// Flags a statement on an existing table that fails if any row already there breaks it:
    /// a `CHECK` or foreign key added without `NOT VALID`, `SET NOT NULL` (also after an
    /// `UPDATE` that backfills the column in the same transaction), a type change that narrows
    /// (`varchar(100)` → `varchar(20)`, `bigint` → `integer`) or converts with `USING`. Each
    /// finding gives a query that counts the rows that would make it fail.
    ///
    /// ## Why it matters
    /// This is why a migration that passed on every test database fails in production: the
    /// test data was clean, production's is not. The lock and rewrite findings on the same
    /// statement say how long it blocks; this one says whether it works at all. A backfill in
    /// the same transaction does not settle it: the rows the application writes between the
    /// `UPDATE` and the moment `SET NOT NULL` gets its lock can still be NULL.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
    /// ALTER TABLE orders ALTER COLUMN code TYPE varchar(20);
    /// ```
    ///
    /// ## Use instead
    /// Run the counting query against production (or a replica) first, fix the rows in an
    /// earlier deploy, and stop the code from writing new ones; then add the constraint
    /// `NOT VALID` and `VALIDATE` it, so that a remaining row fails only the validation:
    /// ```sql
    /// SELECT count(*) FROM orders WHERE NOT (amount > 0);
    /// ```
    pub struct FailsOnExistingRows {
        name: "fails-on-existing-rows",
        category: DataDependent,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for FailsOnExistingRows {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        let added = |column: &str| {
            cx.state
                .added_columns
                .contains(&(table.key(), column.to_string()))
        };
        for op in ops {
            let hit = match op {
                AlterTableOp::AddConstraint {
                    constraint,
                    not_valid: false,
                } => match &constraint.kind {
                    ConstraintKind::Check { expression }
                        if !names_only(expression, |word| added(word)) =>
                    {
                        Some(check(table, expression))
                    }
                    ConstraintKind::ForeignKey {
                        references,
                        referred_columns,
                    } if !constraint.columns.iter().all(|c| added(c)) => Some(foreign_key(
                        table,
                        &constraint.columns,
                        references,
                        referred_columns,
                    )),
                    _ => None,
                },
                AlterTableOp::SetNotNull { column }
                    if !added(column)
                        && !cx
                            .state
                            .not_null_checks
                            .contains(&(table.key(), column.clone())) =>
                {
                    let backfilled = cx.state.updated_in_transaction.contains(&table.key());
                    Some(set_not_null(table, column, backfilled))
                }
                AlterTableOp::AlterType { column, to, using } if !added(column) => {
                    let from = cx
                        .state
                        .column_types
                        .get(&table.key())
                        .and_then(|types| types.get(column));
                    type_change(table, column, from, to, using.as_deref())
                }
                _ => None,
            };
            out.extend(hit);
        }
    }
}

/// Words of an expression that are never column names.
const NOT_COLUMNS: &[&str] = &[
    "and", "or", "not", "is", "null", "true", "false", "in", "between", "like", "ilike", "similar",
    "to", "any", "all", "some", "distinct", "from", "case", "when", "then", "else", "end", "cast",
    "as", "array", "value",
];

/// Whether every column `expression` reads is one `is_new` accepts (columns this change added,
/// which hold only their default, already known to the change). Words before `(` are
/// functions, words after `::` types, and literals are no columns.
fn names_only(expression: &str, is_new: impl Fn(&str) -> bool) -> bool {
    use crate::sql::lexer::{TokenKind, lex};
    let (tokens, _) = lex(expression);
    let text = |i: usize| &expression[tokens[i].span.start..tokens[i].span.end];
    let mut columns = (0..tokens.len()).filter_map(|i| {
        let folded = match tokens[i].kind {
            TokenKind::Word => text(i).to_ascii_lowercase(),
            TokenKind::QuotedIdent => text(i).trim_matches('"').to_string(),
            _ => return None,
        };
        let before_paren = i + 1 < tokens.len() && text(i + 1) == "(";
        // The lexer gives `::` as two `:` tokens.
        let after_cast = i > 1 && text(i - 1) == ":" && text(i - 2) == ":";
        let column = !before_paren && !after_cast && !NOT_COLUMNS.contains(&folded.as_str());
        column.then_some(folded)
    });
    let mut any = false;
    let all_new = columns.all(|c| {
        any = true;
        is_new(&c)
    });
    any && all_new
}

fn counting_help(query: String) -> String {
    format!(
        "Count them in production (or a replica) first: `{query}`. Fix them in an earlier \
        deploy, and stop the code from writing new ones."
    )
}

fn check(table: &Name, expression: &str) -> Hit {
    // A CHECK passes on NULL, so the violating rows are those where it is false.
    let violating = match is_not_null_check(expression) {
        Some(column) => format!("{column} IS NULL"),
        None => format!("NOT ({expression})"),
    };
    Hit::new(
        format!(
            "adds CHECK ({expression}) to {table}, which already has rows: the statement \
            fails if any of them violates it"
        ),
        counting_help(format!("SELECT count(*) FROM {table} WHERE {violating};")),
    )
}

fn foreign_key(table: &Name, columns: &[String], references: &Name, referred: &[String]) -> Hit {
    // MATCH SIMPLE (the default): a row with any NULL in the key is not checked.
    let present = columns
        .iter()
        .map(|c| format!("t.{c} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let referred: Vec<String> = if referred.is_empty() {
        // The key names no columns: it references the other table's primary key.
        columns
            .iter()
            .map(|_| "<its primary key column>".to_string())
            .collect()
    } else {
        referred.to_vec()
    };
    let matching = columns
        .iter()
        .zip(&referred)
        .map(|(c, r)| format!("r.{r} = t.{c}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    Hit::new(
        format!(
            "adds a foreign key from {table} ({}) to {references}: the statement fails if \
            any existing row of {table} points to a row {references} does not have",
            columns.join(", ")
        ),
        counting_help(format!(
            "SELECT count(*) FROM {table} t WHERE {present} AND NOT EXISTS \
            (SELECT 1 FROM {references} r WHERE {matching});"
        )),
    )
    .about(table.subject(SubjectKind::Table))
}

fn set_not_null(table: &Name, column: &str, backfilled: bool) -> Hit {
    let mut message = format!(
        "SET NOT NULL on {table}.{column} fails if any existing row holds NULL in {column}"
    );
    if backfilled {
        message.push_str(
            ": the UPDATE before it in this transaction fills only the rows it saw, and \
            the application can write new NULLs until SET NOT NULL gets its lock",
        );
    }
    Hit::new(
        message,
        counting_help(format!(
            "SELECT count(*) FROM {table} WHERE {column} IS NULL;"
        )),
    )
    .about(table.member(SubjectKind::Column, column))
}

/// The integer types by range, narrowest first.
const INTEGERS: &[(&str, i64, i64)] = &[
    ("smallint", i16::MIN as i64, i16::MAX as i64),
    ("integer", i32::MIN as i64, i32::MAX as i64),
    ("bigint", i64::MIN, i64::MAX),
];

fn type_change(
    table: &Name,
    column: &str,
    from: Option<&TypeName>,
    to: &TypeName,
    using: Option<&str>,
) -> Option<Hit> {
    let about = table.member(SubjectKind::Column, column);
    if let Some(using) = using {
        return Some(
            Hit::new(
                format!(
                    "converts {table}.{column} to {} with USING {using}: the statement \
                    fails on the first existing row the expression cannot convert",
                    to.written
                ),
                format!(
                    "Try the conversion on production's data (a replica) first: `SELECT \
                    count(({using})::{}) FROM {table};` fails the same way if any row does \
                    not convert. Fix those rows in an earlier deploy.",
                    to.written
                ),
            )
            .about(about),
        );
    }
    if from.is_some_and(|from| is_binary_compatible(from, to)) {
        return None;
    }
    // Shorter strings: a value longer than the new length fails the assignment cast.
    if matches!(to.base.as_str(), "varchar" | "bpchar" | "char")
        && let Some(&length) = to.modifiers.first()
    {
        return Some(
            Hit::new(
                format!(
                    "changes {table}.{column} to {}: the statement fails if any existing \
                    value is longer than {length} characters",
                    to.written
                ),
                counting_help(format!(
                    "SELECT count(*) FROM {table} WHERE char_length({column}) > {length};"
                )),
            )
            .about(about),
        );
    }
    // A narrower integer: only a known wider old type can overflow.
    let range = |base: &str| INTEGERS.iter().position(|(name, ..)| *name == base);
    let (Some(old), Some(new)) = (range(&from?.base), range(&to.base)) else {
        return None;
    };
    if new >= old {
        return None;
    }
    let (name, min, max) = INTEGERS[new];
    Some(
        Hit::new(
            format!(
                "changes {table}.{column} from {} to {}: the statement fails if any \
                existing value is outside {name}'s range",
                from?.written, to.written
            ),
            counting_help(format!(
                "SELECT count(*) FROM {table} WHERE {column} NOT BETWEEN {min} AND {max};"
            )),
        )
        .about(about),
    )
}
