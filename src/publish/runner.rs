//! The GitHub Actions runner's channels, behind one type: workflow commands on stdout
//! (`::warning title=Drydock::...`, `::notice ...`, `::error ...`, the findings' file
//! annotations, plain log lines), the step outputs (`GITHUB_OUTPUT`) and the job summary
//! (`GITHUB_STEP_SUMMARY`, cut at GitHub's 1 MiB). Takes the two file paths the runner gives;
//! writes stdout and appends to those files, nothing else. Which outputs exist is the action's
//! business (`src/cli/github.rs`, next to action.yml's inputs); this only writes them.
//!
//! It lives in `publish`, not in the CLI, because these are the other way Drydock's result
//! reaches GitHub: the runner forwards them to the pull request's checks and the run's page.
//! The publishing policy writes through it when the API refuses (a fork's read-only token falls
//! back to annotations and the job summary), so the policy and its fallback sit side by side.

use crate::report;
use crate::verdict::Verdict;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// GitHub takes 1 MiB of job summary per step; the rest is left for the truncation note.
const SUMMARY_LIMIT: usize = 1024 * 1024 - 200;

/// Where this step's log, outputs and job summary go.
pub struct Runner {
    /// `GITHUB_STEP_SUMMARY`; `None`: no job summary (outside a runner).
    step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`; `None`: no step outputs.
    output: Option<PathBuf>,
}

impl Runner {
    pub fn new(step_summary: Option<PathBuf>, output: Option<PathBuf>) -> Runner {
        Runner {
            step_summary,
            output,
        }
    }

    /// A plain line in the job log.
    pub fn log(&self, line: &str) {
        println!("{line}");
    }

    /// The findings as annotations on their files and lines.
    pub fn annotate(&self, verdict: &Verdict) {
        print!("{}", report::github::render(verdict));
    }

    /// A notice annotation on the run, titled Drydock.
    pub fn notice(&self, message: &str) {
        println!("{}", command("notice", message));
    }

    /// A warning annotation on the run, titled Drydock.
    pub fn warning(&self, message: &str) {
        println!("{}", command("warning", message));
    }

    /// An error annotation on the run, titled Drydock.
    pub fn error(&self, message: &str) {
        println!("{}", command("error", message));
    }

    /// Appends Markdown to the job summary, cut at GitHub's limit. A summary that cannot be
    /// written is warned about, not fatal: the annotations and the report still hold it all.
    pub fn append_summary(&self, markdown: &str) {
        let Some(path) = &self.step_summary else {
            return;
        };
        let written = append(path, &truncated_summary(markdown));
        if let Err(e) = written {
            eprintln!(
                "warning: cannot write the job summary {}: {e}",
                path.display()
            );
        }
    }

    /// Sets the step outputs (`name=value`, a value on one line); the next steps read them, so
    /// failing to is an error.
    pub fn set_outputs(&self, outputs: &[(&str, String)]) -> Result<()> {
        let Some(path) = &self.output else {
            return Ok(());
        };
        let text: String = outputs
            .iter()
            .map(|(name, value)| format!("{name}={}\n", value.replace(['\n', '\r'], " ")))
            .collect();
        append(path, &text)
            .with_context(|| format!("cannot write the step outputs to {}", path.display()))
    }
}

/// A workflow command on the run (no file), titled Drydock.
fn command(kind: &str, message: &str) -> String {
    format!(
        "::{kind} title=Drydock::{}",
        report::github::escape_data(message)
    )
}

fn truncated_summary(markdown: &str) -> String {
    let mut text = markdown.to_string();
    if text.len() > SUMMARY_LIMIT {
        let mut cut = SUMMARY_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(
            "\n\n… the report was cut at GitHub's 1 MiB limit; the JSON report has all of it.\n",
        );
    }
    text
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_their_message() {
        assert_eq!(
            command("error", "100% sure\nreally"),
            "::error title=Drydock::100%25 sure%0Areally"
        );
    }

    #[test]
    fn the_summary_is_cut_at_a_character_boundary() {
        let long = "é".repeat(SUMMARY_LIMIT);
        let cut = truncated_summary(&long);
        assert!(cut.len() < 1024 * 1024, "{}", cut.len());
        assert!(cut.ends_with("the JSON report has all of it.\n"));
        assert_eq!(truncated_summary("short\n"), "short\n");
    }

    #[test]
    fn outputs_are_appended_one_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        std::fs::write(&path, "earlier=1\n").unwrap();
        let runner = Runner::new(None, Some(path.clone()));
        let outputs = [
            ("errors", "0".to_string()),
            ("report", "a\nb.json".to_string()),
        ];
        runner.set_outputs(&outputs).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "earlier=1\nerrors=0\nreport=a b.json\n"
        );
        // No runner paths: nothing to write, nothing fails.
        Runner::new(None, None).set_outputs(&outputs).unwrap();
        Runner::new(None, None).append_summary("x");
    }
}
