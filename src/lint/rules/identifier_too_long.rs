use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::lexer::TokenKind;

declare_rule! {
    /// ## What it does
    /// Flags identifiers longer than 63 bytes.
    ///
    /// ## Why it matters
    /// Postgres silently truncates identifiers to 63 bytes (NAMEDATALEN - 1). Two long index
    /// names that differ only after byte 63 collide, and code that uses the full name does not
    /// find the object.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX index_customer_subscription_events_on_customer_id_and_created_at_desc ON ...;
    /// ```
    ///
    /// ## Use instead
    /// A shorter name, at most 63 bytes.
    pub struct IdentifierTooLong {
        name: "identifier-too-long",
        category: Hygiene,
        severity: Info,
        aliases: [],
    }
}

impl Rule for IdentifierTooLong {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let text = &cx.source.text;
        for token in &cx.statement.tokens {
            let raw = &text[token.span.start..token.span.end];
            let ident = match token.kind {
                TokenKind::Word => raw,
                TokenKind::QuotedIdent => raw.trim_matches('"'),
                _ => continue,
            };
            if ident.len() > 63 {
                out.push(Hit {
                    span: Some(token.span),
                    ..Hit::new(
                        format!(
                            "`{ident}` is {} bytes; Postgres truncates identifiers to 63 \
                            bytes, so the object gets a different name than written",
                            ident.len()
                        ),
                        "Use a name of at most 63 bytes.",
                    )
                });
            }
        }
    }
}
