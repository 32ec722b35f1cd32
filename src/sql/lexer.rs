//! A PostgreSQL lexer that knows just enough to find statement boundaries and keywords:
//! quoted identifiers, standard and `E''` strings, dollar quotes with tags, nested block
//! comments. Every token keeps its exact byte span.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or unquoted identifier.
    Word,
    /// `"Quoted"` identifier.
    QuotedIdent,
    /// `'...'`, `E'...'`, `B'...'`, `X'...'`, `U&'...'`.
    String,
    /// `$tag$ ... $tag$`.
    DollarString,
    Number,
    /// `$1`.
    Param,
    Semicolon,
    LineComment,
    BlockComment,
    /// Any other punctuation or operator character.
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, TokenKind::LineComment | TokenKind::BlockComment)
    }
}

/// A literal or comment that runs to the end of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unterminated {
    /// What was left open, e.g. "dollar-quoted string $body$".
    pub what: String,
    /// Where it starts.
    pub start: usize,
}

/// Tokenizes `text`. On an unterminated literal, returns the tokens before it and the error.
///
/// Follows `standard_conforming_strings` as the statements set it (`SET`, `RESET`,
/// `set_config`): with it off, a backslash escapes in plain `'...'` strings too, as Postgres
/// then reads them. A migration that turns it off would otherwise hide statements from the
/// linter inside what looks like a string (`SELECT 'a\''; DROP TABLE users; --';`).
pub fn lex(text: &str) -> (Vec<Token>, Option<Unterminated>) {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut i = 0;
    let mut standard_strings = true;
    let mut statement_start = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                TokenKind::LineComment
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match block_comment_end(bytes, i) {
                Some(end) => {
                    i = end;
                    TokenKind::BlockComment
                }
                None => return unterminated(tokens, "block comment /*", start),
            },
            b';' => {
                if let Some(on) = sets_standard_strings(text, &tokens[statement_start..]) {
                    standard_strings = on;
                }
                statement_start = tokens.len() + 1;
                i += 1;
                TokenKind::Semicolon
            }
            b'\'' => match quoted_end(bytes, i, b'\'', !standard_strings) {
                Some(end) => {
                    i = end;
                    TokenKind::String
                }
                None => return unterminated(tokens, "string literal '", start),
            },
            b'"' => match quoted_end(bytes, i, b'"', false) {
                Some(end) => {
                    i = end;
                    TokenKind::QuotedIdent
                }
                None => return unterminated(tokens, "quoted identifier \"", start),
            },
            b'$' => {
                if let Some(tag_end) = dollar_tag_end(bytes, i) {
                    let tag = &text[i..tag_end];
                    match find(&bytes[tag_end..], tag.as_bytes()) {
                        Some(n) => {
                            i = tag_end + n + tag.len();
                            TokenKind::DollarString
                        }
                        None => {
                            return unterminated(
                                tokens,
                                &format!("dollar-quoted string {tag}"),
                                start,
                            );
                        }
                    }
                } else if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    TokenKind::Param
                } else {
                    i += 1;
                    TokenKind::Punct
                }
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                TokenKind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i);
                TokenKind::Number
            }
            _ if is_ident_start(b) => {
                // E'..', B'..', X'..', U&'..' are strings with a prefix.
                let prefix_string = match (b | 0x20, bytes.get(i + 1), bytes.get(i + 2)) {
                    (b'e', Some(b'\''), _) => Some((i + 1, true)),
                    (b'n', Some(b'\''), _) => Some((i + 1, !standard_strings)),
                    (b'b' | b'x', Some(b'\''), _) => Some((i + 1, false)),
                    (b'u', Some(b'&'), Some(b'\'')) => Some((i + 2, false)),
                    _ => None,
                };
                if let Some((quote_at, backslash_escapes)) = prefix_string {
                    match quoted_end(bytes, quote_at, b'\'', backslash_escapes) {
                        Some(end) => {
                            i = end;
                            TokenKind::String
                        }
                        None => return unterminated(tokens, "string literal '", start),
                    }
                } else if b | 0x20 == b'u'
                    && bytes.get(i + 1) == Some(&b'&')
                    && bytes.get(i + 2) == Some(&b'"')
                {
                    match quoted_end(bytes, i + 2, b'"', false) {
                        Some(end) => {
                            i = end;
                            TokenKind::QuotedIdent
                        }
                        None => return unterminated(tokens, "quoted identifier \"", start),
                    }
                } else {
                    i += 1;
                    while i < bytes.len() && is_ident_continue(bytes[i]) {
                        i += 1;
                    }
                    TokenKind::Word
                }
            }
            _ => {
                // One character of punctuation; step over a whole UTF-8 sequence.
                i += utf8_len(b);
                TokenKind::Punct
            }
        };
        tokens.push(Token {
            kind,
            span: Span::new(start, i),
        });
    }
    (tokens, None)
}

/// What a statement (its tokens, up to its semicolon) sets `standard_conforming_strings` to:
/// `SET [SESSION | LOCAL] standard_conforming_strings {= | TO} value`, `RESET
/// standard_conforming_strings`, `RESET ALL`, or `set_config('standard_conforming_strings',
/// 'value', ...)` anywhere in it. `None` when it does not set it.
fn sets_standard_strings(text: &str, tokens: &[Token]) -> Option<bool> {
    const NAME: &str = "standard_conforming_strings";
    let (first, last) = (tokens.first()?, tokens.last()?);
    let statement = &text.as_bytes()[first.span.start..last.span.end];
    // Most statements do not name it: skip them without allocating.
    let resets = statement.len() >= 5 && statement[..5].eq_ignore_ascii_case(b"reset");
    if !resets
        && !statement
            .windows(NAME.len())
            .any(|w| w.eq_ignore_ascii_case(NAME.as_bytes()))
    {
        return None;
    }
    let words: Vec<String> = tokens
        .iter()
        .filter(|t| !t.is_comment())
        .map(|t| {
            let raw = &text[t.span.start..t.span.end];
            raw.trim_matches(|c| c == '\'' || c == '"')
                .to_ascii_lowercase()
        })
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let value = |v: &str| match v {
        "on" | "true" | "1" | "yes" | "default" => Some(true),
        "off" | "false" | "0" | "no" => Some(false),
        _ => None,
    };
    match words.as_slice() {
        ["set", "session" | "local", name, "=" | "to", v, ..]
        | ["set", name, "=" | "to", v, ..]
            if *name == NAME =>
        {
            value(v)
        }
        ["reset", name] if *name == NAME || *name == "all" => Some(true),
        _ => words.windows(5).find_map(|w| match w {
            ["set_config", "(", name, ",", v] if *name == NAME => value(v),
            _ => None,
        }),
    }
}

fn unterminated(
    tokens: Vec<Token>,
    what: &str,
    start: usize,
) -> (Vec<Token>, Option<Unterminated>) {
    (
        tokens,
        Some(Unterminated {
            what: what.to_string(),
            start,
        }),
    )
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// End (exclusive) of a quoted token starting at `start` (the opening quote). A doubled quote
/// is an escaped quote; with `backslash_escapes` (E'' strings) a backslash escapes the next byte.
fn quoted_end(bytes: &[u8], start: usize, quote: u8, backslash_escapes: bool) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if backslash_escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// End (exclusive) of a nested block comment starting at `start`.
fn block_comment_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// If a dollar-quote opening tag (`$$` or `$tag$`) starts at `start`, its end (exclusive).
fn dollar_tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if bytes.get(i).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    while i < bytes.len() {
        match bytes[i] {
            b'$' => return Some(i + 1),
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => i += 1,
            _ => return None,
        }
    }
    None
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_')
    {
        // An exponent sign belongs to the number: 1e-5
        if (bytes[i] == b'e' || bytes[i] == b'E')
            && matches!(bytes.get(i + 1), Some(b'+') | Some(b'-'))
        {
            i += 1;
        }
        // `1..2` is not a number followed by a range in SQL, but stop at `..` anyway.
        if bytes[i] == b'.' && bytes.get(i + 1) == Some(&b'.') {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        let (tokens, err) = lex(text);
        assert!(err.is_none(), "{err:?}");
        tokens
            .iter()
            .map(|t| (t.kind, &text[t.span.start..t.span.end]))
            .collect()
    }

    #[test]
    fn dollar_quotes_with_tags_hide_semicolons() {
        let toks = kinds("SELECT $fn$ a; $$ b; $fn$; $1");
        assert_eq!(toks[1], (TokenKind::DollarString, "$fn$ a; $$ b; $fn$"));
        assert_eq!(toks[2].0, TokenKind::Semicolon);
        assert_eq!(toks[3], (TokenKind::Param, "$1"));
    }

    #[test]
    fn strings_comments_and_identifiers() {
        let toks = kinds(r#"E'it\'s;' 'a''b;' "x"";y" /* a /* ; */ b */ -- ;"#);
        let k: Vec<_> = toks.iter().map(|t| t.0).collect();
        assert_eq!(
            k,
            vec![
                TokenKind::String,
                TokenKind::String,
                TokenKind::QuotedIdent,
                TokenKind::BlockComment,
                TokenKind::LineComment
            ]
        );
    }

    #[test]
    fn backslashes_escape_in_plain_strings_once_standard_conforming_strings_is_off() {
        let semicolons = |text: &str| {
            kinds(text)
                .iter()
                .filter(|(k, _)| *k == TokenKind::Semicolon)
                .count()
        };
        let hidden = "SELECT 'a\\''; DROP TABLE users; --';\n";
        // Standard strings: `'a\''` goes on past the doubled quote to the last `'`: one
        // statement, and only its final semicolon.
        assert_eq!(semicolons(hidden), 1);
        for off in [
            "SET standard_conforming_strings = off;",
            "SET SESSION standard_conforming_strings TO 'off';",
            "SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false);",
        ] {
            // Off: `'a\''` ends at the escaped quote; SELECT; DROP TABLE; a comment.
            assert_eq!(semicolons(&format!("{off}\n{hidden}")), 1 + 2, "{off}");
        }
        let back_on = "SET standard_conforming_strings = off;\nRESET standard_conforming_strings;";
        assert_eq!(semicolons(&format!("{back_on}\n{hidden}")), 2 + 1);
    }

    #[test]
    fn unterminated_dollar_quote_reports_its_tag_and_start() {
        let (_, err) = lex("SELECT 1;\nDO $body$ BEGIN");
        let err = err.unwrap();
        assert_eq!(err.what, "dollar-quoted string $body$");
        assert_eq!(err.start, 13);
    }
}
