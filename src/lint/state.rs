//! What the statements seen so far did: tables and types created by the change, transaction
//! nesting, lock_timeout, locks held.

use crate::plan::format::Transaction;
use crate::source::Span;
use crate::sql::Statement;
use crate::sql::model::{
    Action, AlterTableOp, ConstraintKind, LockMode, Name, ObjectKind, TypeName,
};
use std::collections::{HashMap, HashSet};

type Key = (String, String);

/// How the rows already in a table get a value in a column added to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Filled {
    /// Its default (NULL without one), the same on every row unless the default is volatile.
    #[default]
    Default,
    /// From a sequence (serial, identity): a value per row, never NULL.
    Sequence,
    /// Computed per row (a stored generated column).
    Generated,
}

/// A column the migrations under review added to a table.
#[derive(Debug, Clone, Default)]
pub struct AddedColumn {
    /// Its default as written when it was added (`None`: NULL).
    pub default: Option<String>,
    pub data_type: Option<TypeName>,
    pub not_null: bool,
    pub filled: Filled,
    /// An `UPDATE` without `WHERE` set it in the transaction that added it: no other session
    /// could see the column yet, so every old row holds what the update wrote.
    pub backfilled: bool,
    /// An `UPDATE` set it since it was added: the old rows may no longer hold the default.
    pub updated: bool,
}

impl AddedColumn {
    pub fn of(column: &crate::sql::model::Column) -> Self {
        let serial = column
            .data_type
            .as_ref()
            .is_some_and(|t| matches!(t.base.as_str(), "serial" | "bigserial" | "smallserial"));
        let filled = if column.generated_stored {
            Filled::Generated
        } else if column.identity || serial {
            Filled::Sequence
        } else {
            Filled::Default
        };
        AddedColumn {
            default: column.default.as_ref().map(|d| d.text.clone()),
            data_type: column.data_type.clone(),
            not_null: column.not_null,
            filled,
            ..AddedColumn::default()
        }
    }

    /// The constant every row that was already there holds in it, as SQL text, when that is
    /// known: its default, when that is a constant and nothing changed it since.
    pub fn old_rows_hold(&self) -> Option<String> {
        if self.updated || self.filled != Filled::Default {
            return None;
        }
        let default = self.default_sql();
        crate::sql::expression::is_constant(default).then(|| default.to_string())
    }

    /// Its default as SQL: `NULL` when it has none.
    pub fn default_sql(&self) -> &str {
        self.default.as_deref().unwrap_or("NULL")
    }

    /// Whether the default is NULL (none, `NULL`, `NULL::text`).
    pub fn default_is_null(&self) -> bool {
        self.default.as_deref().is_none_or(|d| {
            crate::sql::expression::constant(d) == Some(crate::sql::expression::Value::Null)
        })
    }

    /// Whether the rows that were already there may hold NULL in it.
    pub fn may_be_null(&self) -> bool {
        if self.not_null || self.backfilled || self.filled == Filled::Sequence {
            return false;
        }
        self.updated || self.filled == Filled::Generated || self.default_is_null()
    }
}

#[derive(Debug, Default)]
pub struct State {
    /// Tables created by the migrations under review (so far).
    pub created_tables: HashSet<Key>,
    /// Types created by the migrations under review.
    pub created_types: HashSet<Key>,
    /// Column types of every table seen so far, including files not under review.
    pub column_types: HashMap<Key, HashMap<String, TypeName>>,
    /// Indexes created by the migrations under review.
    pub created_indexes: HashSet<Key>,
    /// Columns added by the migrations under review, by (table key, column).
    pub added_columns: HashMap<(Key, String), AddedColumn>,
    /// Columns known to be NOT NULL, from every file seen so far.
    pub not_null_columns: HashSet<(Key, String)>,
    /// Primary key columns of the tables seen so far.
    pub primary_keys: HashMap<Key, Vec<String>>,
    /// Validated `CHECK (col IS NOT NULL)` constraints: (table key, column).
    pub not_null_checks: HashSet<(Key, String)>,
    /// NOT VALID `CHECK (col IS NOT NULL)` constraints by name, waiting for VALIDATE.
    pending_not_null_checks: HashMap<String, (Key, String)>,
    /// Indexed column lists per table, created by the change or with the table.
    pub indexed_columns: HashMap<Key, Vec<Vec<String>>>,
    /// Functions and procedures created by the migrations under review, with their input
    /// argument types (see [`Action::CreateRoutine`]).
    pub created_routines: HashSet<(Key, String)>,
    /// Views, materialized views and sequences created by the migrations under review.
    pub created_relations: HashSet<(ObjectKind, Key)>,

    /// Foreign keys defined in the current file: (table, columns, statement).
    pub foreign_keys: Vec<(Name, Vec<String>, Span)>,

    // Per file:
    pub statements_in_file: usize,
    pub lock_timeout_set: bool,
    /// A statement earlier in the file already took a dangerous lock on an existing table.
    pub dangerous_lock_seen: bool,
    /// Depth of explicit BEGIN blocks.
    pub explicit_depth: usize,
    /// A COMMIT/ROLLBACK with no BEGIN before it.
    pub stray_commit: Option<Span>,
    pub open_begin: Option<Span>,
    /// An existing table on which the current transaction holds ACCESS EXCLUSIVE.
    pub access_exclusive_held: Option<Name>,
    /// Enum values added in the current transaction: (type, value).
    pub enum_values_added: Vec<(Name, String)>,
    /// Existing tables an `UPDATE` changed in the current transaction (a backfill).
    pub updated_in_transaction: HashSet<Key>,
    /// Columns added in the current transaction.
    added_in_transaction: HashSet<(Key, String)>,
}

impl State {
    /// Resets what is scoped to one file; with `new_change_set`, also forgets what the previous
    /// files created (they are then treated as deployed).
    pub fn start_file(&mut self, statements: usize, new_change_set: bool) {
        if new_change_set {
            self.created_tables.clear();
            self.created_types.clear();
            self.created_indexes.clear();
            self.added_columns.clear();
            self.created_routines.clear();
            self.created_relations.clear();
        }
        self.statements_in_file = statements;
        self.lock_timeout_set = false;
        self.dangerous_lock_seen = false;
        self.foreign_keys.clear();
        self.explicit_depth = 0;
        self.stray_commit = None;
        self.open_begin = None;
        self.access_exclusive_held = None;
        self.enum_values_added.clear();
        self.updated_in_transaction.clear();
        self.added_in_transaction.clear();
    }

    /// Whether the change created routine `name` with these input argument types (any of
    /// that name, when the statement names no argument types).
    pub fn created_routine(&self, name: &Name, arguments: Option<&str>) -> bool {
        match arguments {
            Some(arguments) => self
                .created_routines
                .contains(&(name.key(), arguments.to_string())),
            None => self
                .created_routines
                .iter()
                .any(|(key, _)| *key == name.key()),
        }
    }

    /// Whether a statement now runs inside a transaction block.
    pub fn in_transaction(&self, framework: Transaction) -> bool {
        self.explicit_depth > 0
            || match framework {
                Transaction::Wrapped => true,
                Transaction::Implicit => self.statements_in_file > 1,
                Transaction::None => false,
            }
    }

    fn end_transaction(&mut self) {
        self.access_exclusive_held = None;
        self.enum_values_added.clear();
        self.updated_in_transaction.clear();
        self.added_in_transaction.clear();
    }

    /// A table renamed or moved to another schema is the same table: what the change did to
    /// it (created it, added a column) stays true under its new name.
    fn move_table(&mut self, from: &Key, to: Key) {
        if self.created_tables.remove(from) {
            self.created_tables.insert(to.clone());
        }
        if let Some(types) = self.column_types.remove(from) {
            self.column_types.insert(to.clone(), types);
        }
        if let Some(indexes) = self.indexed_columns.remove(from) {
            self.indexed_columns.insert(to.clone(), indexes);
        }
        if let Some(key) = self.primary_keys.remove(from) {
            self.primary_keys.insert(to.clone(), key);
        }
        let moved: Vec<_> = self
            .added_columns
            .keys()
            .filter(|(t, _)| t == from)
            .cloned()
            .collect();
        for (_, column) in moved {
            let added = self.added_columns.remove(&(from.clone(), column.clone()));
            self.added_columns
                .extend(added.map(|a| ((to.clone(), column), a)));
        }
        for set in [
            &mut self.not_null_checks,
            &mut self.not_null_columns,
            &mut self.added_in_transaction,
        ] {
            let moved: Vec<_> = set.iter().filter(|(t, _)| t == from).cloned().collect();
            for (_, column) in moved {
                set.remove(&(from.clone(), column.clone()));
                set.insert((to.clone(), column));
            }
        }
    }

    /// As [`State::move_table`], for one column.
    fn rename_column(&mut self, table: &Key, from: &str, to: &str) {
        if let Some(types) = self.column_types.get_mut(table)
            && let Some(t) = types.remove(from)
        {
            types.insert(to.to_string(), t);
        }
        if let Some(added) = self
            .added_columns
            .remove(&(table.clone(), from.to_string()))
        {
            self.added_columns
                .insert((table.clone(), to.to_string()), added);
        }
        for set in [
            &mut self.not_null_checks,
            &mut self.not_null_columns,
            &mut self.added_in_transaction,
        ] {
            if set.remove(&(table.clone(), from.to_string())) {
                set.insert((table.clone(), to.to_string()));
            }
        }
        let renamed = |c: &mut String| {
            if c == from {
                *c = to.to_string();
            }
        };
        if let Some(key) = self.primary_keys.get_mut(table) {
            key.iter_mut().for_each(renamed);
        }
    }

    /// `ALTER SCHEMA from RENAME TO to`: every table, type and index in it moves.
    fn rename_schema(&mut self, from: &str, to: &str) {
        let tables: HashSet<Key> = self
            .created_tables
            .iter()
            .chain(self.column_types.keys())
            .chain(self.indexed_columns.keys())
            .chain(self.added_columns.keys().map(|(t, _)| t))
            .filter(|(schema, _)| schema == from)
            .cloned()
            .collect();
        for table in tables {
            let moved = (to.to_string(), table.1.clone());
            self.move_table(&table, moved);
        }
        for set in [&mut self.created_types, &mut self.created_indexes] {
            let moved: Vec<Key> = set.iter().filter(|(s, _)| s == from).cloned().collect();
            for key in moved {
                set.remove(&key);
                set.insert((to.to_string(), key.1));
            }
        }
        let in_schema = |key: &Key| key.0 == from;
        self.created_routines = std::mem::take(&mut self.created_routines)
            .into_iter()
            .map(|(key, arguments)| match in_schema(&key) {
                true => ((to.to_string(), key.1), arguments),
                false => (key, arguments),
            })
            .collect();
        self.created_relations = std::mem::take(&mut self.created_relations)
            .into_iter()
            .map(|(kind, key)| match in_schema(&key) {
                true => (kind, (to.to_string(), key.1)),
                false => (kind, key),
            })
            .collect();
    }

    /// A routine or relation other than a table, renamed or moved: still the change's own.
    /// A routine's `arguments` (when written) say which overload moves.
    fn move_object(&mut self, kind: ObjectKind, from: &Name, arguments: Option<&str>, to: Key) {
        if kind == ObjectKind::Table {
            self.move_table(&from.key(), to);
        } else if kind == ObjectKind::Type {
            if self.created_types.remove(&from.key()) {
                self.created_types.insert(to);
            }
        } else if kind == ObjectKind::Function {
            let moved: Vec<_> = self
                .created_routines
                .iter()
                .filter(|(key, a)| *key == from.key() && arguments.is_none_or(|w| w == a))
                .cloned()
                .collect();
            for (key, arguments) in moved {
                self.created_routines.remove(&(key, arguments.clone()));
                self.created_routines.insert((to.clone(), arguments));
            }
        } else if self.created_relations.remove(&(kind, from.key())) {
            self.created_relations.insert((kind, to));
        }
    }

    pub fn apply(&mut self, statement: &Statement, framework: Transaction) {
        let in_transaction = self.in_transaction(framework);
        if let Some((mode, table)) = statement.action.dangerous_lock()
            && !self.created_tables.contains(&table.key())
        {
            self.dangerous_lock_seen = true;
            if in_transaction && mode == LockMode::AccessExclusive {
                self.access_exclusive_held = Some(table.clone());
            }
        }
        for (table, columns) in foreign_keys(&statement.action) {
            self.foreign_keys
                .push((table.clone(), columns, statement.span));
        }
        let action = &statement.action;
        match action {
            Action::CreateTable {
                table,
                columns,
                constraints,
                ..
            } => {
                self.created_tables.insert(table.key());
                let types = self.column_types.entry(table.key()).or_default();
                for c in columns {
                    if let Some(t) = &c.data_type {
                        types.insert(c.name.clone(), t.clone());
                    }
                    if c.not_null || c.primary_key {
                        self.not_null_columns.insert((table.key(), c.name.clone()));
                    }
                    if c.primary_key {
                        self.primary_keys.insert(table.key(), vec![c.name.clone()]);
                    }
                }
                for c in constraints {
                    if c.kind == ConstraintKind::PrimaryKey {
                        self.primary_keys.insert(table.key(), c.columns.clone());
                        for column in &c.columns {
                            self.not_null_columns.insert((table.key(), column.clone()));
                        }
                    }
                }
                let indexes = self.indexed_columns.entry(table.key()).or_default();
                for c in columns.iter().filter(|c| c.primary_key || c.unique) {
                    indexes.push(vec![c.name.clone()]);
                }
                for c in constraints {
                    if matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) {
                        indexes.push(c.columns.clone());
                    }
                }
            }
            Action::CreateIndex {
                name,
                table,
                columns,
                ..
            } => {
                if let Some(name) = name {
                    // An index lives in its table's schema.
                    let schema = name.schema.clone().or_else(|| table.schema.clone());
                    self.created_indexes.insert(
                        Name {
                            schema,
                            name: name.name.clone(),
                        }
                        .key(),
                    );
                }
                self.indexed_columns
                    .entry(table.key())
                    .or_default()
                    .push(columns.clone());
            }
            Action::CreateType { name } => {
                self.created_types.insert(name.key());
            }
            Action::CreateRoutine {
                name,
                arguments,
                or_replace: false,
            } => {
                self.created_routines
                    .insert((name.key(), arguments.clone()));
            }
            Action::CreateView { name, materialized } => {
                let kind = match materialized {
                    true => ObjectKind::MaterializedView,
                    false => ObjectKind::View,
                };
                self.created_relations.insert((kind, name.key()));
            }
            Action::Other {
                verb,
                target: Some(name),
            } if verb == "CREATE SEQUENCE" => {
                self.created_relations
                    .insert((ObjectKind::Sequence, name.key()));
            }
            Action::Update {
                table,
                filtered,
                set_columns,
            } => {
                if in_transaction {
                    self.updated_in_transaction.insert(table.key());
                }
                for column in set_columns {
                    let key = (table.key(), column.clone());
                    if let Some(added) = self.added_columns.get_mut(&key) {
                        added.updated = true;
                        // Every row, before any other session could see the column.
                        added.backfilled |= !filtered && self.added_in_transaction.contains(&key);
                    }
                }
            }
            Action::Rename {
                kind,
                from,
                to,
                arguments,
            } => match kind {
                ObjectKind::Schema => self.rename_schema(&from.name, to),
                ObjectKind::Index => {
                    let schema = from.key().0;
                    if self.created_indexes.remove(&from.key()) {
                        self.created_indexes.insert((schema, to.clone()));
                    }
                }
                kind => self.move_object(
                    *kind,
                    from,
                    arguments.as_deref(),
                    (from.key().0, to.clone()),
                ),
            },
            Action::SetSchema {
                kind,
                name,
                schema,
                arguments,
            } => {
                let to = (schema.clone(), name.name.clone());
                self.move_object(*kind, name, arguments.as_deref(), to);
            }
            Action::AlterTable { table, ops } => {
                for op in ops {
                    self.apply_alter(table, op, in_transaction);
                }
            }
            Action::Set { name, value, .. } if name == "lock_timeout" => {
                let v = value.trim().trim_matches('\'');
                self.lock_timeout_set = !(v == "0" || v.eq_ignore_ascii_case("default"));
            }
            Action::Begin => {
                if self.explicit_depth == 0 {
                    self.open_begin = Some(statement.span);
                }
                self.explicit_depth += 1;
            }
            Action::Commit | Action::Rollback => {
                if self.explicit_depth == 0 {
                    if framework != Transaction::Wrapped && self.stray_commit.is_none() {
                        self.stray_commit = Some(statement.span);
                    }
                } else {
                    self.explicit_depth -= 1;
                    if self.explicit_depth == 0 {
                        self.open_begin = None;
                    }
                }
                self.end_transaction();
            }
            Action::AlterTypeAddValue { type_name, value } if in_transaction => {
                self.enum_values_added
                    .push((type_name.clone(), value.clone()));
            }
            Action::Drop {
                kind: ObjectKind::Table,
                names,
                ..
            } => {
                for n in names {
                    self.created_tables.remove(&n.key());
                }
            }
            _ => {}
        }
    }

    fn apply_alter(&mut self, table: &Name, op: &AlterTableOp, in_transaction: bool) {
        let column_of = |column: &str| (table.key(), column.to_string());
        match op {
            AlterTableOp::AddColumn(column) => {
                let key = column_of(&column.name);
                self.added_columns
                    .insert(key.clone(), AddedColumn::of(column));
                if in_transaction {
                    self.added_in_transaction.insert(key.clone());
                }
                if column.not_null || column.primary_key {
                    self.not_null_columns.insert(key);
                }
                if let Some(t) = &column.data_type {
                    self.column_types
                        .entry(table.key())
                        .or_default()
                        .insert(column.name.clone(), t.clone());
                }
            }
            AlterTableOp::AlterType { column, to, .. } => {
                self.column_types
                    .entry(table.key())
                    .or_default()
                    .insert(column.clone(), to.clone());
            }
            AlterTableOp::SetNotNull { column } => {
                self.not_null_columns.insert(column_of(column));
            }
            AlterTableOp::DropNotNull { column } => {
                self.not_null_columns.remove(&column_of(column));
            }
            AlterTableOp::DropColumn { name } => {
                self.added_columns.remove(&column_of(name));
            }
            AlterTableOp::RenameColumn { from, to } => {
                self.rename_column(&table.key(), from, to);
            }
            AlterTableOp::RenameTable { to } => {
                let to = Name {
                    schema: table.schema.clone(),
                    name: fold_identifier(to),
                };
                self.move_table(&table.key(), to.key());
            }
            AlterTableOp::SetSchema { schema } => {
                self.move_table(&table.key(), (schema.clone(), table.name.clone()));
            }
            AlterTableOp::AddConstraint {
                constraint,
                not_valid,
            } => {
                if let ConstraintKind::Check { expression } = &constraint.kind
                    && let Some(column) = crate::sql::expression::not_null_column(expression)
                {
                    let entry = (table.key(), column);
                    match (&constraint.name, not_valid) {
                        (Some(name), true) => {
                            self.pending_not_null_checks.insert(name.clone(), entry);
                        }
                        (_, false) => {
                            self.not_null_checks.insert(entry);
                        }
                        (None, true) => {}
                    }
                }
                if constraint.kind == ConstraintKind::PrimaryKey {
                    self.primary_keys
                        .insert(table.key(), constraint.columns.clone());
                    for column in &constraint.columns {
                        self.not_null_columns.insert(column_of(column));
                    }
                }
                if matches!(
                    constraint.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                ) {
                    self.indexed_columns
                        .entry(table.key())
                        .or_default()
                        .push(constraint.columns.clone());
                }
            }
            AlterTableOp::ValidateConstraint { name } => {
                if let Some(entry) = self.pending_not_null_checks.remove(name) {
                    self.not_null_checks.insert(entry);
                }
            }
            _ => {}
        }
    }
}

/// A name as written in SQL, as Postgres stores it: quoted kept as is, unquoted lower-cased.
fn fold_identifier(written: &str) -> String {
    let written = written.trim();
    match written.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => written.to_ascii_lowercase(),
    }
}

/// Foreign keys a statement defines: (table, referencing columns).
fn foreign_keys(action: &Action) -> Vec<(&Name, Vec<String>)> {
    let mut keys = Vec::new();
    match action {
        Action::CreateTable {
            table,
            columns,
            constraints,
            ..
        } => {
            keys.extend(
                columns
                    .iter()
                    .filter(|c| c.references.is_some())
                    .map(|c| (table, vec![c.name.clone()])),
            );
            keys.extend(
                constraints
                    .iter()
                    .filter(|c| matches!(c.kind, ConstraintKind::ForeignKey(_)))
                    .map(|c| (table, c.columns.clone())),
            );
        }
        Action::AlterTable { table, ops } => {
            for op in ops {
                match op {
                    AlterTableOp::AddConstraint { constraint, .. }
                        if matches!(constraint.kind, ConstraintKind::ForeignKey(_)) =>
                    {
                        keys.push((table, constraint.columns.clone()));
                    }
                    AlterTableOp::AddColumn(c) if c.references.is_some() => {
                        keys.push((table, vec![c.name.clone()]))
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    keys
}
