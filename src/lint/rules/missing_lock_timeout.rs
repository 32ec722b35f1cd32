use crate::finding::Subject;
use crate::lint::{Context, Hit, Rule, RuleId, RuleMeta, TraceContext};

declare_rule! {
    /// ## What it does
    /// Flags a statement that takes a lock conflicting with ordinary reads or writes on an
    /// existing table when no `SET lock_timeout` came earlier in the file (once per file, at the
    /// first such statement).
    ///
    /// ## Why it matters
    /// Even an instant change (adding a nullable column) must first acquire its lock. While it
    /// waits behind a long-running query, every new query on the table queues behind *it*: a
    /// one-millisecond migration becomes a site-wide outage. A lock_timeout makes the migration
    /// fail fast instead, so it can be retried.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD COLUMN nickname text;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SET lock_timeout = '5s';
    /// ALTER TABLE users ADD COLUMN nickname text;
    /// ```
    pub struct MissingLockTimeout {
        name: "missing-lock-timeout",
        category: BlockingLock,
        severity: Warning,
        aliases: ["require-timeout-settings"],
    }
}

impl Rule for MissingLockTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if cx.state.lock_timeout_set || cx.state.dangerous_lock_seen {
            return;
        }
        let Some((mode, table)) = cx.action().dangerous_lock() else {
            return;
        };
        if !cx.is_existing_table(table) {
            return;
        }
        out.push(
            Hit::new(
                format!(
                    "takes {} on {table} with no lock_timeout: while it waits for a \
                    running query, {} on {table} queue behind it",
                    mode.name(),
                    mode.blocks()
                ),
                "Put `SET lock_timeout = '5s';` at the top of the migration so \
                it fails fast instead of stalling traffic, and retry it.",
            )
            .with_fix(cx.replace_statement(format!("SET lock_timeout = '5s';\n{}", cx.text()))),
        );
    }
    /// What the static check cannot see (a DO block, a function): the lock the statement really
    /// took. Once per file, like the static check.
    fn check_trace(&self, cx: &TraceContext, out: &mut Vec<Hit>) {
        let trace = cx.trace;
        let (Some(evidence), Some(lock)) = (trace.evidence(), trace.effects.blocking_lock()) else {
            return;
        };
        let reported_in_file = cx
            .findings
            .iter()
            .any(|f| f.file == trace.file && f.rule == RuleId::MissingLockTimeout);
        if trace.lock_timeout_set || reported_in_file {
            return;
        }
        out.push(
            Hit::new(
                format!(
                    "this statement took {} on {} with no lock_timeout set: if \
                        another session holds a conflicting lock it waits, and {} queue \
                        behind it",
                    lock.mode.name(),
                    lock.relation,
                    lock.mode.blocks()
                ),
                "Set a lock timeout first (`SET lock_timeout = '5s';`) so the \
                    migration fails fast instead of stalling traffic, and retry it.",
            )
            .about(Subject::relation(&lock.relation))
            .with_evidence(vec![evidence]),
        );
    }
}
