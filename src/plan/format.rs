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

/// A migration's version: what its tool records, what tells it apart from the others, and where
/// it sorts, each the way its tool does it (each format's module doc says where that was
/// checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    /// The version as the file name writes it: what the tool's history table records and what
    /// messages show.
    pub text: String,
    /// Numeric parts (`1.2.10` → [1, 2, 10]); empty when the version is compared as text.
    #[serde(skip)]
    pub parts: Vec<u128>,
    /// Flyway repeatable migrations run after all versioned ones.
    #[serde(skip)]
    pub repeatable: bool,
    /// What the tool tells migrations apart by, as it compares them: two migrations of a
    /// directory with the same identity collide. A numeric version's number (`001` and `1` are
    /// one, Flyway's `1.0` and `1` too); otherwise the text, unless the format says otherwise
    /// (Prisma's whole directory name, diesel's version without its `-`).
    #[serde(skip)]
    pub identity: String,
    /// What the tool sorts by when it sorts by text: the version, or the whole file name
    /// (dbmate, Atlas).
    #[serde(skip)]
    pub sort_text: String,
    /// How `sort_text` is compared.
    #[serde(skip)]
    pub collation: Collation,
}

/// How a tool compares the text it sorts migrations by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Collation {
    /// Byte by byte: Go's and Rust's `<` on strings.
    #[default]
    Bytes,
    /// JavaScript's `String.prototype.localeCompare` without a locale argument (Prisma's CLI
    /// sorts its migration directories so): see [`Collation::locale_compare`].
    Locale,
}

impl Collation {
    /// `a` against `b` as `localeCompare` orders them, for ASCII: checked against Node.js 22
    /// (ICU 78.2) under the en-US, de-DE and root locales, which order the ASCII characters
    /// alike: space and punctuation (in the order of [`LOCALE_PUNCTUATION`]) before digits,
    /// digits before letters, letters compared without their case first, and only between
    /// strings equal so, lowercase before uppercase at the first letter that differs in case.
    /// Characters beyond ASCII are ordered by code point after all of these (not checked against
    /// ICU; migration names rarely hold them), and locales that tailor letters (Danish `aa`) are
    /// not modelled.
    pub fn locale_compare(a: &str, b: &str) -> Ordering {
        fn primary(c: char) -> u32 {
            if let Some(i) = LOCALE_PUNCTUATION.find(c) {
                i as u32
            } else if c.is_ascii_digit() {
                100 + (c as u32 - '0' as u32)
            } else if c.is_ascii_alphabetic() {
                200 + (c.to_ascii_lowercase() as u32 - 'a' as u32)
            } else {
                1000 + c as u32
            }
        }
        let by_letter = a.chars().map(primary).cmp(b.chars().map(primary));
        by_letter.then_with(|| {
            a.chars()
                .zip(b.chars())
                .find(|(x, y)| x != y)
                .map_or(Ordering::Equal, |(x, y)| {
                    // Equal but for case: lowercase first.
                    x.is_ascii_uppercase().cmp(&y.is_ascii_uppercase())
                })
        })
    }
}

/// Space and the ASCII punctuation in the order `localeCompare` puts them, all before digits
/// (Node.js 22, ICU 78.2: `[...].sort((a, b) => a.localeCompare(b))`).
const LOCALE_PUNCTUATION: &str = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

impl Version {
    pub fn numeric(text: &str) -> Option<Version> {
        let parts: Option<Vec<u128>> = text
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect();
        let parts = parts?;
        if parts.is_empty() {
            return None;
        }
        // Trailing zero parts do not count: Flyway's 1.0 equals 1.
        let significant = parts.iter().rposition(|x| *x != 0).map_or(0, |i| i + 1);
        let identity = parts[..significant.max(1)]
            .iter()
            .map(u128::to_string)
            .collect::<Vec<_>>()
            .join(".");
        Some(Version {
            identity,
            parts,
            ..Version::lexical(text)
        })
    }

    pub fn lexical(text: &str) -> Version {
        Version {
            text: text.to_string(),
            parts: Vec::new(),
            repeatable: false,
            identity: text.to_string(),
            sort_text: text.to_string(),
            collation: Collation::Bytes,
        }
    }

    /// The same version, told apart from others by `identity` instead.
    pub fn identified_by(self, identity: impl Into<String>) -> Version {
        Version {
            identity: identity.into(),
            ..self
        }
    }

    /// The same version, sorted by `sort_text` compared as `collation` (a tool that sorts by
    /// text: numeric parts, if any, no longer count).
    pub fn sorted_by(self, sort_text: impl Into<String>, collation: Collation) -> Version {
        Version {
            sort_text: sort_text.into(),
            collation,
            parts: Vec::new(),
            ..self
        }
    }

    /// Whether two migrations claim the same identity (their tool would collide).
    pub fn same_as(&self, other: &Version) -> bool {
        !self.repeatable && !other.repeatable && self.identity == other.identity
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
    /// The tool's order; versions it holds equal fall back to bytes, so the order is total.
    fn cmp(&self, other: &Self) -> Ordering {
        let numeric = !self.parts.is_empty() && !other.parts.is_empty();
        self.repeatable
            .cmp(&other.repeatable)
            .then_with(|| {
                if numeric {
                    self.cmp_parts(other)
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| match self.collation {
                Collation::Locale if !numeric => {
                    Collation::locale_compare(&self.sort_text, &other.sort_text)
                }
                _ => Ordering::Equal,
            })
            .then_with(|| self.sort_text.cmp(&other.sort_text))
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

    /// `stem.up.sql` or `stem.down.sql` (golang-migrate, sqlx): the stem and whether it goes up.
    pub fn direction(name: &str) -> Option<(&str, bool)> {
        name.strip_suffix(".up.sql")
            .map(|stem| (stem, true))
            .or_else(|| name.strip_suffix(".down.sql").map(|stem| (stem, false)))
    }

    /// `<number>_name`: the version is the number before the first `_`, all ASCII digits
    /// (golang-migrate, goose, sqlx: each needs the `_`, see their module docs).
    pub fn numbered(stem: &str, is_up: bool) -> Option<NameInfo> {
        let (digits, _) = stem.split_once('_')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(NameInfo {
            is_up,
            ..NameInfo::up(Version::numeric(digits)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted by Node.js 22 (ICU 78.2, en-US): `[...].sort((a, b) => a.localeCompare(b))`.
    const SORTED_BY_NODE: &[&str] = &[
        " ", " -_", " -0", " Bb", "_.", "_.-", "_azA", "_Zz0", "-", ".1", "0", "0..", "1", "19 B",
        "1a", "1B", "9", "9..", "9Zb-", "a", "A", "azaa", "b", "B", "B-", "b.", "B1 ", "B11.",
        "B1Bb", "Bb9", "bBza", "bZ", "z_1", "Z-", "Z1.0", "Z9", "zaZA", "zB-", "ZB-", "ZBZ",
    ];

    #[test]
    fn locale_order_is_javascripts_for_ascii() {
        let mut shuffled: Vec<&str> = SORTED_BY_NODE.iter().rev().copied().collect();
        shuffled.rotate_left(17);
        shuffled.sort_by(|a, b| Collation::locale_compare(a, b));
        assert_eq!(shuffled, SORTED_BY_NODE);
        // Where byte order differs: `_` before digits, letters without their case first.
        assert_eq!(
            Collation::locale_compare("20240101_a", "202401010_b"),
            Ordering::Less
        );
        assert_eq!(Collation::locale_compare("a_B", "A_b"), Ordering::Less);
        assert_eq!(Collation::locale_compare("Ab", "ac"), Ordering::Less);
    }

    #[test]
    fn numbers_are_one_identity_however_they_are_written() {
        let one = Version::numeric("001").unwrap();
        assert!(one.same_as(&Version::numeric("1").unwrap()));
        assert!(!one.same_as(&Version::numeric("10").unwrap()));
        assert!(
            Version::numeric("1.0")
                .unwrap()
                .same_as(&Version::numeric("1").unwrap())
        );
        assert!(!Version::lexical("001").same_as(&Version::lexical("1")));
    }

    #[test]
    fn a_text_sort_key_replaces_the_number() {
        let by_name = |digits: &str, name: &str| {
            Version::numeric(digits)
                .unwrap()
                .sorted_by(name, Collation::Bytes)
        };
        assert!(by_name("10", "10_b.sql") < by_name("9", "9_a.sql"));
        assert!(Version::numeric("9").unwrap() < Version::numeric("10").unwrap());
    }
}
