//! SQL expressions as the lint rules need them: which columns a `CHECK` reads, the same
//! expression with some columns replaced by what they hold, and its value where it is made of
//! constants (a column this change added holds its default on every existing row).
//!
//! Evaluation follows PostgreSQL's semantics for what it covers (three-valued logic, NULL in
//! comparisons and `IN` lists) and answers `None` for anything else (functions it does not know,
//! casts to types it does not model, ordering of text, which depends on the collation): a rule
//! then says "may fail" instead of deciding.

use sqlparser::ast::{self, BinaryOperator, DataType, Expr, UnaryOperator};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// Parses one expression (`amount > 0`, a column default).
pub fn parse(text: &str) -> Option<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut parser| parser.parse_expr())
        .ok()
}

/// A name as PostgreSQL folds it: quoted kept, unquoted lower-cased.
fn folded(ident: &ast::Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    }
}

/// The column an identifier expression names (`col`, `"Col"`, `t.col`).
fn column_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(folded(ident)),
        Expr::CompoundIdentifier(parts) => parts.last().map(folded),
        _ => None,
    }
}

/// The columns `expr` reads, in order, each once. Function names, type names and keywords
/// such as `current_date` are not columns.
pub fn columns(expr: &Expr) -> Vec<String> {
    let mut found = Vec::new();
    let _ = ast::visit_expressions(expr, |e| {
        if let Some(column) = column_of(e)
            && !found.contains(&column)
        {
            found.push(column);
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// `expr` as SQL, with each column `replacement` knows replaced by its text in parentheses.
pub fn substitute(expr: &Expr, replacement: impl Fn(&str) -> Option<String>) -> String {
    let mut expr = expr.clone();
    let _ = ast::visit_expressions_mut(&mut expr, |e| {
        if let Some(text) = column_of(e).and_then(|c| replacement(&c))
            && let Some(value) = parse(&text)
        {
            *e = Expr::Nested(Box::new(value));
        }
        ControlFlow::<()>::Continue(())
    });
    expr.to_string()
}

/// `(col IS NOT NULL)` → `col`: the CHECK that proves a column holds no NULL.
pub fn not_null_column(text: &str) -> Option<String> {
    let mut expr = parse(text)?;
    while let Expr::Nested(inner) = expr {
        expr = *inner;
    }
    let Expr::IsNotNull(mut inner) = expr else {
        return None;
    };
    while let Expr::Nested(nested) = *inner {
        inner = nested;
    }
    column_of(&inner)
}

/// A constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
}

impl Value {
    fn truth(&self) -> Option<Option<bool>> {
        match self {
            Value::Null => Some(None),
            Value::Bool(b) => Some(Some(*b)),
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t)
                if !t.trim().is_empty()
                    && t.trim().bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
            {
                t.trim().parse().ok()
            }
            _ => None,
        }
    }
}

fn from_truth(truth: Option<bool>) -> Value {
    truth.map_or(Value::Null, Value::Bool)
}

/// The constant `text` stands for (`0`, `'active'::text`, `NULL`); `None` when it is not one
/// (`now()`, `nextval(...)`, `gen_random_uuid()` give each row a value of its own).
pub fn constant(text: &str) -> Option<Value> {
    evaluate(&parse(text)?, &|_| None)
}

/// Whether `text` is a constant: literals, operators and casts, no function and no column
/// (`0.4`, `'90 minutes'::interval`, `NULL::text`).
pub fn is_constant(text: &str) -> bool {
    let Some(expr) = parse(text) else {
        return false;
    };
    let mut constant = true;
    let _ = ast::visit_expressions(&expr, |e| {
        if matches!(
            e,
            Expr::Function(_)
                | Expr::Identifier(_)
                | Expr::CompoundIdentifier(_)
                | Expr::Subquery(_)
        ) {
            constant = false;
        }
        ControlFlow::<()>::Continue(())
    });
    constant
}

/// Functions whose value is fixed for the whole statement (a transaction's time, its user):
/// a default calling them gives every row of an `ADD COLUMN` the same value.
const SAME_FOR_THE_STATEMENT: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "transaction_timestamp",
    "statement_timestamp",
    "current_user",
    "session_user",
];

/// Functions that give each call, so each row, a value of its own.
const PER_CALL: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "nextval",
    "clock_timestamp",
    "timeofday",
];

/// Whether a default gives every row it fills the same value: `Some(true)` for a constant or
/// `now()`, `Some(false)` for `gen_random_uuid()` or `nextval(...)`, `None` for what Drydock
/// does not know.
pub fn same_on_every_row(text: &str) -> Option<bool> {
    let expr = parse(text)?;
    let mut names = Vec::new();
    let _ = ast::visit_expressions(&expr, |e| {
        if let Expr::Function(f) = e {
            let name = f.name.0.last().and_then(|p| p.as_ident()).map(folded);
            names.push(name.unwrap_or_default());
        }
        ControlFlow::<()>::Continue(())
    });
    if names.iter().any(|n| PER_CALL.contains(&n.as_str())) {
        return Some(false);
    }
    if names
        .iter()
        .all(|n| SAME_FOR_THE_STATEMENT.contains(&n.as_str()))
    {
        return Some(true);
    }
    None
}

/// The value of `expr`, where `bind` gives each column's value; `None` when Drydock cannot
/// tell (a column `bind` does not know, a function or cast it does not model).
pub fn evaluate(expr: &Expr, bind: &dyn Fn(&str) -> Option<Value>) -> Option<Value> {
    let eval = |e: &Expr| evaluate(e, bind);
    match expr {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => bind(&column_of(expr)?),
        Expr::Nested(inner) => eval(inner),
        Expr::Value(v) => literal(&v.value),
        Expr::UnaryOp { op, expr } => match (op, eval(expr)?) {
            (_, Value::Null) => Some(Value::Null),
            (UnaryOperator::Not, v) => Some(Value::Bool(!v.truth()??)),
            (UnaryOperator::Minus, v) => Some(Value::Number(-v.number()?)),
            (UnaryOperator::Plus, v) => Some(Value::Number(v.number()?)),
            _ => None,
        },
        Expr::BinaryOp { left, op, right } => binary(eval(left), op, eval(right)),
        Expr::IsNull(e) => Some(Value::Bool(eval(e)? == Value::Null)),
        Expr::IsNotNull(e) => Some(Value::Bool(eval(e)? != Value::Null)),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            let (a, b) = (eval(a)?, eval(b)?);
            let same = match (&a, &b) {
                (Value::Null, Value::Null) => true,
                (Value::Null, _) | (_, Value::Null) => false,
                _ => equal(&a, &b)??,
            };
            Some(Value::Bool(
                same == matches!(expr, Expr::IsNotDistinctFrom(..)),
            ))
        }
        Expr::IsTrue(e) => Some(Value::Bool(eval(e)?.truth()? == Some(true))),
        Expr::IsNotTrue(e) => Some(Value::Bool(eval(e)?.truth()? != Some(true))),
        Expr::IsFalse(e) => Some(Value::Bool(eval(e)?.truth()? == Some(false))),
        Expr::IsNotFalse(e) => Some(Value::Bool(eval(e)?.truth()? != Some(false))),
        Expr::In {
            expr,
            target: ast::InTarget::List(list),
            negated,
            ..
        } => {
            let value = eval(expr)?;
            let mut any_null = value == Value::Null;
            let mut found = false;
            for item in list {
                match equal(&value, &eval(item)?)? {
                    Some(true) => found = true,
                    None => any_null = true,
                    Some(false) => {}
                }
            }
            let truth = if found {
                Some(true)
            } else if any_null {
                None
            } else {
                Some(false)
            };
            Some(from_truth(truth.map(|t| t != *negated)))
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let value = eval(expr)?;
            let above = binary(Some(value.clone()), &BinaryOperator::GtEq, eval(low))?;
            let below = binary(Some(value), &BinaryOperator::LtEq, eval(high))?;
            let within = binary(Some(above), &BinaryOperator::And, Some(below))?;
            match within.truth()? {
                Some(t) => Some(Value::Bool(t != *negated)),
                None => Some(Value::Null),
            }
        }
        Expr::Cast {
            expr, data_type, ..
        } => cast(eval(expr)?, data_type),
        Expr::Function(function) => {
            let name = function.name.0.last()?.as_ident().map(folded)?;
            let ast::FunctionArguments::List(list) = &function.args else {
                return None;
            };
            let args: Option<Vec<Value>> = list
                .args
                .iter()
                .map(|arg| match arg {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => eval(e),
                    _ => None,
                })
                .collect();
            call(&name, args?)
        }
        _ => None,
    }
}

fn literal(value: &ast::Value) -> Option<Value> {
    Some(match value {
        // Whole numbers only: `1.0` and `1.00` are different numerics (their text differs),
        // and f64 arithmetic on fractions is not numeric's.
        ast::Value::Number(n, _) if n.bytes().all(|b| b.is_ascii_digit()) => {
            let n: f64 = n.parse().ok()?;
            (n < 9e15).then_some(Value::Number(n))?
        }
        ast::Value::SingleQuotedString(s)
        | ast::Value::EscapedStringLiteral(s)
        | ast::Value::UnicodeStringLiteral(s)
        | ast::Value::NationalStringLiteral(s) => Value::Text(s.clone()),
        ast::Value::DollarQuotedString(s) => Value::Text(s.value.clone()),
        ast::Value::Boolean(b) => Value::Bool(*b),
        ast::Value::Null => Value::Null,
        _ => return None,
    })
}

/// `a = b`, with NULL as unknown; `None` when the two cannot be compared here.
fn equal(a: &Value, b: &Value) -> Option<Option<bool>> {
    Some(match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Text(a), Value::Text(b)) => Some(a == b),
        (Value::Bool(a), Value::Bool(b)) => Some(a == b),
        // A quoted literal next to a number is read as a number, as PostgreSQL does.
        _ => Some(a.number()? == b.number()?),
    })
}

fn binary(left: Option<Value>, op: &BinaryOperator, right: Option<Value>) -> Option<Value> {
    use BinaryOperator as B;
    // AND and OR decide on one side even when the other is unknown.
    match op {
        B::And | B::Or => {
            let truth = |v: &Option<Value>| v.as_ref().and_then(Value::truth);
            let (l, r) = (truth(&left), truth(&right));
            let decisive = matches!(op, B::Or);
            if l == Some(Some(decisive)) || r == Some(Some(decisive)) {
                return Some(Value::Bool(decisive));
            }
            let (l, r) = (l?, r?);
            return Some(match (l, r) {
                (Some(_), Some(_)) => Value::Bool(!decisive),
                _ => Value::Null,
            });
        }
        _ => {}
    }
    let (left, right) = (left?, right?);
    if left == Value::Null || right == Value::Null {
        return Some(Value::Null);
    }
    let compare = |f: fn(f64, f64) -> bool| Some(Value::Bool(f(left.number()?, right.number()?)));
    let arithmetic = |f: fn(f64, f64) -> f64| {
        let value = f(left.number()?, right.number()?);
        (value.abs() < 9e15).then_some(Value::Number(value))
    };
    match op {
        B::Eq => Some(from_truth(equal(&left, &right)?)),
        B::NotEq => Some(from_truth(equal(&left, &right)?.map(|e| !e))),
        // Ordering text depends on the collation: only numbers are ordered here.
        B::Lt if either_number(&left, &right) => compare(|a, b| a < b),
        B::LtEq if either_number(&left, &right) => compare(|a, b| a <= b),
        B::Gt if either_number(&left, &right) => compare(|a, b| a > b),
        B::GtEq if either_number(&left, &right) => compare(|a, b| a >= b),
        B::Plus => arithmetic(|a, b| a + b),
        B::Minus => arithmetic(|a, b| a - b),
        B::Multiply => arithmetic(|a, b| a * b),
        B::StringConcat => match (&left, &right) {
            (Value::Text(a), Value::Text(b)) => Some(Value::Text(format!("{a}{b}"))),
            _ => None,
        },
        _ => None,
    }
}

fn either_number(a: &Value, b: &Value) -> bool {
    matches!(a, Value::Number(_)) || matches!(b, Value::Number(_))
}

fn cast(value: Value, to: &DataType) -> Option<Value> {
    if value == Value::Null {
        return Some(Value::Null);
    }
    let written = to.to_string().to_ascii_lowercase();
    match written.as_str() {
        "text" | "varchar" | "character varying" => match value {
            Value::Text(_) => Some(value),
            Value::Bool(b) => Some(Value::Text(b.to_string())),
            // Numbers are whole (see `literal`), printed as PostgreSQL prints an integer.
            Value::Number(n) => Some(Value::Text(format!("{}", n as i64))),
            _ => None,
        },
        "int" | "integer" | "int4" | "bigint" | "int8" | "smallint" | "int2" | "numeric"
        | "decimal" | "real" | "double precision" | "float" => Some(Value::Number(value.number()?)),
        "boolean" | "bool" => match value {
            Value::Bool(_) => Some(value),
            Value::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "yes" | "y" | "on" | "1" => Some(Value::Bool(true)),
                "f" | "false" | "no" | "n" | "off" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn call(name: &str, args: Vec<Value>) -> Option<Value> {
    if name == "coalesce" {
        return Some(
            args.into_iter()
                .find(|v| *v != Value::Null)
                .unwrap_or(Value::Null),
        );
    }
    let [arg] = args.as_slice() else {
        return None;
    };
    let text = match arg {
        Value::Null => return Some(Value::Null),
        Value::Text(t) => t,
        _ => return None,
    };
    Some(match name {
        "length" | "char_length" | "character_length" => Value::Number(text.chars().count() as f64),
        "lower" => Value::Text(text.to_lowercase()),
        "upper" => Value::Text(text.to_uppercase()),
        "btrim" | "trim" => Value::Text(text.trim_matches(' ').to_string()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, bind: &[(&str, Value)]) -> Option<Value> {
        let expr = parse(text).unwrap();
        let bind = |c: &str| bind.iter().find(|(n, _)| *n == c).map(|(_, v)| v.clone());
        evaluate(&expr, &bind)
    }

    #[test]
    fn constants_are_evaluated_as_postgres_does() {
        use Value::*;
        assert_eq!(value("qty > 0", &[("qty", Number(1.0))]), Some(Bool(true)));
        assert_eq!(value("qty > 0", &[("qty", Number(0.0))]), Some(Bool(false)));
        // A CHECK passes on NULL: the comparison is unknown, not false.
        assert_eq!(value("qty > 0", &[("qty", Null)]), Some(Null));
        assert_eq!(
            value("qty IS NOT NULL", &[("qty", Null)]),
            Some(Bool(false))
        );
        assert_eq!(
            value(
                "status IN ('active', 'closed')",
                &[("status", Text("active".into()))]
            ),
            Some(Bool(true))
        );
        assert_eq!(
            value(
                "status IN ('active', NULL)",
                &[("status", Text("gone".into()))]
            ),
            Some(Null)
        );
        assert_eq!(
            value(
                "length(\"Unit\") > 0 AND qty::text <> ''",
                &[("Unit", Text("each".into())), ("qty", Text("1".into()))]
            ),
            Some(Bool(true))
        );
        // FALSE AND (something unknown to Drydock) is false all the same.
        assert_eq!(
            value("qty > 0 AND f(x)", &[("qty", Number(0.0))]),
            Some(Bool(false))
        );
        // What Drydock cannot evaluate, it does not guess.
        assert_eq!(
            value("created_at > now()", &[("created_at", Text("x".into()))]),
            None
        );
        assert_eq!(value("name > 'a'", &[("name", Text("b".into()))]), None);
        assert_eq!(value("amount > 0", &[]), None);
    }

    #[test]
    fn columns_are_named_once_without_functions_types_or_qualifiers() {
        let expr = parse(
            "CAST(qty AS integer) > 0 AND orders.price < current_date - \"Max\" AND length(note) > qty",
        )
        .unwrap();
        assert_eq!(columns(&expr), ["qty", "price", "Max", "note"]);
    }

    #[test]
    fn columns_are_replaced_by_what_they_hold() {
        let expr = parse("amount <= max_qty AND \"Unit\" <> ''").unwrap();
        let replaced = substitute(&expr, |c| (c == "max_qty").then(|| "10".to_string()));
        assert_eq!(replaced, "amount <= (10) AND \"Unit\" <> ''");
    }

    #[test]
    fn a_not_null_check_names_its_column_as_postgres_folds_it() {
        assert_eq!(
            not_null_column("((note) IS NOT NULL)").as_deref(),
            Some("note")
        );
        assert_eq!(
            not_null_column("\"Note\" IS NOT NULL").as_deref(),
            Some("Note")
        );
        assert_eq!(not_null_column("NOTE IS NOT NULL").as_deref(), Some("note"));
        assert_eq!(not_null_column("note IS NOT NULL AND x > 0"), None);
        assert_eq!(not_null_column("lower(note) IS NOT NULL"), None);
    }
}
