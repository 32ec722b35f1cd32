//! Reading the files of a pull request, which may be hostile: only regular files, never through
//! a symbolic link, never more than a cap. A migration committed as a symlink to
//! `/proc/self/environ` would otherwise put the runner's secrets into a review comment; one to
//! `/dev/zero` would read without end, and a FIFO would hang the run.
//!
//! The check is `lstat` first (a symlink or anything but a regular file is refused with what it
//! is), then an open with `O_NOFOLLOW | O_NONBLOCK` and an `fstat` of what was opened, so a file
//! swapped for a link or a FIFO in between is refused too, and a bounded read.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most Drydock reads of one file: far above any migration's size (the largest real ones,
/// data dumps, are a few MiB), far below what would exhaust a runner's memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A symbolic link (to `target`).
    Symlink { target: String },
    /// Not a regular file: a directory, FIFO, socket or device.
    NotRegular { kind: &'static str },
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// The file could not be read.
    Io(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Symlink { target } => write!(f, "it is a symbolic link (to {target})"),
            Refusal::NotRegular { kind } => write!(f, "it is a {kind}, not a regular file"),
            Refusal::TooLarge => write!(f, "it is larger than {} MiB", MAX_FILE_BYTES >> 20),
            Refusal::Io(error) => f.write_str(error),
        }
    }
}

/// The whole file, if it is a regular file (not a link) of at most [`MAX_FILE_BYTES`].
pub fn regular_file(path: &Path) -> Result<Vec<u8>, Refusal> {
    let bytes = read_at_most(path, MAX_FILE_BYTES + 1)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge);
    }
    Ok(bytes)
}

/// The first `limit` bytes of a regular file (for format detection).
pub fn head(path: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
    read_at_most(path, limit)
}

/// Whether `path` is a regular file, looked at without following a link.
pub fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Whether `path` is a directory, looked at without following a link.
pub fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
    let io = |e: std::io::Error| Refusal::Io(e.to_string());
    let metadata = std::fs::symlink_metadata(path).map_err(io)?;
    if metadata.file_type().is_symlink() {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_else(|_| "an unreadable target".into());
        return Err(Refusal::Symlink { target });
    }
    refuse_irregular(&metadata)?;
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    refuse_irregular(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

fn refuse_irregular(metadata: &Metadata) -> Result<(), Refusal> {
    let t = metadata.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else {
        "special file"
    };
    Err(Refusal::NotRegular { kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_fifos_devices_and_large_files_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let secret = t.path().join("secret");
        std::fs::write(&secret, "GITHUB_TOKEN=canary").unwrap();
        let link = t.path().join("1_link.sql");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert!(matches!(regular_file(&link), Err(Refusal::Symlink { .. })));
        let zero = t.path().join("2_zero.sql");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(matches!(regular_file(&zero), Err(Refusal::Symlink { .. })));
        assert_eq!(
            regular_file(Path::new("/dev/zero")),
            Err(Refusal::NotRegular { kind: "device" })
        );
        let fifo = t.path().join("3_fifo.sql");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            regular_file(&fifo),
            Err(Refusal::NotRegular { kind: "FIFO" })
        );
        let big = t.path().join("4_big.sql");
        let f = File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert_eq!(regular_file(&big), Err(Refusal::TooLarge));
        assert_eq!(regular_file(&secret).unwrap(), b"GITHUB_TOKEN=canary");
    }
}
