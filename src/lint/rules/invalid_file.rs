use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{Issue, IssueKind};

declare_rule! {
    /// ## What it does
    /// Flags a migration file Drydock cannot read: not UTF-8, unreadable, or missing the up-section
    /// annotation its format needs (`-- +goose Up`, `-- migrate:up`); and one that starts with
    /// a UTF-8 byte order mark where its tool sends it to PostgreSQL (every tool but Flyway).
    ///
    /// ## Why it matters
    /// The framework will reject the file too, or run nothing from it; the rest of the directory
    /// is still checked.
    ///
    /// ## Example
    /// A file saved as Latin-1 with an accented character in a comment.
    ///
    /// ## Use instead
    /// Save the file as UTF-8; add the format's up annotation.
    pub struct InvalidFile {
        name: "invalid-file",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

impl Rule for InvalidFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        let hit = match &issue.kind {
            IssueKind::Unreadable { error } => Hit::new(
                format!("cannot read the file: {error}"),
                "Check the file's permissions.",
            ),
            IssueKind::Refused { why } => Hit::new(
                format!(
                    "the file was not read: {why}; Drydock reads only regular files inside the \
                     repository, so nothing in it was checked or applied"
                ),
                "Commit the migration as a regular file (not a link) of its framework's size; a \
                 link in a pull request is how a migration would read the runner's files.",
            ),
            IssueKind::NulByte { line, column } => Hit::new(
                format!(
                    "the file holds a NUL byte at line {line}, column {column}: Postgres takes \
                     none in a query, so the migration cannot apply; it was not linted"
                ),
                "Remove the NUL byte (often a file saved as UTF-16, or binary data pasted in).",
            ),
            IssueKind::NotUtf8 {
                line,
                column,
                offset,
            } => Hit::new(
                format!(
                    "the file is not valid UTF-8 (invalid byte at line {line}, \
                        column {column}, byte offset {offset}); it was not linted"
                ),
                "Save the file as UTF-8 (Postgres migrations tools read it as UTF-8 too).",
            ),
            IssueKind::ByteOrderMark { format } => Hit::new(
                format!(
                    "the file starts with a UTF-8 byte order mark (bytes EF BB BF), which \
                     {format} sends to PostgreSQL with the first statement: PostgreSQL rejects \
                     it as a syntax error at an invisible character; it was not linted"
                ),
                "Save the file as UTF-8 without a byte order mark (most editors call it \
                 \"UTF-8\", not \"UTF-8 with BOM\").",
            ),
            IssueKind::MissingUpMarker {
                format,
                marker,
                annotation,
            } => Hit::new(
                format!(
                    "no `{marker}` annotation: {format} would not know which \
                    statements to run"
                ),
                format!("Start the up section with `{annotation}`."),
            ),
            _ => return,
        };
        out.push(hit);
    }
}
