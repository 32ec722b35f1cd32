use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::plan::format::Transaction;
use crate::sql::model::{Action, AlterTableOp, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`,
    /// `DETACH PARTITION ... CONCURRENTLY` and `VACUUM` inside a transaction block: an explicit
    /// `BEGIN`, the transaction your migration framework wraps each file in, or the implicit one
    /// Postgres opens when a file of several statements is sent as one query (golang-migrate,
    /// Prisma, and dbmate, sqlx, diesel and popx even with their transaction turned off).
    ///
    /// ## Why it matters
    /// Postgres refuses: `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction
    /// block`. The deploy fails.
    ///
    /// ## Example
    /// ```sql
    /// -- goose wraps this file in a transaction
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Use instead
    /// Put the statement in a migration of its own that runs without a transaction. goose
    /// (`-- +goose NO TRANSACTION`) and Atlas (`-- atlas:txmode none` at the top of the file,
    /// then an empty line) then run it statement by statement; Flyway does so by itself for a
    /// file of such statements only. dbmate (`-- migrate:up transaction:false`), sqlx (a file
    /// starting with `-- no-transaction`), diesel (`run_in_transaction = false` in
    /// `metadata.toml`) and popx (`.autocommit.up.sql`) still send the file as one query, like
    /// golang-migrate and Prisma always do: there, one statement per file.
    pub struct ConcurrentlyInTransaction {
        name: "concurrently-in-transaction",
        category: Transaction,
        severity: Error,
        aliases: ["ban-concurrent-index-creation-in-transaction"],
        predicts: ["25001"],
    }
}

impl Rule for ConcurrentlyInTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let what = match cx.action() {
            Action::CreateIndex {
                concurrently: true, ..
            } => "CREATE INDEX CONCURRENTLY",
            Action::Drop {
                kind: ObjectKind::Index,
                concurrently: true,
                ..
            } => "DROP INDEX CONCURRENTLY",
            Action::Reindex {
                concurrently: true, ..
            } => "REINDEX CONCURRENTLY",
            Action::Vacuum { .. } => "VACUUM",
            Action::AlterTable { ops, .. }
                if ops.iter().any(|op| {
                    matches!(
                        op,
                        AlterTableOp::DetachPartition {
                            concurrently: true,
                            ..
                        }
                    )
                }) =>
            {
                "DETACH PARTITION CONCURRENTLY"
            }
            _ => return,
        };
        if !cx.in_transaction() {
            return;
        }
        let why = if cx.state.explicit_depth > 0 {
            "it follows a BEGIN in this file".to_string()
        } else {
            match cx.transaction {
                Transaction::Implicit => {
                    "the framework sends this file as one multi-statement query, \
                    which Postgres runs as one implicit transaction"
                        .to_string()
                }
                _ => format!("the framework runs this file {}", cx.transaction.describe()),
            }
        };
        out.push(Hit::new(
            format!(
                "{what} cannot run inside a transaction block, and {why}: \
                Postgres will reject it and the deploy fails"
            ),
            "Move the statement into a migration of its own that runs \
                without a transaction (see `drydock explain \
                concurrently-in-transaction` for your framework's switch).",
        ));
    }
}
