use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags `REINDEX` without `CONCURRENTLY`.
    ///
    /// ## Why it matters
    /// A plain REINDEX locks out writes to the table (and reads that would use the index) for as
    /// long as the rebuild takes, which grows with the table's size.
    ///
    /// ## Example
    /// ```sql
    /// REINDEX INDEX orders_user_id_idx;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// REINDEX INDEX CONCURRENTLY orders_user_id_idx;
    /// ```
    /// (Postgres 12 and later), outside a transaction.
    pub struct ReindexWithoutConcurrently {
        name: "reindex-without-concurrently",
        category: BlockingLock,
        severity: Error,
        aliases: [],
    }
}

impl Rule for ReindexWithoutConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::Reindex {
            target,
            concurrently: false,
        } = cx.action()
        {
            let hit = Hit::new(
                format!(
                    "REINDEX {target} blocks writes to the table (and reads through \
                    the index) until the rebuild finishes"
                ),
                "Use REINDEX ... CONCURRENTLY (Postgres 12+), outside a transaction.",
            );
            let kind = target.split_whitespace().next().unwrap_or("index");
            let fix = (cx.settings.postgres_version >= 12)
                .then(|| cx.insert_after_word(kind, "CONCURRENTLY"))
                .flatten();
            out.push(hit.with_fix(fix));
        }
    }
}
