//! Flyway.
//!
//! - Naming: `V<version>__description.sql` goes up, `U<version>__description.sql` is an undo (not
//!   applied), `R__description.sql` is repeatable; the version's parts are separated by `.` or
//!   `_` (`V1_2__x.sql` is 1.2).
//! - Identity: the version, its parts as numbers, trailing zeros not counting (1.0 equals 1);
//!   a repeatable migration by its description. Two migrations of one version are refused:
//!   flyway/flyway `flyway-core/.../internal/resolver/CompositeMigrationResolver.java`
//!   (`checkForIncompatibilities`, on the migrations sorted by `ResolvedMigrationComparator`)
//!   throws "Found more than one migration with version ...".
//! - Order: by the version's parts as numbers, trailing zeros not counting (1.0 equals 1);
//!   repeatable migrations after all versioned ones, by name.
//! - Transaction: Flyway wraps each file in a transaction; for Postgres it runs a file holding a
//!   non-transactional statement (CONCURRENTLY, VACUUM) outside one, but refuses to mix such a
//!   statement with others unless `postgresql.transactional.lock`/mixed mode is set, so in
//!   practice CONCURRENTLY must be alone in its file too: treated as one implicit transaction.
//!   `V1__x.sql.conf` can set `executeInTransaction=false`.
//! - History table: `flyway_schema_history` (`schema_version` before Flyway 5), one row per
//!   migration applied. Checked in flyway/flyway: `flyway-core/.../database/postgresql/
//!   PostgreSQLDatabase.java` (`getRawCreateScript`: the `CREATE TABLE`, primary key and index
//!   below, in the current schema) and `flyway-core/.../schemahistory/
//!   JdbcTableSchemaHistory.java` (`create` makes the table before migrating;
//!   `doAddAppliedMigration` inserts `installed_rank` (the highest so far plus one), `version`,
//!   `description`, `type`, `script`, `checksum`, `installed_by`, `execution_time` and
//!   `success`).
//! - Detection: a file named as above, after golang-migrate's `.up.sql`.
//! - Out of order: refused. `flyway-core/.../internal/info/MigrationInfoImpl.java`: `getState`
//!   makes a resolved, unapplied version below the last applied one `IGNORED` unless
//!   `outOfOrder` is set, and `validate` turns that into "Detected resolved migration not
//!   applied to database", which fails `migrate` (it validates first, `validateOnMigrate`).
//!   `-outOfOrder=true` applies it after the newer ones; `-ignoreMigrationPatterns='*:ignored'`
//!   skips it instead. The defaults of `validateOnMigrate` and `ignoreMigrationPatterns` were
//!   not checked across Flyway versions.

use super::sql_literal;
use super::{AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder};
use crate::plan::format::{Format, NameInfo, Transaction, Version};
use std::path::PathBuf;

pub struct Flyway;

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Flyway: Format = Format::new(&Flyway);
}

impl MigrationFormat for Flyway {
    fn name(&self) -> &'static str {
        "flyway"
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 40,
            recognises: |dir| dir.sql_files().any(|n| Flyway.parse_name(n).is_some()),
        })
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let up = |version| {
            Some(NameInfo {
                version,
                is_up: true,
            })
        };
        let stem = name.strip_suffix(".sql")?;
        let (prefix, _description) = stem.split_once("__")?;
        match prefix.chars().next()? {
            'V' => up(Version::numeric(&prefix[1..])?),
            'U' => Some(NameInfo {
                version: Version::numeric(&prefix[1..])?,
                is_up: false,
            }),
            'R' if prefix == "R" => up(Version {
                repeatable: true,
                ..Version::lexical(stem)
            }),
            _ => None,
        }
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        let conf = PathBuf::from(format!("{}.conf", file.path.display()));
        let off = MigrationText::beside(&conf)
            .is_some_and(|c| c.replace(' ', "").contains("executeInTransaction=false"));
        if off {
            Transaction::None
        } else {
            Transaction::Implicit
        }
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &["flyway_schema_history", "schema_version"]
    }

    fn history(&self) -> Option<History> {
        Some(History {
            create: &[
                r#"CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
)"#,
                r#"ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank")"#,
                r#"CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success")"#,
            ],
            record: |applied: &AppliedMigration<'_>| {
                let script = applied.relative;
                let name = script.rsplit('/').next().unwrap_or(script);
                let description = name
                    .strip_suffix(".sql")
                    .and_then(|stem| stem.split_once("__"))
                    .map_or(String::new(), |(_, d)| d.replace('_', " "));
                // Flyway shows `V1_2` as version 1.2; a repeatable migration has none.
                let version = if applied.version.repeatable {
                    "NULL".to_string()
                } else {
                    sql_literal(&applied.version.text.replace('_', "."))
                };
                // Flyway stores the file's CRC32 and the time it took; the plan has neither, so
                // 0 stands in for both.
                vec![format!(
                    r#"INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") SELECT coalesce(max("installed_rank"), 0) + 1, {version}, {}, 'SQL', {}, 0, current_user, 0, TRUE FROM "public"."flyway_schema_history""#,
                    sql_literal(&description),
                    sql_literal(script)
                )]
            },
        })
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Refused {
            unless: "`-outOfOrder=true`",
        }
    }

    fn on_duplicate(&self) -> &'static str {
        "refuses to migrate (\"Found more than one migration with version\"), so no migration runs"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(name: &str) -> Version {
        Flyway.parse_name(name).unwrap().version
    }

    #[test]
    fn numeric_versions_sort_by_number_not_text() {
        assert!(v("V1_2__a.sql") < v("V1_10__b.sql"));
        assert_eq!(
            v("V1__a.sql").cmp(&v("V1.0__a.sql")),
            std::cmp::Ordering::Less,
            "equal versions fall back to text so the order is total"
        );
        assert!(v("R__views.sql") > v("V999__z.sql"));
    }

    #[test]
    fn undo_files_are_not_up_migrations() {
        assert!(!Flyway.parse_name("U1__a.sql").unwrap().is_up);
    }
}
