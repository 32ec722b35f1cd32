//! Lint: the static rules, run over the parsed statements of the migrations under review, in the
//! order the framework applies them. Knows what earlier statements of the change created, so a
//! rule about an existing table does not fire for a table the change itself creates.

//!
//! A rule is one file under `rules/`; it reports through the hooks of [`Rule`]: each statement,
//! each file as a whole, the plan's integrity facts, what the apply stage saw (a statement's
//! trace, a migration Postgres rejected) and the schema diff. The functions here run the hooks
//! and turn what rules report into [`Finding`]s; `verdict` then merges evidence and decides.

pub mod ignore;
pub mod rules;
pub mod state;
pub mod work;

use crate::apply::{ApplyFailure, StatementTrace};
use crate::diff::Change;
use crate::finding::{Category, Evidence, Finding, FindingLocation, Fix, Severity, Subject};
use crate::plan::format::Transaction;
use crate::plan::{Issue, MigrationFile, Refusal};
use crate::source::{SourceFile, Span};
use crate::sql::lexer::Unterminated;
use crate::sql::model::{Action, Name};
use crate::sql::{self, Statement};
pub use ignore::{Suppression, UnknownIgnore};
pub use rules::RuleId;
use state::State;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: RuleId,
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
    /// SQLSTATEs of the Postgres error this rule predicts (CONCURRENTLY inside a transaction:
    /// 25001): when the statement fails with one, the rule's finding carries the error instead
    /// of a second, `migration-fails` finding.
    pub predicts: &'static [&'static str],
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
    /// The object the finding is about, so later stages match it by object, not by text.
    pub subject: Option<Box<Subject>>,
    /// What the finding rests on; `None`: the SQL text (static evidence).
    pub evidence: Option<Vec<Evidence>>,
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

    /// Names the object the finding is about.
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(Box::new(subject));
        self
    }

    /// Points at `span` instead of the whole statement (or, for file hooks, the whole file).
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Rests on `evidence` instead of the SQL text.
    pub fn with_evidence(mut self, evidence: Vec<Evidence>) -> Self {
        self.evidence = Some(evidence);
        self
    }
}

/// Settings the rules read.
#[derive(Debug, Clone)]
pub struct LintSettings {
    /// Major version of the production Postgres.
    pub postgres_version: u32,
    /// The migration runner sets a lock_timeout on its session (drydock.toml's
    /// `runner-lock-timeout`): every file starts with one in force.
    pub runner_sets_lock_timeout: bool,
}

impl Default for LintSettings {
    fn default() -> Self {
        LintSettings {
            postgres_version: 16,
            runner_sets_lock_timeout: false,
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

/// A file's statements are done: what a rule may look at for the file as a whole.
pub struct FileContext<'a> {
    pub source: &'a SourceFile,
    /// What the file's statements did.
    pub state: &'a State,
    pub transaction: Transaction,
    /// Statements in the file's up section.
    pub statements: usize,
    /// A literal or comment that never ends.
    pub unterminated: Option<&'a Unterminated>,
    /// Names in the file's ignore comments that are not Drydock rules.
    pub unknown_ignores: &'a [UnknownIgnore],
    /// Why the framework would refuse to run the file, if it would.
    pub refusal: Option<&'a Refusal>,
}

/// A statement under review ran in the throwaway Postgres.
pub struct TraceContext<'a> {
    pub trace: &'a StatementTrace,
    /// The findings so far (static, and raised for earlier traces).
    pub findings: &'a [Finding],
}

/// The schema diff from the base to the change of one directory.
pub struct DiffContext<'a> {
    pub changes: &'a [Change],
    pub traces: &'a [StatementTrace],
    /// Where a finding that no statement explains points: the first migration under review.
    pub first_reviewed: &'a str,
    pub findings: &'a [Finding],
}

/// A finding a rule places itself (its location comes from neither a statement nor a file).
pub struct Located {
    pub location: FindingLocation,
    pub hit: Hit,
}

/// A rule: metadata plus hooks. Statement checks run for each statement in order; file checks
/// once the file's statements are done; the others once their stage has run. A rule implements
/// the hooks it needs.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, _cx: &Context, _out: &mut Vec<Hit>) {}
    /// `hit.span` points into the file; without one the finding is about the whole file.
    fn check_file(&self, _cx: &FileContext, _out: &mut Vec<Hit>) {}
    /// A fact of the plan stage (a file that cannot be read, a merged migration edited, ...);
    /// the finding points where the issue does.
    fn check_plan(&self, _issue: &Issue, _out: &mut Vec<Hit>) {}
    /// The finding points at the traced statement.
    fn check_trace(&self, _cx: &TraceContext, _out: &mut Vec<Hit>) {}
    /// A migration that did not apply; the finding points where it failed.
    fn check_apply_failure(&self, _failure: &ApplyFailure, _out: &mut Vec<Hit>) {}
    fn check_schema_diff(&self, _cx: &DiffContext, _out: &mut Vec<Located>) {}
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
        rule: meta.id,
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
        subject: hit.subject,
        evidence: hit.evidence.unwrap_or_else(|| vec![Evidence::Static]),
    }
}

/// Runs `hook` of every rule and makes findings of what they report, placed by `locate`.
fn run_hook(
    hook: impl Fn(&dyn Rule, &mut Vec<Hit>),
    locate: impl Fn(&Hit) -> FindingLocation,
    out: &mut Vec<Finding>,
) {
    for rule in rules::all() {
        let mut hits = Vec::new();
        hook(*rule, &mut hits);
        for hit in hits {
            out.push(finding(rule.meta(), locate(&hit), hit));
        }
    }
}

/// The findings of the integrity rules about the plan's issues.
pub fn plan_findings(issues: &[Issue]) -> Vec<Finding> {
    let mut out = Vec::new();
    for issue in issues {
        run_hook(
            |rule, hits| rule.check_plan(issue, hits),
            |_| issue.location.clone(),
            &mut out,
        );
    }
    out
}

/// The findings of the rules about what the statements did when applied (a rewrite no static
/// rule flagged, a lock taken with no lock_timeout), appended in trace order: a rule sees the
/// findings raised for earlier traces.
pub fn trace_findings(findings: &mut Vec<Finding>, traces: &[StatementTrace]) {
    for trace in traces {
        let mut raised = Vec::new();
        let cx = TraceContext {
            trace,
            findings: findings.as_slice(),
        };
        run_hook(
            |rule, hits| rule.check_trace(&cx, hits),
            |_| trace.location(),
            &mut raised,
        );
        findings.extend(raised);
    }
}

/// The findings about migrations that did not apply.
pub fn apply_failure_findings(failures: &[ApplyFailure]) -> Vec<Finding> {
    let mut out = Vec::new();
    for failure in failures {
        run_hook(
            |rule, hits| rule.check_apply_failure(failure, hits),
            |_| failure.location.clone(),
            &mut out,
        );
    }
    out
}

/// The findings of the rules about one directory's schema diff, appended to `findings`.
pub fn schema_diff_findings(
    findings: &mut Vec<Finding>,
    changes: &[Change],
    traces: &[StatementTrace],
    first_reviewed: &str,
) {
    let cx = DiffContext {
        changes,
        traces,
        first_reviewed,
        findings: findings.as_slice(),
    };
    let mut raised = Vec::new();
    for rule in rules::all() {
        let mut located = Vec::new();
        rule.check_schema_diff(&cx, &mut located);
        for Located { location, hit } in located {
            raised.push(finding(rule.meta(), location, hit));
        }
    }
    findings.extend(raised);
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
    let statement_count = statements.len();
    state.start_file(statement_count, new_change_set);
    state.lock_timeout_set = settings.runner_sets_lock_timeout;
    out.statements += statement_count;

    let mut unknown_ignores = Vec::new();
    out.suppressions.extend(ignore::file_suppressions(
        source,
        &parsed,
        &mut unknown_ignores,
    ));
    for statement in statements {
        out.suppressions.extend(ignore::statement_suppressions(
            source,
            statement,
            &mut unknown_ignores,
        ));
        let cx = Context {
            source,
            statement,
            state,
            settings,
            transaction: file.transaction,
        };
        run_hook(
            |rule, hits| rule.check(&cx, hits),
            |hit| Finding::at(source, hit.span.unwrap_or(statement.span)),
            &mut out.findings,
        );
        state.apply(statement, file.transaction);
    }
    let cx = FileContext {
        source,
        state,
        transaction: file.transaction,
        statements: statement_count,
        unterminated: parsed.unterminated.as_ref(),
        unknown_ignores: &unknown_ignores,
        refusal: file.refusal.as_ref(),
    };
    run_hook(
        |rule, hits| rule.check_file(&cx, hits),
        |hit| match hit.span {
            Some(span) => Finding::at(source, span),
            None => Finding::for_file(&source.display_path()),
        },
        &mut out.findings,
    );
}
