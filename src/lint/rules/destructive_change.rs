use crate::diff;
use crate::finding::{Evidence, Finding};
use crate::lint::{DiffContext, Hit, Located, Rule, RuleMeta};
use crate::sql::model::LockMode;

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check` when the schema diff from the base state to the state after
    /// the migrations under review shows a table, column or schema gone, and no statement was
    /// recognised as dropping it: a DROP inside a DO block, a function, or a statement form the
    /// static rules do not know.
    ///
    /// ## Why it matters
    /// The data is deleted for good, and running code that still uses the object fails. Like
    /// every destructive change, it blocks the merge until a maintainer approves it with the
    /// override label.
    ///
    /// ## Example
    /// ```sql
    /// DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'legacy_carts'; END $$;
    /// ```
    ///
    /// ## Use instead
    /// Make the drop explicit, after a deploy that removed every use:
    /// ```sql
    /// DROP TABLE legacy_carts;
    /// ```
    pub struct DestructiveChange {
        name: "destructive-change",
        category: Destructive,
        severity: Error,
        aliases: [],
    }
}

impl Rule for DestructiveChange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_schema_diff(&self, cx: &DiffContext, out: &mut Vec<Located>) {
        for change in diff::destructive_removals(cx.changes) {
            let Some(subject) = change.subject() else {
                continue;
            };
            if cx.findings.iter().any(|f| f.destroys(&subject)) {
                continue;
            }
            // Attributed to the statement that took ACCESS EXCLUSIVE on the table (the DO block
            // that dropped it), else to the first migration under review.
            let table = match &subject.table {
                Some(table) => format!("{}.{table}", subject.schema.as_deref().unwrap_or("")),
                None => change.name.clone(),
            };
            let location = cx
                .traces
                .iter()
                .find(|t| {
                    t.effects
                        .locks
                        .iter()
                        .any(|l| l.relation == table && l.mode == LockMode::AccessExclusive)
                })
                .map_or_else(|| Finding::for_file(cx.first_reviewed), |t| t.location());
            let hit = Hit::new(
                format!(
                    "applying the migrations removed {} {}, though no statement was \
                        recognised as dropping it (a DROP inside a DO block or a \
                        function?): its data is deleted for good",
                    change.kind.as_str(),
                    change.name
                ),
                "Make the drop explicit in the migration, after every use of it \
                    is gone from the code, and have a maintainer approve it with \
                    the override label.",
            )
            .about(subject)
            .with_evidence(vec![Evidence::Diff {
                summary: format!("{} {} removed", change.kind.as_str(), change.name),
            }]);
            out.push(Located { location, hit });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diff::{Change, ChangeType, ObjectKind};
    use crate::finding::Evidence;
    use crate::lint::{self, Input, LintSettings, RuleId, Scope};
    use crate::plan::MigrationFile;
    use crate::plan::format::{Transaction, Version};
    use crate::source::{SourceFile, Span};
    use crate::verdict;

    fn removed(kind: ObjectKind, name: &str) -> Change {
        Change {
            kind,
            name: name.into(),
            change: ChangeType::Removed,
            renamed_from: None,
            probable_rename_of: None,
            before: Some(String::new()),
            after: None,
            destructive: true,
            diff: String::new(),
        }
    }

    /// The static findings of `sql`, merged with `changes` the way the check pipeline does.
    fn merged(sql: &str, changes: &[Change]) -> Vec<crate::finding::Finding> {
        let file = MigrationFile {
            source: SourceFile::new("m.sql", sql.to_string()),
            relative: "m.sql".into(),
            version: Version::lexical("m"),
            up: Span::new(0, sql.len()),
            transaction: Transaction::Wrapped,
            refusal: None,
        };
        let input = Input {
            file: &file,
            reviewed: true,
        };
        let mut findings =
            lint::lint(&[input], Scope::ChangeSet, &LintSettings::default()).findings;
        verdict::merge_schema_changes(&mut findings, changes);
        lint::schema_diff_findings(&mut findings, changes, &[], "m.sql");
        findings
    }

    fn diff_evidence(f: &crate::finding::Finding) -> usize {
        f.evidence
            .iter()
            .filter(|e| matches!(e, Evidence::Diff { .. }))
            .count()
    }

    #[test]
    fn a_schema_qualified_drop_is_matched_to_its_removal_by_object() {
        let findings = merged(
            "DROP TABLE app.orders;\nALTER TABLE app.users DROP COLUMN email;",
            &[
                removed(ObjectKind::Table, "app.orders"),
                removed(ObjectKind::Column, "app.orders.id"),
                removed(ObjectKind::Column, "app.users.email"),
            ],
        );
        assert!(
            !findings.iter().any(|f| f.rule == RuleId::DestructiveChange),
            "{findings:#?}"
        );
        for rule in [RuleId::DropTable, RuleId::DropColumn] {
            let f = findings.iter().find(|f| f.rule == rule).unwrap();
            assert_eq!(diff_evidence(f), 1, "{f:#?}");
        }
    }

    #[test]
    fn a_removal_no_statement_names_is_its_own_blocking_finding() {
        // `orders` is dropped; `order_items` (a name that contains it) went in a DO block.
        let findings = merged(
            "DROP TABLE orders;\nDO $$ BEGIN EXECUTE 'DROP TABLE order_items'; END $$;",
            &[
                removed(ObjectKind::Table, "public.orders"),
                removed(ObjectKind::Table, "public.order_items"),
            ],
        );
        let hidden: Vec<_> = findings
            .iter()
            .filter(|f| f.rule == RuleId::DestructiveChange)
            .collect();
        assert_eq!(hidden.len(), 1, "{findings:#?}");
        assert!(hidden[0].blocking);
        assert!(hidden[0].message.contains("table public.order_items"));
        assert_eq!(hidden[0].file, "m.sql");
    }
}
