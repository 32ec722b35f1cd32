//! Splits a file into statements with exact spans, keeping the comments that precede each one
//! (ignore directives live there).

use super::lexer::{Token, TokenKind, Unterminated, lex};
use crate::source::Span;

/// One statement as written: its span (without the terminating semicolon) and its tokens.
#[derive(Debug, Clone)]
pub struct RawStatement {
    pub span: Span,
    /// Non-comment tokens of the statement.
    pub tokens: Vec<Token>,
    /// Comments between the previous statement and this one.
    pub leading_comments: Vec<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct Split {
    pub statements: Vec<RawStatement>,
    /// Comments after the last statement.
    pub trailing_comments: Vec<Span>,
    /// Set when a literal or comment is never closed; statements before it are still split.
    pub unterminated: Option<Unterminated>,
}

pub fn split(text: &str) -> Split {
    let (tokens, unterminated) = lex(text);
    let mut out = Split {
        unterminated,
        ..Split::default()
    };
    let mut current: Vec<Token> = Vec::new();
    let mut comments: Vec<Span> = Vec::new();
    // Depth of SQL-standard function bodies (`BEGIN ATOMIC ... END`), which contain semicolons.
    let mut atomic_depth = 0usize;
    let word = |t: &Token| -> Option<&str> {
        (t.kind == TokenKind::Word).then(|| &text[t.span.start..t.span.end])
    };
    for token in tokens {
        if token.is_comment() {
            if current.is_empty() {
                comments.push(token.span);
            }
            continue;
        }
        if token.kind == TokenKind::Semicolon && atomic_depth == 0 {
            flush(&mut out, &mut current, &mut comments);
            continue;
        }
        if let Some(w) = word(&token) {
            let opens_body = w.eq_ignore_ascii_case("atomic")
                && current
                    .last()
                    .and_then(word)
                    .is_some_and(|p| p.eq_ignore_ascii_case("begin"));
            let opens_case = atomic_depth > 0 && w.eq_ignore_ascii_case("case");
            if opens_body || opens_case {
                atomic_depth += 1;
            } else if atomic_depth > 0 && w.eq_ignore_ascii_case("end") {
                atomic_depth -= 1;
            }
        }
        current.push(token);
    }
    flush(&mut out, &mut current, &mut comments);
    out.trailing_comments = comments;
    out
}

fn flush(out: &mut Split, current: &mut Vec<Token>, comments: &mut Vec<Span>) {
    if current.is_empty() {
        return;
    }
    let span = Span::new(current[0].span.start, current[current.len() - 1].span.end);
    out.statements.push(RawStatement {
        span,
        tokens: std::mem::take(current),
        leading_comments: std::mem::take(comments),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql)
            .statements
            .iter()
            .map(|s| &sql[s.span.start..s.span.end])
            .collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                   -- note; here\nSELECT ';', \"a;b\" /* ; */;;\nSELECT 2";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "SELECT ';', \"a;b\"",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn begin_atomic_bodies_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC \
            SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 3;";
        let t = texts(sql);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].ends_with("END"));
    }

    #[test]
    fn leading_comments_belong_to_the_next_statement() {
        let sql = "-- drydock:ignore drop-table\nDROP TABLE a;\n-- tail";
        let s = split(sql);
        assert_eq!(s.statements[0].leading_comments.len(), 1);
        assert_eq!(s.trailing_comments.len(), 1);
    }
}
