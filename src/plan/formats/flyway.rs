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
//! - Transaction: checked in flyway/flyway. Flyway parses the file into statements and runs
//!   them one by one over JDBC, inside one transaction when the script can run in one
//!   (`flyway-core/.../sqlscript/ParserSqlScript.java`, `executeInTransaction`:
//!   `!nonTransactionalStatementFound && configuration.isExecuteInTransaction()`), else
//!   each on its own: [`Transaction::Wrapped`], or [`Transaction::None`]. Which statements
//!   cannot run in a transaction: `flyway-database-postgresql/.../PostgreSQLParser.java`
//!   (`detectCanExecuteInTransaction`), on the statement's first keywords (words of letters and
//!   `_` outside parentheses, at most 10: `Parser.java`, `getTransactionalDetectionCutoff`),
//!   upper-cased and matched whole against `(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)`,
//!   `ALTER SYSTEM`, `(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY`, `REINDEX( VERBOSE)?
//!   (SCHEMA|DATABASE|SYSTEM)`, `VACUUM`, `DISCARD ALL`, and, on PostgreSQL before 12 only,
//!   `ALTER TYPE ... ADD VALUE` (Drydock assumes 12 or later). Not in the list, so run in the
//!   transaction (and failing there): `REINDEX INDEX|TABLE ... CONCURRENTLY`, `DETACH PARTITION
//!   ... CONCURRENTLY`. A file holding both kinds is refused before anything runs
//!   (`ParserSqlScript.parse`: "Detected both transactional and non-transactional statements
//!   within the same migration (even though mixed is false)") unless `mixed` is set or the
//!   file's `executeInTransaction` is: [`Refusal::MixedTransactionality`]; with `mixed`, the
//!   file runs without a transaction, which is how Drydock applies it. `V1__x.sql.conf`
//!   beside the file (`SqlScriptMetadata.getMetadataResource`: the script's path plus `.conf`,
//!   `key=value` lines) can set `executeInTransaction=true|false`, which overrides the
//!   detection. `mixed` and a global `executeInTransaction` are settings of the runner, not of
//!   the migration directory: `flyway.mixed` in flyway.conf (`ConfigUtils.MIXED`), `-mixed` on
//!   the command line, and in the project's flyway.toml under `[flyway]` (Redgate's
//!   documentation shows that section for `executeInTransaction`; for `mixed` it was not seen).
//!   Drydock assumes their defaults (false, true) and reads no Flyway configuration file.
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
use super::{
    AppliedEdit, AppliedMigration, Detection, History, MigrationFormat, MigrationText, OutOfOrder,
};
use crate::plan::Refusal;
use crate::plan::format::{Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};
use crate::source::Span;
use crate::sql::lexer::TokenKind;
use crate::sql::split;
use chrono::{DateTime, Utc};
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

    /// `V<version>__<description>.sql`, the next version after the highest (Flyway's `add`
    /// command: Redgate's documentation, "Add"), `V1` in an empty directory; for no
    /// transaction the script configuration file `V<version>__<description>.sql.conf` with
    /// `executeInTransaction=false` (Flyway's documentation, "Script config files"), which
    /// overrides the detection above so that the `SET` and a CONCURRENTLY statement run one by
    /// one.
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        let name = format!("V{}__{}.sql", new.version, new.slug);
        let mut files = vec![NewFile::new(
            &name,
            format!("{}\n", new.header("Flyway", false)),
        )];
        if new.no_transaction {
            files.push(NewFile::new(
                format!("{name}.conf"),
                "executeInTransaction=false\n",
            ));
        }
        files
    }

    fn first_version(&self, _now: DateTime<Utc>) -> String {
        "1".into()
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Entries {
            priority: 40,
            recognises: |dir| dir.sql_files().any(|n| Flyway.parse_name(n).is_some()),
        })
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let up = |version| Some(NameInfo::up(version));
        let stem = name.strip_suffix(".sql")?;
        let (prefix, _description) = stem.split_once("__")?;
        match prefix.chars().next()? {
            'V' => up(Version::numeric(&prefix[1..])?),
            'U' => Some(NameInfo {
                is_up: false,
                ..NameInfo::up(Version::numeric(&prefix[1..])?)
            }),
            'R' if prefix == "R" => up(Version {
                repeatable: true,
                ..Version::lexical(stem)
            }),
            _ => None,
        }
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        if let Some(configured) = script_execute_in_transaction(file) {
            return Transaction::wrapped_unless(!configured);
        }
        let kinds = StatementKinds::of(file);
        Transaction::wrapped_unless(kinds.non_transactional.is_some())
    }

    fn refusal(&self, file: &MigrationText<'_>) -> Option<Refusal> {
        if script_execute_in_transaction(file).is_some() {
            return None;
        }
        let kinds = StatementKinds::of(file);
        Some(Refusal::MixedTransactionality {
            format: Format::Flyway,
            transactional: kinds.transactional?,
            non_transactional: kinds.non_transactional?,
        })
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
                let name = applied.file_name();
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

    /// flyway-core `org.flywaydb.core.internal.util.BomStrippingReader` drops a leading
    /// byte order mark from every resource it reads (and `BomFilter` from the checksum).
    fn strips_byte_order_mark(&self) -> bool {
        true
    }

    fn applied_edit(&self) -> AppliedEdit {
        AppliedEdit::Checked(
            r#"records a checksum of every applied migration, and `flyway migrate` validates them first (validateOnMigrate is on by default): every deploy stops with "Validate failed: Migration checksum mismatch" until the edit is reverted or `flyway repair` is run"#,
        )
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

/// `executeInTransaction` of the file's script configuration (`V1__x.sql.conf`), when it sets
/// one.
fn script_execute_in_transaction(file: &MigrationText<'_>) -> Option<bool> {
    let conf = MigrationText::beside(&PathBuf::from(format!("{}.conf", file.path.display())))?;
    conf.lines().find_map(|line| {
        let (key, value) = line.trim().split_once('=')?;
        (key.trim() == "executeInTransaction").then_some(())?;
        match value.trim() {
            v if v.eq_ignore_ascii_case("true") => Some(true),
            v if v.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    })
}

/// The first statement (as a span of the file) of each kind Flyway tells apart.
struct StatementKinds {
    transactional: Option<Span>,
    non_transactional: Option<Span>,
}

impl StatementKinds {
    fn of(file: &MigrationText<'_>) -> StatementKinds {
        let mut kinds = StatementKinds {
            transactional: None,
            non_transactional: None,
        };
        for statement in split::split(file.up).statements {
            let span = Span::new(
                file.up_start + statement.span.start,
                file.up_start + statement.span.end,
            );
            let kind = if runs_only_outside_a_transaction(file.up, &statement.tokens) {
                &mut kinds.non_transactional
            } else {
                &mut kinds.transactional
            };
            kind.get_or_insert(span);
        }
        kinds
    }
}

/// How many of a statement's first keywords Flyway looks at (`Parser.java`,
/// `getTransactionalDetectionCutoff`).
const DETECTION_CUTOFF: usize = 10;

/// Whether Flyway's PostgreSQL parser marks the statement non-transactional: some run of its
/// first keywords is one of `detectCanExecuteInTransaction`'s patterns.
fn runs_only_outside_a_transaction(text: &str, tokens: &[crate::sql::lexer::Token]) -> bool {
    let mut keywords: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let punct = |i: usize, c: &str| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && &text[t.span.start..t.span.end] == c)
    };
    for (i, token) in tokens.iter().enumerate() {
        let word = &text[token.span.start..token.span.end];
        match token.kind {
            TokenKind::Punct if word == "(" => depth += 1,
            TokenKind::Punct if word == ")" => depth = depth.saturating_sub(1),
            // A keyword to Flyway: letters and `_` only, not part of a dotted name.
            TokenKind::Word
                if depth == 0
                    && word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
                    && !(i > 0 && punct(i - 1, "."))
                    && !punct(i + 1, ".") =>
            {
                keywords.push(word.to_ascii_uppercase());
                if keywords.len() > DETECTION_CUTOFF {
                    return false;
                }
                let words: Vec<&str> = keywords.iter().map(String::as_str).collect();
                if non_transactional_keywords(&words) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// `PostgreSQLParser.detectCanExecuteInTransaction`'s patterns, each matched whole.
fn non_transactional_keywords(words: &[&str]) -> bool {
    matches!(
        words,
        [
            "CREATE" | "DROP",
            "DATABASE" | "TABLESPACE" | "SUBSCRIPTION"
        ] | ["ALTER", "SYSTEM"]
            | ["CREATE" | "DROP", "INDEX", "CONCURRENTLY"]
            | ["CREATE" | "DROP", "UNIQUE", "INDEX", "CONCURRENTLY"]
            | ["REINDEX", "SCHEMA" | "DATABASE" | "SYSTEM"]
            | ["REINDEX", "VERBOSE", "SCHEMA" | "DATABASE" | "SYSTEM"]
            | ["VACUUM"]
            | ["DISCARD", "ALL"]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(path: &'a std::path::Path, text: &'a str) -> MigrationText<'a> {
        MigrationText {
            path,
            whole: text,
            up: text,
            up_start: 0,
        }
    }

    fn tx(text: &str) -> (Transaction, Option<Refusal>) {
        let path = std::path::Path::new("V1__a.sql");
        (
            Flyway.transaction(&file(path, text)),
            Flyway.refusal(&file(path, text)),
        )
    }

    #[test]
    fn a_file_of_non_transactional_statements_runs_without_a_transaction() {
        assert_eq!(
            tx("CREATE INDEX CONCURRENTLY a ON t (c);\n\
                drop index concurrently if exists b;\n\
                CREATE UNIQUE INDEX CONCURRENTLY c ON t (c);\nVACUUM t;\n"),
            (Transaction::None, Option::None)
        );
        assert_eq!(
            tx("CREATE TABLE t (c int);\nCREATE INDEX i ON t (c);\n"),
            (Transaction::Wrapped, Option::None)
        );
        // Not among Flyway's patterns: run in its transaction, where Postgres rejects them.
        assert_eq!(
            tx("REINDEX INDEX CONCURRENTLY i;\n"),
            (Transaction::Wrapped, Option::None)
        );
        assert_eq!(
            tx("ALTER TABLE p DETACH PARTITION c CONCURRENTLY;\n"),
            (Transaction::Wrapped, Option::None)
        );
    }

    #[test]
    fn mixing_both_kinds_is_refused_and_applied_as_with_mixed() {
        let text = "CREATE TABLE t (c int);\nCREATE INDEX CONCURRENTLY i ON t (c);\n";
        let (transaction, refusal) = tx(text);
        assert_eq!(transaction, Transaction::None);
        assert_eq!(
            refusal,
            Some(Refusal::MixedTransactionality {
                format: Format::Flyway,
                transactional: Span::new(0, 22),
                non_transactional: Span::new(24, 60),
            })
        );
    }

    #[test]
    fn the_script_configuration_overrides_the_detection() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("V1__a.sql");
        let text = "CREATE TABLE t (c int);\nCREATE INDEX CONCURRENTLY i ON t (c);\n";
        let conf = t.path().join("V1__a.sql.conf");
        let run = || {
            (
                Flyway.transaction(&file(&path, text)),
                Flyway.refusal(&file(&path, text)),
            )
        };
        std::fs::write(&conf, "executeInTransaction=true\n").unwrap();
        assert_eq!(run(), (Transaction::Wrapped, Option::None));
        std::fs::write(&conf, "# why\nexecuteInTransaction = false\n").unwrap();
        assert_eq!(run(), (Transaction::None, Option::None));
    }

    #[test]
    fn keywords_are_matched_from_the_start_of_the_statement() {
        assert!(runs_only_outside_a_transaction_text("vacuum (verbose) t"));
        assert!(runs_only_outside_a_transaction_text(
            "REINDEX (VERBOSE) SCHEMA s"
        ));
        assert!(!runs_only_outside_a_transaction_text(
            "SELECT 1 FROM vacuum"
        ));
        assert!(!runs_only_outside_a_transaction_text(
            "COMMENT ON INDEX i IS 'CREATE INDEX CONCURRENTLY'"
        ));
    }

    fn runs_only_outside_a_transaction_text(sql: &str) -> bool {
        let statement = &split::split(sql).statements[0];
        runs_only_outside_a_transaction(sql, &statement.tokens)
    }

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
