//! Schema changes as people read them: one line per change, and the object's definition diff.
//! Shared by `drydock check` (base to pull request), `drydock diff` and `drydock drift`.

use super::OutputFormat;
use super::markdown::{code_block, escape};
use crate::diff::{Change, ChangeType};
use serde_json::json;

fn verb(change: &Change) -> &'static str {
    match change.change {
        ChangeType::Added => "added",
        ChangeType::Removed => "removed",
        ChangeType::Renamed => "renamed",
        ChangeType::Altered => "altered",
    }
}

/// `+ table public.orders`, `~ column ...`, `- ... [destructive]`, `> ... (renamed from ...)`.
pub fn change_line(change: &Change) -> String {
    let sign = match change.change {
        ChangeType::Added => "+",
        ChangeType::Removed => "-",
        ChangeType::Renamed => ">",
        ChangeType::Altered => "~",
    };
    let mut line = format!("{sign} {} {}", change.kind.as_str(), change.name);
    if let Some(from) = &change.renamed_from {
        line.push_str(&format!(" (renamed from {from})"));
    }
    if let Some(from) = &change.probable_rename_of {
        line.push_str(&format!(" (probably renamed from {from})"));
    }
    if change.destructive {
        line.push_str(" [destructive]");
    }
    line
}

/// A markdown bullet list of the changes, then every definition diff folded away.
pub fn markdown_list<'a>(changes: impl IntoIterator<Item = &'a Change> + Clone) -> String {
    let mut out = String::new();
    for change in changes.clone() {
        out.push_str(&format!(
            "- **{}** {} {}",
            verb(change),
            change.kind.as_str(),
            escape(&change.name)
        ));
        if let Some(from) = &change.renamed_from {
            out.push_str(&format!(" (from {})", escape(from)));
        }
        if let Some(from) = &change.probable_rename_of {
            out.push_str(&format!(" (probably renamed from {})", escape(from)));
        }
        if change.destructive {
            out.push_str(" **(destructive)**");
        }
        out.push('\n');
    }
    out.push_str("\n<details><summary>Definitions</summary>\n\n");
    for change in changes {
        out.push_str(&code_block(&change.diff, "diff", ""));
        out.push('\n');
    }
    out.push_str("</details>\n");
    out
}

fn text_list(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        out.push_str(&format!("  {}\n", change_line(change)));
    }
    for change in changes {
        out.push('\n');
        out.push_str(&change.diff);
    }
    out
}

fn json_changes(
    changes: &[Change],
    extra: impl Fn(&Change) -> serde_json::Value,
) -> serde_json::Value {
    changes
        .iter()
        .map(|c| {
            let mut value = serde_json::to_value(c).expect("changes serialize");
            if let (Some(object), serde_json::Value::Object(more)) =
                (value.as_object_mut(), extra(c))
            {
                object.extend(more);
            }
            value
        })
        .collect()
}

/// `drydock diff FROM TO`: what changes from the first schema to the second.
pub fn render_diff(format: OutputFormat, from: &str, to: &str, changes: &[Change]) -> String {
    let destructive = changes.iter().filter(|c| c.destructive).count();
    match format {
        OutputFormat::Json => {
            let value = json!({
                "from": from,
                "to": to,
                "identical": changes.is_empty(),
                "destructive": destructive,
                "changes": json_changes(changes, |_| json!({})),
            });
            serde_json::to_string_pretty(&value).expect("serializes") + "\n"
        }
        OutputFormat::Markdown => {
            if changes.is_empty() {
                return format!(
                    "## Drydock diff: no schema changes\n\n{} and {} have the same schema.\n",
                    escape(from),
                    escape(to)
                );
            }
            format!(
                "## Drydock diff: {} change(s){}\n\nFrom {} to {}:\n\n{}",
                changes.len(),
                if destructive > 0 {
                    format!(", {destructive} destructive")
                } else {
                    String::new()
                },
                escape(from),
                escape(to),
                markdown_list(changes)
            )
        }
        _ => {
            if changes.is_empty() {
                return format!("no schema changes: {from} and {to} have the same schema\n");
            }
            format!(
                "{} change(s) from {from} to {to}{}:\n{}",
                changes.len(),
                if destructive > 0 {
                    format!(" ({destructive} destructive)")
                } else {
                    String::new()
                },
                text_list(changes)
            )
        }
    }
}

/// `drydock drift`: "+" only in the database, "-" only in the migrations, "~" different.
pub fn render_drift(
    format: OutputFormat,
    directory: &str,
    database: &str,
    changes: &[Change],
) -> String {
    let where_ = |c: &Change| match c.change {
        ChangeType::Added => "only in the database",
        ChangeType::Removed => "only in the migrations",
        ChangeType::Renamed | ChangeType::Altered => "differs",
    };
    match format {
        OutputFormat::Json => {
            let value = json!({
                "in_sync": changes.is_empty(),
                "directory": directory,
                "database": database,
                "changes": json_changes(changes, |c| json!({"drift": where_(c)})),
            });
            serde_json::to_string_pretty(&value).expect("serializes") + "\n"
        }
        OutputFormat::Markdown => {
            if changes.is_empty() {
                return format!(
                    "## Drydock drift: ✅ in sync\n\n{} matches what {} produces.\n",
                    escape(database),
                    escape(directory)
                );
            }
            let mut out = format!(
                "## Drydock drift: ⚠️ {} difference(s)\n\nBetween {} and what {} produces:\n\n",
                changes.len(),
                escape(database),
                escape(directory)
            );
            for c in changes {
                out.push_str(&format!(
                    "- {} {}: {}\n",
                    c.kind.as_str(),
                    escape(&c.name),
                    where_(c)
                ));
            }
            out.push_str(
                "\n<details><summary>Definitions (- migrations, + database)</summary>\n\n",
            );
            for c in changes {
                out.push_str(&code_block(&c.diff, "diff", ""));
                out.push('\n');
            }
            out.push_str("</details>\n");
            out
        }
        _ => {
            if changes.is_empty() {
                return format!("in sync: {database} matches what {directory} produces\n");
            }
            let mut out = format!(
                "drift: {} difference(s) between {database} and what {directory} produces\n",
                changes.len()
            );
            for c in changes {
                out.push_str(&format!(
                    "  {} {}: {}\n",
                    c.kind.as_str(),
                    c.name,
                    where_(c)
                ));
            }
            for c in changes {
                out.push('\n');
                out.push_str(&c.diff);
            }
            out
        }
    }
}
