//! What every stage knows about a migration format: the [`Format`] handle, how the framework runs
//! a file ([`Transaction`]) and how versions compare ([`Version`]). The formats themselves, one
//! file each, and their registry are in [`super::formats`].

use super::formats::{Layout, MigrationFormat};
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::str::FromStr;

/// A migration format: a cheap copyable handle on one of the formats of the registry
/// ([`Format::ALL`]). It dereferences to the format's [`MigrationFormat`] implementation, and is
/// compared, hashed, shown and serialized by its name.
#[derive(Clone, Copy)]
pub struct Format(&'static dyn MigrationFormat);

impl Format {
    pub const fn new(format: &'static dyn MigrationFormat) -> Format {
        Format(format)
    }

    /// Whether migrations live one per sub-directory (`<version>_name/up.sql`).
    pub fn uses_subdirectories(self) -> bool {
        matches!(self.layout(), Layout::Subdirectory { .. })
    }
}

impl Deref for Format {
    type Target = dyn MigrationFormat;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Format {}

impl Hash for Format {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl fmt::Debug for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format({})", self.name())
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .copied()
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

/// How the framework runs a file. Each format's module doc says, with the tool's source, which
/// of these its files get and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transaction {
    /// Wrapped in BEGIN/COMMIT by the framework (the file sent whole or statement by statement:
    /// inside a transaction block the two fail alike).
    Wrapped,
    /// Sent as one multi-statement query (the simple query protocol) outside any transaction:
    /// Postgres runs a query of several statements as one implicit transaction, so
    /// CONCURRENTLY only works alone in its file.
    Implicit,
    /// Run statement by statement, autocommit.
    None,
}

impl Transaction {
    /// The framework wraps the file in a transaction unless the file (or its config) turns it off.
    pub fn wrapped_unless(off: bool) -> Transaction {
        if off {
            Transaction::None
        } else {
            Transaction::Wrapped
        }
    }

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
    /// A dialect-free file (popx's `V_name.up.sql`): it runs only when no PostgreSQL-specific
    /// file of the directory has its version (`V_name.postgres.up.sql`).
    pub dialect_free: bool,
}

impl NameInfo {
    /// An up migration of `version`.
    pub fn up(version: Version) -> NameInfo {
        NameInfo {
            version,
            is_up: true,
            dialect_free: false,
        }
    }

    /// A migration directory named `<version>_name` (diesel, Prisma): the version is the text up
    /// to the first `_`, compared as text; the name must start with a digit.
    pub fn dated_directory(name: &str) -> Option<NameInfo> {
        let first = name.chars().next()?;
        first
            .is_ascii_digit()
            .then(|| NameInfo::up(Version::lexical(name.split('_').next().unwrap_or(name))))
    }

    /// `stem.up.sql` or `stem.down.sql` (golang-migrate, sqlx): the stem and whether it goes up.
    pub fn direction(name: &str) -> Option<(&str, bool)> {
        name.strip_suffix(".up.sql")
            .map(|stem| (stem, true))
            .or_else(|| name.strip_suffix(".down.sql").map(|stem| (stem, false)))
    }

    /// `<number>_name`: the version is the number before the first `_` (golang-migrate, goose,
    /// dbmate, sqlx).
    pub fn numbered(stem: &str, is_up: bool) -> Option<NameInfo> {
        let digits = stem.split('_').next()?;
        Some(NameInfo {
            is_up,
            ..NameInfo::up(Version::numeric(digits)?)
        })
    }
}
