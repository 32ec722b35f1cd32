//! `drydock new`: the next migration of a directory, as its own tool would create it. What is
//! shared between the formats is here: the version (the directory's own scheme, a timestamp or
//! the next number, continued), the name (snake_case), and the header that sets `lock_timeout`.
//! Each format lays the files out in its own file (`MigrationFormat::new_migration`), from what
//! its tool's own "new" command writes (checked in the tools' sources: see each format).
//! Takes the directory as read and the time; returns the files to write. Writes nothing.

use super::MigrationDir;
use super::format::Format;
use anyhow::{Result, bail};
use chrono::{DateTime, Utc};

/// What `drydock new` was asked for, resolved: the next version, the name, and how to run.
pub struct NewMigration<'a> {
    /// In the directory's scheme (`20261203120000`, `00012`, `1.3`, `2026-12-03-120000`).
    pub version: String,
    /// The name as a file name part: `add_orders_index`.
    pub slug: String,
    /// Outside a transaction, with the format's own marker (for CONCURRENTLY).
    pub no_transaction: bool,
    /// The `lock_timeout` the header sets; `None` when the team's runner sets one itself
    /// (`runner-lock-timeout`).
    pub lock_timeout: Option<String>,
    /// The directory's migrations, for formats that follow what is there (sqlx's reversible
    /// files, popx's dialect).
    pub existing: &'a [super::MigrationFile],
}

/// One file `drydock new` writes, relative to the migration directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub relative: String,
    pub content: String,
    /// It is rewritten, not created (Atlas' `atlas.sum`).
    pub replaces: bool,
}

impl NewFile {
    pub fn new(relative: impl Into<String>, content: impl Into<String>) -> NewFile {
        NewFile {
            relative: relative.into(),
            content: content.into(),
            replaces: false,
        }
    }
}

impl NewMigration<'_> {
    /// `marker` for a migration to run outside a transaction, else nothing.
    pub fn no_transaction_marker(&self, marker: &'static str) -> &'static str {
        if self.no_transaction { marker } else { "" }
    }

    /// The lines the up migration starts with. `one_query`: the tool sends the file as one
    /// query when it runs it outside a transaction, which PostgreSQL runs as one implicit
    /// transaction: there CONCURRENTLY works only as the file's one statement, so no `SET`
    /// goes before it and the comment says where lock_timeout belongs instead.
    pub fn header(&self, tool: &str, one_query: bool) -> String {
        if self.no_transaction && one_query {
            return format!(
                "-- Runs outside a transaction, but {tool} sends the file as one query, which \
                 PostgreSQL\n-- runs as one transaction: keep CONCURRENTLY the only statement \
                 of this file, and set\n-- lock_timeout for the runner's session (e.g. \
                 PGOPTIONS='-c lock_timeout=5s').\n"
            );
        }
        match &self.lock_timeout {
            Some(timeout) => format!(
                "-- Fail fast instead of queueing reads and writes behind a lock another session \
                 holds;\n-- retry the migration when it times out.\nSET lock_timeout = \
                 '{timeout}';\n"
            ),
            None => String::new(),
        }
    }
}

/// The files of the next migration `name` of `dir` (`None`: an empty or new directory of
/// `format`), at `now`.
pub fn next_migration(
    dir: Option<&MigrationDir>,
    format: Format,
    name: &str,
    no_transaction: bool,
    lock_timeout: Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<NewFile>> {
    let slug = slug(name);
    if slug.is_empty() {
        bail!(
            "`{name}` has no letter or digit to name the migration by: give it a name such as \
                add_orders_index"
        );
    }
    let existing = dir.map_or(&[][..], |d| d.files.as_slice());
    let newest = existing
        .iter()
        .filter(|f| !f.version.repeatable)
        .map(|f| f.version.text.as_str())
        .next_back();
    let version = match newest {
        Some(newest) => next_version(newest, now),
        None => format.first_version(now),
    };
    let new = NewMigration {
        version,
        slug,
        no_transaction,
        lock_timeout,
        existing,
    };
    let mut files = format.new_migration(&new);
    if let Some(dir) = dir {
        for file in &files {
            if !file.replaces && dir.path.join(&file.relative).exists() {
                bail!(
                    "{} exists already: give the migration another name",
                    super::display(&dir.path.join(&file.relative))
                );
            }
        }
        files.extend(format.after_new(dir, &files)?);
    }
    Ok(files)
}

/// `Add orders' index!` → `add_orders_index`: letters and digits lowercased, every other run
/// of characters one `_` (goose's `snakeCase`, Prisma's slugify with `_`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// The version after `newest`, in its scheme: a timestamp (12 digits or more, any `-` where
/// they were: diesel's `2024-01-01-000000`) becomes now's, at least one more than `newest`; a
/// number has its last run of digits counted up, its width kept (`00012` → `00013`, Flyway's
/// `1.2` → `1.3`).
fn next_version(newest: &str, now: DateTime<Utc>) -> String {
    let lead: String = newest
        .trim_start_matches(['V', 'v'])
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .collect();
    let digits: String = lead.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 12 && !lead.contains('.') {
        let dashed = lead.contains('-');
        let candidate = timestamp(now, digits.len(), dashed);
        let candidate_digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
        if candidate_digits > digits || digits.len() > 38 {
            return candidate;
        }
        // The clock is behind the newest version (another developer's, a skewed clock).
        let next = digits.parse::<u128>().unwrap_or(0) + 1;
        let next = format!("{next:0width$}", width = digits.len());
        return if dashed {
            dashed_timestamp(&next)
        } else {
            next
        };
    }
    let Some(end) = lead.rfind(|c: char| c.is_ascii_digit()) else {
        return "1".into();
    };
    let start = lead[..=end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let last = &lead[start..=end];
    let next = last.parse::<u128>().unwrap_or(0) + 1;
    format!("{}{next:0width$}", &lead[..start], width = last.len())
}

/// `now` as `YYYYMMDDHHMMSS` (UTC, as goose, golang-migrate, dbmate, sqlx, Prisma and Atlas
/// write it), padded with zeros to `width` digits (popx's 20), or diesel's `YYYY-MM-DD-HHMMSS`.
pub fn timestamp(now: DateTime<Utc>, width: usize, dashed: bool) -> String {
    let plain = now.format("%Y%m%d%H%M%S").to_string();
    if dashed {
        return dashed_timestamp(&plain);
    }
    format!("{plain:0<width$}")
}

/// `20241203120000` → `2024-12-03-120000`.
fn dashed_timestamp(digits: &str) -> String {
    if digits.len() != 14 {
        return digits.to_string();
    }
    format!(
        "{}-{}-{}-{}",
        &digits[..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 30, 5).unwrap()
    }

    #[test]
    fn the_next_version_continues_the_directorys_scheme() {
        assert_eq!(next_version("20240101000000", now()), "20261203123005");
        assert_eq!(next_version("00012", now()), "00013");
        assert_eq!(next_version("0009", now()), "0010");
        assert_eq!(next_version("1", now()), "2");
        assert_eq!(next_version("1.2", now()), "1.3");
        assert_eq!(
            next_version("2024-01-01-000000", now()),
            "2026-12-03-123005"
        );
        assert_eq!(
            next_version("20210410175418000000", now()),
            "20261203123005000000"
        );
        // A newest version ahead of the clock: one more than it.
        assert_eq!(next_version("20300101000000", now()), "20300101000001");
        assert_eq!(
            next_version("2030-01-01-000000", now()),
            "2030-01-01-000001"
        );
    }

    #[test]
    fn names_become_snake_case() {
        assert_eq!(slug("Add orders' index!"), "add_orders_index");
        assert_eq!(slug("  create   users "), "create_users");
        assert_eq!(slug("!!!"), "");
    }
}
