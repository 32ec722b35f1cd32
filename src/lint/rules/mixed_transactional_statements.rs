use crate::lint::{FileContext, Hit, Rule, RuleMeta};
use crate::plan::Refusal;

declare_rule! {
    /// ## What it does
    /// Flags a Flyway migration that mixes statements Flyway runs only outside a transaction
    /// (`CREATE`/`DROP INDEX CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, `ALTER SYSTEM`, ...)
    /// with statements it runs inside one.
    ///
    /// ## Why it matters
    /// Flyway refuses the whole migration before running any of it ("Detected both
    /// transactional and non-transactional statements within the same migration (even though
    /// mixed is false)"), so the deploy stops there. A file of non-transactional statements only
    /// is fine: Flyway runs it without a transaction.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    /// CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);
    /// ```
    ///
    /// ## Use instead
    /// Put the `CONCURRENTLY` statements in a migration of their own. If your Flyway
    /// configuration sets `mixed` (`mixed = true` under `[flyway]` in flyway.toml,
    /// `flyway.mixed=true` in flyway.conf, `-mixed=true`), Flyway runs such a file without a
    /// transaction, as Drydock applied it: turn this rule off in drydock.toml. A
    /// `V<version>__name.sql.conf` with `executeInTransaction=false` beside the file does the
    /// same for one migration.
    pub struct MixedTransactionalStatements {
        name: "mixed-transactional-statements",
        category: Transaction,
        severity: Error,
        aliases: [],
    }
}

impl Rule for MixedTransactionalStatements {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_file(&self, cx: &FileContext, out: &mut Vec<Hit>) {
        let Some(Refusal::MixedTransactionality {
            format,
            transactional,
            non_transactional,
        }) = cx.refusal
        else {
            return;
        };
        // The tool stops at the statement that completes the mix.
        let (offending, other) = if non_transactional.start > transactional.start {
            (non_transactional, transactional)
        } else {
            (transactional, non_transactional)
        };
        let other_line = cx.source.position(other.start).line;
        let contrast = if offending == non_transactional {
            format!("cannot run in a transaction, unlike the one at line {other_line}")
        } else {
            format!("runs in a transaction, unlike the one at line {other_line}, which cannot")
        };
        out.push(
            Hit::new(
                format!(
                    "the migration is refused by {format} before any of it runs: this \
                        statement {contrast}, and {format} does not mix the two in one \
                        migration unless `mixed` is set"
                ),
                "Move the statements that cannot run in a transaction (CONCURRENTLY, VACUUM, \
                    ...) into a migration of their own. If your Flyway configuration sets \
                    `mixed = true`, it runs this file without a transaction, which is how \
                    Drydock applies it: turn this rule off in drydock.toml.",
            )
            .at(*offending),
        );
    }
}
