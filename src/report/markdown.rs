//! Markdown: the body of a pull request comment. A summary, then a section per file with its
//! findings, the statement, the evidence and what to write instead.
//!
//! Everything that comes from the pull request (file names, SQL, Postgres messages) is escaped:
//! it cannot inject markdown or HTML, mention people, or forge a hidden marker.

use super::{ApplyReport, Sources};
use crate::apply::FileStatus;
use crate::finding::{Finding, Severity};
use crate::verdict::Verdict;
use std::collections::BTreeMap;

pub fn render(verdict: &Verdict, sources: &Sources, apply: Option<&ApplyReport>) -> String {
    render_titled("Drydock", verdict, sources, apply)
}

/// As [`render`], headed `## {title}: {status}`; `title` is markdown.
pub fn render_titled(
    title: &str,
    verdict: &Verdict,
    sources: &Sources,
    apply: Option<&ApplyReport>,
) -> String {
    format!(
        "{}\n\n{}{}",
        headline(title, verdict, apply),
        notes(&notice_texts(verdict)),
        details(verdict, sources, apply)
    )
}

/// The verdict's notices (conditions already on the base branch) as plain text, for
/// [`notes`].
pub fn notice_texts(verdict: &Verdict) -> Vec<String> {
    verdict.notices.iter().map(|n| n.text()).collect()
}

/// What follows the headline of [`render_titled`]: the apply summary, the schema changes, and
/// each file's findings.
pub fn details(verdict: &Verdict, sources: &Sources, apply: Option<&ApplyReport>) -> String {
    let mut out = String::new();
    if let Some(apply) = apply {
        for (directory, unbuilt) in apply.base_unbuilt() {
            let (what, why) = if unbuilt.on_base {
                (
                    "Could not build the base state of",
                    "already on the base branch) fails",
                )
            } else {
                (
                    "Could not check",
                    "a migration of this change) is refused a privilege",
                )
            };
            out.push_str(&format!(
                "> [!CAUTION]\n> **{what} {}:** {} (line {}, {why} on the throwaway server: \
                    {}\n>\n> {}\n\n",
                escape(directory),
                escape(&unbuilt.file),
                unbuilt.line,
                escape(&unbuilt.error),
                escape(&unbuilt.help)
            ));
        }
        out.push_str(&escape(&apply.summary()));
        out.push_str("\n\n");
        let failed: Vec<String> = apply
            .directories
            .iter()
            .flat_map(|d| &d.files)
            .filter(|f| f.status != FileStatus::Applied && f.reviewed)
            .map(|f| {
                format!(
                    "- {} {}",
                    escape(&f.file),
                    match f.status {
                        FileStatus::Failed => "failed to apply",
                        _ => "was not applied",
                    }
                )
            })
            .collect();
        if !failed.is_empty() {
            out.push_str(&failed.join("\n"));
            out.push_str("\n\n");
        }
    }

    if let Some(apply) = apply {
        out.push_str(&schema_changes(apply));
    }

    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &verdict.findings {
        by_file.entry(f.file.as_str()).or_default().push(f);
    }
    for (file, findings) in by_file {
        out.push_str(&format!("### {}\n\n", escape(file)));
        for f in findings {
            out.push_str(&finding(f, sources));
        }
    }
    out
}

/// The schema after the change, as a list of changes with each object's diff folded away.
fn schema_changes(apply: &ApplyReport) -> String {
    let changes: Vec<&crate::diff::Change> = apply
        .directories
        .iter()
        .flat_map(|d| &d.schema_changes)
        .collect();
    if changes.is_empty() {
        return String::new();
    }
    format!(
        "### Schema changes\n\n{}\n",
        super::schema_diff::markdown_list(changes.iter().copied())
    )
}

pub fn headline(title: &str, verdict: &Verdict, apply: Option<&ApplyReport>) -> String {
    let (errors, warnings, infos) = (
        verdict.count(Severity::Error),
        verdict.count(Severity::Warning),
        verdict.count(Severity::Info),
    );
    let unbuilt: Vec<_> = apply
        .map(|a| a.base_unbuilt().collect())
        .unwrap_or_default();
    let status = if unbuilt.iter().any(|(_, u)| !u.on_base) {
        "⚠️ Not checked: the throwaway server refused a privilege"
    } else if !unbuilt.is_empty() {
        "⚠️ Not checked: the base state could not be built"
    } else if verdict.blocked() {
        "🛑 Blocked: destructive changes"
    } else if verdict.has_errors() {
        "❌ Changes needed"
    } else if warnings > 0 || errors > 0 {
        "⚠️ Passed with warnings"
    } else {
        "✅ Passed"
    };
    let mut line = format!(
        "## {title}: {status}\n\n{} file(s), {} statement(s): \
            **{errors}** error(s), **{warnings}** warning(s), {infos} info",
        verdict.files, verdict.statements
    );
    if verdict.ignored > 0 {
        line.push_str(&format!(", {} ignored by comments", verdict.ignored));
    }
    let blocking = verdict.blocking();
    match &verdict.approved_by {
        _ if blocking == 0 => {}
        None => line.push_str(&format!(
            "\n\n**{blocking} destructive change(s)** need a maintainer's \
                approval before this can merge: a maintainer adds the {} label \
                to approve them.",
            label_span(&verdict.override_label)
        )),
        Some(label) => line.push_str(&format!(
            "\n\n**{blocking} destructive change(s)** were approved by the {} label.",
            label_span(label)
        )),
    }
    line
}

/// A label name as inline code; labels are configuration, but may hold any character.
fn label_span(label: &str) -> String {
    let label = label.replace(['\n', '\r'], " ");
    let longest_run = label.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // A space keeps a backtick at either end from joining the fence.
    let pad = if label.starts_with('`') || label.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{label}{pad}{fence}")
}

fn finding(f: &Finding, sources: &Sources) -> String {
    let mut out = format!(
        "- **{}** `{}` at line {}: {}{}\n",
        f.severity.as_str(),
        f.rule,
        f.start.line,
        escape(&f.message),
        if f.blocking { " **(destructive)**" } else { "" }
    );
    for evidence in f.evidence.iter().filter_map(|e| e.describe()) {
        out.push_str(&format!("  - {}\n", escape(&evidence)));
    }
    if let (Some(span), Some(source)) = (f.span, sources.get(&f.file)) {
        out.push_str(&code_block(source.slice(span), "sql", "  "));
    }
    if !f.help.is_empty() {
        out.push_str(&format!("  - **Instead:** {}\n", escape(&f.help)));
    }
    if let Some(fix) = &f.fix {
        out.push_str("  - Suggested:\n");
        out.push_str(&code_block(&fix.replacement, "sql", "  "));
    }
    out.push('\n');
    out
}

/// Each notice as a GitHub note (a quoted paragraph headed NOTE), escaped: notices may name
/// files of the pull request.
pub fn notes(notices: &[String]) -> String {
    notices
        .iter()
        .map(|n| format!("> [!NOTE]\n> {}\n\n", escape(n)))
        .collect()
}

/// A fenced block that its content cannot close: the fence is longer than any run of backticks
/// inside.
pub fn code_block(content: &str, language: &str, indent: &str) -> String {
    let longest_run = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    let mut out = format!("{indent}{fence}{language}\n");
    for line in content.trim_end().lines() {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("{indent}{fence}\n"));
    out
}

/// Escapes text for a Markdown paragraph: no markup, no HTML (so no comments, no marker), no
/// @mentions, no line breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space after @ stops mentions and team pings.
            '@' => out.push_str("@\u{200B}"),
            '\n' | '\r' => out.push(' '),
            // Text never starts a line here, so list and heading markers at line start ('-',
            // '+', '1.') cannot arise; '(' and '!' only matter next to an (escaped) bracket.
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // GitHub turns bare `http://...` and `www.` into links; an escaped `:` or `.` is not.
            ':' if text[i + 1..].starts_with("//") => out.push_str("\\:"),
            '.' if out.as_bytes().ends_with(b"www") || out.as_bytes().ends_with(b"WWW") => {
                out.push_str("\\.")
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_cannot_inject_markup_or_mentions() {
        let hostile = "<!-- drydock --> @octocat [x](http://e) `code` **b**\n# h";
        let escaped = escape(hostile);
        assert!(!escaped.contains("<!--"), "{escaped}");
        assert!(!escaped.contains("@octocat"), "{escaped}");
        assert!(!escaped.contains("[x]("), "{escaped}");
        assert!(!escaped.contains('\n'), "{escaped}");
        assert!(escaped.contains("\\`code\\`"), "{escaped}");
        let autolinks = escape("see https://evil.example or www.evil.example");
        assert_eq!(
            autolinks,
            "see https\\://evil.example or www\\.evil.example"
        );
    }

    #[test]
    fn code_blocks_outlast_backticks_inside() {
        let block = code_block("SELECT '```';", "sql", "");
        assert!(block.starts_with("````sql\n"), "{block}");
        assert!(block.ends_with("````\n"), "{block}");
    }
}
