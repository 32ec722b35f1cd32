//! Plain SQL files: a directory no migration tool claims, or a single file named on the command
//! line.
//!
//! - Naming: every `*.sql` file is an up migration; its version is its name without `.sql`.
//! - Identity: the whole name; order: by name, byte by byte.
//! - Transaction: each file in its own transaction, statement by statement, unless a comment
//!   line of it says `-- atlas:txmode none` (Drydock's own rule, looser than Atlas', which reads
//!   the directive only from the comment block that opens the file: see [`super::atlas`]). A
//!   file that carries a tool's own annotation (goose's `-- +goose`, dbmate's `-- migrate:up`)
//!   or sqlx's `-- no-transaction` first line runs as that tool runs it: a file named on its
//!   own, or beyond the files detection reads, keeps its framework's semantics, and a goose or
//!   dbmate file's down section is not part of what runs going up.
//! - History table: none (there is no tool).
//! - Detection: the fallback, for a directory of `.sql` files no other format claims.
//! - Out of order: unknown (no tool), so reported: a runner may skip it.

use super::{Detection, MigrationFormat, MigrationText, OutOfOrder, Sections};
use crate::plan::format::{Format, NameInfo, Transaction, Version};
use crate::plan::new::{NewFile, NewMigration};
use chrono::{DateTime, Utc};

pub struct Plain;

/// How much of a file's start a tool's annotation is looked for in (as detection reads it).
const ANNOTATION_HEAD: usize = 4096;

/// The tool whose own marker the file carries, wherever it is linted from: `-- +goose ...`,
/// `-- migrate:up ...` (as detection reads them, in the file's first bytes).
fn annotated_format(whole: &str) -> Option<Format> {
    let mut end = whole.len().min(ANNOTATION_HEAD);
    while !whole.is_char_boundary(end) {
        end -= 1;
    }
    let head = &whole[..end];
    Format::ALL
        .iter()
        .find(|format| {
            matches!(format.detection(), Some(Detection::Annotation(a)) if head.contains(a))
        })
        .copied()
}

#[allow(non_upper_case_globals)] // Spelled like the enum variant the handle replaced.
impl Format {
    pub const Plain: Format = Format::new(&Plain);
}

impl MigrationFormat for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }

    /// Drydock's own: the next name in the directory's scheme (`0001_x.sql` in an empty one),
    /// with `-- atlas:txmode none` for a file to run outside a transaction (the rule above).
    fn new_migration(&self, new: &NewMigration<'_>) -> Vec<NewFile> {
        vec![super::atlas::txmode_file(new, "the runner")]
    }

    fn first_version(&self, _now: DateTime<Utc>) -> String {
        "0001".into()
    }

    fn detection(&self) -> Option<Detection> {
        Some(Detection::Fallback)
    }

    fn parse_name(&self, name: &str) -> Option<NameInfo> {
        let stem = name.strip_suffix(".sql")?;
        Some(NameInfo::up(Version::lexical(stem)))
    }

    fn sections(&self, whole: &str) -> Option<Sections> {
        // A goose or dbmate file linted on its own still has its down section: not run going up.
        annotated_format(whole)?.sections(whole)
    }

    fn transaction(&self, file: &MigrationText<'_>) -> Transaction {
        if let Some(format) = annotated_format(file.whole) {
            return format.transaction(file);
        }
        if file.whole.starts_with("-- no-transaction") {
            return Format::Sqlx.transaction(file);
        }
        Transaction::wrapped_unless(file.has_directive("--atlas:txmodenone"))
    }

    fn history_tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder::Unknown
    }
}
