use crate::apply::{ApplyFailure, ApplyFailureKind};
use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::formats::OutOfOrder;
use crate::plan::{Issue, IssueKind};

declare_rule! {
    /// ## What it does
    /// Flags a new migration whose version sorts before the newest migration on the base branch,
    /// as its framework's runner treats it:
    /// - a runner that records only the newest version applied (golang-migrate) never runs it on
    ///   a database already past that version, and says nothing;
    /// - a runner that refuses it (goose, Flyway, Atlas by default) stops every deploy until the
    ///   file is renamed or the runner is told to apply it out of order;
    /// - a runner that applies every migration it has not applied yet (Prisma, diesel, dbmate,
    ///   sqlx) runs it after the newer ones on databases already up to date, and before them on
    ///   a fresh install. There `drydock check` applies both orders, production's and a fresh
    ///   install's (on a database of its own), and flags the order that fails.
    ///
    /// ## Why it matters
    /// Two branches that add migrations in parallel merge in an order nobody tested. A skipped
    /// migration leaves production without a change that every new environment has; a refused
    /// one blocks the deploy; one that only works after the newer migrations breaks every fresh
    /// install (a new developer's database, a CI database, a disaster recovery).
    ///
    /// ## Example
    /// The base branch has `20240301_add_index.sql`; the pull request adds
    /// `20240215_add_column.sql`. Under Prisma, the new migration alters a table that
    /// `20240301_create_invoices` creates: production applies it last and it works, a fresh
    /// install applies it first and it fails.
    ///
    /// ## Use instead
    /// Rename the new migration so that its version comes after the newest one on the base
    /// branch (the order is then the same everywhere), or, where the runner refuses it and
    /// running it late is intended, pass the runner's flag for out-of-order migrations.
    pub struct OutOfOrderVersion {
        name: "out-of-order-version",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

impl Rule for OutOfOrderVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        let IssueKind::OutOfOrder {
            format,
            version,
            newest,
            newest_file,
        } = &issue.kind
        else {
            return;
        };
        let sorts = format!(
            "version {version} sorts before {newest} ({newest_file}), the newest migration on \
                the base branch"
        );
        let rename = format!("Rename the file so that its version comes after {newest}");
        let (message, help) = match format.out_of_order() {
            OutOfOrder::Skipped => (
                format!(
                    "{sorts}; {format} records only the newest version it applied, so on every \
                        database already past {newest} this migration is silently never run"
                ),
                format!("{rename}: {format} runs only what sorts after the current version."),
            ),
            OutOfOrder::Refused { unless } => (
                format!(
                    "{sorts}; {format} refuses to migrate a database already past {newest} while \
                        this migration is pending: every deploy stops with an error"
                ),
                format!(
                    "{rename}; or, if it is meant to run after the newer migrations, run \
                        {format} with {unless}."
                ),
            ),
            // Applied: both orders are applied instead, and a failing one reported.
            OutOfOrder::Applied => return,
            OutOfOrder::Unknown => (
                format!(
                    "{sorts}; depending on its runner, databases already up to date skip it, \
                        refuse to migrate, or run it after newer migrations, an order nobody \
                        tested"
                ),
                format!("{rename}."),
            ),
        };
        out.push(Hit::new(message, help));
    }

    fn check_apply_failure(&self, failure: &ApplyFailure, out: &mut Vec<Hit>) {
        let ApplyFailureKind::FreshInstall {
            cause,
            format,
            failed,
            failed_reviewed,
            out_of_order,
            newest,
        } = &failure.kind
        else {
            return;
        };
        let (what, _, evidence) = super::migration_fails::describe(cause, None);
        let (subject, sorts, them) = match out_of_order.as_slice() {
            [_] => ("this migration".to_string(), "sorts", "this one"),
            many => (many.join(", "), "sort", "these"),
        };
        let orders = format!(
            "{subject} {sorts} before {newest}, which is already merged: databases that are up \
                to date apply {them} after it (as this check did), but a fresh install applies \
                {format}'s migrations in their order, {them} first"
        );
        let message = if *failed_reviewed && out_of_order.len() == 1 {
            format!("{orders}, and there it fails: {what}")
        } else if *failed_reviewed {
            format!("{orders}, and there {failed} fails: {what}")
        } else {
            format!("{orders}, and then {failed} (already merged) fails: {what}")
        };
        out.push(
            Hit::new(
                message,
                format!(
                    "Make the migration work before the merged migrations that sort after it \
                        (create what it uses itself), or rename it to sort after {newest}, so \
                        that a fresh install and production apply the same order."
                ),
            )
            .with_evidence(evidence.into_iter().collect()),
        );
    }
}
