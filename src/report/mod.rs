//! Report: pure rendering of a verdict as terminal text, JSON, SARIF, GitHub workflow
//! annotations or the Markdown of a pull request comment. No I/O here.

pub mod github;
pub mod json;
pub mod markdown;
pub mod pull_request;
pub mod sarif;
pub mod schema_diff;
pub mod text;

use crate::apply::{FileOutcome, FileStatus, StatementTrace};
use crate::diff::Change;
use crate::source::SourceFile;
use std::collections::HashMap;

/// What `drydock check` learned by applying the migrations.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Which Postgres, for people (never a password); empty when nothing was applied.
    pub postgres: String,
    pub directories: Vec<AppliedDir>,
}

#[derive(Debug, Clone)]
pub struct AppliedDir {
    pub path: String,
    pub format: &'static str,
    pub files: Vec<FileOutcome>,
    pub traces: Vec<StatementTrace>,
    /// From the base state to the state after the migrations under review.
    pub schema_changes: Vec<Change>,
    /// A migration already on the base branch failed: nothing under review was applied.
    pub base_unbuilt: Option<crate::pipeline::base_state::BaseUnbuilt>,
}

impl ApplyReport {
    /// One line per schema change: `+ table public.orders`, `~ column ...`, `- ...`.
    pub fn change_lines(&self) -> Vec<String> {
        self.directories
            .iter()
            .flat_map(|d| &d.schema_changes)
            .map(schema_diff::change_line)
            .collect()
    }

    /// The directories whose base state could not be built, with why.
    pub fn base_unbuilt(
        &self,
    ) -> impl Iterator<Item = (&str, &crate::pipeline::base_state::BaseUnbuilt)> {
        self.directories
            .iter()
            .filter_map(|d| d.base_unbuilt.as_ref().map(|b| (d.path.as_str(), b)))
    }

    /// "applied 3 of 4 migrations under review to local PostgreSQL 15.18 (...)".
    pub fn summary(&self) -> String {
        if self.postgres.is_empty() {
            return "nothing under review to apply".into();
        }
        let reviewed: Vec<&FileOutcome> = self
            .directories
            .iter()
            .flat_map(|d| &d.files)
            .filter(|f| f.reviewed)
            .collect();
        let applied = reviewed
            .iter()
            .filter(|f| f.status == FileStatus::Applied)
            .count();
        let mut line = format!(
            "applied {applied} of {} migration(s) under review to {}",
            reviewed.len(),
            self.postgres
        );
        let unbuilt: Vec<_> = self.base_unbuilt().map(|(_, u)| u.on_base).collect();
        if unbuilt.contains(&true) {
            line.push_str(
                "; a migration already on the base branch failed, so the base state could \
                    not be built and the change was not applied",
            );
        } else if unbuilt.contains(&false) {
            line.push_str(
                "; the throwaway role was refused a privilege a migration of the change needs, \
                    so the change could not be checked",
            );
        }
        line
    }
}

/// The files findings point into, by their display path, for code frames and fixes.
#[derive(Default)]
pub struct Sources<'a> {
    files: HashMap<String, &'a SourceFile>,
}

impl<'a> Sources<'a> {
    pub fn add(&mut self, file: &'a SourceFile) {
        self.files.insert(file.display_path(), file);
    }

    pub fn get(&self, path: &str) -> Option<&'a SourceFile> {
        self.files.get(path).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}
