//! What a statement does, in the terms the lint rules need. Built from the sqlparser AST when the
//! statement parses, and from its tokens when it does not, so rules never see either directly.

use crate::finding::{Subject, SubjectKind};
use std::fmt;

/// A possibly schema-qualified object name, normalised the way Postgres folds it
/// (unquoted identifiers lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    pub schema: Option<String>,
    pub name: String,
}

impl Name {
    pub fn new(schema: Option<&str>, name: &str) -> Self {
        Name {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// The object this name names, for findings.
    pub fn subject(&self, kind: SubjectKind) -> Subject {
        Subject::new(kind, self.schema.as_deref(), &self.name)
    }

    /// A column (index, constraint) of the table this name names, for findings.
    pub fn member(&self, kind: SubjectKind, name: &str) -> Subject {
        Subject::of_table(kind, self.schema.as_deref(), &self.name, name)
    }

    /// The name as SQL text, each part quoted where PostgreSQL needs it (`public."Orders"`).
    pub fn sql(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }

    /// Identity used to match a table across statements; an unqualified name means `public`.
    pub fn key(&self) -> (String, String) {
        (
            self.schema.clone().unwrap_or_else(|| "public".to_string()),
            self.name.clone(),
        )
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// PostgreSQL's reserved key words and those that cannot name a column unquoted
/// (the "reserved" and "reserved (can be function or type)" columns of Appendix C, SQL Key
/// Words, PostgreSQL 15).
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier as SQL text: as is when PostgreSQL reads it back unchanged, else in double
/// quotes (as `quote_ident` does).
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A column type reduced to a canonical base name, its modifiers and array-ness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// Canonical lower-case name: `integer`, `varchar`, `timestamptz`, `numeric`, ...
    pub base: String,
    pub modifiers: Vec<i64>,
    pub array: bool,
    /// As written (normalised whitespace), for messages.
    pub written: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub text: String,
    /// Lower-cased names of the functions it calls (without schema).
    pub functions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Column {
    pub name: String,
    pub data_type: Option<TypeName>,
    pub not_null: bool,
    pub default: Option<Expression>,
    pub primary_key: bool,
    pub unique: bool,
    /// `UNIQUE NULLS NOT DISTINCT`: NULLs collide too.
    pub nulls_not_distinct: bool,
    /// An inline `REFERENCES`.
    pub references: Option<ForeignKey>,
    /// Inline `CHECK` expressions.
    pub checks: Vec<String>,
    pub identity: bool,
    pub generated_stored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check {
        expression: String,
    },
    ForeignKey(ForeignKey),
    Exclusion,
    /// `PRIMARY KEY USING INDEX` / `UNIQUE USING INDEX`.
    UsingIndex {
        primary_key: bool,
        index: String,
    },
}

/// The other side of a foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub table: Name,
    /// Empty when the key references the other table's primary key.
    pub columns: Vec<String>,
    /// `MATCH FULL`: a key with some but not all columns NULL is an error (the default, MATCH
    /// SIMPLE, skips any key with a NULL).
    pub match_full: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterTableOp {
    AddColumn(Column),
    DropColumn {
        name: String,
    },
    AlterType {
        column: String,
        to: TypeName,
        /// The `USING` expression, as written.
        using: Option<String>,
    },
    SetNotNull {
        column: String,
    },
    DropNotNull {
        column: String,
    },
    SetDefault {
        column: String,
        default: Expression,
    },
    AddConstraint {
        constraint: Constraint,
        not_valid: bool,
    },
    ValidateConstraint {
        name: String,
    },
    DropConstraint {
        name: String,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTable {
        to: String,
    },
    AttachPartition {
        partition: Name,
    },
    DetachPartition {
        partition: Name,
        concurrently: bool,
    },
    SetLogged,
    /// `SET SCHEMA schema`.
    SetSchema {
        schema: String,
    },
    /// Anything else (owner, RLS, triggers, storage parameters, ...).
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Table,
    View,
    MaterializedView,
    Index,
    Schema,
    Database,
    Type,
    Sequence,
    Function,
    Other,
}

impl ObjectKind {
    pub fn describe(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Index => "index",
            ObjectKind::Schema => "schema",
            ObjectKind::Database => "database",
            ObjectKind::Type => "type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Other => "object",
        }
    }
}

/// What one statement does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    CreateTable {
        table: Name,
        columns: Vec<Column>,
        constraints: Vec<Constraint>,
        partition_of: Option<Name>,
    },
    CreateIndex {
        name: Option<Name>,
        table: Name,
        unique: bool,
        concurrently: bool,
        columns: Vec<String>,
        /// A partial index (`WHERE ...`).
        partial: bool,
    },
    AlterTable {
        table: Name,
        ops: Vec<AlterTableOp>,
    },
    Drop {
        kind: ObjectKind,
        names: Vec<Name>,
        /// For routines, each name's input argument types as written in parentheses, made
        /// canonical (`integer, text`); `None` for a name written without them.
        arguments: Vec<Option<String>>,
        concurrently: bool,
        cascade: bool,
    },
    Truncate {
        tables: Vec<Name>,
    },
    Reindex {
        target: String,
        concurrently: bool,
    },
    Vacuum {
        full: bool,
        tables: Vec<Name>,
    },
    Cluster {
        table: Option<Name>,
    },
    Delete {
        table: Name,
        filtered: bool,
    },
    Update {
        table: Name,
        filtered: bool,
        /// The columns its SET list assigns (folded).
        set_columns: Vec<String>,
    },
    Begin,
    Commit,
    Rollback,
    /// `SET [LOCAL] name = value` (names lower-cased).
    Set {
        name: String,
        value: String,
        local: bool,
    },
    AlterTypeAddValue {
        type_name: Name,
        value: String,
    },
    CreateType {
        name: Name,
    },
    CreateView {
        name: Name,
        materialized: bool,
    },
    /// `ALTER INDEX|SCHEMA|VIEW|SEQUENCE|FUNCTION ... RENAME TO` (tables have
    /// [`AlterTableOp::RenameTable`]). `to` is folded as Postgres folds it.
    Rename {
        kind: ObjectKind,
        from: Name,
        to: String,
        /// For a routine, its input argument types when written (as in [`Action::Drop`]).
        arguments: Option<String>,
    },
    /// `ALTER VIEW|FUNCTION|SEQUENCE|TYPE ... SET SCHEMA` (tables have
    /// [`AlterTableOp::SetSchema`]).
    SetSchema {
        kind: ObjectKind,
        name: Name,
        schema: String,
        /// For a routine, its input argument types when written.
        arguments: Option<String>,
    },
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE name(arguments)`; `arguments` are the input
    /// argument types, canonical as in [`Action::Drop`].
    CreateRoutine {
        name: Name,
        arguments: String,
        or_replace: bool,
    },
    /// `ALTER DOMAIN ... ADD CHECK (...)` (`check`), `ADD NOT NULL` or `SET NOT NULL` (`None`).
    AlterDomainConstraint {
        domain: Name,
        check: Option<String>,
        not_valid: bool,
    },
    /// `CREATE STATISTICS`, `DO`, functions, grants, comments...: a verb and its object kind
    /// (e.g. "DO", "CREATE FUNCTION"), with the object it names when one was found.
    Other {
        verb: String,
        target: Option<Name>,
    },
}

/// Postgres' own names for the lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub fn name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The mode as `pg_locks.mode` spells it (`AccessExclusiveLock`).
    pub fn from_pg_locks(mode: &str) -> Option<LockMode> {
        Some(match mode {
            "AccessShareLock" => LockMode::AccessShare,
            "RowShareLock" => LockMode::RowShare,
            "RowExclusiveLock" => LockMode::RowExclusive,
            "ShareUpdateExclusiveLock" => LockMode::ShareUpdateExclusive,
            "ShareLock" => LockMode::Share,
            "ShareRowExclusiveLock" => LockMode::ShareRowExclusive,
            "ExclusiveLock" => LockMode::Exclusive,
            "AccessExclusiveLock" => LockMode::AccessExclusive,
            _ => return None,
        })
    }

    /// Whether it conflicts with ordinary traffic: with ROW EXCLUSIVE (writes) or ACCESS SHARE
    /// (reads).
    pub fn blocks_traffic(self) -> bool {
        self >= LockMode::Share
    }

    /// What ordinary traffic the lock stops while it is held.
    pub fn blocks(self) -> &'static str {
        match self {
            LockMode::AccessShare | LockMode::RowShare | LockMode::RowExclusive => {
                "only schema changes"
            }
            LockMode::ShareUpdateExclusive => "other schema changes and VACUUM",
            LockMode::Share | LockMode::ShareRowExclusive | LockMode::Exclusive => {
                "all writes (INSERT, UPDATE, DELETE)"
            }
            LockMode::AccessExclusive => "all reads and writes",
        }
    }
}

impl Action {
    /// The strongest lock this statement takes on an existing table, if it is one that
    /// conflicts with ordinary reads or writes.
    pub fn dangerous_lock(&self) -> Option<(LockMode, &Name)> {
        match self {
            Action::CreateIndex {
                table,
                concurrently: false,
                ..
            } => Some((LockMode::Share, table)),
            Action::AlterTable { table, ops } => {
                let mode = ops
                    .iter()
                    .map(|op| match op {
                        AlterTableOp::AddConstraint {
                            constraint:
                                Constraint {
                                    kind: ConstraintKind::ForeignKey(_),
                                    ..
                                },
                            ..
                        } => LockMode::ShareRowExclusive,
                        AlterTableOp::ValidateConstraint { .. } => LockMode::ShareUpdateExclusive,
                        AlterTableOp::DetachPartition {
                            concurrently: true, ..
                        } => LockMode::ShareUpdateExclusive,
                        _ => LockMode::AccessExclusive,
                    })
                    .max()?;
                (mode > LockMode::ShareUpdateExclusive).then_some((mode, table))
            }
            Action::Drop {
                kind: ObjectKind::Table,
                names,
                ..
            }
            | Action::Truncate { tables: names } => {
                names.first().map(|t| (LockMode::AccessExclusive, t))
            }
            Action::Vacuum {
                full: true, tables, ..
            } => tables.first().map(|t| (LockMode::AccessExclusive, t)),
            Action::Cluster { table: Some(t) } => Some((LockMode::AccessExclusive, t)),
            _ => None,
        }
    }
}
