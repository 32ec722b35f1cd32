//! Normalising column types and finding the functions an expression calls.

use super::lexer::{TokenKind, lex};
use super::model::{Expression, TypeName};

/// Reduces a written type (`character varying(20)`, `INT4`, `timestamp with time zone[]`)
/// to a canonical [`TypeName`].
pub fn normalize_type(written: &str) -> TypeName {
    let collapsed = written.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = collapsed.to_ascii_lowercase();
    let mut array = lower.ends_with("[]") || lower.contains("[] ") || lower.ends_with(" array");
    let mut rest = lower
        .trim_end_matches("[]")
        .trim_end_matches(" array")
        .to_string();
    if rest.ends_with("[]") {
        array = true;
        rest = rest.trim_end_matches("[]").to_string();
    }
    // Modifiers sit in the first parenthesised group; the time-zone words can follow it.
    let (head, modifiers, tail) = match (rest.find('('), rest.find(')')) {
        (Some(open), Some(close)) if close > open => {
            let mods = rest[open + 1..close]
                .split(',')
                .filter_map(|m| m.trim().parse::<i64>().ok())
                .collect();
            (
                rest[..open].trim().to_string(),
                mods,
                rest[close + 1..].trim().to_string(),
            )
        }
        _ => (rest.trim().to_string(), Vec::new(), String::new()),
    };
    let full = if tail.is_empty() {
        head.clone()
    } else {
        format!("{head} {tail}")
    };
    let base = match full.trim_start_matches("pg_catalog.") {
        "int" | "integer" | "int4" => "integer",
        "smallint" | "int2" => "smallint",
        "bigint" | "int8" => "bigint",
        "serial" | "serial4" => "serial",
        "bigserial" | "serial8" => "bigserial",
        "smallserial" | "serial2" => "smallserial",
        "varchar" | "character varying" | "char varying" => "varchar",
        "char" | "character" | "bpchar" | "nchar" => "char",
        "decimal" | "numeric" | "dec" => "numeric",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "time" | "time without time zone" => "time",
        "timetz" | "time with time zone" => "timetz",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" | "float" => "double precision",
        "float4" | "real" => "real",
        "varbit" | "bit varying" => "varbit",
        other => other,
    }
    .to_string();
    TypeName {
        base,
        modifiers,
        array,
        written: collapsed,
    }
}

/// The expression with the lower-cased names of the functions it calls.
pub fn expression(text: &str) -> Expression {
    let (tokens, _) = lex(text);
    let mut functions = Vec::new();
    for pair in tokens.windows(2) {
        let (word, next) = (&pair[0], &pair[1]);
        if word.kind == TokenKind::Word && &text[next.span.start..next.span.end] == "(" {
            functions.push(text[word.span.start..word.span.end].to_ascii_lowercase());
        }
    }
    // Niladic SQL functions written without parentheses.
    for token in &tokens {
        if token.kind == TokenKind::Word {
            let word = text[token.span.start..token.span.end].to_ascii_lowercase();
            if matches!(
                word.as_str(),
                "current_timestamp"
                    | "current_date"
                    | "current_time"
                    | "localtimestamp"
                    | "localtime"
            ) {
                functions.push(word);
            }
        }
    }
    Expression {
        text: text.to_string(),
        functions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_type_names() {
        let t = normalize_type("CHARACTER VARYING(20)");
        assert_eq!(
            (t.base.as_str(), t.modifiers.as_slice()),
            ("varchar", &[20][..])
        );
        assert_eq!(normalize_type("INT4").base, "integer");
        assert_eq!(
            normalize_type("timestamp(3) with time zone").base,
            "timestamptz"
        );
        assert_eq!(normalize_type("numeric(10, 2)").modifiers, vec![10, 2]);
        assert!(normalize_type("text[]").array);
    }

    #[test]
    fn finds_called_functions() {
        let e = expression("coalesce(public.gen_random_uuid(), now())");
        assert_eq!(e.functions, vec!["coalesce", "gen_random_uuid", "now"]);
        assert_eq!(
            expression("CURRENT_TIMESTAMP").functions,
            vec!["current_timestamp"]
        );
    }
}
