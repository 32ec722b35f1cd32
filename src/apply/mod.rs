//! Apply: build the base state in a throwaway database, then apply the migrations under review
//! one statement at a time while tracing what each does. A statement Postgres rejects becomes a
//! finding at its file, line and column; what follows it is reported as not applied.

mod fresh_install;
pub mod postgres;
pub mod trace;

pub use fresh_install::fresh_install;

use crate::diff::{Schema, introspect};
use crate::finding::{Evidence, Finding, FindingLocation};
use crate::plan::format::{Format, Transaction};
use crate::plan::formats::{AppliedMigration, History};
use crate::plan::{MigrationDir, MigrationFile};
use crate::source::Position;
use crate::source::Span;
use crate::sql::{classify, model::Action, split};
use anyhow::Result;
use postgres::{Server, describe_error};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use trace::{Effects, Probe};

/// How long a cancelled statement gets to end before its backend is terminated; and how long
/// what must still be sent once the deadline has passed (a ROLLBACK, the schema read) may take.
const GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Per statement (and per base file); also bounds lock waits.
    pub statement_timeout: Duration,
    /// The whole apply stage, every directory.
    pub deadline: Instant,
    /// The lock_timeout the migration runner sets on its session (drydock.toml's
    /// `runner-lock-timeout`), set on the migrations' session the same way.
    pub runner_lock_timeout: Option<Duration>,
}

/// One migration directory to apply: which of its files are under review.
pub struct DirInput<'a> {
    pub dir: &'a MigrationDir,
    /// Parallel to `dir.files`.
    pub reviewed: Vec<bool>,
    /// Each reviewed file on its own: what an earlier reviewed file created counts as existing
    /// for later ones (as `drydock lint` without a base does). Otherwise the reviewed files are
    /// one change and only the base state exists.
    pub each_file: bool,
    /// Tables left out of the schema diff (migration tools' history tables).
    pub ignore_tables: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    Applied,
    Failed,
    NotApplied,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub reviewed: bool,
    pub status: FileStatus,
    pub statements: usize,
    /// Statements that ran without error (for a failed transactional file they were rolled
    /// back).
    pub applied: usize,
}

/// What one statement under review did.
#[derive(Debug, Clone)]
pub struct StatementTrace {
    pub file: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub duration: Duration,
    pub effects: Effects,
    /// `lock_timeout` was set when the statement ran.
    pub lock_timeout_set: bool,
    /// Locks could be read (false for statements that cannot run in a transaction, such as
    /// CREATE INDEX CONCURRENTLY).
    pub locks_traced: bool,
}

impl StatementTrace {
    pub fn location(&self) -> FindingLocation {
        FindingLocation {
            file: self.file.clone(),
            span: Some(self.span),
            start: self.start,
            end: self.end,
        }
    }

    /// Whether `finding` is about this statement (starts within it).
    pub fn is_about(&self, finding: &Finding) -> bool {
        finding.file == self.file
            && finding
                .span
                .is_some_and(|s| s.start >= self.span.start && s.start <= self.span.end)
    }

    /// What the statement did, as evidence for findings about it; `None` when it did nothing
    /// worth saying (no locks on existing tables, no rewrite).
    pub fn evidence(&self) -> Option<Evidence> {
        Some(Evidence::Trace {
            summary: self.effects.summary()?,
            locks: self.effects.locks.clone(),
            rewritten: self.effects.rewritten.clone(),
            duration_ms: self.duration.as_millis() as u64,
        })
    }
}

/// Something that kept migrations from applying: plain facts, which the `migration-fails` rule
/// turns into a finding.
#[derive(Debug, Clone)]
pub struct ApplyFailure {
    /// Where: the statement (at the position Postgres reported), or the directory.
    pub location: FindingLocation,
    pub kind: ApplyFailureKind,
}

#[derive(Debug, Clone)]
pub enum ApplyFailureKind {
    /// No database to apply into: it could not be created or connected to.
    Prepare { error: String },
    /// The catalog could not be read after the base migrations.
    Catalog { error: String },
    /// The schema could not be read after the migrations under review (which may have made it
    /// unreadable: revoked access to the catalog, changed the session's role): what they
    /// changed is unknown, which must not pass for "no changes".
    SchemaAfter { error: String },
    /// A statement of a migration failed.
    Statement {
        cause: FailureCause,
        /// How the framework ran the file, when it ran in a transaction (so everything it did
        /// was rolled back).
        rolled_back: Option<Transaction>,
        /// Statements after the failed one in its file.
        statements_after: usize,
        /// Later migrations that did not run.
        files_after: usize,
        /// The file is already on the base branch: nothing under review could be applied.
        base: bool,
    },
    /// A fresh install fails ([`fresh_install`]): every migration applied in the tool's order,
    /// new ones that sort before merged ones first, where production applies them last.
    FreshInstall {
        cause: FailureCause,
        format: Format,
        /// The file that failed, and whether it is one of `out_of_order`.
        failed: String,
        failed_reviewed: bool,
        /// The new migrations that sort before `newest`, the newest merged one. Paths relative
        /// to the directory, as here.
        out_of_order: Vec<String>,
        newest: String,
    },
}

/// Why a statement failed.
#[derive(Debug, Clone)]
pub enum FailureCause {
    /// Postgres rejected it.
    Rejected {
        sqlstate: String,
        message: String,
        detail: Option<String>,
        hint: Option<String>,
    },
    /// It ran (or waited on a lock) longer than the statement timeout.
    StatementTimeout { seconds: f64 },
    /// The whole check's time limit ran out.
    Deadline {
        /// It did not end when cancelled (it catches the cancel), so its session was ended.
        session_ended: bool,
    },
    /// It ran, but the catalog could not be read after it to trace it (the migration may have
    /// shadowed or hidden what the probe reads): what it did is unknown.
    Untraced { error: String },
    /// The session ended (pg_terminate_backend, a crash).
    ConnectionLost { reason: String },
}

#[derive(Debug, Default)]
pub struct DirOutcome {
    /// The schema after the base migrations, and after the ones under review.
    pub schema_before: Option<Schema>,
    pub schema_after: Option<Schema>,
    pub files: Vec<FileOutcome>,
    pub traces: Vec<StatementTrace>,
    /// Statements Postgres rejected, timeouts, lost connections, a catalog that could not be read.
    pub failures: Vec<ApplyFailure>,
    /// The server's major version (`server_version_num / 10000`), once connected.
    pub server_major: Option<u32>,
}

/// Applies one directory into a fresh database of `server`.
pub async fn apply_dir(server: &Server, input: &DirInput<'_>, settings: &Settings) -> DirOutcome {
    let mut run = Run {
        outcome: DirOutcome::default(),
        settings: *settings,
        server,
        backend: None,
        session_ended: AtomicBool::new(false),
    };
    let history = input.dir.format.history();
    let connected = async {
        let config = server.create_database().await?;
        let client = postgres::connect(&config).await?;
        client
            .simple_query(&format!(
                "SET statement_timeout = {}",
                settings.statement_timeout.as_millis()
            ))
            .await?;
        if let Some(lock_timeout) = settings.runner_lock_timeout {
            client
                .simple_query(&format!("SET lock_timeout = {}", lock_timeout.as_millis()))
                .await?;
        }
        let pid: i32 = client
            .query_one("SELECT pg_catalog.pg_backend_pid()", &[])
            .await?
            .get(0);
        let version: String = client
            .query_one(
                "SELECT pg_catalog.current_setting('server_version_num')",
                &[],
            )
            .await?
            .get(0);
        let probe = Probe::prepare(&client).await?;
        // The tool creates its history table before it runs any migration, and migrations may
        // read it.
        for sql in history.iter().flat_map(|h| h.create) {
            client
                .simple_query(sql)
                .await
                .map_err(|e| anyhow::anyhow!("creating the tool's history table: {e}"))?;
        }
        anyhow::Ok((client, pid, probe, version))
    }
    .await;
    let (client, pid, probe, version) = match connected {
        Ok(c) => c,
        Err(e) => {
            run.outcome.failures.push(ApplyFailure {
                location: Finding::for_file(&input.dir.path.display().to_string()),
                kind: ApplyFailureKind::Prepare {
                    error: format!("{e:#}"),
                },
            });
            run.not_applied(input.dir.files.iter().zip(&input.reviewed));
            return run.outcome;
        }
    };
    run.backend = Some(pid);
    run.outcome.server_major = version.parse::<u32>().ok().map(|v| v / 10000);

    let files: Vec<(&MigrationFile, bool)> = input
        .dir
        .files
        .iter()
        .zip(input.reviewed.iter().copied())
        .collect();
    // The framework has applied the base long ago; the reviewed files come after it, in order.
    let (base, reviewed): (Vec<_>, Vec<_>) = files.iter().partition(|(_, r)| !r);
    for (i, (file, _)) in base.iter().enumerate() {
        let applied = async {
            let statements = run.base_file(&client, file).await?;
            if let Some(history) = &history {
                run.record(&client, history, file).await?;
            }
            Ok(statements)
        };
        let statements = match applied.await {
            Ok(statements) => statements,
            Err(failure) => {
                let rest = base.len() - i - 1 + reviewed.len();
                run.fail(file, false, failure, rest);
                run.not_applied(base[i + 1..].iter().chain(&reviewed).map(|(f, r)| (*f, r)));
                return run.outcome;
            }
        };
        run.applied(file, false, statements);
    }
    let dir_location = || Finding::for_file(&input.dir.path.display().to_string());
    let snapshot = run
        .bounded(&client, run.settings.deadline, probe.snapshot(&client))
        .await;
    let base_state = match snapshot {
        Some(Ok(s)) => s,
        failed => {
            let error = match failed {
                Some(Err(e)) => describe_error(&e),
                _ => OUT_OF_TIME.to_string(),
            };
            run.outcome.failures.push(ApplyFailure {
                location: dir_location(),
                kind: ApplyFailureKind::Catalog { error },
            });
            return run.outcome;
        }
    };
    // Without the schema before there is no diff, so the destructive gate would see nothing:
    // an error, not "no changes".
    match run
        .read_schema(&client, &input.ignore_tables, run.settings.deadline)
        .await
    {
        Ok(schema) => run.outcome.schema_before = Some(schema),
        Err(error) => run.outcome.failures.push(ApplyFailure {
            location: dir_location(),
            kind: ApplyFailureKind::Catalog { error },
        }),
    }
    let mut tracer = Tracer {
        client: &client,
        probe: &probe,
        filenodes: base_state
            .iter()
            .map(|(oid, r)| (*oid, r.filenode))
            .collect(),
        base: base_state,
        each_file: input.each_file,
        created: trace::Snapshot::new(),
        seen: Default::default(),
    };
    for (i, (file, _)) in reviewed.iter().enumerate() {
        if input.each_file {
            for (oid, relation) in std::mem::take(&mut tracer.created) {
                tracer.filenodes.insert(oid, relation.filenode);
                tracer.base.insert(oid, relation);
            }
        }
        if let Err(failure) = run.reviewed_file(&mut tracer, file).await {
            let rest_files = reviewed.len() - i - 1;
            run.fail(file, true, failure, rest_files);
            run.not_applied(reviewed[i + 1..].iter().map(|(f, r)| (*f, r)));
            break;
        }
    }
    if reviewed.is_empty() {
        // Nothing ran since.
        run.outcome.schema_after = run.outcome.schema_before.clone();
        return run.outcome;
    }
    // What was applied (up to a failure). A migration that ended its own session, or whose
    // session was ended at the deadline, leaves no connection to read it with.
    let after = if run.session_ended.load(Ordering::Relaxed) || client.is_closed() {
        Err("the migrations' session has ended".to_string())
    } else {
        run.read_schema(&client, &input.ignore_tables, run.cleanup_until())
            .await
    };
    match after {
        Ok(schema) => run.outcome.schema_after = Some(schema),
        // A failure already recorded makes the run an error, and explains an unreadable schema
        // (a lost session); otherwise this is the one thing that keeps it from passing.
        Err(error) if run.outcome.failures.is_empty() => run.outcome.failures.push(ApplyFailure {
            location: dir_location(),
            kind: ApplyFailureKind::SchemaAfter { error },
        }),
        Err(_) => {}
    }
    run.outcome
}

/// Why a read of the catalog did not finish.
const OUT_OF_TIME: &str = "the check's time limit ran out";

/// Why a file stopped.
struct Failure {
    /// Where, in the file.
    offset: usize,
    statement: Span,
    kind: FailureKind,
}

enum FailureKind {
    Rejected(Box<tokio_postgres::error::DbError>),
    StatementTimeout,
    Deadline {
        session_ended: bool,
    },
    ConnectionLost(String),
    /// The trace probe after the statement failed, with the error.
    Untraced(String),
}

struct Run<'s> {
    outcome: DirOutcome,
    settings: Settings,
    server: &'s Server,
    /// The migrations' session's backend, to terminate when a cancel does not end a statement.
    backend: Option<i32>,
    /// That session was terminated (or given up on) at the deadline: nothing more is sent on it.
    /// (Atomic only so that the futures holding a `&Run` stay `Send`.)
    session_ended: AtomicBool,
}

/// Tracing state across the reviewed files of one directory.
struct Tracer<'a> {
    client: &'a Client,
    probe: &'a Probe,
    /// The relations that count as existing (in production, before this change).
    base: trace::Snapshot,
    /// Last known storage of each base relation.
    filenodes: HashMap<u32, u32>,
    /// Each reviewed file on its own: what one creates exists for the next.
    each_file: bool,
    /// Relations the reviewed statements created, as far as their locks showed them.
    created: trace::Snapshot,
    /// OIDs already looked up for `created`.
    seen: std::collections::HashSet<u32>,
}

impl Run<'_> {
    /// Runs a deployed migration the way its framework does. Statement by statement, so that a
    /// failure points at its statement even when Postgres gives no position.
    /// Returns how many statements it ran.
    async fn base_file(&mut self, client: &Client, file: &MigrationFile) -> Result<usize, Failure> {
        let spans = statement_spans(file);
        let count = spans.len();
        let transaction = runs_in_transaction(file, spans.len());
        if transaction {
            self.query(client, "BEGIN", file.up).await?;
        }
        for span in spans {
            if let Err(failure) = self
                .query(client, &file.source.text[span.start..span.end], span)
                .await
            {
                if transaction {
                    self.cleanup(client, "ROLLBACK").await;
                }
                return Err(failure);
            }
        }
        if transaction {
            self.query(client, "COMMIT", file.up).await?;
        }
        Ok(count)
    }

    /// Records `file` in the tool's history table once it has applied. Only base files are
    /// recorded: a reviewed file sees the base's rows, not those of the reviewed files before it.
    /// After the file's own transaction, where most tools record it within it: the rows later
    /// files read are the same. A failure (a migration that altered or dropped the table) is the
    /// file's, as the tool would fail recording it.
    async fn record(
        &self,
        client: &Client,
        history: &History,
        file: &MigrationFile,
    ) -> Result<(), Failure> {
        let applied = AppliedMigration {
            version: &file.version,
            relative: &file.relative,
        };
        for sql in (history.record)(&applied) {
            let at_file = |failure: Failure| Failure {
                offset: file.up.start,
                statement: file.up,
                ..failure
            };
            self.query(client, &sql, file.up).await.map_err(at_file)?;
        }
        Ok(())
    }

    /// Sends `sql` (which starts at `span.start` of the file) and maps a failure back into the
    /// file.
    async fn query(&self, client: &Client, sql: &str, span: Span) -> Result<(), Failure> {
        let result = match self
            .bounded(client, self.settings.deadline, client.simple_query(sql))
            .await
        {
            None => Err(self.deadline()),
            Some(r) => r.map_err(|e| failure_kind(&e)),
        };
        result
            .map(|_| ())
            .map_err(|kind| failure_of(sql, span, kind))
    }

    /// Applies a file under review statement by statement, tracing each.
    async fn reviewed_file(
        &mut self,
        tracer: &mut Tracer<'_>,
        file: &MigrationFile,
    ) -> Result<(), Failure> {
        let statements = up_statements(file);
        let framework_transaction = runs_in_transaction(file, statements.len());
        let mut in_transaction = framework_transaction;
        let mut held = trace::Locks::new();
        if framework_transaction {
            self.query(tracer.client, "BEGIN", file.up).await?;
        }
        for (span, action) in &statements {
            let sql = &file.source.text[span.start..span.end];
            let transaction_control =
                matches!(action, Action::Begin | Action::Commit | Action::Rollback);
            let step = if transaction_control {
                let started = std::time::Instant::now();
                self.query(tracer.client, sql, *span)
                    .await
                    .map(|()| timed_only(started))
            } else if in_transaction {
                self.traced_in_transaction(tracer, sql, *span, &held).await
            } else {
                self.traced_alone(tracer, sql, *span).await
            };
            let step = match step {
                Ok(step) => step,
                Err(failure) => {
                    if in_transaction {
                        self.cleanup(tracer.client, "ROLLBACK").await;
                    }
                    return Err(failure);
                }
            };
            match action {
                Action::Begin => in_transaction = true,
                Action::Commit | Action::Rollback => {
                    in_transaction = false;
                    held.clear();
                }
                _ if in_transaction => held = step.held,
                _ => {}
            }
            if transaction_control {
                continue;
            }
            let source = &file.source;
            self.outcome.traces.push(StatementTrace {
                file: source.display_path(),
                span: *span,
                start: source.position(span.start),
                end: source.position(span.end),
                duration: step.duration,
                effects: step.effects,
                lock_timeout_set: step.lock_timeout_set,
                locks_traced: step.locks_traced,
            });
        }
        if framework_transaction && in_transaction {
            self.query(tracer.client, "COMMIT", file.up).await?;
        }
        self.applied(file, true, statements.len());
        Ok(())
    }

    /// A statement inside a transaction (the framework's or the file's own): run it, then read
    /// locks and storage, pipelined.
    async fn traced_in_transaction(
        &self,
        tracer: &mut Tracer<'_>,
        sql: &str,
        span: Span,
        held: &trace::Locks,
    ) -> Result<Step, Failure> {
        let started = std::time::Instant::now();
        let statement = async {
            let r = tracer.client.simple_query(sql).await;
            (r, started.elapsed())
        };
        let (duration, probed) = self
            .pipelined(
                tracer.client,
                statement,
                tracer.probe.after(tracer.client),
                sql,
                span,
            )
            .await?;
        let observed = probed.map_err(|e| untraced(span, &e))?;
        tracer
            .step(duration, observed, held)
            .await
            .map_err(|e| untraced(span, &e))
    }

    /// A statement in autocommit mode: wrapped in a transaction of our own so that its locks
    /// can be read before they are released. A statement that cannot run in a transaction
    /// (CREATE INDEX CONCURRENTLY, VACUUM) is run bare, and only timed.
    async fn traced_alone(
        &self,
        tracer: &mut Tracer<'_>,
        sql: &str,
        span: Span,
    ) -> Result<Step, Failure> {
        let client = tracer.client;
        let started = std::time::Instant::now();
        let statement = async {
            let (_, r) = tokio::join!(client.simple_query("BEGIN"), client.simple_query(sql));
            (r, started.elapsed())
        };
        let probe_and_commit =
            async { tokio::join!(tracer.probe.after(client), client.simple_query("COMMIT")) };
        match self
            .pipelined(client, statement, probe_and_commit, sql, span)
            .await
        {
            Ok((duration, (probed, commit))) => {
                // A failed probe aborted the transaction, and so the COMMIT only rolled back.
                let observed = probed.map_err(|e| untraced(span, &e))?;
                commit.map_err(|e| self.failure_at(sql, span, &e))?;
                tracer
                    .step(duration, observed, &trace::Locks::new())
                    .await
                    .map_err(|e| untraced(span, &e))
            }
            Err(Failure {
                kind: FailureKind::Rejected(db),
                ..
            }) if db.code().code() == "25001" => {
                // "cannot run inside a transaction block": the pipelined COMMIT rolled back.
                let started = std::time::Instant::now();
                self.query(client, sql, span).await?;
                Ok(timed_only(started))
            }
            Err(failure) => Err(failure),
        }
    }

    /// Runs `statement` and then `after` on the same connection without waiting in between, within
    /// the deadline. A failing statement is the failure; `after`'s own result is returned as is.
    async fn pipelined<A>(
        &self,
        client: &Client,
        statement: impl Future<
            Output = (
                Result<Vec<SimpleQueryMessage>, tokio_postgres::Error>,
                Duration,
            ),
        >,
        after: impl Future<Output = A>,
        sql: &str,
        span: Span,
    ) -> Result<(Duration, A), Failure> {
        let both = async { tokio::join!(statement, after) };
        match self.bounded(client, self.settings.deadline, both).await {
            None => Err(Failure {
                offset: span.start,
                statement: span,
                kind: self.deadline(),
            }),
            Some(((Err(e), _), _)) => Err(self.failure_at(sql, span, &e)),
            Some(((Ok(_), duration), after)) => Ok((duration, after)),
        }
    }

    /// Awaits `work`, which runs on the migrations' session, until `until`. Past it, the
    /// statement running is cancelled. One that catches the cancel (a DO block's `EXCEPTION
    /// WHEN query_canceled`, which also catches the statement timeout) runs on, and whatever
    /// is sent after it (a ROLLBACK) waits behind it: so when the cancel has not ended it
    /// within [`GRACE`], its backend is terminated from a connection of Drydock's own, which
    /// it cannot catch. `None`: out of time.
    async fn bounded<T>(
        &self,
        client: &Client,
        until: Instant,
        work: impl Future<Output = T>,
    ) -> Option<T> {
        if self.session_ended.load(Ordering::Relaxed) {
            return None;
        }
        let mut work = std::pin::pin!(work);
        if let Ok(done) = tokio::time::timeout_at(until, &mut work).await {
            return Some(done);
        }
        let cancel = client.cancel_token();
        let _ = tokio::time::timeout(GRACE, cancel.cancel_query(NoTls)).await;
        if tokio::time::timeout(GRACE, &mut work).await.is_err() {
            self.end_session(work).await;
        }
        None
    }

    /// Terminates the migrations' backend and waits (within bounds) for `work` to see its
    /// session end. Should even that fail, the session is given up on: nothing more is sent on
    /// it, and the server is stopped (or the database dropped) when the run ends.
    async fn end_session<T>(&self, work: std::pin::Pin<&mut impl Future<Output = T>>) {
        self.session_ended.store(true, Ordering::Relaxed);
        let Some(pid) = self.backend else {
            return;
        };
        match tokio::time::timeout(2 * GRACE, self.server.terminate_backend(pid)).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => tracing::warn!(pid, "the migrations' backend was already gone"),
            Ok(Err(e)) => tracing::warn!(pid, "cannot terminate the migrations' backend: {e:#}"),
            Err(_) => tracing::warn!(pid, "terminating the migrations' backend timed out"),
        }
        if tokio::time::timeout(GRACE, work).await.is_err() {
            tracing::warn!(pid, "the migrations' session did not end; giving up on it");
        }
    }

    /// Sends `sql` (a ROLLBACK after a failure) with a bound, its result unneeded.
    async fn cleanup(&self, client: &Client, sql: &str) {
        let _ = self
            .bounded(client, self.cleanup_until(), client.simple_query(sql))
            .await;
    }

    /// The bound for what is sent after a failure: the deadline, or a grace period once that
    /// has passed.
    fn cleanup_until(&self) -> Instant {
        self.settings.deadline.max(Instant::now() + GRACE)
    }

    /// The schema of the database, read on the migrations' session until `until`, or why not.
    async fn read_schema(
        &self,
        client: &Client,
        ignore_tables: &[String],
        until: Instant,
    ) -> Result<Schema, String> {
        match self
            .bounded(
                client,
                until,
                introspect::introspect_migrations_session(client, ignore_tables),
            )
            .await
        {
            Some(Ok(schema)) => Ok(schema),
            Some(Err(e)) => Err(describe_error(&e)),
            None => Err(OUT_OF_TIME.to_string()),
        }
    }

    fn deadline(&self) -> FailureKind {
        FailureKind::Deadline {
            session_ended: self.session_ended.load(Ordering::Relaxed),
        }
    }

    fn failure_at(&self, sql: &str, span: Span, e: &tokio_postgres::Error) -> Failure {
        failure_of(sql, span, failure_kind(e))
    }

    fn applied(&mut self, file: &MigrationFile, reviewed: bool, count: usize) {
        self.outcome.files.push(FileOutcome {
            file: file.source.display_path(),
            reviewed,
            status: FileStatus::Applied,
            statements: count,
            applied: count,
        });
    }

    fn not_applied<'f>(&mut self, files: impl Iterator<Item = (&'f MigrationFile, &'f bool)>) {
        for (file, reviewed) in files {
            self.outcome.files.push(FileOutcome {
                file: file.source.display_path(),
                reviewed: *reviewed,
                status: FileStatus::NotApplied,
                statements: statement_spans(file).len(),
                applied: 0,
            });
        }
    }

    /// Records a failed file and why, and what did not run.
    fn fail(&mut self, file: &MigrationFile, reviewed: bool, failure: Failure, files_after: usize) {
        let source = &file.source;
        let spans = statement_spans(file);
        let failed_at = spans
            .iter()
            .position(|s| s.start <= failure.offset && failure.offset <= s.end.max(s.start));
        let cause = match failure.kind {
            FailureKind::Rejected(db) => FailureCause::Rejected {
                sqlstate: db.code().code().to_string(),
                message: cut(db.message()),
                detail: db.detail().map(cut),
                hint: db.hint().map(cut),
            },
            FailureKind::StatementTimeout => FailureCause::StatementTimeout {
                seconds: self.settings.statement_timeout.as_secs_f64(),
            },
            FailureKind::Deadline { session_ended } => FailureCause::Deadline { session_ended },
            FailureKind::ConnectionLost(reason) => FailureCause::ConnectionLost {
                reason: cut(&reason),
            },
            FailureKind::Untraced(error) => FailureCause::Untraced { error: cut(&error) },
        };
        self.outcome.failures.push(ApplyFailure {
            location: FindingLocation {
                file: source.display_path(),
                span: Some(failure.statement),
                start: source.position(failure.offset),
                end: source.position(failure.statement.end),
            },
            kind: ApplyFailureKind::Statement {
                cause,
                rolled_back: runs_in_transaction(file, spans.len()).then_some(file.transaction),
                statements_after: failed_at.map_or(0, |i| spans.len() - i - 1),
                files_after,
                base: !reviewed,
            },
        });
        self.outcome.files.push(FileOutcome {
            file: source.display_path(),
            reviewed,
            status: FileStatus::Failed,
            statements: spans.len(),
            applied: failed_at.unwrap_or(0),
        });
    }
}

/// One statement's run.
struct Step {
    duration: Duration,
    effects: Effects,
    /// Locks the transaction holds afterwards.
    held: trace::Locks,
    lock_timeout_set: bool,
    locks_traced: bool,
}

/// A statement that ran outside any transaction: only its time is known.
fn timed_only(started: std::time::Instant) -> Step {
    Step {
        duration: started.elapsed(),
        effects: Effects::default(),
        held: trace::Locks::new(),
        lock_timeout_set: false,
        locks_traced: false,
    }
}

impl Tracer<'_> {
    async fn step(
        &mut self,
        duration: Duration,
        observed: trace::Observed,
        held: &trace::Locks,
    ) -> Result<Step, tokio_postgres::Error> {
        let effects = trace::effects(&self.base, &self.filenodes, &observed, held);
        for (oid, filenode) in &observed.filenodes {
            if let Some(known) = self.filenodes.get_mut(oid) {
                *known = *filenode;
            }
        }
        if self.each_file {
            // Learn what this statement created, so that the next file sees it as existing.
            let unknown: Vec<u32> = observed
                .locks
                .keys()
                .filter(|oid| !self.filenodes.contains_key(oid) && !self.seen.contains(oid))
                .copied()
                .collect();
            if !unknown.is_empty() {
                self.seen.extend(&unknown);
                let created = self.probe.describe(self.client, &unknown).await?;
                self.created.extend(created);
            }
        }
        Ok(Step {
            duration,
            effects,
            held: observed.locks,
            lock_timeout_set: observed.lock_timeout_set,
            locks_traced: true,
        })
    }
}

/// The trace probe's failure after the statement at `span` (which itself ran): unless the
/// session is gone, an error of the run, since what the statement did is unknown.
fn untraced(span: Span, e: &tokio_postgres::Error) -> Failure {
    let kind = match failure_kind(e) {
        lost @ FailureKind::ConnectionLost(_) => lost,
        _ => FailureKind::Untraced(describe_error(e)),
    };
    Failure {
        offset: span.start,
        statement: span,
        kind,
    }
}

/// Whether the framework wraps the file in a transaction: a multi-statement query is one implicit
/// transaction, but a single statement sent alone runs outside any (so CONCURRENTLY works).
fn runs_in_transaction(file: &MigrationFile, statements: usize) -> bool {
    match file.transaction {
        Transaction::Wrapped => true,
        Transaction::Implicit => statements > 1,
        Transaction::None => false,
    }
}

/// A failure of `sql` (the statement at `span` of the file), at the position Postgres reported
/// when it gave one.
fn failure_of(sql: &str, span: Span, kind: FailureKind) -> Failure {
    let offset = match &kind {
        FailureKind::Rejected(db) => error_offset(sql, db).map_or(span.start, |o| span.start + o),
        _ => span.start,
    };
    Failure {
        offset,
        statement: span,
        kind,
    }
}

fn failure_kind(e: &tokio_postgres::Error) -> FailureKind {
    match e.as_db_error() {
        Some(db) if db.code().code() == "57014" && db.message().contains("statement timeout") => {
            FailureKind::StatementTimeout
        }
        // admin_shutdown, crash_shutdown, cannot_connect_now: the session is gone.
        Some(db) if db.code().code().starts_with("57P") => {
            FailureKind::ConnectionLost(db.message().to_string())
        }
        Some(db) => FailureKind::Rejected(Box::new(db.clone())),
        None => FailureKind::ConnectionLost(describe_error(e)),
    }
}

/// The most of one text from Postgres (an error's message, detail or hint) that Drydock keeps: a
/// migration chooses what it raises, and a 150 MB `RAISE EXCEPTION` must not become a 150 MB
/// comment.
const MAX_SERVER_TEXT: usize = 2000;

/// `text`, cut at [`MAX_SERVER_TEXT`] bytes (on a character boundary) with a note of how much
/// was left out.
fn cut(text: &str) -> String {
    if text.len() <= MAX_SERVER_TEXT {
        return text.to_string();
    }
    let mut end = MAX_SERVER_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes cut)", &text[..end], text.len() - end)
}

/// Byte offset into `sql` of the error position Postgres reported (1-based, in characters).
fn error_offset(sql: &str, db: &tokio_postgres::error::DbError) -> Option<usize> {
    match db.position()? {
        tokio_postgres::error::ErrorPosition::Original(chars) => sql
            .char_indices()
            .nth((*chars as usize).saturating_sub(1))
            .map(|(i, _)| i),
        tokio_postgres::error::ErrorPosition::Internal { .. } => None,
    }
}

/// The up section's statements, as spans of the file.
pub fn statement_spans(file: &MigrationFile) -> Vec<Span> {
    up_statements(file)
        .into_iter()
        .map(|(span, _)| span)
        .collect()
}

/// The up section's statements with what their first words say they do (enough to follow
/// BEGIN and COMMIT).
fn up_statements(file: &MigrationFile) -> Vec<(Span, Action)> {
    let up = &file.source.text[file.up.start..file.up.end];
    split::split(up)
        .statements
        .into_iter()
        .map(|s| {
            let action = classify::classify(up, &s.tokens);
            (
                Span::new(file.up.start + s.span.start, file.up.start + s.span.end),
                action,
            )
        })
        .collect()
}
