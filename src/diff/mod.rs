//! Schema diff: a database's schema as plain data (every object rendered to deterministic
//! catalog text), and the changes between two of them: a structured list plus a unified text
//! diff per changed object.
//!
//! When both schemas come from the same database (the check pipeline, before and after the
//! migrations under review), objects carry their identity (OID, or table OID and attnum for a
//! column), so a renamed table or column is a rename. From different databases, a dropped and an
//! added column of the same table, type and position are flagged as a probable rename.

pub mod introspect;

use crate::finding::{Subject, SubjectKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    Schema,
    Extension,
    Enum,
    Domain,
    CompositeType,
    Sequence,
    Table,
    Column,
    Constraint,
    Index,
    View,
    MaterializedView,
    Function,
    Procedure,
    Trigger,
    Policy,
    Comment,
    Grant,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::CompositeType => "composite-type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized-view",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Policy => "policy",
            ObjectKind::Comment => "comment",
            ObjectKind::Grant => "grant",
        }
    }
}

/// Who an object is inside one database, whatever its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    Oid(u32),
    /// A column: its table's OID and its attnum.
    Attribute(u32, i16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: ObjectKind,
    /// Qualified name: `public.orders`, `public.orders.total` for a column, `public.orders.orders_pkey`
    /// for a constraint.
    pub name: String,
    /// Deterministic text from the catalog (`pg_get_*` functions), compared and diffed.
    pub definition: String,
    pub identity: Option<Identity>,
    /// For columns: position and type, for rename heuristics across databases.
    pub position: Option<i16>,
}

impl Object {
    /// Whether the name is `table.own_name`: the object lives in a table's namespace.
    fn belongs_to_table(&self) -> bool {
        matches!(
            self.kind,
            ObjectKind::Column | ObjectKind::Constraint | ObjectKind::Trigger | ObjectKind::Policy
        )
    }

    /// The object's own name: without its table for objects that belong to one.
    fn local_name(&self) -> &str {
        match self.belongs_to_table() {
            true => self.name.rsplit('.').next().unwrap_or(&self.name),
            false => &self.name,
        }
    }

    /// For objects that belong to a table: the table's qualified name.
    fn parent(&self) -> Option<&str> {
        match self.belongs_to_table() {
            true => self.name.rsplit_once('.').map(|(t, _)| t),
            false => None,
        }
    }
}

/// How a schema indexes its objects: kind and qualified name.
pub type Key = (ObjectKind, String);

/// A schema: every object by kind and qualified name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub objects: BTreeMap<(ObjectKind, String), Object>,
}

impl Schema {
    pub fn insert(&mut self, object: Object) {
        self.objects
            .insert((object.kind, object.name.clone()), object);
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The schema with no OIDs or attnums: for comparing schemas of different databases, where
    /// they mean nothing.
    pub fn without_identities(mut self) -> Schema {
        for object in self.objects.values_mut() {
            object.identity = None;
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeType {
    Added,
    Removed,
    Renamed,
    Altered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ObjectKind,
    /// The name after the change (before, for a removal).
    pub name: String,
    pub change: ChangeType,
    /// For a rename: the old name.
    pub renamed_from: Option<String>,
    /// Across databases: a removed column that looks like this added one (same table, type and
    /// position).
    pub probable_rename_of: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Data is lost: a table, column or schema removed.
    pub destructive: bool,
    /// Unified diff of the definitions.
    pub diff: String,
}

impl Change {
    /// The removed or changed object as findings name theirs (tables, columns and schemas: the
    /// kinds whose removal loses data).
    pub fn subject(&self) -> Option<Subject> {
        match self.kind {
            ObjectKind::Schema => Some(Subject::new(SubjectKind::Schema, None, &self.name)),
            ObjectKind::Table => {
                let (schema, table) = self.name.split_once('.')?;
                Some(Subject::new(SubjectKind::Table, Some(schema), table))
            }
            ObjectKind::Column => {
                let mut parts = self.name.splitn(3, '.');
                let (schema, table, column) = (parts.next()?, parts.next()?, parts.next()?);
                Some(Subject::of_table(
                    SubjectKind::Column,
                    Some(schema),
                    table,
                    column,
                ))
            }
            _ => None,
        }
    }
}

/// The removals that lose data, one per object: a dropped table's columns go with it.
pub fn destructive_removals(changes: &[Change]) -> impl Iterator<Item = &Change> {
    let removed_tables: HashSet<&str> = changes
        .iter()
        .filter(|c| c.destructive && c.kind == ObjectKind::Table)
        .map(|c| c.name.as_str())
        .collect();
    changes.iter().filter(move |c| {
        c.destructive
            && !(c.kind == ObjectKind::Column
                && c.name
                    .rsplit_once('.')
                    .is_some_and(|(table, _)| removed_tables.contains(table)))
    })
}

/// The changes from `before` to `after`, ordered by kind and name.
pub fn diff(before: &Schema, after: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut matched_before: HashSet<&Key> = HashSet::new();
    let mut matched_after: HashSet<&Key> = HashSet::new();

    // Same database: identity first, so renames are renames.
    let by_identity: HashMap<(ObjectKind, Identity), &(ObjectKind, String)> = before
        .objects
        .iter()
        .filter_map(|(key, o)| o.identity.map(|id| ((o.kind, id), key)))
        .collect();
    let matches: Vec<(&Key, &Object, &Key, &Object)> = after
        .objects
        .iter()
        .filter_map(|(key, new)| {
            let old_key = *new
                .identity
                .and_then(|id| by_identity.get(&(new.kind, id)))?;
            Some((old_key, &before.objects[old_key], key, new))
        })
        .collect();
    // A renamed table's name also changes in the text of its indexes, constraints, ...: that
    // is part of the rename, not a change of theirs.
    let renamed_tables: Vec<(&str, &str)> = matches
        .iter()
        .filter(|(_, old, _, new)| old.kind == ObjectKind::Table && old.name != new.name)
        .map(|(_, old, _, new)| (old.name.as_str(), new.name.as_str()))
        .collect();
    let same_definition = |old: &Object, new: &Object| {
        if old.definition == new.definition {
            return true;
        }
        let mut renamed = old.definition.clone();
        for (from, to) in &renamed_tables {
            renamed = renamed.replace(from, to);
        }
        renamed == new.definition
    };
    for (old_key, old, key, new) in matches.iter().copied() {
        matched_before.insert(old_key);
        matched_after.insert(key);
        if old.local_name() != new.local_name() {
            changes.push(change(
                new.kind,
                &new.name,
                ChangeType::Renamed,
                Some(old),
                Some(new),
            ));
            changes.last_mut().expect("pushed").renamed_from = Some(old.name.clone());
        } else if !same_definition(old, new) {
            changes.push(change(
                new.kind,
                &new.name,
                ChangeType::Altered,
                Some(old),
                Some(new),
            ));
        }
    }

    for (key, new) in &after.objects {
        if matched_after.contains(key) {
            continue;
        }
        match before.objects.get(key) {
            Some(old) if !matched_before.contains(&key) => {
                matched_before.insert(key);
                if old.definition != new.definition {
                    changes.push(change(
                        new.kind,
                        &new.name,
                        ChangeType::Altered,
                        Some(old),
                        Some(new),
                    ));
                }
            }
            _ => changes.push(change(
                new.kind,
                &new.name,
                ChangeType::Added,
                None,
                Some(new),
            )),
        }
    }
    for (key, old) in &before.objects {
        if !matched_before.contains(key) && !after.objects.contains_key(key) {
            changes.push(change(
                old.kind,
                &old.name,
                ChangeType::Removed,
                Some(old),
                None,
            ));
        }
    }

    flag_probable_renames(&mut changes, before, after);
    changes.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    changes
}

fn change(
    kind: ObjectKind,
    name: &str,
    change: ChangeType,
    before: Option<&Object>,
    after: Option<&Object>,
) -> Change {
    let before_text = before.map(|o| o.definition.clone());
    let after_text = after.map(|o| o.definition.clone());
    let destructive = change == ChangeType::Removed
        && matches!(
            kind,
            ObjectKind::Table | ObjectKind::Column | ObjectKind::Schema
        );
    let lines = |text: &Option<String>| text.as_ref().map_or(String::new(), |t| format!("{t}\n"));
    let (old_lines, new_lines) = (lines(&before_text), lines(&after_text));
    let diff = similar::TextDiff::from_lines(&old_lines, &new_lines)
        .unified_diff()
        .context_radius(3)
        .header(
            &before.map_or("/dev/null".to_string(), |o| o.name.clone()),
            &after.map_or("/dev/null".to_string(), |o| o.name.clone()),
        )
        .to_string();
    Change {
        kind,
        name: name.to_string(),
        change,
        renamed_from: None,
        probable_rename_of: None,
        before: before_text,
        after: after_text,
        destructive,
        diff,
    }
}

/// Across databases a rename is a removal plus an addition; flag the pairs that are probably
/// one: same table, same definition (type, nullability, default), same position.
fn flag_probable_renames(changes: &mut [Change], before: &Schema, after: &Schema) {
    let removed: Vec<&Object> = changes
        .iter()
        .filter(|c| c.change == ChangeType::Removed && c.kind == ObjectKind::Column)
        .filter_map(|c| before.objects.get(&(c.kind, c.name.clone())))
        .collect();
    let mut pairs = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if c.change != ChangeType::Added || c.kind != ObjectKind::Column {
            continue;
        }
        let Some(new) = after.objects.get(&(c.kind, c.name.clone())) else {
            continue;
        };
        if let Some(old) = removed.iter().find(|old| {
            old.parent() == new.parent()
                && old.definition == new.definition
                && old.position == new.position
        }) {
            pairs.push((i, old.name.clone()));
        }
    }
    for (i, old) in pairs {
        changes[i].probable_rename_of = Some(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, definition: &str, identity: Option<Identity>, position: i16) -> Object {
        Object {
            kind: ObjectKind::Column,
            name: name.into(),
            definition: definition.into(),
            identity,
            position: Some(position),
        }
    }

    fn schema(objects: Vec<Object>) -> Schema {
        let mut s = Schema::default();
        for o in objects {
            s.insert(o);
        }
        s
    }

    #[test]
    fn identity_turns_drop_and_add_into_a_rename() {
        let before = schema(vec![column(
            "public.t.name",
            "text",
            Some(Identity::Attribute(1, 2)),
            2,
        )]);
        let after = schema(vec![column(
            "public.t.full_name",
            "text",
            Some(Identity::Attribute(1, 2)),
            2,
        )]);
        let changes = diff(&before, &after);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].change, ChangeType::Renamed);
        assert_eq!(changes[0].renamed_from.as_deref(), Some("public.t.name"));
        assert!(!changes[0].destructive);
    }

    #[test]
    fn without_identity_a_rename_is_a_destructive_drop_plus_a_flagged_add() {
        let before = schema(vec![column("public.t.name", "text", None, 2)]);
        let after = schema(vec![column("public.t.full_name", "text", None, 2)]);
        let changes = diff(&before, &after);
        assert_eq!(changes.len(), 2, "{changes:#?}");
        let added = changes
            .iter()
            .find(|c| c.change == ChangeType::Added)
            .unwrap();
        assert_eq!(added.probable_rename_of.as_deref(), Some("public.t.name"));
        let removed = changes
            .iter()
            .find(|c| c.change == ChangeType::Removed)
            .unwrap();
        assert!(removed.destructive);
    }

    #[test]
    fn a_renamed_table_does_not_report_every_column() {
        let table = |name: &str| Object {
            kind: ObjectKind::Table,
            name: name.into(),
            definition: String::new(),
            identity: Some(Identity::Oid(1)),
            position: None,
        };
        let before = schema(vec![
            table("public.a"),
            column("public.a.id", "integer", Some(Identity::Attribute(1, 1)), 1),
        ]);
        let after = schema(vec![
            table("public.b"),
            column("public.b.id", "integer", Some(Identity::Attribute(1, 1)), 1),
        ]);
        let changes = diff(&before, &after);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].kind, ObjectKind::Table);
        assert_eq!(changes[0].change, ChangeType::Renamed);
    }
}
