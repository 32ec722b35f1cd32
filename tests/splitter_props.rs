//! Property tests for the statement splitter.

use drydock::sql::{parse, split::split};
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,8}".prop_map(|s| s),
        "[a-z ;]{0,10}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        "[a-z ;']{0,10}".prop_map(|s| format!("E'{}'", s.replace('\\', "").replace('\'', "\\'"))),
        "[a-z ;]{0,10}".prop_map(|s| format!("$tag${s}$tag$")),
        "[a-z ;]{0,10}".prop_map(|s| format!("$${s}$$")),
        "[a-z ;]{0,10}".prop_map(|s| format!("\"{s}\"")),
        "[a-z ;]{0,10}".prop_map(|s| format!("/* {s} /* {s} */ */")),
        "[a-z ;]{0,10}".prop_map(|s| format!("-- {s}\n")),
        Just(" ".to_string()),
        Just("\n".to_string()),
    ]
}

fn statement() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(piece(), 1..8)
}

proptest! {
    /// Semicolons inside literals and comments never split; every statement written comes back,
    /// with spans that point exactly at its text.
    #[test]
    fn statements_round_trip(stmts in prop::collection::vec(statement(), 1..6)) {
        let bodies: Vec<String> = stmts.iter().map(|s| format!("SELECT {}", s.join(" "))).collect();
        let sql = bodies.iter().map(|b| format!("{b}\n;\n")).collect::<String>();
        let result = split(&sql);
        prop_assert!(result.unterminated.is_none());
        prop_assert_eq!(result.statements.len(), bodies.len());
        for (raw, body) in result.statements.iter().zip(&bodies) {
            let text = &sql[raw.span.start..raw.span.end];
            // The span starts at SELECT and ends at the statement's last token.
            prop_assert!(text.starts_with("SELECT"));
            prop_assert!(body.trim_end().starts_with(text) || body.contains(text));
        }
    }

    /// Arbitrary input never panics, and spans stay inside the text on char boundaries.
    #[test]
    fn arbitrary_input_never_panics(sql in "\\PC{0,200}") {
        let parsed = parse(&sql);
        for s in &parsed.statements {
            prop_assert!(s.span.start <= s.span.end && s.span.end <= sql.len());
            prop_assert!(sql.is_char_boundary(s.span.start) && sql.is_char_boundary(s.span.end));
        }
    }
}
