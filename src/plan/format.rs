//! Migration directory formats: how each names, orders and wraps its files.
//!
//! Transaction rules, as each tool documents them:
//! - Atlas runs each file in its own transaction unless the file says `-- atlas:txmode none`.
//! - golang-migrate (Postgres driver) and Prisma send a file as one multi-statement query, which
//!   Postgres runs as one implicit transaction: CONCURRENTLY only works alone in its file.
//! - Flyway wraps each file in a transaction; for Postgres it runs a file holding a
//!   non-transactional statement (CONCURRENTLY, VACUUM) outside one, but refuses to mix such a
//!   statement with others unless `postgresql.transactional.lock`/mixed mode is set, so in
//!   practice CONCURRENTLY must be alone in its file too. `V1__x.sql.conf` can set
//!   `executeInTransaction=false`.
//! - goose wraps unless `-- +goose NO TRANSACTION`; dbmate unless `-- migrate:up transaction:false`;
//!   sqlx unless the file starts with `-- no-transaction`; diesel unless `metadata.toml` has
//!   `run_in_transaction = false`.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Plain,
    Atlas,
    GolangMigrate,
    Goose,
    Flyway,
    Dbmate,
    Sqlx,
    Diesel,
    Prisma,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Plain,
        Format::Atlas,
        Format::GolangMigrate,
        Format::Goose,
        Format::Flyway,
        Format::Dbmate,
        Format::Sqlx,
        Format::Diesel,
        Format::Prisma,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Atlas => "atlas",
            Format::GolangMigrate => "golang-migrate",
            Format::Goose => "goose",
            Format::Flyway => "flyway",
            Format::Dbmate => "dbmate",
            Format::Sqlx => "sqlx",
            Format::Diesel => "diesel",
            Format::Prisma => "prisma",
        }
    }

    /// Whether migrations live one per sub-directory (`<version>_name/up.sql`).
    pub fn uses_subdirectories(self) -> bool {
        matches!(self, Format::Diesel | Format::Prisma)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let known: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown migration format `{s}`; expected one of: {}",
                    known.join(", ")
                )
            })
    }
}

/// How the framework runs a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transaction {
    /// Wrapped in BEGIN/COMMIT by the framework.
    Wrapped,
    /// Sent as one multi-statement query: one implicit transaction when it has several statements.
    Implicit,
    /// Run statement by statement, autocommit.
    None,
}

impl Transaction {
    pub fn describe(self) -> &'static str {
        match self {
            Transaction::Wrapped => "in a transaction",
            Transaction::Implicit => "as one multi-statement query (an implicit transaction)",
            Transaction::None => "without a transaction",
        }
    }
}

/// A migration's version, compared the way its framework compares them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub text: String,
    /// Numeric parts (`1.2.10` → [1, 2, 10]); empty when the version is compared as text.
    #[serde(skip)]
    pub parts: Vec<u128>,
    /// Flyway repeatable migrations run after all versioned ones.
    #[serde(skip)]
    pub repeatable: bool,
}

impl Version {
    pub fn numeric(text: &str) -> Option<Version> {
        let parts: Option<Vec<u128>> = text
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect();
        let parts = parts?;
        (!parts.is_empty()).then(|| Version {
            text: text.to_string(),
            parts,
            repeatable: false,
        })
    }

    pub fn lexical(text: &str) -> Version {
        Version {
            text: text.to_string(),
            parts: Vec::new(),
            repeatable: false,
        }
    }
}

impl Version {
    /// Whether two migrations claim the same version (their frameworks would collide).
    pub fn same_as(&self, other: &Version) -> bool {
        if self.repeatable || other.repeatable {
            return false;
        }
        if self.parts.is_empty() || other.parts.is_empty() {
            return self.text == other.text;
        }
        self.cmp_parts(other) == Ordering::Equal
    }

    fn cmp_parts(&self, other: &Version) -> Ordering {
        // Trailing zero parts do not count: Flyway's 1.0 equals 1.
        let trim = |p: &[u128]| {
            let n = p.iter().rposition(|x| *x != 0).map_or(0, |i| i + 1);
            p[..n].to_vec()
        };
        trim(&self.parts).cmp(&trim(&other.parts))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.repeatable
            .cmp(&other.repeatable)
            .then_with(|| {
                if !self.parts.is_empty() && !other.parts.is_empty() {
                    self.cmp_parts(other)
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| self.text.cmp(&other.text))
    }
}

/// What a file name tells about a migration in a given format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameInfo {
    pub version: Version,
    /// `false` for down/undo files, which are not migrations to apply.
    pub is_up: bool,
}

/// Interprets a file name (for sub-directory formats, the directory name) in `format`.
/// `None` when the file is not a migration of that format.
pub fn parse_name(format: Format, name: &str) -> Option<NameInfo> {
    let up = |version| {
        Some(NameInfo {
            version,
            is_up: true,
        })
    };
    match format {
        Format::Plain | Format::Atlas => {
            let stem = name.strip_suffix(".sql")?;
            up(Version::lexical(stem))
        }
        Format::GolangMigrate | Format::Sqlx => {
            let (stem, is_up) = if let Some(s) = name.strip_suffix(".up.sql") {
                (s, true)
            } else if let Some(s) = name.strip_suffix(".down.sql") {
                (s, false)
            } else if format == Format::Sqlx {
                (name.strip_suffix(".sql")?, true)
            } else {
                return None;
            };
            let digits = stem.split('_').next()?;
            Some(NameInfo {
                version: Version::numeric(digits)?,
                is_up,
            })
        }
        Format::Goose | Format::Dbmate => {
            let stem = name.strip_suffix(".sql")?;
            let digits = stem.split('_').next()?;
            up(Version::numeric(digits)?)
        }
        Format::Flyway => {
            let stem = name.strip_suffix(".sql")?;
            let (prefix, _description) = stem.split_once("__")?;
            match prefix.chars().next()? {
                'V' => up(Version::numeric(&prefix[1..])?),
                'U' => Some(NameInfo {
                    version: Version::numeric(&prefix[1..])?,
                    is_up: false,
                }),
                'R' if prefix == "R" => up(Version {
                    repeatable: true,
                    ..Version::lexical(stem)
                }),
                _ => None,
            }
        }
        Format::Diesel | Format::Prisma => {
            let first = name.chars().next()?;
            first.is_ascii_digit().then(|| NameInfo {
                version: Version::lexical(name.split('_').next().unwrap_or(name)),
                is_up: true,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(format: Format, name: &str) -> Version {
        parse_name(format, name).unwrap().version
    }

    #[test]
    fn numeric_versions_sort_by_number_not_text() {
        assert!(v(Format::GolangMigrate, "9_a.up.sql") < v(Format::GolangMigrate, "10_b.up.sql"));
        assert!(v(Format::Goose, "00009_a.sql") < v(Format::Goose, "10_b.sql"));
        assert!(v(Format::Flyway, "V1_2__a.sql") < v(Format::Flyway, "V1_10__b.sql"));
        assert_eq!(
            v(Format::Flyway, "V1__a.sql").cmp(&v(Format::Flyway, "V1.0__a.sql")),
            std::cmp::Ordering::Less,
            "equal versions fall back to text so the order is total"
        );
        assert!(v(Format::Flyway, "R__views.sql") > v(Format::Flyway, "V999__z.sql"));
    }

    #[test]
    fn down_and_undo_files_are_not_up_migrations() {
        assert!(
            !parse_name(Format::GolangMigrate, "1_a.down.sql")
                .unwrap()
                .is_up
        );
        assert!(!parse_name(Format::Flyway, "U1__a.sql").unwrap().is_up);
        assert!(parse_name(Format::GolangMigrate, "README.md").is_none());
    }
}
