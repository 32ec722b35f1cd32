use crate::apply::{ApplyFailure, ApplyFailureKind, FailureCause};
use crate::finding::Evidence;
use crate::lint::{Hit, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check`: Postgres rejected a statement when the migrations were
    /// applied to a throwaway database (or it ran past the statement timeout or the check's
    /// time limit, or ended its own connection), or what the migrations did could not be read
    /// from the catalog (to trace a statement, or the schema after them). The finding points at the position Postgres reported and carries the SQLSTATE,
    /// message, detail and hint.
    ///
    /// ## Why it matters
    /// The deploy would stop at the same statement. Under a framework that wraps each file in a
    /// transaction the file is rolled back; otherwise the statements before it stay applied and
    /// the database is left half-migrated. Later migrations do not run.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN total numeric;
    /// ALTER TABLE orders ADD COLUMN total numeric;  -- column "total" already exists
    /// ```
    ///
    /// ## Use instead
    /// Write the statement against the schema the earlier migrations produce:
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN total numeric;
    /// ```
    pub struct MigrationFails {
        name: "migration-fails",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

impl Rule for MigrationFails {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_apply_failure(&self, failure: &ApplyFailure, out: &mut Vec<Hit>) {
        out.push(match &failure.kind {
            // The order's failure, not production's: `out-of-order-version` says it.
            ApplyFailureKind::FreshInstall { .. } => return,
            ApplyFailureKind::Prepare { error } => Hit::new(
                format!("could not prepare a database to apply the migrations: {error}"),
                "Check that the Postgres server is reachable and that the user \
                    may create databases.",
            )
            .with_evidence(Vec::new()),
            ApplyFailureKind::Catalog { error } => {
                Hit::new(format!("could not read the catalog: {error}"), "")
                    .with_evidence(Vec::new())
            }
            ApplyFailureKind::SchemaAfter { error } => Hit::new(
                format!(
                    "the schema could not be read after the migrations were applied ({error}), \
                        so what they changed (a dropped table or column) is unknown and cannot \
                        pass as no change"
                ),
                "A migration must leave the catalog readable to the session that ran it: do \
                    not revoke access to system catalogs, switch the session to another role, \
                    or shadow catalog names (a temp table named pg_class).",
            )
            .with_evidence(Vec::new()),
            ApplyFailureKind::Statement {
                cause,
                rolled_back,
                statements_after,
                files_after,
                // A base migration's failure is no finding of the change (the pipeline's
                // base_state reports it), so every failure here is of a reviewed file.
                base: _,
            } => {
                let mut consequence = Vec::new();
                if let Some(transaction) = rolled_back {
                    consequence.push(format!(
                        "the file runs {}, so everything it did was rolled back",
                        transaction.describe()
                    ));
                }
                if *statements_after > 0 {
                    consequence.push(format!(
                        "the {statements_after} statement{} after it in this file {} not applied",
                        plural(*statements_after),
                        were(*statements_after)
                    ));
                }
                if *files_after > 0 {
                    consequence.push(format!(
                        "{files_after} later migration{} {} not applied",
                        plural(*files_after),
                        were(*files_after)
                    ));
                }
                let consequence = (!consequence.is_empty()).then(|| consequence.join("; "));
                let (what, help, evidence) = describe(cause, consequence.clone());
                let message = match &consequence {
                    Some(consequence) => format!("{what}; {consequence}"),
                    None => what,
                };
                Hit::new(message, help).with_evidence(evidence.into_iter().collect())
            }
        });
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn were(n: usize) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

/// What happened, in a sentence, for a report that is not this rule's finding (a base
/// migration that failed: `pipeline::base_state`).
pub fn what_happened(cause: &FailureCause) -> String {
    describe(cause, None).0
}

/// What happened, what to do, and the error as evidence.
pub(super) fn describe(
    cause: &FailureCause,
    consequence: Option<String>,
) -> (String, String, Option<Evidence>) {
    match cause {
        FailureCause::Rejected {
            sqlstate,
            message,
            detail,
            hint,
        } => {
            let mut what = format!("Postgres rejected this statement: {message}");
            if let Some(detail) = detail {
                what.push_str(&format!(" ({detail})"));
            }
            let help = hint.clone().unwrap_or_else(|| {
                "Fix the statement so that it applies to the schema the earlier \
                    migrations produce; `drydock check` replays them in the same \
                    order."
                    .into()
            });
            let evidence = Evidence::Apply {
                sqlstate: sqlstate.clone(),
                message: message.clone(),
                detail: detail.clone(),
                hint: hint.clone(),
                consequence,
            };
            (what, help, Some(evidence))
        }
        FailureCause::StatementTimeout { seconds } => (
            format!(
                "the statement did not finish within the statement timeout of \
                    {seconds} s: it waits on a lock or runs too long, even on an \
                    empty database"
            ),
            "Look for a loop that never ends, a sleep, or a wait on a lock \
                held by another session; raise statement-timeout in \
                drydock.toml only if the statement is legitimately slow."
                .into(),
            Some(Evidence::Apply {
                sqlstate: "57014".into(),
                message: "canceling statement due to statement timeout".into(),
                detail: None,
                hint: None,
                consequence,
            }),
        ),
        FailureCause::Deadline { session_ended } => (
            if *session_ended {
                "the check's overall time limit ran out while this statement was \
                    running; it did not stop when cancelled (it catches the cancel), so \
                    its session was ended"
            } else {
                "the check's overall time limit ran out while this statement was \
                    running; it was cancelled"
            }
            .into(),
            "Raise the timeout in drydock.toml if the migrations \
                legitimately take this long; otherwise look for a statement \
                that loops or waits."
                .into(),
            None,
        ),
        FailureCause::Untraced { error } => (
            format!(
                "this statement ran, but the catalog could not be read after it to trace \
                    its locks and rewrites ({error}), so what it did is unknown"
            ),
            "A migration must not shadow the catalog (a temp table or view named like \
                pg_locks, its own schema ahead of pg_catalog in search_path) or discard the \
                session's prepared statements; remove what does."
                .into(),
            None,
        ),
        FailureCause::ConnectionLost { reason } => (
            format!(
                "the connection to Postgres was lost while this statement ran \
                    ({reason}): the statement ended its own session \
                    (pg_terminate_backend) or crashed the server"
            ),
            "A migration must not terminate backends or shut the server \
                down; remove that statement."
                .into(),
            None,
        ),
    }
}
