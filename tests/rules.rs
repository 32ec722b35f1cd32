//! Every rule against its fixture in tests/fixtures/rules (the README there describes the
//! layout): a snapshot of what a user reads where the rule fires (message, code frame, help,
//! fix) and look-alikes where it must not fire. The rules to test come from the registry, so a
//! rule without a fixture fails `every_rule_has_a_fixture`.

#[path = "support/bin.rs"]
mod bin;
#[path = "support/git.rs"]
mod git_support;
#[path = "support/prerequisites.rs"]
mod prerequisites;
use bin::drydock;
use prerequisites::no_local_postgres;

use drydock::config::Config;
use drydock::finding::Finding;
use drydock::lint::{self, Input, LintOutput, LintSettings, RuleMeta, Scope, rules};
use drydock::plan::MigrationFile;
use drydock::plan::format::{Transaction, Version};
use drydock::report::{Sources, text};
use drydock::source::{SourceFile, Span};
use drydock::verdict::Verdict;
use git_support::git;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// As reports show fixture paths: relative to the crate root.
const FIXTURES: &str = "tests/fixtures/rules";

/// The fixture directory shared by the rules that `drydock check` raises.
const APPLIED: &str = "check";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join(name)
}

fn migration(path: &str, sql: &str, transaction: Transaction) -> MigrationFile {
    MigrationFile {
        source: SourceFile::new(path, sql.to_string()),
        relative: path.into(),
        version: Version::lexical(path),
        up: Span::new(0, sql.len()),
        transaction,
        refusal: None,
    }
}

fn lint_file(file: &MigrationFile) -> LintOutput {
    lint::lint(
        &[Input {
            file,
            reviewed: true,
        }],
        Scope::EachFile,
        &LintSettings::default(),
    )
}

fn lint_sql(sql: &str, transaction: Transaction) -> Vec<Finding> {
    lint_file(&migration("t.sql", sql, transaction)).findings
}

fn rules_fired(sql: &str, transaction: Transaction) -> Vec<&'static str> {
    lint_sql(sql, transaction)
        .iter()
        .map(|f| f.rule.name())
        .collect()
}

/// Lints `later` under review after `earlier`, already merged (it only teaches column types).
fn lint_after(earlier: &MigrationFile, later: &MigrationFile) -> LintOutput {
    lint::lint(
        &[
            Input {
                file: earlier,
                reviewed: false,
            },
            Input {
                file: later,
                reviewed: true,
            },
        ],
        Scope::EachFile,
        &LintSettings::default(),
    )
}

/// Compares `report` with the snapshot `tests/snapshots/rules/<name>.snap`. A difference is
/// collected rather than raised (insta prints it), so one run shows every rule that changed.
fn compare_snapshot(name: &str, input: &str, report: &str, failures: &mut Vec<String>) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/rules");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(input);
    settings.set_omit_expression(true);
    let compared =
        settings.bind(|| std::panic::catch_unwind(|| insta::assert_snapshot!(name, report)));
    if compared.is_err() {
        failures.push(format!(
            "{name}: the report differs from tests/snapshots/rules/{name}.snap (diff above)"
        ));
    }
}

fn is_rule(name: &str) -> bool {
    rules::all().iter().any(|r| r.meta().name == name)
}

// ---------------------------------------------------------------------------------------------
// Statement and file rules: tests/fixtures/rules/<rule>.sql, linted in-process.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Fires,
    Safe,
}

impl Expect {
    fn word(self) -> &'static str {
        match self {
            Expect::Fires => "fires",
            Expect::Safe => "safe",
        }
    }

    /// `-- fires: why` or `-- safe: why` (the reason is optional).
    fn of_marker(line: &str) -> Option<Expect> {
        [Expect::Fires, Expect::Safe].into_iter().find(|e| {
            line.strip_prefix("-- ")
                .and_then(|l| l.strip_prefix(e.word()))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
        })
    }
}

/// One `-- fires:` or `-- safe:` part of a fixture, linted as a migration of its own.
struct Section {
    expect: Expect,
    /// The marker line, as written.
    marker: String,
    /// The marker's line number in the fixture.
    line: usize,
    /// The part, preceded by blank lines so that reports show the fixture's line numbers.
    sql: String,
    transaction: Transaction,
}

fn transaction_named(name: &str, at: &str) -> Transaction {
    match name.trim() {
        "wrapped" => Transaction::Wrapped,
        "implicit" => Transaction::Implicit,
        "none" => Transaction::None,
        other => panic!("{at}: unknown transaction `{other}`: wrapped, implicit or none"),
    }
}

fn sections(path: &str, text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    // Before the first marker, a `-- transaction:` line applies to every part.
    let mut default_transaction = Transaction::None;
    for (index, line) in text.lines().enumerate() {
        let at = format!("{path}:{}", index + 1);
        if let Some(expect) = Expect::of_marker(line) {
            sections.push(Section {
                expect,
                marker: line.to_string(),
                line: index + 1,
                sql: "\n".repeat(index + 1),
                transaction: default_transaction,
            });
            continue;
        }
        let directive = line.strip_prefix("-- transaction:");
        match sections.last_mut() {
            Some(section) => {
                if let Some(name) = directive {
                    section.transaction = transaction_named(name, &at);
                }
                section.sql.push_str(line);
                section.sql.push('\n');
            }
            None => match directive {
                Some(name) => default_transaction = transaction_named(name, &at),
                None => assert!(
                    line.trim().is_empty() || line.starts_with("--"),
                    "{at}: SQL before the first `-- fires:` or `-- safe:` marker is never linted"
                ),
            },
        }
    }
    sections
}

/// What `drydock lint --format text` prints for `findings`, without the closing summary.
fn text_report(
    findings: Vec<Finding>,
    output: &LintOutput,
    source: &SourceFile,
    config: &Config,
) -> String {
    let verdict = Verdict::build(findings, &output.suppressions, config, output.statements, 1);
    let mut sources = Sources::default();
    sources.add(source);
    let report = text::render(&verdict, &sources, false, None);
    let summary = format!("{}\n", text::summary(&verdict));
    report
        .strip_suffix(&summary)
        .expect("the text report ends with its summary")
        .trim_end()
        .to_string()
}

/// The configuration of a user who has the rule on. Rules that are off by default are turned
/// on as a warning, as `drydock.toml` would do it.
fn config_enabling(rule: &RuleMeta) -> Config {
    if rule.default_severity.is_some() {
        return Config::default();
    }
    Config::parse(&format!("[rules]\n{} = \"warning\"\n", rule.name)).unwrap()
}

#[test]
fn statement_and_file_rules_fire_on_their_fixture_and_not_on_the_safe_look_alike() {
    let mut failures = Vec::new();
    for rule in rules::all() {
        let meta = rule.meta();
        let name = meta.name;
        let Ok(text) = fs::read_to_string(fixture(&format!("{name}.sql"))) else {
            continue;
        };
        let path = format!("{FIXTURES}/{name}.sql");
        let sections = sections(&path, &text);
        for expect in [Expect::Fires, Expect::Safe] {
            if !sections.iter().any(|s| s.expect == expect) {
                failures.push(format!("{path}: no `-- {}:` part", expect.word()));
            }
        }
        let config = config_enabling(meta);
        let mut report = Vec::new();
        for section in &sections {
            let file = migration(&path, &section.sql, section.transaction);
            let output = lint_file(&file);
            let own: Vec<Finding> = output
                .findings
                .iter()
                .filter(|f| f.rule == meta.id)
                .cloned()
                .collect();
            let at = format!("{path}:{}", section.line);
            match section.expect {
                Expect::Fires => {
                    let shown = text_report(own, &output, &file.source, &config);
                    if shown.is_empty() {
                        failures.push(format!("{at}: {name} did not fire on `{}`", section.marker));
                    }
                    let run = match section.transaction {
                        Transaction::None => String::new(),
                        t => format!("\n-- (the framework runs this file {})", t.describe()),
                    };
                    report.push(format!("{}{run}\n\n{shown}", section.marker));
                }
                // Even a finding an ignore comment would hide counts: the look-alike is safe.
                Expect::Safe if !own.is_empty() => failures.push(format!(
                    "{at}: {name} fired on the safe look-alike `{}`:\n{}",
                    section.marker,
                    text_report(own, &LintOutput::default(), &file.source, &config)
                )),
                Expect::Safe => {}
            }
        }
        compare_snapshot(name, &path, &report.join("\n\n"), &mut failures);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// Rules about the plan and about applying: repositories run through the `drydock` binary.

fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A repository whose `main` holds the fixture's `base/` (when it has one) and whose work tree
/// is its `head/`: the pull request. Files of `base/` missing from `head/` are deleted.
fn materialise(fixture: &Path) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let base = fixture.join("base");
    if base.is_dir() {
        copy_tree(&base, repo.path());
        git(repo.path(), &["init", "-q", "-b", "main"]);
        git(repo.path(), &["add", "."]);
        git(repo.path(), &["commit", "-q", "-m", "base"]);
        for entry in fs::read_dir(repo.path()).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() != ".git" {
                fs::remove_dir_all(entry.path()).unwrap();
            }
        }
    }
    copy_tree(&fixture.join("head"), repo.path());
    repo
}

/// The directories of the fixture's `head/`: the migration directories to lint.
fn head_directories(fixture: &Path) -> Vec<String> {
    let mut dirs: Vec<String> = fs::read_dir(fixture.join("head"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    dirs
}

/// The code frames of `rule`'s findings in a text report, in order.
fn finding_blocks(report: &str, rule: &str) -> Vec<String> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in report.lines() {
        let header = ["error[", "warning[", "info["]
            .iter()
            .any(|level| line.starts_with(level));
        // The summary ("2 file(s), 3 statement(s): ...") ends the findings.
        if line.contains(" file(s), ") && line.starts_with(|c: char| c.is_ascii_digit()) {
            break;
        }
        if header {
            blocks.push(vec![line]);
        } else if let Some(block) = blocks.last_mut() {
            block.push(line);
        }
    }
    blocks
        .into_iter()
        .filter(|b| b[0].contains(&format!("[{rule}]: ")))
        .map(|b| b.join("\n").trim_end().to_string())
        .collect()
}

/// The file a code frame points at (`  ╭▸ migrations/1.sql:2:1`).
fn framed_file(block: &str) -> &str {
    let location = block
        .lines()
        .find_map(|l| l.split_once("▸ ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no location in:\n{block}"));
    location.split(':').next().unwrap()
}

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn plan_rules_fire_on_their_repository_fixture() {
    let mut failures = Vec::new();
    for rule in rules::all() {
        let name = rule.meta().name;
        let dir = fixture(name);
        if !dir.is_dir() {
            continue;
        }
        let repo = materialise(&dir);
        let mut args = vec!["lint", "--format", "text"];
        if dir.join("base").is_dir() {
            args.extend(["--base", "main"]);
        }
        let dirs = head_directories(&dir);
        args.extend(dirs.iter().map(String::as_str));
        let out = drydock(&args, repo.path());
        let blocks = finding_blocks(&String::from_utf8_lossy(&out.stdout), name);
        let path = format!("{FIXTURES}/{name}");
        if blocks.is_empty() {
            failures.push(format!(
                "{path}: {name} did not fire on `drydock {}`:\n{}",
                args.join(" "),
                output_text(&out)
            ));
        }
        // Files and directories named `safe` are look-alikes.
        for block in blocks.iter().filter(|b| framed_file(b).contains("safe")) {
            failures.push(format!(
                "{path}: {name} fired on a safe look-alike:\n{block}"
            ));
        }
        let report = format!("$ drydock {}\n\n{}", args.join(" "), blocks.join("\n\n"));
        compare_snapshot(name, &path, &report, &mut failures);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The files of the applied fixture under review (in `head/` but not `base/`), each
/// `<version>_<rule>.sql`, with the rule it is for.
fn applied_fixture_files() -> Vec<(String, String)> {
    let dir = fixture(APPLIED);
    let mut files: Vec<(String, String)> = fs::read_dir(dir.join("head/migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| !dir.join("base/migrations").join(f).exists())
        .map(|f| {
            let rule = f
                .strip_suffix(".sql")
                .and_then(|stem| stem.split_once('_'))
                .map_or("", |(_, rule)| rule)
                .to_string();
            (rule, f)
        })
        .collect();
    files.sort_by(|a, b| a.1.cmp(&b.1));
    files
}

#[test]
fn check_rules_fire_when_drydock_check_applies_their_fixture() {
    if no_local_postgres() {
        return;
    }
    // One `drydock check` for all of them: starting Postgres is the slow part.
    let repo = materialise(&fixture(APPLIED));
    let args = [
        "check",
        "--postgres",
        "local",
        "--base",
        "main",
        "--format",
        "text",
        "migrations",
    ];
    let out = drydock(&args, repo.path());
    let report = String::from_utf8_lossy(&out.stdout);
    let mut failures = Vec::new();
    for (rule, file) in applied_fixture_files() {
        let path = format!("{FIXTURES}/{APPLIED}/head/migrations/{file}");
        let blocks = finding_blocks(&report, &rule);
        if blocks.is_empty() {
            failures.push(format!(
                "{path}: {rule} did not fire on `drydock {}`:\n{}",
                args.join(" "),
                output_text(&out)
            ));
        }
        // The other files are its look-alikes.
        for block in blocks
            .iter()
            .filter(|b| framed_file(b) != format!("migrations/{file}"))
        {
            failures.push(format!(
                "{path}: {rule} fired outside its fixture file:\n{block}"
            ));
        }
        // A rule with a statement fixture as well: this is the part the trace adds.
        let snapshot = if fixture(&format!("{rule}.sql")).is_file() {
            format!("{rule}.traced")
        } else {
            rule.clone()
        };
        let shown = format!("$ drydock {}\n\n{}", args.join(" "), blocks.join("\n\n"));
        compare_snapshot(&snapshot, &path, &shown, &mut failures);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// The fixtures themselves.

#[test]
fn every_rule_has_a_fixture() {
    let applied = applied_fixture_files();
    let missing: Vec<&str> = rules::all()
        .iter()
        .map(|r| r.meta().name)
        .filter(|name| {
            !fixture(&format!("{name}.sql")).is_file()
                && !fixture(name).is_dir()
                && !applied.iter().any(|(rule, _)| rule == name)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture for {}: add {FIXTURES}/<rule>.sql (statement and file rules), \
         {FIXTURES}/<rule>/ (plan rules) or {FIXTURES}/{APPLIED}/head/migrations/<version>_<rule>.sql \
         (rules `drydock check` raises); {FIXTURES}/README.md describes them",
        missing.join(", ")
    );
}

#[test]
fn every_fixture_is_named_after_a_rule() {
    // A misspelt fixture would never run.
    let mut strays = Vec::new();
    for entry in fs::read_dir(fixture("")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let rule = name.strip_suffix(".sql").unwrap_or(&name);
        if !is_rule(rule) && name != APPLIED && name != "README.md" {
            strays.push(format!("{FIXTURES}/{name}"));
        }
    }
    for (rule, file) in applied_fixture_files() {
        if !is_rule(&rule) {
            strays.push(format!("{FIXTURES}/{APPLIED}/head/migrations/{file}"));
        }
    }
    assert!(
        strays.is_empty(),
        "named after no rule (`drydock rules` lists them): {}",
        strays.join(", ")
    );
}

#[test]
fn framework_transactions_make_concurrently_fail() {
    let sql = "CREATE INDEX CONCURRENTLY i ON orders (a);";
    assert!(rules_fired(sql, Transaction::Wrapped).contains(&"concurrently-in-transaction"));
    // One statement alone in an implicit-transaction file runs outside a transaction block.
    assert!(!rules_fired(sql, Transaction::Implicit).contains(&"concurrently-in-transaction"));
    let two =
        "CREATE INDEX CONCURRENTLY i ON orders (a); CREATE INDEX CONCURRENTLY j ON orders (b);";
    assert!(rules_fired(two, Transaction::Implicit).contains(&"concurrently-in-transaction"));
}

#[test]
fn findings_point_at_the_statement_line_and_carry_a_fix() {
    let findings = lint_sql(
        "SET lock_timeout = '1s';\n\n  CREATE INDEX idx ON orders (user_id);\n",
        Transaction::None,
    );
    let f = findings
        .iter()
        .find(|f| f.rule == "create-index-without-concurrently")
        .unwrap();
    assert_eq!((f.start.line, f.start.column), (3, 3));
    assert_eq!(
        f.fix.as_ref().unwrap().replacement,
        "CREATE INDEX CONCURRENTLY idx ON orders (user_id)"
    );
}

#[test]
fn binary_compatible_type_changes_use_the_type_from_earlier_files() {
    let earlier = MigrationFile {
        source: SourceFile::new(
            "1.sql",
            "CREATE TABLE t (a varchar(20), n numeric(10,2));".into(),
        ),
        relative: "1.sql".into(),
        version: Version::lexical("1"),
        up: Span::new(0, 47),
        transaction: Transaction::Wrapped,
        refusal: None,
    };
    let sql = "ALTER TABLE t ALTER COLUMN a TYPE varchar(50); ALTER TABLE t \
        ALTER COLUMN n TYPE numeric(12,2); ALTER TABLE t ALTER COLUMN a \
        TYPE varchar(10);";
    let later = MigrationFile {
        source: SourceFile::new("2.sql", sql.into()),
        relative: "2.sql".into(),
        version: Version::lexical("2"),
        up: Span::new(0, sql.len()),
        transaction: Transaction::Wrapped,
        refusal: None,
    };
    let out = lint_after(&earlier, &later);
    let type_changes: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule == "column-type-change")
        .collect();
    assert_eq!(type_changes.len(), 1, "{type_changes:#?}");
    assert!(
        type_changes[0].message.contains("varchar(10)")
            || type_changes[0].message.contains("VARCHAR(10)")
    );
}

/// Whether a type change can fail on existing values depends on the old type, which earlier
/// files tell: a wider varchar and a wider integer cannot fail, a narrower one can.
#[test]
fn narrowing_type_changes_fail_on_existing_rows_by_the_type_from_earlier_files() {
    let earlier_sql = "CREATE TABLE t (id serial PRIMARY KEY, a varchar(20), big bigint, \
        small smallint, seq bigserial, price numeric(10,2)); \
        CREATE TABLE u (code text NOT NULL, note text);";
    let earlier = migration("1.sql", earlier_sql, Transaction::Wrapped);
    // Each line: the statement, and what fails-on-existing-rows says of it (None: nothing).
    let cases: &[(&str, Option<&str>)] = &[
        ("ALTER TABLE t ALTER COLUMN a TYPE varchar(50);", None),
        ("ALTER TABLE t ALTER COLUMN small TYPE integer;", None),
        (
            "ALTER TABLE t ALTER COLUMN big TYPE integer;",
            Some("from bigint to integer"),
        ),
        (
            "ALTER TABLE t ALTER COLUMN a TYPE varchar(10);",
            Some("longer than 10"),
        ),
        // Serial types are integers: a bigserial does not fit an integer.
        (
            "ALTER TABLE t ALTER COLUMN seq TYPE integer;",
            Some("from bigserial to integer"),
        ),
        // A cast that every old value survives is no conversion to check; an integer (as
        // `small` is by now) prints in 11 characters at most.
        (
            "ALTER TABLE t ALTER COLUMN id TYPE bigint USING id::bigint;",
            None,
        ),
        ("ALTER TABLE t ALTER COLUMN small TYPE varchar(11);", None),
        ("ALTER TABLE t ALTER COLUMN price TYPE numeric(12,2);", None),
        (
            "ALTER TABLE t ALTER COLUMN price TYPE numeric(8,2);",
            Some("6 or more digits"),
        ),
        // Columns known to be NOT NULL: SET NOT NULL and a primary key over them cannot fail.
        ("ALTER TABLE u ALTER COLUMN code SET NOT NULL;", None),
        ("ALTER TABLE u ADD PRIMARY KEY (code);", None),
        ("ALTER TABLE u DROP CONSTRAINT u_pkey;", None),
        (
            "ALTER TABLE u ADD PRIMARY KEY (code, note);",
            Some("sets NOT NULL on note"),
        ),
        // A key without columns refers to the primary key the earlier file created.
        (
            "ALTER TABLE t ADD CONSTRAINT self_fk FOREIGN KEY (big) REFERENCES t;",
            Some("r.id = t.big"),
        ),
    ];
    let sql: String = cases.iter().map(|(s, _)| format!("{s}\n")).collect();
    let later = migration("2.sql", &sql, Transaction::Wrapped);
    let out = lint_after(&earlier, &later);
    for (index, (statement, expected)) in cases.iter().enumerate() {
        let said: Vec<String> = out
            .findings
            .iter()
            .filter(|f| f.rule == "fails-on-existing-rows" && f.start.line == index + 1)
            .map(|f| format!("{} {}", f.message, f.help))
            .collect();
        match expected {
            None => assert!(said.is_empty(), "{statement}: {said:#?}"),
            Some(words) => assert!(
                said.len() == 1 && said[0].to_lowercase().contains(&words.to_lowercase()),
                "{statement}: expected one finding saying `{words}`, got {said:#?}"
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The counting queries of fails-on-existing-rows, run on PostgreSQL.

/// What the printed query does on a table holding rows that break the statement.
#[derive(Clone, Copy)]
enum OnBadRows {
    /// It counts them (more than zero).
    Counts,
    /// It fails, as the statement does (a conversion that does not convert).
    Fails,
}

/// One case: the schema before, the statement under review, rows that make the statement fail
/// and rows it accepts.
struct CountingCase {
    schema: &'static str,
    statement: &'static str,
    bad: &'static str,
    good: &'static str,
    on_bad: OnBadRows,
}

/// The first query a help quotes in backticks.
fn quoted_query(help: &str) -> Option<&str> {
    help.split('`')
        .skip(1)
        .step_by(2)
        .find(|q| q.starts_with("SELECT"))
}

/// Each counting query a finding of fails-on-existing-rows prints is valid SQL that decides
/// what it says: on rows that break the statement it counts them (or fails as the statement
/// does), and the statement then fails; on rows the statement accepts it counts none, and the
/// statement succeeds. Names are quoted where PostgreSQL needs it, a varchar that is too long
/// only by spaces is cut, not refused, array elements are checked one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counting_queries_count_the_rows_that_make_the_statement_fail() {
    use OnBadRows::*;
    use drydock::apply::postgres::{ProviderChoice, Server, connect, describe_error};
    if no_local_postgres() {
        return;
    }
    let cases = [
        CountingCase {
            schema: r#"CREATE TABLE "Orders" ("Amount" integer, "Note" text);"#,
            statement: r#"ALTER TABLE "Orders" ADD CONSTRAINT "Orders_amount" CHECK ("Amount" > 0);"#,
            bad: r#"INSERT INTO "Orders" VALUES (-1, 'x');"#,
            good: r#"INSERT INTO "Orders" VALUES (5, 'x'), (NULL, 'x');"#,
            on_bad: Counts,
        },
        CountingCase {
            schema: r#"CREATE TABLE "Orders" ("Amount" integer, "Note" text);"#,
            statement: r#"ALTER TABLE "Orders" ALTER COLUMN "Note" SET NOT NULL;"#,
            bad: r#"INSERT INTO "Orders" VALUES (1, NULL);"#,
            good: r#"INSERT INTO "Orders" VALUES (1, 'x');"#,
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY); \
                CREATE TABLE orders (customer_id bigint);",
            statement: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk \
                FOREIGN KEY (customer_id) REFERENCES customers;",
            bad: "INSERT INTO orders VALUES (7);",
            good: "INSERT INTO customers VALUES (7); INSERT INTO orders VALUES (7), (NULL);",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE pairs (x int, y int, PRIMARY KEY (x, y)); \
                CREATE TABLE orders (a int, b int);",
            statement: "ALTER TABLE orders ADD CONSTRAINT orders_pair_fk FOREIGN KEY (a, b) \
                REFERENCES pairs (x, y) MATCH FULL;",
            bad: "INSERT INTO orders VALUES (1, NULL);",
            good: "INSERT INTO pairs VALUES (1, 2); \
                INSERT INTO orders VALUES (1, 2), (NULL, NULL);",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (code text);",
            statement: "ALTER TABLE orders ALTER COLUMN code TYPE varchar(2);",
            bad: "INSERT INTO orders VALUES ('abc');",
            // Too long only by spaces: PostgreSQL cuts them.
            good: "INSERT INTO orders VALUES ('ab   '), ('a');",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (tags text[]);",
            statement: "ALTER TABLE orders ALTER COLUMN tags TYPE varchar(2)[];",
            bad: "INSERT INTO orders VALUES ('{ab,abc}');",
            good: "INSERT INTO orders VALUES ('{ab,a}'), (NULL);",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (grade text);",
            statement: "ALTER TABLE orders ALTER COLUMN grade TYPE char;",
            bad: "INSERT INTO orders VALUES ('AB');",
            good: "INSERT INTO orders VALUES ('A');",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (price numeric(10,2));",
            statement: "ALTER TABLE orders ALTER COLUMN price TYPE numeric(5,2);",
            bad: "INSERT INTO orders VALUES (999.996);",
            good: "INSERT INTO orders VALUES (999.99), (-999.99);",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (code text);",
            statement: "ALTER TABLE orders ALTER COLUMN code TYPE varchar(3) USING upper(code);",
            bad: "INSERT INTO orders VALUES ('abcd');",
            good: "INSERT INTO orders VALUES ('abc');",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (shipped text);",
            statement: "ALTER TABLE orders ALTER COLUMN shipped TYPE date USING shipped::date;",
            bad: "INSERT INTO orders VALUES ('soon');",
            good: "INSERT INTO orders VALUES ('2024-01-31');",
            on_bad: Fails,
        },
        CountingCase {
            schema: "CREATE TABLE orders (big bigint);",
            statement: "ALTER TABLE orders ALTER COLUMN big TYPE integer;",
            bad: "INSERT INTO orders VALUES (3000000000);",
            good: "INSERT INTO orders VALUES (-2147483648);",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (code text);",
            statement: "ALTER TABLE orders ADD PRIMARY KEY (code);",
            bad: "INSERT INTO orders VALUES (NULL);",
            good: "INSERT INTO orders VALUES ('a');",
            on_bad: Counts,
        },
        CountingCase {
            // The column the migration adds is replaced by its default in the query, which
            // runs before the migration, when the column does not exist yet.
            schema: "CREATE TABLE orders (amount integer);",
            statement: "ALTER TABLE orders ADD COLUMN max_qty integer DEFAULT 10; \
                ALTER TABLE orders ADD CONSTRAINT orders_cap CHECK (amount <= max_qty);",
            bad: "INSERT INTO orders VALUES (20);",
            good: "INSERT INTO orders VALUES (10);",
            on_bad: Counts,
        },
        CountingCase {
            // A key to a table the change creates: empty, so every non-NULL key fails.
            schema: "CREATE TABLE orders (customer_id bigint);",
            statement: "CREATE TABLE customers (id bigint PRIMARY KEY); \
                ALTER TABLE orders ADD CONSTRAINT orders_customer_fk \
                FOREIGN KEY (customer_id) REFERENCES customers;",
            bad: "INSERT INTO orders VALUES (7);",
            good: "INSERT INTO orders VALUES (NULL);",
            on_bad: Counts,
        },
        CountingCase {
            // Past 15 digits, `10 ^ n` in float8 would count a value that fits.
            schema: "CREATE TABLE orders (big numeric(20,2));",
            statement: "ALTER TABLE orders ALTER COLUMN big TYPE numeric(18,2);",
            bad: "INSERT INTO orders VALUES (10000000000000000.00);",
            good: "INSERT INTO orders VALUES (9999999999999999.99);",
            on_bad: Counts,
        },
        CountingCase {
            // Assigned, not cast: each element is checked for length.
            schema: "CREATE TABLE orders (tags text[]);",
            statement: "ALTER TABLE orders ALTER COLUMN tags TYPE varchar(3)[] USING tags;",
            bad: "INSERT INTO orders VALUES ('{abcd}');",
            good: "INSERT INTO orders VALUES ('{abc}');",
            on_bad: Counts,
        },
        CountingCase {
            // Rounded on the way to an integer.
            schema: "CREATE TABLE orders (amount numeric(12,2));",
            statement: "ALTER TABLE orders ALTER COLUMN amount TYPE integer;",
            bad: "INSERT INTO orders VALUES (2147483647.50);",
            good: "INSERT INTO orders VALUES (2147483647.49);",
            on_bad: Counts,
        },
        CountingCase {
            // Types the evaluator does not model are left to PostgreSQL, cast as the column.
            schema: "CREATE TABLE orders (id integer);",
            statement: "ALTER TABLE orders ADD COLUMN ttl interval DEFAULT '2 days' \
                CHECK (ttl <= '1 day');",
            bad: "INSERT INTO orders VALUES (1);",
            good: "",
            on_bad: Counts,
        },
        CountingCase {
            schema: "CREATE TABLE orders (id integer);",
            statement: "ALTER TABLE orders ADD COLUMN q integer DEFAULT 0.4 CHECK (q > 0);",
            bad: "INSERT INTO orders VALUES (1);",
            good: "",
            on_bad: Counts,
        },
    ];
    let server = Server::start(&ProviderChoice::Local, "", Default::default())
        .await
        .expect("a local PostgreSQL starts");
    for case in &cases {
        let earlier = migration("1.sql", case.schema, Transaction::Wrapped);
        let later = migration("2.sql", case.statement, Transaction::Wrapped);
        let out = lint_after(&earlier, &later);
        let queries: Vec<String> = out
            .findings
            .iter()
            .filter(|f| f.rule == "fails-on-existing-rows")
            .filter_map(|f| quoted_query(&f.help).map(str::to_string))
            .collect();
        let [query] = queries.as_slice() else {
            panic!(
                "{}: expected one counting query, got {queries:?}",
                case.statement
            );
        };
        for (rows, bad) in [(case.bad, true), (case.good, false)] {
            let database = server.create_database().await.unwrap();
            let client = connect(&database).await.unwrap();
            client
                .batch_execute(&format!("{}\n{rows}", case.schema))
                .await
                .unwrap_or_else(|e| panic!("{}: {}", case.schema, describe_error(&e)));
            let counted = client.query_one(query.trim_end_matches(';'), &[]).await;
            let at = format!("{} on `{rows}`: `{query}`", case.statement);
            match (bad, case.on_bad, counted) {
                (true, Counts, Ok(row)) => assert!(row.get::<_, i64>(0) > 0, "{at} counts none"),
                (false, Counts, Ok(row)) => assert_eq!(
                    row.get::<_, i64>(0),
                    0,
                    "{at} counts rows the statement accepts"
                ),
                (true, Fails, Err(_)) | (false, Fails, Ok(_)) => {}
                (true, Fails, Ok(_)) => panic!("{at} runs, though the statement fails"),
                (_, _, Err(e)) => panic!("{at} fails: {}", describe_error(&e)),
            }
            let applied = client
                .batch_execute(&format!("BEGIN; {}; COMMIT;", case.statement))
                .await;
            assert_eq!(
                applied.is_err(),
                bad,
                "{at}: the statement {} ({:?})",
                if bad {
                    "succeeds on rows the query counts"
                } else {
                    "fails on rows the query accepts"
                },
                applied.as_ref().err().map(describe_error)
            );
        }
    }
}
