use super::column_type_change::is_binary_compatible;
use crate::finding::SubjectKind;
use crate::lint::state::{AddedColumn, Filled};
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::expression::{self, Value};
use crate::sql::model::{
    Action, AlterTableOp, ConstraintKind, ForeignKey, Name, TypeName, quote_ident,
};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Flags a statement on an existing table that fails if any row already there breaks it:
    /// a `CHECK` or foreign key added without `NOT VALID` (also inline, with `ADD COLUMN`),
    /// `SET NOT NULL` (also after an `UPDATE` that backfills the column in the same
    /// transaction), `ADD PRIMARY KEY` on columns that may hold NULL, a type change that
    /// narrows (`varchar(100)` → `varchar(20)`, `numeric(10,2)` → `numeric(5,2)`, `bigint` →
    /// `integer`) or converts with `USING`, and `ALTER DOMAIN ... ADD CHECK` / `SET NOT NULL`,
    /// which checks every column of the domain. Each finding gives a query that counts the
    /// rows that would make it fail.
    ///
    /// A column this change adds holds its default on every row that was already there, so
    /// what reads only such columns is decided here: `ADD COLUMN qty int DEFAULT 0` then
    /// `CHECK (qty > 0)` fails on any table with rows, `DEFAULT 1` passes, and `SET NOT NULL`
    /// on a column added without a default fails unless an `UPDATE` in the same transaction
    /// filled it.
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
        match cx.action() {
            Action::AlterTable { table, ops } if cx.is_existing_table(table) => {
                alter_table(cx, table, ops, out)
            }
            Action::AlterDomainConstraint {
                domain,
                check,
                not_valid: false,
            } if !cx.state.created_types.contains(&domain.key()) => {
                out.push(domain_constraint(domain, check.as_deref()))
            }
            _ => {}
        }
    }
}

/// What the statement's operations risk, in order: a column added by an earlier operation of
/// the same statement is as new as one added by an earlier statement.
fn alter_table(cx: &Context, table: &Name, ops: &[AlterTableOp], out: &mut Vec<Hit>) {
    let mut added_here: HashMap<String, AddedColumn> = HashMap::new();
    for op in ops {
        let added_here_so_far = added_here.clone();
        let added = move |column: &str| {
            added_here_so_far.get(column).cloned().or_else(|| {
                cx.state
                    .added_columns
                    .get(&(table.key(), column.to_string()))
                    .cloned()
            })
        };
        let known_not_null = |column: &str| {
            cx.state
                .not_null_columns
                .contains(&(table.key(), column.to_string()))
                || cx
                    .state
                    .not_null_checks
                    .contains(&(table.key(), column.to_string()))
        };
        match op {
            AlterTableOp::AddColumn(column) => {
                let new = AddedColumn::of(column);
                added_here.insert(column.name.clone(), new.clone());
                let with_it = |c: &str| match c == column.name {
                    true => Some(new.clone()),
                    false => added(c),
                };
                for expression in &column.checks {
                    out.extend(check(table, expression, &with_it));
                }
                if let Some(key) = &column.references {
                    let columns = [column.name.clone()];
                    out.extend(foreign_key(cx, table, &columns, key, &with_it));
                }
            }
            AlterTableOp::AddConstraint {
                constraint,
                not_valid: false,
            } => out.extend(match &constraint.kind {
                ConstraintKind::Check { expression } => check(table, expression, &added),
                ConstraintKind::ForeignKey(key) => {
                    foreign_key(cx, table, &constraint.columns, key, &added)
                }
                ConstraintKind::PrimaryKey => {
                    primary_key(table, &constraint.columns, &added, &known_not_null)
                }
                _ => None,
            }),
            AlterTableOp::SetNotNull { column } if !known_not_null(column) => {
                let backfilled = cx.state.updated_in_transaction.contains(&table.key());
                out.extend(set_not_null(table, column, added(column), backfilled));
            }
            AlterTableOp::AlterType { column, to, using } if added(column).is_none() => {
                let from = cx
                    .state
                    .column_types
                    .get(&table.key())
                    .and_then(|types| types.get(column));
                out.extend(type_change(table, column, from, to, using.as_deref()));
            }
            _ => {}
        }
    }
}

fn counting_help(query: String) -> String {
    format!(
        "Count them in production (or a replica) first: `{query}`. Fix them in an earlier \
        deploy, and stop the code from writing new ones."
    )
}

/// What the rows already in the table hold in the columns (of those an expression reads) that
/// this change added.
#[derive(Default)]
struct OldRows {
    /// Column → what to write in its place in a query on production: its constant default,
    /// cast to its type (`('90 minutes')::interval`).
    replaced: HashMap<String, String>,
    /// Column → its constant default as a value, where Drydock models the type's semantics
    /// (integers, text, boolean; NULL in any type).
    values: HashMap<String, Value>,
    /// Added columns whose old rows hold no known constant (a value per row, a function's, or
    /// an UPDATE's).
    unknown: Vec<String>,
}

fn old_rows(columns: &[String], added: &dyn Fn(&str) -> Option<AddedColumn>) -> OldRows {
    let mut old = OldRows::default();
    for column in columns {
        let Some(added) = added(column) else {
            continue;
        };
        let Some(default) = added.old_rows_hold() else {
            old.unknown.push(column.clone());
            continue;
        };
        let replaced = match &added.data_type {
            Some(t) => format!("({default})::{}", t.written),
            None => format!("({default})"),
        };
        old.replaced.insert(column.clone(), replaced);
        if let Some(value) = typed_constant(&default, added.data_type.as_ref()) {
            old.values.insert(column.clone(), value);
        }
    }
    old
}

/// `default` as a value of the column's type, where the evaluator's semantics are the type's:
/// a whole number in an integer column, a string in a text column, a boolean. Others
/// (numeric's scale, citext's case, char's padding, dates) are left to PostgreSQL.
fn typed_constant(default: &str, data_type: Option<&TypeName>) -> Option<Value> {
    let value = expression::constant(default)?;
    if value == Value::Null {
        return Some(value);
    }
    let data_type = data_type.filter(|t| !t.array)?;
    match (data_type.base.as_str(), &value) {
        (base, Value::Number(_)) if integer_rank(base).is_some() => Some(value),
        ("text", Value::Text(_)) => Some(value),
        ("varchar", Value::Text(t))
            if data_type
                .modifiers
                .first()
                .is_none_or(|&n| t.chars().count() as i64 <= n) =>
        {
            Some(value)
        }
        ("boolean", Value::Bool(_)) => Some(value),
        _ => None,
    }
}

/// The help for a statement that reads added columns production has no values for yet.
fn count_on_a_copy(unknown: &[String], query: String) -> String {
    format!(
        "{} {} added by this change and filled by a function, a sequence or an UPDATE, so \
        production has nothing to count yet: run the migration up to this statement on a copy of production \
        and count there: `{query}`",
        unknown.join(", "),
        if unknown.len() == 1 { "is" } else { "are" }
    )
}

fn check(table: &Name, written: &str, added: &dyn Fn(&str) -> Option<AddedColumn>) -> Option<Hit> {
    let Some(parsed) = expression::parse(written) else {
        return Some(may_violate_check(
            table,
            written,
            format!("NOT ({written})"),
        ));
    };
    let columns = expression::columns(&parsed);
    let old = old_rows(&columns, added);
    if !old.unknown.is_empty() {
        let query = format!(
            "SELECT count(*) FROM {} WHERE NOT ({written});",
            table.sql()
        );
        return Some(Hit::new(
            format!(
                "adds CHECK ({written}) to {table}, which already has rows: the statement \
                fails if any of them violates it"
            ),
            count_on_a_copy(&old.unknown, query),
        ));
    }
    if !columns.is_empty() && columns.iter().all(|c| old.values.contains_key(c)) {
        // Every old row holds the same defaults: the check is the same on all of them.
        let bind = |c: &str| old.values.get(c).cloned();
        match expression::evaluate(&parsed, &bind) {
            // A CHECK passes on NULL as on true.
            Some(Value::Bool(true) | Value::Null) => return None,
            Some(Value::Bool(false)) => {
                let held = columns
                    .iter()
                    .map(|c| {
                        format!(
                            "{c} = {}",
                            added(c).and_then(|a| a.old_rows_hold()).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                return Some(Hit::new(
                    format!(
                        "adds CHECK ({written}) to {table}: every row already there holds \
                        the default of the column this change added ({held}), which the check \
                        rejects, so the statement fails unless {table} is empty"
                    ),
                    "Give the column a default the check accepts, or add the check NOT VALID \
                    and VALIDATE it once the rows are filled.",
                ));
            }
            _ => {}
        }
    }
    // The rows that violate it now, with the added columns replaced by what they will hold.
    let violating = match expression::not_null_column(written) {
        Some(column) if !old.replaced.contains_key(&column) => {
            format!("{} IS NULL", quote_ident(&column))
        }
        _ => format!(
            "NOT ({})",
            expression::substitute(&parsed, |c| old.replaced.get(c).cloned())
        ),
    };
    Some(may_violate_check(table, written, violating))
}

fn may_violate_check(table: &Name, written: &str, violating: String) -> Hit {
    Hit::new(
        format!(
            "adds CHECK ({written}) to {table}, which already has rows: the statement \
            fails if any of them violates it"
        ),
        counting_help(format!(
            "SELECT count(*) FROM {} WHERE {violating};",
            table.sql()
        )),
    )
}

fn foreign_key(
    cx: &Context,
    table: &Name,
    columns: &[String],
    key: &ForeignKey,
    added: &dyn Fn(&str) -> Option<AddedColumn>,
) -> Option<Hit> {
    let references = &key.table;
    let about = table.subject(SubjectKind::Table);
    let referred: Vec<String> = match key.columns.as_slice() {
        [] => cx
            .state
            .primary_keys
            .get(&references.key())
            .cloned()
            .unwrap_or_default(),
        named => named.to_vec(),
    };
    let message = format!(
        "adds a foreign key from {table} ({}) to {references}: the statement fails if \
        any existing row of {table} points to a row {references} does not have",
        columns.join(", ")
    );
    let old = old_rows(columns, added);
    let new_columns: Vec<AddedColumn> = columns.iter().filter_map(|c| added(c)).collect();
    if old.unknown.is_empty() && new_columns.len() == columns.len() {
        // Every old row holds the defaults of the columns this change added.
        let nulls = new_columns.iter().filter(|a| a.default_is_null()).count();
        if nulls == columns.len() || (nulls > 0 && !key.match_full) {
            // MATCH SIMPLE skips a key with a NULL; MATCH FULL one that is all NULL.
            return None;
        }
        if nulls > 0 {
            return Some(
                Hit::new(
                    format!(
                        "adds a MATCH FULL foreign key from {table} ({}) to {references}: \
                        every row already there holds NULL in some but not all of its \
                        columns (the defaults of the columns this change added), which \
                        MATCH FULL rejects, so the statement fails unless {table} is empty",
                        columns.join(", ")
                    ),
                    "Give every column of the key a default, or none.",
                )
                .about(about),
            );
        }
        if referred.len() == columns.len() && !cx.state.created_tables.contains(&references.key()) {
            let defaults = columns
                .iter()
                .zip(&new_columns)
                .map(|(c, a)| format!("{c} = {}", a.default_sql()))
                .collect::<Vec<_>>()
                .join(", ");
            let lookup = referred
                .iter()
                .zip(columns)
                .map(|(r, c)| format!("{} = {}", quote_ident(r), old.replaced[c]))
                .collect::<Vec<_>>()
                .join(" AND ");
            return Some(
                Hit::new(
                    format!(
                        "adds a foreign key from {table} ({}) to {references}: every row \
                        already in {table} holds the default of the column this change added \
                        ({defaults}), so the statement fails unless {references} has that row \
                        or {table} is empty",
                        columns.join(", ")
                    ),
                    format!(
                        "Check that production has it: `SELECT count(*) FROM {} WHERE \
                        {lookup};` must not be 0. Or add the column without a default, and \
                        fill it before the key.",
                        references.sql()
                    ),
                )
                .about(about),
            );
        }
    }
    // MATCH SIMPLE (the default): a row with any NULL in the key is not checked; MATCH
    // FULL: a row with some NULL but not all is an error.
    let value = |c: &String| match old.replaced.get(c) {
        Some(held) => held.clone(),
        None => format!("t.{}", quote_ident(c)),
    };
    let joined = |f: &dyn Fn(&String) -> String, join: &str| {
        columns.iter().map(f).collect::<Vec<_>>().join(join)
    };
    let present = joined(&|c| format!("{} IS NOT NULL", value(c)), " AND ");
    let checked = if key.match_full && columns.len() > 1 {
        // Any key but the all-NULL one.
        format!(
            "NOT ({})",
            joined(&|c| format!("{} IS NULL", value(c)), " AND ")
        )
    } else {
        present.clone()
    };
    let query =
        |condition: &str| format!("SELECT count(*) FROM {} t WHERE {condition};", table.sql());
    if cx.state.created_tables.contains(&references.key()) {
        // A table this change creates is empty: every key that is checked fails.
        return Some(
            Hit::new(
                format!(
                    "adds a foreign key from {table} ({}) to {references}, which this change \
                    creates and so is empty: the statement fails if any existing row of \
                    {table} has a key to check",
                    columns.join(", ")
                ),
                counting_help(query(&checked)),
            )
            .about(about),
        );
    }
    if referred.len() != columns.len() {
        // The key names no columns, and the migrations never showed the primary key.
        return Some(
            Hit::new(
                message,
                format!(
                    "The key refers to the primary key of {references}, which these \
                    migrations do not show: count the rows of {table} whose ({}) has no \
                    match there before you deploy, and fix them in an earlier deploy.",
                    columns.join(", ")
                ),
            )
            .about(about),
        );
    }
    let matching = columns
        .iter()
        .zip(&referred)
        .map(|(c, r)| format!("r.{} = {}", quote_ident(r), value(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let missing = format!(
        "NOT EXISTS (SELECT 1 FROM {} r WHERE {matching})",
        references.sql()
    );
    let mut condition = format!("{present} AND {missing}");
    if key.match_full && columns.len() > 1 {
        condition = format!(
            "({condition}) OR (({}) AND {checked})",
            joined(&|c| format!("{} IS NULL", value(c)), " OR ")
        );
    }
    let help = match old.unknown.is_empty() {
        true => counting_help(query(&condition)),
        false => count_on_a_copy(&old.unknown, query(&condition)),
    };
    Some(Hit::new(message, help).about(about))
}

/// The fix for a column this change adds and then makes NOT NULL.
const ADD_IT_FILLED: &str = "Add the column with the default it should hold (`ADD COLUMN ... \
    DEFAULT ... NOT NULL` fills the old rows), or fill it with an UPDATE without WHERE in the \
    transaction that adds it, before the constraint.";

/// Whether every old row certainly holds NULL in a column this change added: no default, no
/// UPDATE since, not filled from a sequence or an expression.
fn certainly_null(added: &AddedColumn) -> bool {
    !added.updated && added.filled == Filled::Default && added.may_be_null()
}

fn primary_key(
    table: &Name,
    columns: &[String],
    added: &dyn Fn(&str) -> Option<AddedColumn>,
    known_not_null: &dyn Fn(&str) -> bool,
) -> Option<Hit> {
    let nullable: Vec<String> = columns
        .iter()
        .filter(|c| !known_not_null(c) && added(c).is_none_or(|a| a.may_be_null()))
        .cloned()
        .collect();
    if nullable.is_empty() {
        return None;
    }
    let about = table.subject(SubjectKind::Table);
    let key = columns.join(", ");
    if let Some(null) = nullable
        .iter()
        .find(|c| added(c).is_some_and(|a| certainly_null(&a)))
    {
        return Some(
            Hit::new(
                format!(
                    "ADD PRIMARY KEY on {table} ({key}) sets NOT NULL on {null}, which this \
                    change added without a default: every row already in {table} holds NULL \
                    in it, so the statement fails unless {table} is empty"
                ),
                ADD_IT_FILLED,
            )
            .about(about),
        );
    }
    let condition = nullable
        .iter()
        .map(|c| format!("{} IS NULL", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(" OR ");
    let query = format!("SELECT count(*) FROM {} WHERE {condition};", table.sql());
    let new: Vec<String> = nullable
        .iter()
        .filter(|c| added(c).is_some())
        .cloned()
        .collect();
    let help = match new.is_empty() {
        true => counting_help(query),
        false => count_on_a_copy(&new, query),
    };
    Some(
        Hit::new(
            format!(
                "ADD PRIMARY KEY on {table} ({key}) also sets NOT NULL on {}: the statement \
                fails if any existing row holds NULL there",
                nullable.join(", ")
            ),
            help,
        )
        .about(about),
    )
}

fn set_not_null(
    table: &Name,
    column: &str,
    added: Option<AddedColumn>,
    backfilled: bool,
) -> Option<Hit> {
    let about = table.member(SubjectKind::Column, column);
    if let Some(added) = &added {
        // A generated column's values are its expression's: not modelled here.
        if !added.may_be_null() || added.filled == Filled::Generated {
            return None;
        }
        let message = match certainly_null(added) {
            true => format!(
                "SET NOT NULL on {table}.{column}, which this change added without a \
                default: every row already in {table} holds NULL in it, so the statement \
                fails unless {table} is empty"
            ),
            // The column does not exist in production yet: there is nothing to count there.
            false => format!(
                "SET NOT NULL on {table}.{column}, which this change added and then set with \
                an UPDATE that has a WHERE or ran in another transaction: the rows it left, \
                and those written in between, can hold NULL, and the statement fails if \
                any does"
            ),
        };
        return Some(Hit::new(message, ADD_IT_FILLED).about(about));
    }
    let mut message = format!(
        "SET NOT NULL on {table}.{column} fails if any existing row holds NULL in {column}"
    );
    if backfilled {
        message.push_str(
            ": the UPDATE before it in this transaction fills only the rows it saw, and \
            the application can write new NULLs until SET NOT NULL gets its lock",
        );
    }
    Some(
        Hit::new(
            message,
            counting_help(format!(
                "SELECT count(*) FROM {} WHERE {} IS NULL;",
                table.sql(),
                quote_ident(column)
            )),
        )
        .about(about),
    )
}

fn domain_constraint(domain: &Name, check: Option<&str>) -> Hit {
    let (what, violating) = match check {
        Some(check) => (
            format!("adds CHECK ({check}) to domain {domain}"),
            format!("NOT ({check})"),
        ),
        None => (
            format!("sets NOT NULL on domain {domain}"),
            "VALUE IS NULL".to_string(),
        ),
    };
    let (schema, name) = domain.key();
    Hit::new(
        format!(
            "{what}: the statement checks every value of every column of that type, and \
            fails if any of them violates it"
        ),
        format!(
            "Find its columns in production (or a replica) first: `SELECT table_schema, \
            table_name, column_name FROM information_schema.columns WHERE domain_schema = \
            '{schema}' AND domain_name = '{name}';`, and in each count the rows where \
            `{violating}` holds with VALUE replaced by the column. Domains based on this one \
            are checked too (their columns name the derived domain), and a column of an \
            array, composite or range over it makes the statement fail outright. Fix them in \
            an earlier deploy, or add the constraint NOT VALID and VALIDATE it later."
        ),
    )
    .about(domain.subject(SubjectKind::Type))
}

fn characters(n: i64) -> &'static str {
    if n == 1 { "character" } else { "characters" }
}

/// The integer types by range, narrowest first, with the widest text they print as.
const INTEGERS: &[(&str, i64, i64, i64)] = &[
    ("smallint", i16::MIN as i64, i16::MAX as i64, 6),
    ("integer", i32::MIN as i64, i32::MAX as i64, 11),
    ("bigint", i64::MIN, i64::MAX, 20),
];

/// Index of a type in [`INTEGERS`]; serial types are integers with a default.
fn integer_rank(base: &str) -> Option<usize> {
    let base = match base {
        "smallserial" => "smallint",
        "serial" => "integer",
        "bigserial" => "bigint",
        other => other,
    };
    INTEGERS.iter().position(|(name, ..)| *name == base)
}

/// The longest text a value of `from` prints as, where it is bounded.
fn longest_text(from: &TypeName) -> Option<i64> {
    if from.array {
        return None;
    }
    match from.base.as_str() {
        "varchar" | "char" => from.modifiers.first().copied(),
        "boolean" => Some(5),
        "uuid" => Some(36),
        base => integer_rank(base).map(|rank| INTEGERS[rank].3),
    }
}

/// A count of the rows where `condition` holds for `value` (a quoted column, or an expression
/// in parentheses); for each element, in an array column.
fn count_where(
    table: &Name,
    value: &str,
    array: bool,
    condition: impl Fn(&str) -> String,
) -> String {
    match array {
        true => format!(
            "SELECT count(*) FROM {} WHERE EXISTS (SELECT FROM unnest({value}) AS \
            element(value) WHERE {});",
            table.sql(),
            condition("element.value")
        ),
        false => format!(
            "SELECT count(*) FROM {} WHERE {};",
            table.sql(),
            condition(value)
        ),
    }
}

/// A `USING` that is only the column, or the column cast to the new type: the same
/// conversion as none.
fn is_plain_conversion(using: &str, column: &str, to: &TypeName) -> bool {
    let Some(parsed) = expression::parse(using) else {
        return false;
    };
    match parsed {
        sqlparser::ast::Expr::Cast {
            expr, data_type, ..
        } => {
            expression::columns(&expr) == [column]
                && matches!(*expr, sqlparser::ast::Expr::Identifier(_))
                && crate::sql::types::normalize_type(&data_type.to_string()) == *to
        }
        sqlparser::ast::Expr::Identifier(_) => expression::columns(&parsed) == [column],
        _ => false,
    }
}

fn type_change(
    table: &Name,
    column: &str,
    from: Option<&TypeName>,
    to: &TypeName,
    using: Option<&str>,
) -> Option<Hit> {
    let about = table.member(SubjectKind::Column, column);
    // `USING col` or `USING col::newtype` converts as no USING would; that cannot fail when
    // every old value has a place in the new type (anything as text, a wider integer).
    let cannot_fail = (to.base == "text" && !to.array)
        || from.is_some_and(|from| {
            is_binary_compatible(from, to)
                || from.array == to.array
                    && matches!(
                        (integer_rank(&from.base), integer_rank(&to.base)),
                        (Some(old), Some(new)) if new >= old
                    )
        });
    let using = using.filter(|u| !(cannot_fail && is_plain_conversion(u, column, to)));
    // `char` alone is char(1); `bpchar` alone has no limit.
    let length = match to.base.as_str() {
        "varchar" => to.modifiers.first().copied(),
        "char" if !to.written.to_ascii_lowercase().starts_with("bpchar") => {
            Some(to.modifiers.first().copied().unwrap_or(1))
        }
        _ => None,
    };
    // A longer value fails the assignment, unless what is over is only spaces (then it is cut).
    let too_long = |value: &str| {
        format!(
            "char_length(rtrim({value}::text)) > {}",
            length.unwrap_or(0)
        )
    };
    if let Some(using) = using {
        // `USING code::varchar(3)`: an explicit cast to a shorter type cuts instead of failing.
        if let Some(length) = length
            && is_plain_conversion(using, column, to)
            && matches!(
                expression::parse(using),
                Some(sqlparser::ast::Expr::Cast { .. })
            )
        {
            return Some(
                Hit::new(
                    format!(
                        "converts {table}.{column} to {} with USING {using}: the explicit \
                        cast cuts every existing value longer than {length} {} to that length \
                        instead of failing, and what is cut is lost",
                        to.written,
                        characters(length)
                    ),
                    format!(
                        "{} Or drop the USING: the statement then fails instead of cutting.",
                        counting_help(count_where(table, &quote_ident(column), to.array, too_long))
                    ),
                )
                .about(about),
            );
        }
        let query = match length {
            // Assignment keeps the length check that an explicit cast would skip.
            Some(_) => count_where(table, &format!("({using})"), to.array, too_long),
            _ => format!(
                "SELECT count(({using})::{}) FROM {};",
                to.written,
                table.sql()
            ),
        };
        return Some(
            Hit::new(
                match length {
                    Some(length) => format!(
                        "converts {table}.{column} to {} with USING {using}: the statement \
                        fails on the first existing row the expression cannot convert, or \
                        converts to more than {length} {}",
                        to.written,
                        characters(length)
                    ),
                    _ => format!(
                        "converts {table}.{column} to {} with USING {using}: the statement \
                        fails on the first existing row the expression cannot convert",
                        to.written
                    ),
                },
                format!(
                    "Try the conversion on production's data (a replica) first: `{query}` \
                    fails the same way if any row does not convert. Fix those rows in an \
                    earlier deploy."
                ),
            )
            .about(about),
        );
    }
    if from.is_some_and(|from| is_binary_compatible(from, to)) {
        return None;
    }
    if let Some(length) = length {
        if from
            .and_then(longest_text)
            .is_some_and(|longest| longest <= length)
        {
            return None;
        }
        return Some(
            Hit::new(
                format!(
                    "changes {table}.{column} to {}: the statement fails if any existing \
                    value is longer than {length} {}",
                    to.written,
                    characters(length)
                ),
                counting_help(count_where(table, &quote_ident(column), to.array, too_long)),
            )
            .about(about),
        );
    }
    if to.base == "numeric"
        && let Some(&precision) = to.modifiers.first()
    {
        let scale = to.modifiers.get(1).copied().unwrap_or(0);
        let digits = precision - scale;
        let fits = from.is_some_and(|from| {
            from.array == to.array
                && match (from.base.as_str(), from.modifiers.as_slice()) {
                    ("numeric", [p, rest @ ..]) => {
                        let s = rest.first().copied().unwrap_or(0);
                        p - s < digits || (p - s == digits && s <= scale)
                    }
                    (base, _) => {
                        integer_rank(base).is_some_and(|rank| INTEGERS[rank].3 - 1 <= digits)
                    }
                }
        });
        if fits {
            return None;
        }
        return Some(
            Hit::new(
                format!(
                    "changes {table}.{column} to {}: the statement fails if any existing \
                    value rounds to {digits} or more digits before the decimal point",
                    to.written
                ),
                counting_help(count_where(
                    table,
                    &quote_ident(column),
                    to.array,
                    |value| {
                        // In numeric: `10 ^ n` alone is a float8, inexact past 15 digits.
                        format!("round(abs({value}::numeric), {scale}) >= 10::numeric ^ {digits}")
                    },
                )),
            )
            .about(about),
        );
    }
    // A narrower integer: from a wider integer, from numeric or floating point (rounded on
    // the way), or from a type the migrations do not show.
    let new = integer_rank(&to.base)?;
    let (name, min, max, _) = INTEGERS[new];
    let (changes, value_of): (String, fn(&str) -> String) = match from {
        Some(from) => match (integer_rank(&from.base), from.base.as_str()) {
            (Some(old), _) if new >= old => return None,
            (Some(_), _) => (format!("from {} to {}", from.written, to.written), |v| {
                v.to_string()
            }),
            (None, "numeric" | "real" | "double precision") if from.array == to.array => {
                (format!("from {} to {}", from.written, to.written), |v| {
                    format!("round({v})")
                })
            }
            _ => return None,
        },
        // bigint holds every integer a column could have held.
        None if to.base == "bigint" => return None,
        None => (format!("to {}", to.written), |v| v.to_string()),
    };
    Some(
        Hit::new(
            format!(
                "changes {table}.{column} {changes}: the statement fails if any existing \
                value is outside {name}'s range"
            ),
            counting_help(count_where(
                table,
                &quote_ident(column),
                to.array,
                |value| format!("{} NOT BETWEEN {min} AND {max}", value_of(value)),
            )),
        )
        .about(about),
    )
}
