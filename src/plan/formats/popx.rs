//! ory/popx, the migrator of Ory's services (Kratos, Hydra, Keto), built on gobuffalo/pop.
//!
//! Checked in popx's source as ory/hydra vendors it (`oryx/popx/`), which is ory/x's `popx`:
//!
//! - Naming: `match.go` (`MigrationFileRegexp`,
//!   `^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.(sql)$`, and
//!   `parseMigrationFilename`): `<version>_<name>[.<dialect>][.autocommit].up.sql`. Without a
//!   dialect the file is for every database (`all`); the dialect is canonicalised by pop
//!   (`CanonicalDialect`: lower case, and gobuffalo/pop `dialect_postgresql.go` makes
//!   `postgresql`, `pg` and `pgx` synonyms of `postgres`). A dialect pop does not support is
//!   skipped (`migration_box.go`, `findMigrations`), and so is any file whose dialect is not
//!   PostgreSQL's: only `postgres` and dialect-free files are migrations here; the `mysql`,
//!   `sqlite3`, `cockroach`, ... files beside them are ignored, not errors. popx reads only
//!   `.sql` files (its older versions and gobuffalo/pop also had `.fizz` files, which pop
//!   translates into SQL: Drydock cannot, and ignores them). popx walks sub-directories too;
//!   Drydock reads the directory itself.
//! - Which file of a version runs: `migration_info.go` (`sortAndFilter`): the file of the
//!   connection's dialect (`postgres`) if there is one, else the dialect-free file
//!   ([`NameInfo::dialect_free`]).
//! - Order: by version as text (`compareMigration`, `strings.Compare`).
//! - Transaction: `migrator.go` (`UpTo`, `shouldNotUseTransaction`): on PostgreSQL each
//!   migration runs in a transaction of its own (`isolatedTransaction`) unless its name says
//!   `.autocommit`; `migration_box.go` (`NewMigrationBox`, `txRunner`) sends the whole file as
//!   one `Exec` without arguments, which pgx sends as one simple query (jackc/pgx `conn.go`,
//!   `exec`: "Always use simple protocol when there are no arguments"). So
//!   [`Transaction::Wrapped`], or for `.autocommit` [`Transaction::Implicit`]: one
//!   multi-statement query, in which two CONCURRENTLY statements fail. popx first renders the
//!   file as a Go template (`migration_content.go`, `ParameterizedMigrationContent`); Drydock
//!   applies the file as written.
//! - History table: `schema_migration` (pop's `ConnectionDetails.MigrationTableName` default,
//!   gobuffalo/pop `connection_details.go`). `migrator.go` (`CreateSchemaMigrations`,
//!   `createTransactionalMigrationTable`) creates it before any migration runs, with the two
//!   indexes below, and `UpTo` records a migration with `INSERT INTO schema_migration (version)
//!   VALUES (?)`, in the migration's transaction.
//! - Detection: a `.sql` file named with a dialect (`postgres`, `cockroach`, `mysql`, `mariadb`,
//!   `sqlite3`, the names popx compares, or a synonym of `postgres`) or `.autocommit`, before
//!   golang-migrate, which would take `V_name.postgres.up.sql` for a migration named
//!   `name.postgres` and the dialect-free file for a duplicate of its version.
//! - Identity: the version (the table's `version` column, unique); of the files of one version
//!   only the one `sortAndFilter` keeps runs.
//! - Out of order: applied. `UpTo` runs every migration whose version is not in the table, in
//!   version order: a missing older migration is applied, after the newer ones.

use super::sql_literal;
use super::{
    AppliedEdit, AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder,
};
use crate::plan::format::{Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};
use chrono::{DateTime, Utc};

pub struct Popx;

#[allow(non_upper_case_globals)] // Spelled like the other formats' handles.
impl Format {
    pub const Popx: Format = Format::new(&Popx);
}

/// The dialect names popx itself compares a connection with (`migration_content.go`), and
/// PostgreSQL's synonyms: a file named with one of them is written for popx.
const KNOWN_DIALECTS: &[&str] = &[
    "postgres",
    "postgresql",
    "pg",
    "pgx",
    "cockroach",
    "mysql",
    "mariadb",
    "sqlite3",
];

const AUTOCOMMIT: &str = "autocommit";

/// What a file name says to popx.
#[derive(Debug, PartialEq, Eq)]
struct PopxName<'a> {
    version: &'a str,
    /// Canonical; `None` for a dialect-free file.
    dialect: Option<String>,
    autocommit: bool,
    up: bool,
}

impl PopxName<'_> {
    /// `name` against popx's `MigrationFileRegexp`; `None` when it does not match.
    fn parse(name: &str) -> Option<PopxName<'_>> {
        let stem = name.strip_suffix(".sql")?;
        let (rest, up) = match stem.strip_suffix(".up") {
            Some(rest) => (rest, true),
            None => (stem.strip_suffix(".down")?, false),
        };
        let mut parts = rest.split('.');
        let base = parts.next()?;
        let (version, title) = base.split_at(base.find(|c: char| !c.is_ascii_digit())?);
        if version.is_empty() || title.len() < 2 || !title.starts_with('_') {
            return None;
        }
        let flags: Vec<&str> = parts.collect();
        let is_word = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        let (dialect, autocommit) = match flags.as_slice() {
            [] => (None, false),
            [AUTOCOMMIT] => (None, true),
            [dialect] if is_word(dialect) => (Some(*dialect), false),
            [AUTOCOMMIT, AUTOCOMMIT] => (None, true),
            [dialect, AUTOCOMMIT] if is_word(dialect) => (Some(*dialect), true),
            _ => return None,
        };
        Some(PopxName {
            version,
            dialect: dialect.map(canonical_dialect),
            autocommit,
            up,
        })
    }
}

/// pop's `CanonicalDialect` for the names that matter here.
fn canonical_dialect(dialect: &str) -> String {
    match dialect {
        "postgresql" | "pg" | "pgx" => "postgres".to_string(),
        other => other.to_string(),
    }
}

fn written_for_popx(name: &str) -> bool {
    PopxName::parse(name).is_some_and(|popx| {
        popx.autocommit
            || popx
                .dialect
                .as_deref()
                .is_some_and(|d| KNOWN_DIALECTS.contains(&d))
    })
}

impl MigrationFormat for Popx {
    fn name(&self) -> &'static str {
        "popx"
    }

    /// `<version>_<name>[.postgres][.autocommit].up.sql` and its `.down.sql` (the names
    /// `MigrationFileRegexp` reads, above; every up needs its down). The version: Ory's 20
    /// digits (a UTC `20060102150405` timestamp and six zeros, as ory/cli renders them), the
    /// dialect `.postgres` when the directory's files name one. `.autocommit` runs the file
    /// outside a transaction, as one query. Ory's projects write these by hand (ory/kratos
    /// `persistence/sql/README.md`: copy the last migration).
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let dialect = if new
            .existing
            .iter()
            .any(|f| f.relative.contains(".postgres."))
        {
            ".postgres"
        } else {
            ""
        };
        let autocommit = new.no_transaction_marker(".autocommit");
        let stem = format!("{}_{}{dialect}{autocommit}", new.version, new.slug);
        vec![
            NewFile::new(
                format!("{stem}.up.sql"),
                format!("{}\n", new.header("popx", true)),
            ),
            NewFile::new(format!("{stem}.down.sql"), ""),
        ]
    }

    fn first_version(&self, now: DateTime<Utc>) -> String {
        crate::plan::new::timestamp(now, 20, false)
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 25,
            recognises: |dir| dir.sql_files().any(written_for_popx),
        })
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let popx = PopxName::parse(name)?;
        match popx.dialect.as_deref() {
            None | Some("postgres") => Some(NameInfo {
                version: Version::lexical(popx.version),
                is_up: popx.up,
                dialect_free: popx.dialect.is_none(),
            }),
            // Another database's migration.
            Some(_) => None,
        }
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if PopxName::parse(&name).is_some_and(|popx| popx.autocommit) {
            Transaction::Implicit
        } else {
            Transaction::Wrapped
        }
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["schema_migration"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &[
                "CREATE TABLE schema_migration (version VARCHAR (48) NOT NULL, version_self INT NOT NULL DEFAULT 0)",
                "CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version)",
                "CREATE INDEX schema_migration_version_self_idx ON schema_migration (version_self)",
            ],
            record: |applied: &AppliedMigration<'_>| {
                vec![format!(
                    "INSERT INTO schema_migration (version) VALUES ({})",
                    sql_literal(&applied.version.text)
                )]
            },
        })
    }

    fn applied_edit(&self) -> AppliedEdit {
        // Its history table holds only versions (the history table above).
        AppliedEdit::Unchecked
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_as_popx_reads_them() {
        let parsed = |name| PopxName::parse(name);
        assert_eq!(
            parsed("20240101000001_users.postgres.up.sql"),
            Some(PopxName {
                version: "20240101000001",
                dialect: Some("postgres".into()),
                autocommit: false,
                up: true,
            })
        );
        assert_eq!(
            parsed("20240101000001_users.up.sql").unwrap().dialect,
            Option::None
        );
        assert_eq!(
            parsed("20240101000001_users.pg.down.sql").unwrap(),
            PopxName {
                version: "20240101000001",
                dialect: Some("postgres".into()),
                autocommit: false,
                up: false,
            }
        );
        let autocommit = parsed("2_index.postgres.autocommit.up.sql").unwrap();
        assert!(autocommit.autocommit && autocommit.dialect.as_deref() == Some("postgres"));
        let autocommit = parsed("2_index.autocommit.up.sql").unwrap();
        assert!(autocommit.autocommit && autocommit.dialect.is_none());
        for not_popx in [
            "users.up.sql",
            "1_.up.sql",
            "1users.up.sql",
            "1_users.Postgres.up.sql",
            "1_users.postgres.sql",
            "1_users.a.b.up.sql",
            "1_users.up.fizz",
        ] {
            assert_eq!(parsed(not_popx), Option::None, "{not_popx}");
        }
    }

    #[test]
    fn only_postgres_and_dialect_free_files_are_migrations() {
        let info = |name| Popx.parse_name(name);
        assert!(!info("1_users.postgres.up.sql").unwrap().dialect_free);
        assert!(info("1_users.postgresql.up.sql").is_some());
        assert!(info("1_users.up.sql").unwrap().dialect_free);
        assert!(!info("1_users.postgres.down.sql").unwrap().is_up);
        for other in [
            "1_users.mysql.up.sql",
            "1_users.sqlite3.up.sql",
            "1_users.cockroach.up.sql",
            "1_users.oracle.up.sql",
        ] {
            assert_eq!(info(other), Option::None, "{other}");
        }
    }

    #[test]
    fn autocommit_files_are_one_query_without_a_transaction() {
        let tx = |name: &str| {
            Popx.transaction(&MigrationText {
                path: std::path::Path::new(name),
                whole: "",
                up: "",
                up_start: 0,
            })
        };
        assert_eq!(tx("1_a.postgres.up.sql"), Transaction::Wrapped);
        assert_eq!(tx("1_a.up.sql"), Transaction::Wrapped);
        assert_eq!(tx("1_a.postgres.autocommit.up.sql"), Transaction::Implicit);
        assert_eq!(tx("1_a.autocommit.up.sql"), Transaction::Implicit);
    }
}
