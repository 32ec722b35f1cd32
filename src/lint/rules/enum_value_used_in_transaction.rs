use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::lexer::TokenKind;
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags using an enum value in the same transaction that added it with
    /// `ALTER TYPE ... ADD VALUE` (and, for Postgres 11 and older, `ADD VALUE` in a transaction
    /// at all).
    ///
    /// ## Why it matters
    /// A new enum value cannot be used until the transaction that added it commits:
    /// `ERROR: unsafe use of new value`. Before Postgres 12, `ADD VALUE` cannot run in a
    /// transaction block at all. The deploy fails.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TYPE order_status ADD VALUE 'refunded';
    /// UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    /// ```
    ///
    /// ## Use instead
    /// Add the value in one migration and use it in a later one.
    pub struct EnumValueUsedInTransaction {
        name: "enum-value-used-in-transaction",
        category: Transaction,
        severity: Error,
        aliases: [],
        predicts: ["55P04"],
    }
}

impl Rule for EnumValueUsedInTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::AlterTypeAddValue { type_name, .. } = cx.action() {
            if cx.settings.postgres_version < 12 && cx.in_transaction() {
                out.push(Hit::new(
                    format!(
                        "ALTER TYPE {type_name} ADD VALUE cannot run inside a \
                        transaction block on Postgres {}: the deploy fails",
                        cx.settings.postgres_version
                    ),
                    "Put it in a migration that runs without a transaction.",
                ));
            }
            return;
        }
        if cx.state.enum_values_added.is_empty() {
            return;
        }
        let text = &cx.source.text;
        for token in cx
            .statement
            .tokens
            .iter()
            .filter(|t| t.kind == TokenKind::String)
        {
            let literal = text[token.span.start..token.span.end].trim_matches('\'');
            if let Some((type_name, value)) = cx
                .state
                .enum_values_added
                .iter()
                .find(|(_, v)| v == literal)
            {
                out.push(Hit {
                    span: Some(token.span),
                    ..Hit::new(
                        format!(
                            "uses '{value}', which was added to {type_name} earlier in this \
                            transaction: Postgres rejects it until that transaction commits \
                            (unsafe use of new value)"
                        ),
                        "Add the enum value in one migration and use it in a later one.",
                    )
                });
                return;
            }
        }
    }
}
