//! Inline ignore comments: Drydock's own, and those of Atlas and squawk so that teams moving
//! over keep their existing comments working.
//!
//! - `-- drydock:ignore rule[, rule] -- reason` before a statement
//! - `-- drydock:ignore-file rule[, rule]` before the first statement
//! - `-- atlas:nolint [analyzer or code ...]` before a statement (no names: every rule)
//! - `-- squawk-ignore rule[, rule]` before a statement, `-- squawk-ignore-file ...` at the top

use super::rules;
use super::{Hit, finding};
use crate::finding::{Category, Finding};
use crate::source::{SourceFile, Span};
use crate::sql::{ParsedSql, Statement};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rules {
    All,
    Named(Vec<&'static str>),
}

impl Rules {
    pub fn covers(&self, rule: &str) -> bool {
        match self {
            Rules::All => true,
            Rules::Named(names) => names.contains(&rule),
        }
    }
}

/// Findings of `rules` in `file` (within `span`, or anywhere when `None`) are ignored.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub file: String,
    pub span: Option<Span>,
    pub rules: Rules,
    pub reason: Option<String>,
}

impl Suppression {
    pub fn covers(&self, finding: &Finding) -> bool {
        finding.file == self.file
            && self.rules.covers(finding.rule)
            && match (self.span, finding.span) {
                (None, _) => true,
                (Some(s), Some(f)) => f.start >= s.start && f.start <= s.end,
                (Some(_), None) => false,
            }
    }
}

enum Directive<'a> {
    Statement(Tool, &'a str),
    File(Tool, &'a str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Drydock,
    Atlas,
    Squawk,
}

fn directive(comment: &str) -> Option<Directive<'_>> {
    let body = comment.strip_prefix("--")?.trim_start();
    let prefixes = [
        ("drydock:ignore-file", true, Tool::Drydock),
        ("drydock:ignore", false, Tool::Drydock),
        ("squawk-ignore-file", true, Tool::Squawk),
        ("squawk-ignore", false, Tool::Squawk),
        ("atlas:nolint", false, Tool::Atlas),
    ];
    prefixes.iter().find_map(|(prefix, file, tool)| {
        let rest = body.strip_prefix(prefix)?;
        if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
            return None;
        }
        Some(if *file {
            Directive::File(*tool, rest.trim())
        } else {
            Directive::Statement(*tool, rest.trim())
        })
    })
}

/// Resolves the names in a directive; unknown Drydock names become findings.
fn resolve(
    tool: Tool,
    list: &str,
    source: &SourceFile,
    comment: Span,
    findings: &mut Vec<Finding>,
) -> (Rules, Option<String>) {
    let (names, reason) = match list.split_once("--") {
        Some((names, reason)) => (names, Some(reason.trim().to_string())),
        None => (list, None),
    };
    let names: Vec<&str> = names
        .split([',', ' '])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return (
            if tool == Tool::Drydock {
                Rules::Named(Vec::new())
            } else {
                Rules::All
            },
            reason,
        );
    }
    let mut resolved = Vec::new();
    for name in names {
        let matched: Vec<&'static str> = match tool {
            Tool::Drydock => rules::by_name(name)
                .map(|r| r.meta().name)
                .into_iter()
                .collect(),
            Tool::Squawk | Tool::Atlas => rules::all()
                .iter()
                .map(|r| r.meta())
                .filter(|m| {
                    m.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
                        || tool == Tool::Atlas && atlas_analyzer(name) == Some(m.category)
                })
                .map(|m| m.name)
                .collect(),
        };
        if matched.is_empty() && tool == Tool::Drydock {
            let meta = rules::by_name("unknown-rule-in-ignore")
                .expect("registered")
                .meta();
            findings.push(finding(
                meta,
                Finding::at(source, comment),
                Hit::new(
                    format!("`{name}` is not a Drydock rule, so this ignore comment does nothing"),
                    "Use a name from `drydock rules` (e.g. `drop-column`), or remove the comment.",
                ),
            ));
        }
        resolved.extend(matched);
    }
    (Rules::Named(resolved), reason)
}

fn atlas_analyzer(name: &str) -> Option<Category> {
    match name {
        "destructive" => Some(Category::Destructive),
        "data_depend" => Some(Category::DataDependent),
        "backward_incompatible" | "incompatible" => Some(Category::BackwardIncompatible),
        _ => None,
    }
}

fn comment_text<'a>(source: &'a SourceFile, span: &Span) -> &'a str {
    source.slice(*span).trim()
}

/// `*-ignore-file` directives, from the comments before the first statement.
pub fn file_suppressions(
    source: &SourceFile,
    parsed: &ParsedSql,
    findings: &mut Vec<Finding>,
) -> Vec<Suppression> {
    let comments = parsed
        .statements
        .first()
        .map(|s| s.leading_comments.as_slice())
        .unwrap_or(parsed.trailing_comments.as_slice());
    let mut out = Vec::new();
    for span in comments {
        if let Some(Directive::File(tool, list)) = directive(comment_text(source, span)) {
            let (rules, reason) = resolve(tool, list, source, *span, findings);
            out.push(Suppression {
                file: source.display_path(),
                span: None,
                rules,
                reason,
            });
        }
    }
    out
}

/// Statement-level directives in the comments right before `statement`.
pub fn statement_suppressions(
    source: &SourceFile,
    statement: &Statement,
    findings: &mut Vec<Finding>,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for span in &statement.leading_comments {
        if let Some(Directive::Statement(tool, list)) = directive(comment_text(source, span)) {
            let (rules, reason) = resolve(tool, list, source, *span, findings);
            out.push(Suppression {
                file: source.display_path(),
                span: Some(statement.span),
                rules,
                reason,
            });
        }
    }
    out
}
