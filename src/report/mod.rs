//! Report: pure rendering of a verdict as terminal text, JSON, SARIF or GitHub workflow
//! annotations. No I/O here.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::source::SourceFile;
use std::collections::HashMap;

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
}
