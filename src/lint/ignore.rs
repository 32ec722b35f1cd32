//! Inline ignore comments: Drydock's own, and those of Atlas and squawk so that teams moving
//! over keep their existing comments working.
//!
//! - `-- drydock:ignore rule[, rule] -- reason` before a statement
//! - `-- drydock:ignore-file rule[, rule]` before the first statement
//! - `-- atlas:nolint [analyzer or code ...]` before a statement (no names: every rule)
//! - `-- squawk-ignore rule[, rule]` before a statement, `-- squawk-ignore-file ...` at the top

use super::rules::{self, RuleId};
use crate::finding::{Category, Finding};
use crate::source::{SourceFile, Span};
use crate::sql::{ParsedSql, Statement};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rules {
    All,
    Named(Vec<RuleId>),
}

impl Rules {
    pub fn covers(&self, rule: RuleId) -> bool {
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

/// A name in a Drydock ignore comment that is no rule: the comment does nothing, which
/// `unknown-rule-in-ignore` reports.
#[derive(Debug, Clone)]
pub struct UnknownIgnore {
    /// The comment.
    pub span: Span,
    pub name: String,
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

/// Resolves the names in a directive; unknown Drydock names are collected in `unknown`.
fn resolve(
    tool: Tool,
    list: &str,
    comment: Span,
    unknown: &mut Vec<UnknownIgnore>,
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
        let matched: Vec<RuleId> = match tool {
            Tool::Drydock => rules::by_name(name)
                .map(|r| r.meta().id)
                .into_iter()
                .collect(),
            Tool::Squawk | Tool::Atlas => rules::all()
                .iter()
                .map(|r| r.meta())
                .filter(|m| {
                    m.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
                        || tool == Tool::Atlas && atlas_analyzer(name) == Some(m.category)
                })
                .map(|m| m.id)
                .collect(),
        };
        if matched.is_empty() && tool == Tool::Drydock {
            unknown.push(UnknownIgnore {
                span: comment,
                name: name.to_string(),
            });
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
    unknown: &mut Vec<UnknownIgnore>,
) -> Vec<Suppression> {
    let comments = parsed
        .statements
        .first()
        .map(|s| s.leading_comments.as_slice())
        .unwrap_or(parsed.trailing_comments.as_slice());
    let mut out = Vec::new();
    for span in comments {
        if let Some(Directive::File(tool, list)) = directive(comment_text(source, span)) {
            let (rules, reason) = resolve(tool, list, *span, unknown);
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
    unknown: &mut Vec<UnknownIgnore>,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for span in &statement.leading_comments {
        if let Some(Directive::Statement(tool, list)) = directive(comment_text(source, span)) {
            let (rules, reason) = resolve(tool, list, *span, unknown);
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
