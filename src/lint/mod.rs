//! Lint: the static rules, run over the parsed statements of the migrations under review, in the
//! order the framework applies them. Knows what earlier statements of the change created, so a
//! rule about an existing table does not fire for a table the change itself creates.

pub mod ignore;
pub mod rules;
pub mod state;

use crate::finding::{Category, Evidence, Finding, FindingLocation, Fix, Severity};
use crate::plan::format::Transaction;
use crate::plan::{Issue, MigrationFile};
use crate::source::{SourceFile, Span};
use crate::sql::model::{Action, Name};
use crate::sql::{self, Statement};
pub use ignore::Suppression;
use state::State;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case name used in config, ignores and output.
    pub name: &'static str,
    pub category: Category,
    /// `None`: off unless enabled in drydock.toml.
    pub default_severity: Option<Severity>,
    /// Markdown: What it does / Why it matters / Example / Use instead.
    pub doc: &'static str,
    /// Names and codes other tools use for the same check (squawk, Atlas), honoured in their
    /// ignore comments.
    pub aliases: &'static [&'static str],
}

impl RuleMeta {
    /// The documentation without rustdoc's leading space on each line.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// First sentence of "What it does", for listings.
    pub fn summary(&self) -> String {
        let doc = self.documentation();
        let body = doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(&doc)
            .split("##")
            .next()
            .unwrap_or("");
        body.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Whether destructive findings block the merge until overridden.
    pub fn blocking(&self) -> bool {
        self.category == Category::Destructive
    }
}

/// What a rule reports; the engine adds the location and the rule's metadata.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    pub message: String,
    pub help: String,
    pub fix: Option<Fix>,
    /// Narrower span than the statement, when the rule knows one.
    pub span: Option<Span>,
}

impl Hit {
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        Hit {
            message: message.into(),
            help: help.into(),
            ..Hit::default()
        }
    }

    /// Attaches a fix, when there is one.
    pub fn with_fix(mut self, fix: impl Into<Option<Fix>>) -> Self {
        self.fix = fix.into();
        self
    }
}

/// Settings the rules read.
#[derive(Debug, Clone)]
pub struct LintSettings {
    /// Major version of the production Postgres.
    pub postgres_version: u32,
}

impl Default for LintSettings {
    fn default() -> Self {
        LintSettings {
            postgres_version: 16,
        }
    }
}

/// Everything a rule may look at for one statement.
pub struct Context<'a> {
    pub source: &'a SourceFile,
    pub statement: &'a Statement,
    /// What earlier statements did (not including this one).
    pub state: &'a State,
    pub settings: &'a LintSettings,
    pub transaction: Transaction,
}

impl Context<'_> {
    pub fn action(&self) -> &Action {
        &self.statement.action
    }

    pub fn text(&self) -> &str {
        self.source.slice(self.statement.span)
    }

    /// True when the table existed before the migrations under review.
    pub fn is_existing_table(&self, table: &Name) -> bool {
        !self.state.created_tables.contains(&table.key())
    }

    /// Whether this statement runs inside a transaction block.
    pub fn in_transaction(&self) -> bool {
        self.state.in_transaction(self.transaction)
    }

    /// A fix that inserts ` word` after the first token equal to `after`.
    pub fn insert_after_word(&self, after: &str, word: &str) -> Option<Fix> {
        let text = &self.source.text;
        let token = self
            .statement
            .tokens
            .iter()
            .find(|t| text[t.span.start..t.span.end].eq_ignore_ascii_case(after))?;
        let mut replacement = self.text().to_string();
        let at = token.span.end - self.statement.span.start;
        replacement.insert_str(at, &format!(" {word}"));
        Some(self.replace_statement(replacement))
    }

    /// A fix that replaces the whole statement with `replacement`.
    pub fn replace_statement(&self, replacement: String) -> Fix {
        Fix {
            span: self.statement.span,
            replacement,
        }
    }
}

/// A rule: metadata plus checks. Statement checks run for each statement in order; file checks
/// run once the file's statements are done.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, _cx: &Context, _out: &mut Vec<Hit>) {}
    fn check_file_end(&self, _state: &State, _transaction: Transaction, _out: &mut Vec<Hit>) {}
}

/// Findings and ignore comments for a set of migration files.
#[derive(Debug, Default)]
pub struct LintOutput {
    pub findings: Vec<Finding>,
    pub suppressions: Vec<Suppression>,
    pub statements: usize,
}

/// How the files under review relate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One change (a pull request): tables created by an earlier reviewed file are new for
    /// later ones.
    ChangeSet,
    /// Each file on its own: only tables created in the same file are new.
    EachFile,
}

/// A file to lint, or only to learn the schema from (a migration already deployed).
pub struct Input<'a> {
    pub file: &'a MigrationFile,
    pub reviewed: bool,
}

/// Lints the reviewed files among `inputs`, which are in the order the framework applies them.
pub fn lint(inputs: &[Input], scope: Scope, settings: &LintSettings) -> LintOutput {
    let mut out = LintOutput::default();
    let mut state = State::default();
    for input in inputs {
        if input.reviewed {
            lint_file(
                input.file,
                &mut state,
                scope == Scope::EachFile,
                settings,
                &mut out,
            );
        } else {
            learn_schema(input.file, &mut state);
        }
    }
    out
}

fn up_statements<'a>(file: &MigrationFile, parsed: &'a sql::ParsedSql) -> Vec<&'a Statement> {
    parsed
        .statements
        .iter()
        .filter(|s| s.span.start >= file.up.start && s.span.start < file.up.end)
        .collect()
}

/// Reads a deployed migration only for what it tells about the schema (column types).
fn learn_schema(file: &MigrationFile, state: &mut State) {
    let parsed = sql::parse(&file.source.text);
    let statements = up_statements(file, &parsed);
    state.start_file(statements.len(), true);
    for statement in statements {
        state.apply(statement, file.transaction);
    }
    // What a deployed file created is existing, not new.
    state.start_file(0, true);
}

pub fn finding(meta: &RuleMeta, location: FindingLocation, hit: Hit) -> Finding {
    Finding {
        rule: meta.name,
        category: meta.category,
        severity: meta.default_severity.unwrap_or(Severity::Info),
        blocking: meta.blocking(),
        file: location.file,
        span: location.span,
        start: location.start,
        end: location.end,
        message: hit.message,
        help: hit.help,
        fix: hit.fix,
        evidence: vec![Evidence::Static],
    }
}

/// Turns a plan issue into a finding of its integrity rule.
pub fn issue_finding(issue: Issue) -> Finding {
    let meta = rules::by_name(issue.rule)
        .unwrap_or_else(|| panic!("plan issue names unknown rule {}", issue.rule))
        .meta();
    finding(meta, issue.location, Hit::new(issue.message, issue.help))
}

fn lint_file(
    file: &MigrationFile,
    state: &mut State,
    new_change_set: bool,
    settings: &LintSettings,
    out: &mut LintOutput,
) {
    let source = &file.source;
    let parsed = sql::parse(&source.text);
    let statements = up_statements(file, &parsed);
    state.start_file(statements.len(), new_change_set);
    out.statements += statements.len();
    let all_rules = rules::all();

    if source.text.trim().is_empty() || statements.is_empty() && parsed.unterminated.is_none() {
        let meta = rules::by_name("empty-migration")
            .expect("registered")
            .meta();
        out.findings.push(finding(
            meta,
            Finding::for_file(&source.display_path()),
            Hit::new(
                "the migration has no statements; the framework will record it as applied and do nothing",
                "Add the intended statements, or delete the file if it was created by mistake.",
            ),
        ));
    }
    if let Some(unterminated) = &parsed.unterminated {
        let meta = rules::by_name("syntax-error").expect("registered").meta();
        let span = Span::new(unterminated.start, source.text.len());
        let position = source.position(unterminated.start);
        out.findings.push(finding(
            meta,
            Finding::at(source, Span::new(unterminated.start, unterminated.start)),
            Hit {
                span: Some(span),
                ..Hit::new(
                    format!(
                        "unterminated {} starting at line {}, column {}: everything after it is one unfinished statement and Postgres will reject the file",
                        unterminated.what, position.line, position.column
                    ),
                    "Close the literal or comment; for dollar quotes the closing tag must match the opening one exactly.",
                )
            },
        ));
    }

    out.suppressions.extend(ignore::file_suppressions(
        source,
        &parsed,
        &mut out.findings,
    ));
    for statement in statements {
        out.suppressions.extend(ignore::statement_suppressions(
            source,
            statement,
            &mut out.findings,
        ));
        let cx = Context {
            source,
            statement,
            state,
            settings,
            transaction: file.transaction,
        };
        for rule in all_rules {
            let mut hits = Vec::new();
            rule.check(&cx, &mut hits);
            for hit in hits {
                let location = Finding::at(source, hit.span.unwrap_or(statement.span));
                out.findings.push(finding(rule.meta(), location, hit));
            }
        }
        state.apply(statement, file.transaction);
    }
    for rule in all_rules {
        let mut hits = Vec::new();
        rule.check_file_end(state, file.transaction, &mut hits);
        for hit in hits {
            let location = match hit.span {
                Some(span) => Finding::at(source, span),
                None => Finding::for_file(&source.display_path()),
            };
            out.findings.push(finding(rule.meta(), location, hit));
        }
    }
}
