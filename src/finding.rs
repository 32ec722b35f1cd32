//! Findings: the plain data every stage produces and the reports render.

use crate::lint::RuleId;
use crate::source::{Position, SourceFile, Span};
use crate::sql::model::LockMode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Destructive,
    BlockingLock,
    TableRewrite,
    DataDependent,
    BackwardIncompatible,
    Transaction,
    Integrity,
    Hygiene,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Destructive,
        Category::BlockingLock,
        Category::TableRewrite,
        Category::DataDependent,
        Category::BackwardIncompatible,
        Category::Transaction,
        Category::Integrity,
        Category::Hygiene,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Destructive => "destructive",
            Category::BlockingLock => "blocking-lock",
            Category::TableRewrite => "table-rewrite",
            Category::DataDependent => "data-dependent",
            Category::BackwardIncompatible => "backward-incompatible",
            Category::Transaction => "transaction",
            Category::Integrity => "integrity",
            Category::Hygiene => "hygiene",
        }
    }
}

/// What a finding rests on: the SQL text, what the statement did in a throwaway Postgres, or
/// the error Postgres gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Evidence {
    /// Read from the SQL text.
    Static,
    /// Seen while the statement ran.
    Trace {
        /// For people: "took ACCESS EXCLUSIVE on public.orders ...; rewrote public.orders".
        summary: String,
        locks: Vec<LockTaken>,
        rewritten: Vec<String>,
        duration_ms: u64,
    },
    /// The schema diff from the base to the change shows it.
    Diff {
        /// "table public.orders removed".
        summary: String,
    },
    /// Postgres rejected the statement (or it timed out).
    Apply {
        sqlstate: String,
        message: String,
        detail: Option<String>,
        hint: Option<String>,
        /// What did not run because of it ("the 2 statements after it in this file were not
        /// applied"), for the static finding that predicted the error.
        #[serde(skip)]
        consequence: Option<String>,
    },
}

impl Evidence {
    /// One line for reports; `None` for static evidence, which the finding's message states.
    pub fn describe(&self) -> Option<String> {
        match self {
            Evidence::Static => None,
            Evidence::Trace { summary, .. } => Some(format!("traced: {summary}")),
            Evidence::Apply { sqlstate, .. } => {
                Some(format!("Postgres error, SQLSTATE {sqlstate}"))
            }
            Evidence::Diff { summary } => Some(format!("schema diff: {summary}")),
        }
    }
}

/// A lock a statement took on a relation that existed before the migrations under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockTaken {
    pub relation: String,
    #[serde(serialize_with = "lock_mode_name")]
    pub mode: LockMode,
}

fn lock_mode_name<S: serde::Serializer>(mode: &LockMode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(mode.name())
}

/// A mechanical fix: replace `span` of the file with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    #[serde(skip)]
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub category: Category,
    pub severity: Severity,
    /// Destructive: blocks the merge unless the override label is present.
    pub blocking: bool,
    pub file: String,
    /// The statement (or directive) the finding is about; `None` for whole-file findings.
    pub span: Option<Span>,
    pub start: Position,
    pub end: Position,
    /// What happens in production.
    pub message: String,
    /// What to write instead.
    pub help: String,
    pub fix: Option<Fix>,
    /// The object the finding is about, when it is about one (boxed: most findings have none,
    /// and a finding is copied through every stage).
    pub subject: Option<Box<Subject>>,
    pub evidence: Vec<Evidence>,
}

/// The kinds of object a finding can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Schema,
    Table,
    Column,
    Index,
    Constraint,
    View,
    Type,
    Sequence,
    Function,
    Database,
}

/// The object a finding is about, named as the migration names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The schema of the object (of its table, for a column, index or constraint); `None` when
    /// the migration leaves it to `search_path`.
    pub schema: Option<String>,
    /// The table of a column, index or constraint.
    pub table: Option<String>,
    /// The object's own name (a column's name, not its table's).
    pub name: String,
}

impl Subject {
    pub fn new(kind: SubjectKind, schema: Option<&str>, name: &str) -> Subject {
        Subject {
            kind,
            schema: schema.map(str::to_string),
            table: None,
            name: name.to_string(),
        }
    }

    /// A table as the catalog names it in a trace: `schema.table`.
    pub fn relation(qualified: &str) -> Subject {
        match qualified.split_once('.') {
            Some((schema, table)) => Subject::new(SubjectKind::Table, Some(schema), table),
            None => Subject::new(SubjectKind::Table, None, qualified),
        }
    }

    /// A column, index or constraint of `table` (schema-qualified as written).
    pub fn of_table(kind: SubjectKind, schema: Option<&str>, table: &str, name: &str) -> Subject {
        Subject {
            table: Some(table.to_string()),
            ..Subject::new(kind, schema, name)
        }
    }

    /// Whether this is the object `other` names. A schema left to `search_path` matches any.
    pub fn is(&self, other: &Subject) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && self.table == other.table
            && match (&self.schema, &other.schema) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

impl Finding {
    /// Whether this is a destructive finding about `subject` (the finding that explains its
    /// removal in the schema diff).
    pub fn destroys(&self, subject: &Subject) -> bool {
        self.category == Category::Destructive
            && self.subject.as_ref().is_some_and(|s| s.is(subject))
    }

    /// A finding about a whole file (or a directory), pointing at its first line.
    pub fn for_file(file: &str) -> FindingLocation {
        FindingLocation {
            file: file.to_string(),
            span: None,
            start: Position { line: 1, column: 1 },
            end: Position { line: 1, column: 1 },
        }
    }

    pub fn at(source: &SourceFile, span: Span) -> FindingLocation {
        FindingLocation {
            file: source.display_path(),
            span: Some(span),
            start: source.position(span.start),
            end: source.position(span.end),
        }
    }
}

/// Where a finding points; combined with a rule's metadata to make a [`Finding`].
#[derive(Debug, Clone)]
pub struct FindingLocation {
    pub file: String,
    pub span: Option<Span>,
    pub start: Position,
    pub end: Position,
}
