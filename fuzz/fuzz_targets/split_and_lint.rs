#![no_main]
//! Splits, parses and lints arbitrary bytes as a migration: must never panic.

use drydock::lint::{self, Input, LintSettings, Scope};
use drydock::plan::MigrationFile;
use drydock::plan::format::{Transaction, Version};
use drydock::source::{SourceFile, Span};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = MigrationFile {
        source: SourceFile::new("fuzz.sql", text.to_string()),
        relative: "fuzz.sql".into(),
        version: Version::lexical("fuzz"),
        up: Span::new(0, text.len()),
        transaction: Transaction::Wrapped,
    };
    let out = lint::lint(&[Input { file: &file, reviewed: true }], Scope::EachFile, &LintSettings::default());
    for f in &out.findings {
        let _ = file.source.position(f.span.map_or(0, |s| s.end));
    }
});
