use crate::lint::{Context, FileContext, Hit, Rule, RuleMeta};
use crate::plan::format::Transaction;
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags a `BEGIN` never committed in the same file, a `COMMIT`/`ROLLBACK` with no `BEGIN`,
    /// and a `BEGIN` in a file the framework already wraps in a transaction.
    ///
    /// ## Why it matters
    /// An open transaction leaks into the next migration (or is rolled back when the connection
    /// closes, silently undoing the file). Inside a framework's transaction, `BEGIN` only warns,
    /// and the file's `COMMIT` ends the framework's transaction early, so a later failure can no
    /// longer roll the file back.
    ///
    /// ## Example
    /// ```sql
    /// BEGIN;
    /// ALTER TABLE users ADD COLUMN nickname text;
    /// ```
    ///
    /// ## Use instead
    /// Let the framework manage the transaction and write no BEGIN/COMMIT; in files it runs
    /// without one, pair every BEGIN with a COMMIT.
    pub struct UnbalancedTransaction {
        name: "unbalanced-transaction",
        category: Transaction,
        severity: Error,
        aliases: ["transaction-nesting", "nestedtx"],
    }
}

impl Rule for UnbalancedTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if matches!(cx.action(), Action::Begin)
            && cx.transaction == Transaction::Wrapped
            && cx.state.explicit_depth == 0
        {
            out.push(Hit::new(
                "BEGIN inside the transaction the framework already opened for \
                    this file: Postgres only warns, and the matching COMMIT ends \
                    the framework's transaction early",
                "Remove BEGIN/COMMIT and let the framework manage the \
                    transaction, or turn its transaction off for this file.",
            ));
        }
    }
    fn check_file(&self, cx: &FileContext, out: &mut Vec<Hit>) {
        let state = cx.state;
        if let Some(span) = state.open_begin {
            out.push(Hit {
                span: Some(span),
                ..Hit::new(
                    "this BEGIN is never committed in the file: the transaction \
                        stays open into whatever runs next, or is rolled back when the \
                        connection closes",
                    "Add COMMIT at the end of the transaction.",
                )
            });
        }
        if let Some(span) = state.stray_commit {
            out.push(Hit {
                span: Some(span),
                ..Hit::new(
                    "COMMIT/ROLLBACK without a BEGIN in this file: there is no \
                        transaction to end (Postgres warns and does nothing), so the \
                        statements before it were not protected by one",
                    "Add the missing BEGIN, or remove the COMMIT.",
                )
            });
        }
    }
}
