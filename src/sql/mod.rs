//! Reading SQL: split a file into statements with exact spans, parse each with sqlparser, and
//! describe what each does as an [`model::Action`].

pub mod ast;
pub mod classify;
pub mod expression;
pub mod lexer;
pub mod model;
pub mod split;
pub mod types;

use crate::source::Span;
use lexer::{Token, Unterminated};
use model::Action;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// One statement of a migration file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Span in the file, without the terminating semicolon.
    pub span: Span,
    pub tokens: Vec<Token>,
    pub leading_comments: Vec<Span>,
    /// Whether sqlparser understood it; when not, [`Statement::action`] came from the tokens.
    pub parsed: bool,
    pub action: Action,
}

#[derive(Debug, Clone, Default)]
pub struct ParsedSql {
    pub statements: Vec<Statement>,
    pub trailing_comments: Vec<Span>,
    pub unterminated: Option<Unterminated>,
}

/// Splits and parses `text`. Never fails: what cannot be parsed is classified from its tokens.
pub fn parse(text: &str) -> ParsedSql {
    let split = split::split(text);
    let dialect = PostgreSqlDialect {};
    let statements = split
        .statements
        .into_iter()
        .map(|raw| {
            let sql = &text[raw.span.start..raw.span.end];
            let parse_one = |sql: &str| {
                Parser::new(&dialect)
                    .try_with_sql(sql)
                    .and_then(|mut p| p.parse_statements())
                    .ok()
                    .filter(|parsed| parsed.len() == 1)
                    .and_then(|mut parsed| parsed.pop())
            };
            let ast = parse_one(sql).or_else(|| {
                without_collate_in_alter_table(text, &raw.tokens).and_then(|sql| parse_one(&sql))
            });
            let action = ast
                .as_ref()
                .and_then(ast::action_from_ast)
                .unwrap_or_else(|| classify::classify(text, &raw.tokens));
            Statement {
                span: raw.span,
                tokens: raw.tokens,
                leading_comments: raw.leading_comments,
                parsed: ast.is_some(),
                action,
            }
        })
        .collect();
    ParsedSql {
        statements,
        trailing_comments: split.trailing_comments,
        unterminated: split.unterminated,
    }
}

/// An `ALTER TABLE` without its `COLLATE name` clauses, which sqlparser does not read after
/// `ALTER COLUMN ... TYPE` (`TYPE text COLLATE "C"`); the collation matters to no rule.
fn without_collate_in_alter_table(text: &str, tokens: &[Token]) -> Option<String> {
    let code: Vec<&Token> = tokens.iter().filter(|t| !t.is_comment()).collect();
    let word = |i: usize, w: &str| {
        code.get(i).is_some_and(|t| {
            t.kind == lexer::TokenKind::Word
                && text[t.span.start..t.span.end].eq_ignore_ascii_case(w)
        })
    };
    if !(word(0, "alter") && word(1, "table")) {
        return None;
    }
    // The statement's own text, less each clause's span.
    let mut kept = String::new();
    let mut copied_to = code.first()?.span.start;
    let mut removed = false;
    let mut i = 0;
    while i < code.len() {
        if !word(i, "collate") {
            i += 1;
            continue;
        }
        kept.push_str(&text[copied_to..code[i].span.start]);
        // The collation's name: `"C"`, `pg_catalog."default"`, `en_US`.
        i += 2;
        while code
            .get(i)
            .is_some_and(|t| &text[t.span.start..t.span.end] == ".")
        {
            i += 2;
        }
        copied_to = code.get(i - 1)?.span.end;
        removed = true;
    }
    kept.push_str(&text[copied_to..code.last()?.span.end]);
    removed.then_some(kept)
}

/// Whether `a` and `b` hold the same statements: the same tokens, comments and whitespace
/// aside. Text that does not lex to the end is never the same as anything.
pub fn same_statements(a: &str, b: &str) -> bool {
    let tokens = |text: &str| {
        let (tokens, unterminated) = lexer::lex(text);
        unterminated.is_none().then(|| {
            tokens
                .into_iter()
                .filter(|t| !t.is_comment())
                .map(|t| text[t.span.start..t.span.end].to_string())
                .collect::<Vec<_>>()
        })
    };
    matches!((tokens(a), tokens(b)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::model::*;
    use super::*;

    fn action(sql: &str) -> (bool, Action) {
        let p = parse(sql);
        assert_eq!(p.statements.len(), 1, "{sql}");
        let s = &p.statements[0];
        (s.parsed, s.action.clone())
    }

    #[test]
    fn statements_are_the_same_whatever_the_comments_and_whitespace() {
        let merged = "-- Orders.\nCREATE TABLE orders (id bigint);\n";
        assert!(same_statements(
            merged,
            "/* The orders. */\nCREATE  TABLE orders\n(id bigint);"
        ));
        assert!(!same_statements(
            merged,
            "CREATE TABLE orders (id bigint, note text);"
        ));
        // A function body is one token: a comment inside it is part of what runs.
        assert!(!same_statements(
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;",
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 -- one\n $$ LANGUAGE sql;"
        ));
        assert!(!same_statements("SELECT 'open", "SELECT 'open"));
    }

    #[test]
    fn statements_sqlparser_cannot_parse_are_still_classified() {
        let (_, a) = action("DROP INDEX CONCURRENTLY IF EXISTS idx_a");
        assert!(
            matches!(
                a,
                Action::Drop {
                    kind: ObjectKind::Index,
                    concurrently: true,
                    ..
                }
            ),
            "{a:?}"
        );
        let (_, a) = action("REINDEX INDEX CONCURRENTLY idx_a");
        assert_eq!(
            a,
            Action::Reindex {
                target: "INDEX idx_a".into(),
                concurrently: true
            }
        );
        let (parsed, a) = action("DO $$ BEGIN DROP TABLE x; END $$");
        assert!(!parsed);
        assert!(
            matches!(a, Action::Other { ref verb, .. } if verb.starts_with("DO")),
            "{a:?}"
        );
    }

    #[test]
    fn alter_table_operations_come_from_the_ast() {
        let (parsed, a) = action(
            "ALTER TABLE public.Orders ADD COLUMN total numeric(10,2) NOT NULL DEFAULT 0, \
             ALTER COLUMN note TYPE text, ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID",
        );
        assert!(parsed);
        let Action::AlterTable { table, ops } = a else {
            panic!()
        };
        assert_eq!(table, Name::new(Some("public"), "orders"));
        assert!(matches!(&ops[0], AlterTableOp::AddColumn(c) if c.not_null && c.default.is_some()));
        assert!(matches!(&ops[1], AlterTableOp::AlterType { to, .. } if to.base == "text"));
        assert!(matches!(
            &ops[2],
            AlterTableOp::AddConstraint {
                not_valid: true,
                ..
            }
        ));
    }
}
