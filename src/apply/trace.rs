//! Tracing one statement: which locks its backend holds on relations that existed before the
//! reviewed migrations ran (from `pg_locks`), which of them it rewrote (`relfilenode` changed),
//! and how long it ran.

pub use crate::finding::LockTaken;
use crate::sql::model::LockMode;
use anyhow::Result;
use std::collections::HashMap;
use tokio_postgres::{Client, Statement};

/// A user relation (table, index, materialized view, ...) as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// `schema.name`.
    pub name: String,
    /// `pg_class.relkind`: r table, i index, m materialized view, p partitioned table, ...
    pub kind: char,
    pub filenode: u32,
}

impl Relation {
    /// A table, partitioned table, materialized view, view or foreign table: what queries name.
    pub fn is_table(&self) -> bool {
        matches!(self.kind, 'r' | 'p' | 'm' | 'v' | 'f')
    }
}

/// Every user relation by OID.
pub type Snapshot = HashMap<u32, Relation>;

/// The lock modes a backend holds, by relation OID (strongest per relation).
pub type Locks = HashMap<u32, LockMode>;

/// What the backend holds after a statement: its locks on user relations, the current storage of
/// each (a rewrite needs a lock, so the locked ones are all that can have been rewritten), and
/// whether `lock_timeout` is set.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub locks: Locks,
    /// `pg_relation_filenode` of each locked relation that exists and has storage.
    pub filenodes: HashMap<u32, u32>,
    pub lock_timeout_set: bool,
}

// The probe runs on the migration's own session, between its statements, so it cannot set a
// search_path of its own, and the migration can shadow whatever it names unqualified: a temp
// relation or type is found before pg_catalog's, and a migration may put a schema of its own,
// with its own functions and operators, ahead of pg_catalog. So every relation, function, type
// and operator here is qualified with pg_catalog, and the patterns need no backslashes (which
// `standard_conforming_strings = off` would change).

/// User relations of the namespace `n`: not the system's, toast or temporary ones.
macro_rules! user_relation {
    () => {
        "n.nspname OPERATOR(pg_catalog.<>) 'pg_catalog' \
         AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema' \
         AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast|temp)'"
    };
}

/// The relation columns [`relation`] reads.
macro_rules! relation_columns {
    () => {
        "SELECT c.oid, c.relfilenode, c.relkind::pg_catalog.text, n.nspname, c.relname \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n \
           ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
    };
}

const SNAPSHOT_SQL: &str = concat!(relation_columns!(), "WHERE ", user_relation!());

const DESCRIBE_SQL: &str = concat!(
    relation_columns!(),
    "WHERE c.oid OPERATOR(pg_catalog.=) ANY($1) AND ",
    user_relation!()
);

/// Runs after every statement, so it is kept to what pg_locks gives cheaply: no catalog joins
/// (16384 is FirstNormalObjectId: system catalogs have lower OIDs).
const OBSERVE_SQL: &str = "SELECT l.relation, l.mode, pg_catalog.pg_relation_filenode(l.relation), \
       pg_catalog.current_setting('lock_timeout') OPERATOR(pg_catalog.<>) '0' \
         AND pg_catalog.current_setting('lock_timeout') OPERATOR(pg_catalog.<>) '0ms' \
     FROM pg_catalog.pg_locks l \
     WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() \
       AND l.locktype OPERATOR(pg_catalog.=) 'relation' \
       AND l.relation OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid";

/// The trace queries, prepared once per connection.
pub struct Probe {
    snapshot: Statement,
    describe: Statement,
    observe: Statement,
}

impl Probe {
    pub async fn prepare(client: &Client) -> Result<Probe, tokio_postgres::Error> {
        Ok(Probe {
            snapshot: client.prepare(SNAPSHOT_SQL).await?,
            describe: client.prepare(DESCRIBE_SQL).await?,
            observe: client.prepare(OBSERVE_SQL).await?,
        })
    }

    /// Every user relation: taken once, after the base migrations.
    pub async fn snapshot(&self, client: &Client) -> Result<Snapshot, tokio_postgres::Error> {
        let rows = client.query(&self.snapshot, &[]).await?;
        Ok(rows.iter().map(relation).collect())
    }

    /// The user relations among `oids` (toast tables and the like left out).
    pub async fn describe(
        &self,
        client: &Client,
        oids: &[u32],
    ) -> Result<Snapshot, tokio_postgres::Error> {
        let rows = client.query(&self.describe, &[&oids]).await?;
        Ok(rows.iter().map(relation).collect())
    }

    /// One small query after each statement.
    pub async fn after(&self, client: &Client) -> Result<Observed, tokio_postgres::Error> {
        let rows = client.query(&self.observe, &[]).await?;
        let mut observed = Observed::default();
        for row in rows {
            observed.lock_timeout_set = row.get(3);
            let (Some(oid), Some(mode)) = (
                row.get::<_, Option<u32>>(0),
                LockMode::from_pg_locks(row.get(1)),
            ) else {
                continue;
            };
            let held = observed.locks.entry(oid).or_insert(mode);
            *held = (*held).max(mode);
            if let Some(filenode) = row.get::<_, Option<u32>>(2) {
                observed.filenodes.insert(oid, filenode);
            }
        }
        Ok(observed)
    }
}

/// A relation from the columns oid, relfilenode, relkind, schema, name.
fn relation(row: &tokio_postgres::Row) -> (u32, Relation) {
    let kind: &str = row.get(2);
    let schema: &str = row.get(3);
    let name: &str = row.get(4);
    (
        row.get(0),
        Relation {
            name: format!("{schema}.{name}"),
            kind: kind.chars().next().unwrap_or('?'),
            filenode: row.get(1),
        },
    )
}

/// What one statement did, as far as the base relations go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// Locks newly taken (or strengthened) by this statement, strongest first.
    pub locks: Vec<LockTaken>,
    /// Tables and materialized views whose storage was rewritten.
    pub rewritten: Vec<String>,
    /// Indexes rebuilt without their table being rewritten (REINDEX, ...).
    pub rebuilt_indexes: Vec<String>,
    /// Relations on which ACCESS EXCLUSIVE was already held, from earlier in the transaction,
    /// while this statement ran.
    pub ran_under_exclusive: Vec<String>,
}

/// What a statement did, from what the backend held before and after it. Only relations in
/// `base` count: what the reviewed migrations created is new and unused in production.
pub fn effects(
    base: &Snapshot,
    known_filenodes: &HashMap<u32, u32>,
    observed: &Observed,
    held_before: &Locks,
) -> Effects {
    let mut fx = Effects::default();
    for (oid, mode) in &observed.locks {
        let Some(relation) = base.get(oid) else {
            continue;
        };
        // Locks on a table's indexes come with the table's lock; reporting them is noise.
        if relation.is_table() && held_before.get(oid).is_none_or(|earlier| earlier < mode) {
            fx.locks.push(LockTaken {
                relation: relation.name.clone(),
                mode: *mode,
            });
        }
        let rewritten = match (known_filenodes.get(oid), observed.filenodes.get(oid)) {
            (Some(before), Some(after)) => before != after && *after != 0,
            _ => false,
        };
        if rewritten {
            match relation.kind {
                'r' | 'm' | 't' => fx.rewritten.push(relation.name.clone()),
                'i' => fx.rebuilt_indexes.push(relation.name.clone()),
                _ => {}
            }
        }
    }
    fx.locks.sort_by(|a, b| {
        b.mode
            .cmp(&a.mode)
            .then_with(|| a.relation.cmp(&b.relation))
    });
    // An index rebuilt because its table was rewritten is part of that rewrite.
    if !fx.rewritten.is_empty() {
        fx.rebuilt_indexes.clear();
    }
    fx.rewritten.sort();
    fx.rebuilt_indexes.sort();
    fx.ran_under_exclusive = held_before
        .iter()
        .filter(|(_, mode)| **mode == LockMode::AccessExclusive)
        .filter_map(|(oid, _)| base.get(oid).filter(|r| r.is_table()).map(|r| (oid, r)))
        // Still there (a table this statement drops needs the lock anyway); views and
        // partitioned tables have no storage to tell.
        .filter(|(oid, r)| observed.filenodes.contains_key(oid) || matches!(r.kind, 'p' | 'v'))
        .map(|(_, r)| r)
        .map(|r| r.name.clone())
        // A table this statement rewrites or drops needs the lock anyway.
        .filter(|name| !fx.rewritten.contains(name))
        .collect();
    fx.ran_under_exclusive.sort();
    fx
}

impl Effects {
    /// The strongest lock that stops ordinary reads or writes, if any.
    pub fn blocking_lock(&self) -> Option<&LockTaken> {
        self.locks.iter().find(|l| l.mode.blocks_traffic())
    }

    /// One sentence for people: "took ACCESS EXCLUSIVE on public.orders and rewrote it".
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        let blocking: Vec<&LockTaken> = self
            .locks
            .iter()
            .filter(|l| l.mode.blocks_traffic())
            .collect();
        if !blocking.is_empty() {
            let list: Vec<String> = blocking
                .iter()
                .map(|l| format!("{} on {}", l.mode.name(), l.relation))
                .collect();
            parts.push(format!(
                "took {} (blocks {})",
                list.join(", "),
                blocking[0].mode.blocks()
            ));
        }
        if !self.rewritten.is_empty() {
            parts.push(format!("rewrote {}", self.rewritten.join(", ")));
        }
        if !self.rebuilt_indexes.is_empty() {
            parts.push(format!("rebuilt {}", self.rebuilt_indexes.join(", ")));
        }
        if !self.ran_under_exclusive.is_empty() {
            parts.push(format!(
                "ran while ACCESS EXCLUSIVE on {} was still held from earlier in the transaction",
                self.ran_under_exclusive.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation(name: &str, kind: char, filenode: u32) -> Relation {
        Relation {
            name: name.into(),
            kind,
            filenode,
        }
    }

    #[test]
    fn only_new_or_stronger_locks_on_base_relations_count() {
        let base: Snapshot = [
            (1, relation("public.orders", 'r', 10)),
            (3, relation("public.orders_pkey", 'i', 30)),
        ]
        .into();
        let known: HashMap<u32, u32> = [(1, 10), (3, 30)].into();
        let observed = Observed {
            // 2 is a table created under review: not a base relation.
            locks: [
                (1, LockMode::AccessExclusive),
                (2, LockMode::AccessExclusive),
            ]
            .into(),
            filenodes: [(1, 11), (2, 20), (3, 31)].into(),
            lock_timeout_set: false,
        };
        let held_before: Locks = [(1, LockMode::RowExclusive)].into();
        let fx = effects(&base, &known, &observed, &held_before);
        assert_eq!(
            fx.locks,
            vec![LockTaken {
                relation: "public.orders".into(),
                mode: LockMode::AccessExclusive
            }]
        );
        assert_eq!(fx.rewritten, vec!["public.orders".to_string()]);
        assert!(fx.ran_under_exclusive.is_empty());
        assert_eq!(
            fx.summary().unwrap(),
            "took ACCESS EXCLUSIVE on public.orders (blocks all reads and \
                writes); rewrote public.orders"
        );

        let later = effects(&base, &[(1, 11)].into(), &observed, &observed.locks);
        assert!(later.locks.is_empty(), "already held: not taken again");
        assert!(later.rewritten.is_empty(), "storage unchanged since");
        assert_eq!(later.ran_under_exclusive, vec!["public.orders".to_string()]);
    }
}
