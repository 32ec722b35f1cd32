//! Classifying a statement from its tokens. Used for every statement sqlparser cannot parse
//! (DO blocks, `DROP INDEX CONCURRENTLY IF EXISTS`, `REINDEX`, `CREATE STATISTICS`, ...) and for
//! the simple statements whose tokens say all there is to know.

use super::lexer::{Token, TokenKind};
use super::model::{Action, AlterTableOp, Name, ObjectKind};

/// A read cursor over a statement's non-comment tokens.
pub struct Cursor<'a> {
    text: &'a str,
    tokens: &'a [Token],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str, tokens: &'a [Token]) -> Self {
        Cursor {
            text,
            tokens,
            pos: 0,
        }
    }

    fn token_text(&self, index: usize) -> Option<&'a str> {
        self.tokens
            .get(index)
            .map(|t| &self.text[t.span.start..t.span.end])
    }

    fn peek_is(&self, word: &str) -> bool {
        self.tokens
            .get(self.pos)
            .is_some_and(|t| t.kind == TokenKind::Word)
            && self
                .token_text(self.pos)
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
    }

    /// Consumes `word` if it is next.
    pub fn eat(&mut self, word: &str) -> bool {
        let hit = self.peek_is(word);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Consumes the whole sequence of words, or nothing.
    pub fn eat_all(&mut self, words: &[&str]) -> bool {
        let start = self.pos;
        for w in words {
            if !self.eat(w) {
                self.pos = start;
                return false;
            }
        }
        true
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let hit =
            self.token_text(self.pos) == Some(p) && self.tokens[self.pos].kind == TokenKind::Punct;
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Skips a parenthesised group if one is next, returning its inner text.
    pub fn skip_parens(&mut self) -> Option<&'a str> {
        if self.token_text(self.pos) != Some("(") {
            return None;
        }
        let open = self.pos;
        let mut depth = 0i32;
        while let Some(t) = self.token_text(self.pos) {
            match t {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            self.pos += 1;
            if depth == 0 {
                let inner_start = self.tokens[open].span.end;
                let inner_end = self.tokens[self.pos - 1].span.start;
                return Some(&self.text[inner_start..inner_end]);
            }
        }
        None
    }

    /// Reads an identifier part, folding unquoted names to lower case.
    fn ident(&mut self) -> Option<String> {
        let token = self.tokens.get(self.pos)?;
        let raw = &self.text[token.span.start..token.span.end];
        let ident = match token.kind {
            TokenKind::Word => raw.to_ascii_lowercase(),
            TokenKind::QuotedIdent => raw[1..raw.len() - 1].replace("\"\"", "\""),
            _ => return None,
        };
        self.pos += 1;
        Some(ident)
    }

    /// Reads a possibly qualified name (`a`, `a.b`, `db.a.b` keeps the last two parts).
    pub fn name(&mut self) -> Option<Name> {
        let mut parts = vec![self.ident()?];
        while self.eat_punct(".") {
            parts.push(self.ident()?);
        }
        let name = parts.pop()?;
        Some(Name {
            schema: parts.pop(),
            name,
        })
    }

    /// Reads a comma-separated list of names.
    pub fn names(&mut self) -> Vec<Name> {
        let mut names = Vec::new();
        while let Some(n) = self.name() {
            names.push(n);
            if !self.eat_punct(",") {
                break;
            }
        }
        names
    }

    /// True when `word` appears at parenthesis depth 0 anywhere after the cursor.
    pub fn has_top_level(&self, word: &str) -> bool {
        let mut depth = 0i32;
        for i in self.pos..self.tokens.len() {
            match self.token_text(i) {
                Some("(") => depth += 1,
                Some(")") => depth -= 1,
                Some(w)
                    if depth == 0
                        && self.tokens[i].kind == TokenKind::Word
                        && w.eq_ignore_ascii_case(word) =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    /// The columns an UPDATE's SET list assigns, from its top-level `SET` to its `FROM`,
    /// `WHERE` or `RETURNING`: the first name of each comma-separated item, or each name of
    /// a parenthesised `(a, b) = ...`.
    pub fn set_columns(&self) -> Vec<String> {
        let mut columns = Vec::new();
        let mut depth = 0i32;
        let mut in_set = false;
        let mut item_start = true;
        for i in self.pos..self.tokens.len() {
            let Some(text) = self.token_text(i) else {
                break;
            };
            let word = self.tokens[i].kind == TokenKind::Word;
            if depth == 0 && word {
                let lower = text.to_ascii_lowercase();
                if !in_set {
                    in_set = lower == "set";
                    continue;
                }
                if matches!(lower.as_str(), "from" | "where" | "returning") {
                    break;
                }
            }
            if !in_set {
                continue;
            }
            match text {
                "(" => depth += 1,
                ")" => depth -= 1,
                "," if depth == 0 => {
                    item_start = true;
                    continue;
                }
                _ => {}
            }
            let name = match self.tokens[i].kind {
                TokenKind::Word => Some(text.to_ascii_lowercase()),
                TokenKind::QuotedIdent => Some(text[1..text.len() - 1].replace("\"\"", "\"")),
                _ => None,
            };
            // `SET a = 1` or `SET (a, b) = (...)`: names before the `=` of each item.
            if text == "=" && depth == 0 {
                item_start = false;
            } else if item_start && let Some(name) = name {
                columns.push(name);
                if depth == 0 {
                    item_start = false;
                }
            }
        }
        columns
    }

    /// Everything from the cursor to the end, as written.
    pub fn rest(&self) -> &'a str {
        match (self.tokens.get(self.pos), self.tokens.last()) {
            (Some(first), Some(last)) => &self.text[first.span.start..last.span.end],
            _ => "",
        }
    }

    fn upper_words(&self, n: usize) -> String {
        (0..n)
            .filter_map(|i| {
                let t = self.tokens.get(i)?;
                (t.kind == TokenKind::Word)
                    .then(|| self.token_text(i).unwrap().to_ascii_uppercase())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Classifies a statement from its tokens alone.
pub fn classify(text: &str, tokens: &[Token]) -> Action {
    let mut c = Cursor::new(text, tokens);
    if c.eat("begin") || c.eat_all(&["start", "transaction"]) {
        return Action::Begin;
    }
    if c.eat("commit") || c.eat("end") {
        return Action::Commit;
    }
    if c.eat("rollback") || c.eat("abort") {
        return if c.eat("to") {
            other(&c, 1, None)
        } else {
            Action::Rollback
        };
    }
    if c.eat("set") {
        return set(&mut c);
    }
    if c.eat("reindex") {
        c.skip_parens();
        let kind = c.ident().unwrap_or_default();
        let concurrently = c.eat("concurrently");
        let target = c.name().map(|n| n.to_string()).unwrap_or_default();
        return Action::Reindex {
            target: format!("{} {}", kind.to_ascii_uppercase(), target)
                .trim()
                .to_string(),
            concurrently,
        };
    }
    if c.eat("vacuum") {
        let mut full = c.eat("full");
        if let Some(options) = c.skip_parens() {
            full = options.split(',').any(|o| {
                let o = o.trim().to_ascii_lowercase();
                o == "full" || o == "full true" || o == "full on"
            });
        }
        while c.eat("freeze") || c.eat("verbose") || c.eat("analyze") {}
        return Action::Vacuum {
            full,
            tables: c.names(),
        };
    }
    if c.eat("cluster") {
        c.eat("verbose");
        return Action::Cluster { table: c.name() };
    }
    if c.eat("truncate") {
        c.eat("table");
        c.eat("only");
        return Action::Truncate { tables: c.names() };
    }
    if c.eat("delete") {
        c.eat("from");
        c.eat("only");
        let table = c.name().unwrap_or_else(|| Name::new(None, "?"));
        return Action::Delete {
            filtered: c.has_top_level("where"),
            table,
        };
    }
    if c.eat_all(&["insert", "into"]) {
        return Action::Other {
            verb: c.upper_words(2),
            target: c.name(),
        };
    }
    if c.eat("update") {
        c.eat("only");
        let table = c.name().unwrap_or_else(|| Name::new(None, "?"));
        return Action::Update {
            filtered: c.has_top_level("where"),
            set_columns: c.set_columns(),
            table,
        };
    }
    if c.eat("drop") {
        return drop(&mut c);
    }
    if c.eat("create") {
        return create(&mut c);
    }
    if c.eat("alter") {
        return alter(&mut c);
    }
    other(&c, 2, None)
}

fn other(c: &Cursor, words: usize, target: Option<Name>) -> Action {
    Action::Other {
        verb: c.upper_words(words),
        target,
    }
}

fn set(c: &mut Cursor) -> Action {
    let local = c.eat("local");
    c.eat("session");
    let name = c
        .rest()
        .split(|ch: char| ch.is_whitespace() || ch == '=')
        .next()
        .unwrap_or("");
    let name = name.to_ascii_lowercase();
    let value = c
        .rest()
        .get(name.len()..)
        .unwrap_or("")
        .trim_start()
        .trim_start_matches('=')
        .trim_start();
    let value = value
        .strip_prefix("to ")
        .or_else(|| value.strip_prefix("TO "))
        .unwrap_or(value)
        .trim()
        .trim_matches('\'')
        .to_string();
    Action::Set { name, value, local }
}

fn object_kind(c: &mut Cursor) -> ObjectKind {
    if c.eat("table") || c.eat_all(&["foreign", "table"]) {
        ObjectKind::Table
    } else if c.eat("view") {
        ObjectKind::View
    } else if c.eat_all(&["materialized", "view"]) {
        ObjectKind::MaterializedView
    } else if c.eat("index") {
        ObjectKind::Index
    } else if c.eat("schema") {
        ObjectKind::Schema
    } else if c.eat("database") {
        ObjectKind::Database
    } else if c.eat("type") || c.eat("domain") {
        ObjectKind::Type
    } else if c.eat("sequence") {
        ObjectKind::Sequence
    } else if c.eat("function") || c.eat("procedure") || c.eat("routine") {
        ObjectKind::Function
    } else {
        ObjectKind::Other
    }
}

fn drop(c: &mut Cursor) -> Action {
    let kind = object_kind(c);
    if kind == ObjectKind::Other {
        return other(c, 2, None);
    }
    let concurrently = c.eat("concurrently");
    c.eat_all(&["if", "exists"]);
    let mut arguments = Vec::new();
    let names = if kind == ObjectKind::Function {
        // Each routine may carry its argument types: `DROP FUNCTION f(int), g(text)`.
        let mut names = Vec::new();
        while let Some(name) = c.name() {
            names.push(name);
            arguments.push(c.skip_parens().map(routine_arguments));
            if !c.eat_punct(",") {
                break;
            }
        }
        names
    } else {
        c.names()
    };
    Action::Drop {
        kind,
        cascade: c.has_top_level("cascade"),
        names,
        arguments,
        concurrently,
    }
}

fn create(c: &mut Cursor) -> Action {
    let or_replace = c.eat_all(&["or", "replace"]);
    let unique = c.eat("unique");
    if c.eat("index") {
        let concurrently = c.eat("concurrently");
        c.eat_all(&["if", "not", "exists"]);
        let name = if c.peek_is("on") { None } else { c.name() };
        c.eat("on");
        c.eat("only");
        let table = c.name().unwrap_or_else(|| Name::new(None, "?"));
        if c.eat("using") {
            c.ident();
        }
        let columns = c
            .skip_parens()
            .map(|inner| {
                inner
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        return Action::CreateIndex {
            name,
            table,
            unique,
            concurrently,
            columns,
            partial: c.has_top_level("where"),
        };
    }
    while c.eat("temporary")
        || c.eat("temp")
        || c.eat("unlogged")
        || c.eat("global")
        || c.eat("local")
    {}
    if c.eat("table") {
        c.eat_all(&["if", "not", "exists"]);
        let table = c.name().unwrap_or_else(|| Name::new(None, "?"));
        let partition_of = if c.eat_all(&["partition", "of"]) {
            c.name()
        } else {
            None
        };
        return Action::CreateTable {
            table,
            columns: Vec::new(),
            constraints: Vec::new(),
            partition_of,
        };
    }
    if (c.eat("type") || c.eat("domain"))
        && let Some(name) = c.name()
    {
        return Action::CreateType { name };
    }
    if c.eat("extension") {
        c.eat_all(&["if", "not", "exists"]);
        return Action::Other {
            verb: "CREATE EXTENSION".into(),
            target: c.name(),
        };
    }
    if (c.eat("function") || c.eat("procedure"))
        && let Some(name) = c.name()
    {
        return Action::CreateRoutine {
            name,
            arguments: c.skip_parens().map(routine_arguments).unwrap_or_default(),
            or_replace,
        };
    }
    if c.eat("sequence") {
        c.eat_all(&["if", "not", "exists"]);
        return Action::Other {
            verb: "CREATE SEQUENCE".into(),
            target: c.name(),
        };
    }
    let materialized = c.eat("materialized");
    if c.eat("view") {
        c.eat_all(&["if", "not", "exists"]);
        if let Some(name) = c.name() {
            return Action::CreateView { name, materialized };
        }
    }
    other(c, 3, None)
}

fn alter(c: &mut Cursor) -> Action {
    if c.peek_is("type") || c.peek_is("domain") {
        let domain = c.eat("domain");
        c.eat("type");
        let type_name = c.name().unwrap_or_else(|| Name::new(None, "?"));
        if c.eat_all(&["add", "value"]) {
            c.eat_all(&["if", "not", "exists"]);
            let value = c.rest().split_whitespace().next().unwrap_or("");
            return Action::AlterTypeAddValue {
                type_name,
                value: value.trim_matches('\'').to_string(),
            };
        }
        if let Some(action) = rename_or_move(c, ObjectKind::Type, &type_name, None) {
            return action;
        }
        if domain && let Some(action) = domain_constraint(c, &type_name) {
            return action;
        }
        return other(c, 2, Some(type_name));
    }
    if !c.eat("table") {
        let verb = c.upper_words(3);
        let kind = object_kind(c);
        c.eat_all(&["if", "exists"]);
        let target = c.name();
        if let Some(name) = &target {
            // A routine names its argument types before what is done to it.
            let arguments = c.skip_parens().map(routine_arguments);
            if let Some(action) = rename_or_move(c, kind, name, arguments) {
                return action;
            }
        }
        return Action::Other { verb, target };
    }
    c.eat_all(&["if", "exists"]);
    c.eat("only");
    let table = c.name().unwrap_or_else(|| Name::new(None, "?"));
    let op = if c.eat_all(&["detach", "partition"]) {
        let partition = c.name().unwrap_or_else(|| Name::new(None, "?"));
        AlterTableOp::DetachPartition {
            partition,
            concurrently: c.eat("concurrently"),
        }
    } else if c.eat_all(&["set", "schema"]) {
        AlterTableOp::SetSchema {
            schema: c.ident().unwrap_or_default(),
        }
    } else if c.eat_all(&["attach", "partition"]) {
        AlterTableOp::AttachPartition {
            partition: c.name().unwrap_or_else(|| Name::new(None, "?")),
        }
    } else {
        AlterTableOp::Other(c.rest().to_string())
    };
    Action::AlterTable {
        table,
        ops: vec![op],
    }
}

/// `... RENAME TO new` or `... SET SCHEMA other` of the object `name`.
fn rename_or_move(
    c: &mut Cursor,
    kind: ObjectKind,
    name: &Name,
    arguments: Option<String>,
) -> Option<Action> {
    if c.eat_all(&["rename", "to"]) {
        return Some(Action::Rename {
            kind,
            from: name.clone(),
            to: c.ident()?,
            arguments,
        });
    }
    if c.eat_all(&["set", "schema"]) {
        return Some(Action::SetSchema {
            kind,
            name: name.clone(),
            schema: c.ident()?,
            arguments,
        });
    }
    None
}

/// `ALTER DOMAIN d ADD [CONSTRAINT c] CHECK (...) [NOT VALID]` and `ALTER DOMAIN d SET NOT
/// NULL`, the two that check every value the domain already holds.
fn domain_constraint(c: &mut Cursor, domain: &Name) -> Option<Action> {
    if c.eat_all(&["set", "not", "null"]) {
        return Some(Action::AlterDomainConstraint {
            domain: domain.clone(),
            check: None,
            not_valid: false,
        });
    }
    if !c.eat("add") {
        return None;
    }
    if c.eat("constraint") {
        c.ident()?;
    }
    if c.eat_all(&["not", "null"]) {
        return Some(Action::AlterDomainConstraint {
            domain: domain.clone(),
            check: None,
            not_valid: c.eat_all(&["not", "valid"]),
        });
    }
    if !c.eat("check") {
        return None;
    }
    let check = c.skip_parens()?.trim().to_string();
    Some(Action::AlterDomainConstraint {
        domain: domain.clone(),
        check: Some(check),
        not_valid: c.eat_all(&["not", "valid"]),
    })
}

/// A routine's input argument types as PostgreSQL identifies it (`a int, OUT b text` →
/// `integer`): OUT arguments, names and defaults are not part of its identity (`DROP FUNCTION`:
/// "only the input arguments are needed to determine the function's identity").
pub fn routine_arguments(inner: &str) -> String {
    const MULTI_WORD_TYPES: &[&str] = &[
        "double",
        "character",
        "char",
        "national",
        "timestamp",
        "time",
        "bit",
    ];
    // Split at the top-level commas, as the lexer reads the text: a default's string or
    // dollar-quoted text may hold commas and parentheses of its own.
    let (tokens, _) = super::lexer::lex(inner);
    let mut depth = 0i32;
    let mut arguments = Vec::new();
    let mut start = 0;
    for token in tokens.iter().filter(|t| !t.is_comment()) {
        match &inner[token.span.start..token.span.end] {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 0 && token.kind == TokenKind::Punct => {
                arguments.push(&inner[start..token.span.start]);
                start = token.span.end;
            }
            _ => {}
        }
    }
    arguments.push(&inner[start..]);
    arguments
        .iter()
        .filter_map(|argument| {
            let lower = argument.to_ascii_lowercase();
            let without_default = lower
                .split(" default ")
                .next()
                .unwrap_or("")
                .split('=')
                .next()
                .unwrap_or("");
            let mut words: Vec<&str> = without_default.split_whitespace().collect();
            match words.first() {
                Some(&"out") => return None,
                Some(&("in" | "inout" | "variadic")) => {
                    words.remove(0);
                }
                _ => {}
            }
            // `name type`: a first word followed by more is the argument's name, unless the two
            // begin a type of several words (`double precision`, `character varying(20)`).
            let several_words = words.len() > 1
                && MULTI_WORD_TYPES.contains(&words[0])
                && matches!(
                    words[1].split('(').next().unwrap_or(""),
                    "precision" | "varying" | "with" | "without"
                );
            if words.len() > 1 && !several_words {
                words.remove(0);
            }
            // Type modifiers are not part of a routine's identity either.
            let written = words.join(" ");
            let kind = super::types::normalize_type(&written);
            (!written.is_empty()).then(|| match kind.array {
                true => format!("{}[]", kind.base),
                false => kind.base,
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}
