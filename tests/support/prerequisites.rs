//! What the database tests need and how they skip without it: a developer's `cargo test`
//! without PostgreSQL binaries or Docker skips those tests and says so; under CI (`CI` set) a
//! missing prerequisite fails the test, since .ci/run provides them.

/// Says `what` is missing: panics under CI, else prints that the test is skipped. Returns true.
pub fn missing(what: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required in CI (.ci/run installs it)");
    }
    eprintln!("skipping: {what} is not available on this machine");
    true
}

/// True (after [`missing`]) when this machine has no PostgreSQL server binaries for the local
/// provider.
pub fn no_local_postgres() -> bool {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.path().join("bin/initdb").is_file());
    !found && missing("PostgreSQL server binaries (initdb)")
}
