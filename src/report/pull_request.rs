//! The markdown Drydock posts on a pull request: one sticky summary comment per migration
//! directory (found again by a hidden marker), and the inline review comments on offending lines,
//! with a GitHub `suggestion` block where a mechanical fix exists. Pure rendering.

use super::markdown::{self, code_block, escape};
use super::{ApplyReport, Sources};
use crate::finding::Finding;
use crate::source::SourceFile;
use crate::verdict::Verdict;
use sha2::{Digest, Sha256};

/// GitHub rejects comment bodies longer than 65,536 characters; stay clear of it.
pub const COMMENT_LIMIT: usize = 65_000;

const MARKER_PREFIX: &str = "<!-- drydock:summary:";
const FINDING_MARKER_PREFIX: &str = "<!-- drydock:finding:";

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The hidden marker of a directory's summary comment. A hash, so that no file name can end the
/// HTML comment; the commenter's login is checked too, so nobody else can forge it.
pub fn summary_marker(directory: &str) -> String {
    format!("{MARKER_PREFIX}{} -->", short_hash(directory))
}

pub fn is_summary(body: &str) -> bool {
    body.starts_with(MARKER_PREFIX)
}

/// The hidden marker of an inline comment: the rule, the file and the statement's text, so the
/// same finding is recognised after a push moves it to another line.
pub fn finding_marker(finding: &Finding, sources: &Sources) -> String {
    let statement = match (finding.span, sources.get(&finding.file)) {
        (Some(span), Some(source)) => source
            .slice(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        _ => format!("{}:{}", finding.start.line, finding.message),
    };
    format!(
        "{FINDING_MARKER_PREFIX}{} -->",
        short_hash(&format!("{}\0{}\0{statement}", finding.rule, finding.file))
    )
}

/// The summary comment of one directory, with `notices` (plain text, about the whole review)
/// under its headline. `full_report` says where the rest is when the comment had to be
/// shortened (a link to the job summary).
pub fn summary_comment(
    directory: &str,
    verdict: &Verdict,
    sources: &Sources,
    apply: &ApplyReport,
    notices: &[String],
    full_report: &str,
) -> String {
    let marker = summary_marker(directory);
    let title = format!("Drydock · {}", escape(directory));
    let headline = markdown::headline(&title, verdict, Some(apply));
    // The review's notices, then this directory's conditions already on the base branch.
    let mut all = notices.to_vec();
    all.extend(markdown::notice_texts(verdict));
    let notes = markdown::notes(&all);
    let full = format!(
        "{marker}\n{headline}\n\n{notes}{}{FOOTER}",
        markdown::details(verdict, sources, Some(apply)),
    );
    if full.len() <= COMMENT_LIMIT {
        return full;
    }
    // Too long for GitHub: one line per finding, as many as fit.
    let mut short = format!(
        "{marker}\n{headline}\n\n{notes}This report is too long for a comment; the \
            whole of it is in [the job summary]({full_report}).\n\n",
    );
    let room = COMMENT_LIMIT - FOOTER.len() - 100;
    let mut shown = 0;
    for f in &verdict.findings {
        let line = format!(
            "- **{}** `{}` {}:{}: {}\n",
            f.severity.as_str(),
            f.rule,
            escape(&f.file),
            f.start.line,
            escape(&f.message)
        );
        if short.len() + line.len() > room {
            break;
        }
        short.push_str(&line);
        shown += 1;
    }
    if shown < verdict.findings.len() {
        short.push_str(&format!(
            "- … and {} more\n",
            verdict.findings.len() - shown
        ));
    }
    short.push_str(FOOTER);
    short
}

/// What a directory's summary comment (its `marker` line kept) says once the pull request no
/// longer changes its migrations.
pub fn nothing_to_check_comment(marker: &str) -> String {
    format!(
        "{marker}\n## Drydock: nothing to check\n\nThis pull request no \
            longer changes migrations in this directory.\n{FOOTER}"
    )
}

const FOOTER: &str = "\n<sub>Drydock applied these migrations to a throwaway \
    Postgres. `drydock explain RULE` documents each rule.</sub>\n";

/// An inline comment's lines and text.
pub struct InlineComment {
    pub path: String,
    /// First line, when the comment spans several.
    pub start_line: Option<u32>,
    pub line: u32,
    pub body: String,
}

/// The inline comment for a finding, on the lines of its statement. `in_diff` says whether
/// GitHub accepts a comment on these lines (they lie in one hunk); a finding outside the diff
/// gets none (it is in the summary).
pub fn inline_comment(
    finding: &Finding,
    sources: &Sources,
    in_diff: impl Fn(u32, u32) -> bool,
) -> Option<InlineComment> {
    let (first, last) = (
        finding.start.line as u32,
        finding.end.line.max(finding.start.line) as u32,
    );
    // Comment on the statement when it lies in the diff, else on its first line.
    let (start_line, line) = if in_diff(first, last) {
        (first, last)
    } else if in_diff(first, first) {
        (first, first)
    } else {
        return None;
    };
    let mut body = format!(
        "{}\n**{}** `{}`: {}{}\n",
        finding_marker(finding, sources),
        finding.severity.as_str(),
        finding.rule,
        escape(&finding.message),
        if finding.blocking {
            " **(destructive)**"
        } else {
            ""
        }
    );
    for evidence in finding.evidence.iter().filter_map(|e| e.describe()) {
        body.push_str(&format!("- {}\n", escape(&evidence)));
    }
    if !finding.help.is_empty() {
        body.push_str(&format!("\n**Instead:** {}\n", escape(&finding.help)));
    }
    let source = sources.get(&finding.file);
    if let (Some(fix), Some(source)) = (&finding.fix, source) {
        let (from, to, block) = suggestion(source, fix.span.start, fix.span.end, &fix.replacement);
        body.push('\n');
        // A suggestion replaces exactly the commented lines.
        if (from, to) == (start_line, line) {
            body.push_str(&code_block(&block, "suggestion", ""));
        } else {
            body.push_str(&code_block(&fix.replacement, "sql", ""));
        }
    }
    Some(InlineComment {
        path: finding.file.clone(),
        start_line: (start_line != line).then_some(start_line),
        line,
        body,
    })
}

/// The lines `start..end` touches, with the replacement spliced in: what a GitHub suggestion
/// block must hold (whole lines).
fn suggestion(
    source: &SourceFile,
    start: usize,
    end: usize,
    replacement: &str,
) -> (u32, u32, String) {
    let first = source.position(start).line;
    let last = source.position(end.saturating_sub(1).max(start)).line;
    let text = &source.text;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let block = format!(
        "{}{}{}",
        &text[line_start..start],
        replacement,
        &text[end..line_end]
    );
    (first as u32, last as u32, block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_cannot_be_broken_by_names() {
        let marker = summary_marker("db/--> <b>x</b>");
        assert!(marker.starts_with("<!-- drydock:summary:"));
        assert_eq!(marker.matches("-->").count(), 1);
        assert!(is_summary(&format!("{marker}\nbody")));
    }

    #[test]
    fn a_report_too_long_for_github_shrinks_to_one_line_per_finding() {
        use crate::finding::{Category, Severity};
        use crate::source::Position;
        let finding = |i: usize| Finding {
            rule: crate::lint::RuleId::DropColumn,
            category: Category::Destructive,
            severity: Severity::Error,
            blocking: true,
            file: format!("db/migrations/{i:04}_drop.sql"),
            span: None,
            start: Position { line: 1, column: 1 },
            end: Position { line: 1, column: 1 },
            message: format!("drops column t{i}.c: {}", "its data is deleted ".repeat(20)),
            help: "Deploy the code change first. ".repeat(10),
            fix: None,
            subject: None,
            evidence: Vec::new(),
        };
        let verdict = Verdict {
            findings: (0..400).map(finding).collect(),
            override_label: "allow-destructive-migration".into(),
            ..Verdict::default()
        };
        let body = summary_comment(
            "db/migrations",
            &verdict,
            &Sources::default(),
            &ApplyReport::default(),
            &["This pull request changes drydock.toml; see <below>".to_string()],
            "https://github.example/acme/shop/actions/runs/42",
        );
        assert!(body.len() <= COMMENT_LIMIT, "{}", body.len());
        assert!(body.starts_with(&summary_marker("db/migrations")));
        // The notice survives the shortening, escaped.
        assert!(
            body.contains(
                "> [!NOTE]\n> This pull request changes drydock.toml; see &lt;below&gt;\n"
            ),
            "{}",
            &body[..600]
        );
        assert!(body.contains(
            "the whole of it is in [the job \
            summary](https://github.example/acme/shop/actions/runs/42)"
        ));
        assert!(
            body.contains(
                "- **error** `drop-column` db/migrations/0000\\_drop.sql:1: drops column t0.c"
            ),
            "{}",
            &body[..600]
        );
        let shown = body.matches("- **error**").count();
        assert!(shown > 50 && shown < 400, "{shown}");
        assert!(body.contains(&format!("- … and {} more", 400 - shown)));
    }

    #[test]
    fn suggestions_cover_whole_lines() {
        let source = SourceFile::new(
            "a.sql",
            "SELECT 1;\n  CREATE INDEX i ON t (a);  -- why\nSELECT 2;\n".into(),
        );
        let start = source.text.find("CREATE").unwrap();
        let end = source.text.find("(a);").unwrap() + 4;
        let (first, last, block) =
            suggestion(&source, start, end, "CREATE INDEX CONCURRENTLY i ON t (a);");
        assert_eq!((first, last), (2, 2));
        assert_eq!(block, "  CREATE INDEX CONCURRENTLY i ON t (a);  -- why");
    }
}
