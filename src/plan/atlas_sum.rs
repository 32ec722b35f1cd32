//! Atlas' `atlas.sum` integrity file: the first line is `h1:` and a hash over every entry; each
//! entry is a file name and a running SHA-256 over the names and contents of it and every file
//! before it (base64).

use super::{AtlasSumDifference, Issue, IssueKind, MigrationDir};
use crate::finding::Finding;
use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The `atlas.sum` content Atlas would write for these files (name, bytes), in order.
pub fn compute(files: &[(String, Vec<u8>)]) -> String {
    let mut running = Sha256::new();
    let mut entries = Vec::new();
    for (name, bytes) in files {
        running.update(name.as_bytes());
        running.update(bytes);
        entries.push((name.clone(), STANDARD.encode(running.clone().finalize())));
    }
    let mut total = Sha256::new();
    for (name, hash) in &entries {
        total.update(name.as_bytes());
        total.update(hash.as_bytes());
    }
    let mut out = format!("h1:{}\n", STANDARD.encode(total.finalize()));
    for (name, hash) in entries {
        out.push_str(&format!("{name} h1:{hash}\n"));
    }
    out
}

/// The `.sql` files of the directory at `path` (name, bytes), by name: what `atlas.sum` covers.
pub fn sql_files(path: &std::path::Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut names: Vec<String> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|n| {
            let bytes = super::read::regular_file(&path.join(&n)).unwrap_or_default();
            (n, bytes)
        })
        .collect())
}

pub fn check(dir: &MigrationDir) -> Result<Vec<Issue>> {
    let sum_path = dir.path.join("atlas.sum");
    let Some(recorded) = super::read::regular_file(&sum_path)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return Ok(Vec::new());
    };
    let expected = compute(&sql_files(&dir.path)?);
    if expected.trim_end() == recorded.trim_end() {
        return Ok(Vec::new());
    }
    let recorded_names: Vec<&str> = recorded
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(" h1:").map(|(n, _)| n))
        .collect();
    let expected_lines: Vec<&str> = expected.lines().skip(1).collect();
    let recorded_lines: Vec<&str> = recorded.lines().skip(1).collect();
    let first_difference = expected_lines
        .iter()
        .zip(recorded_lines.iter().chain(std::iter::repeat(&"")))
        .find(|(e, r)| e != r)
        .and_then(|(e, _)| e.split_once(" h1:").map(|(n, _)| n.to_string()));
    let difference = match first_difference {
        Some(name) if !recorded_names.contains(&name.as_str()) => {
            AtlasSumDifference::NotListed(name)
        }
        Some(name) => AtlasSumDifference::HashDiffers(name),
        None => AtlasSumDifference::ListsMissingFiles,
    };
    Ok(vec![Issue {
        location: Finding::for_file(&super::display(&sum_path)),
        kind: IssueKind::AtlasSumMismatch(difference),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_is_a_running_hash_over_names_and_contents() {
        let one = compute(&[("1.sql".into(), b"A".to_vec())]);
        let two = compute(&[
            ("1.sql".into(), b"A".to_vec()),
            ("2.sql".into(), b"B".to_vec()),
        ]);
        // The first file's entry does not change when a file is appended...
        assert_eq!(one.lines().nth(1), two.lines().nth(1));
        // ...but the directory hash does.
        assert_ne!(one.lines().next(), two.lines().next());
        let mut h = Sha256::new();
        h.update(b"1.sqlA");
        assert_eq!(
            one.lines().nth(1).unwrap(),
            format!("1.sql h1:{}", STANDARD.encode(h.finalize()))
        );
    }
}
