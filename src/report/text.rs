//! Terminal output: a code frame per finding (file:line:col, the statement, the rule), why it
//! matters and what to write instead; colour only when asked (on a terminal).

use super::{ApplyReport, Sources};
use crate::finding::{Finding, Severity};
use crate::verdict::Verdict;
use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

pub fn render(
    verdict: &Verdict,
    sources: &Sources,
    color: bool,
    apply: Option<&ApplyReport>,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Unicode);
    let mut out = String::new();
    for finding in &verdict.findings {
        out.push_str(&render_finding(finding, sources, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&summary(verdict));
    out.push('\n');
    if let Some(apply) = apply {
        for (directory, unbuilt) in apply.base_unbuilt() {
            out.push_str(&format!(
                "error: {}: {}\n  help: {}\n",
                unbuilt.what(directory),
                unbuilt.error,
                unbuilt.help
            ));
        }
        out.push_str(&apply.summary());
        out.push('\n');
        let changes = apply.change_lines();
        if !changes.is_empty() {
            out.push_str("schema changes:\n");
            for line in changes {
                out.push_str("  ");
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn render_finding(finding: &Finding, sources: &Sources, renderer: &Renderer) -> String {
    let title = format!(
        "{}{}",
        finding.message,
        if finding.blocking {
            " [blocks merge until approved]"
        } else {
            ""
        }
    );
    let head = level(finding.severity)
        .primary_title(title.as_str())
        .id(finding.rule.name());
    let source = sources.get(&finding.file);
    let mut groups = Vec::new();
    let location = format!(
        "{}:{}:{}",
        finding.file, finding.start.line, finding.start.column
    );
    match (source, finding.span) {
        (Some(source), Some(span)) => {
            // Show only the statement's lines, so huge files stay cheap to render.
            let first = source.position(span.start).line;
            let start = source.text[..span.start].rfind('\n').map_or(0, |i| i + 1);
            let end = source.text[span.end..]
                .find('\n')
                .map_or(source.text.len(), |i| span.end + i);
            let excerpt = &source.text[start..end];
            let mut range = (span.start - start)..(span.end - start);
            if range.is_empty() {
                range.end = (range.start + 1).min(excerpt.len());
            }
            groups.push(
                head.element(
                    Snippet::source(excerpt)
                        .line_start(first)
                        .path(finding.file.as_str())
                        .annotation(
                            AnnotationKind::Primary
                                .span(range)
                                .label(finding.category.as_str()),
                        ),
                ),
            );
        }
        _ => groups.push(head.element(annotate_snippets::Origin::path(location.as_str()))),
    }
    let help = finding.help.as_str();
    let mut help_group = Group::with_title(Level::HELP.secondary_title(help));
    let evidence: Vec<String> = finding
        .evidence
        .iter()
        .filter_map(|e| e.describe())
        .collect();
    for line in &evidence {
        help_group = help_group.element(Level::NOTE.message(line.as_str()));
    }
    let replacement;
    if let Some(fix) = &finding.fix {
        replacement = format!("suggested: {}", fix.replacement);
        help_group = help_group.element(Level::NOTE.message(replacement.as_str()));
    }
    groups.push(help_group);
    renderer.render(&groups).to_string()
}

pub fn summary(verdict: &Verdict) -> String {
    let errors = verdict.count(Severity::Error);
    let warnings = verdict.count(Severity::Warning);
    let infos = verdict.count(Severity::Info);
    let mut line = format!(
        "{} file(s), {} statement(s): {errors} error(s), {warnings} warning(s), {infos} info",
        verdict.files, verdict.statements
    );
    if verdict.ignored > 0 {
        line.push_str(&format!(", {} ignored by comments", verdict.ignored));
    }
    let blocking = verdict.blocking();
    if blocking > 0 {
        line.push_str(&format!(
            "\n{blocking} destructive change(s) need a maintainer's approval (the override label)"
        ));
    }
    for notice in &verdict.notices {
        line.push_str(&format!("\nnote: {}", notice.text()));
    }
    line
}
